/// An input a measure needs (a descriptor lists all of its inputs).
///
/// The store keeps two booleans derived from this list (see ``MeasureDescriptor/needsData``
/// and ``MeasureDescriptor/needsInit``); the list itself is shown by `gapdb measures --list`.
public enum MeasureNeed: String, Sendable, CaseIterable {
  /// The trained weights (every measure computed from a network).
  case weights
  /// The weights at initialization, W⁰.
  case initialWeights = "initial_weights"
  /// The network's logits on the training set, with labels (margins, cross-entropy).
  case trainingLogits = "training_logits"
  /// Statistics of the training inputs (mean and max ‖x‖², initial hidden activations).
  case dataStatistics = "data_statistics"
  /// Training examples for forward passes (perturbation searches).
  case trainingData = "training_data"
  /// Loss gradients (backward passes over training examples).
  case gradients
  /// The training log (per-epoch losses, optimizer step counts).
  case trainingLog = "training_log"
}

/// Whether a measure is unchanged by a function-preserving transformation (spec §2.0,
/// columns N, L, O).
public enum Invariance: String, Sendable, CaseIterable {
  /// Exactly invariant.
  case invariant
  /// Invariant up to an ε floor (magnitude-aware measures: exact only for ε = 0).
  case approximately
  /// Not invariant.
  case notInvariant = "not_invariant"
  /// The notion does not apply (measures of the training trajectory).
  case notApplicable = "not_applicable"

  /// The store's and `gapdb measures --list`'s 0/1 flag: `true` only for exact invariance
  /// (`approximately` and `notApplicable` map to `false`). This is the one place the enum
  /// is mapped to booleans.
  public var isExact: Bool { self == .invariant }

  /// `.invariant` for `true`, `.notInvariant` for `false` (registries that only know exact
  /// invariance).
  public init(exact: Bool) { self = exact ? .invariant : .notInvariant }
}

/// How expensive a measure is, beyond training itself, in order of cost.
public enum MeasureCost: String, Sendable, CaseIterable {
  /// Read off the training log: free.
  case trainingLog = "training_log"
  /// Arithmetic on per-layer weight statistics (norms, one SVD or power iteration per layer,
  /// shared by every such measure): milliseconds for an MLP of a few hundred units.
  case weights
  /// Also one forward pass over the fixed margin subset (logits the trainer computes anyway)
  /// or over the training inputs once per run.
  case forwardPass = "forward_pass"
  /// One backward pass per example of the measurement subset (gradient noise, few steps of
  /// sign-gradient ascent).
  case gradientPasses = "gradient_passes"
  /// A search: bisection over a noise scale or box size, with Monte-Carlo draws or projected
  /// gradient ascent at every step: seconds to minutes per evaluation.
  case search
}

/// One entry of gapdb's measure catalogue: identity, documentation, inputs, invariances and
/// cost, as plain data.
///
/// Every measure gapdb computes — from weights alone, with training logits, by perturbation
/// search or from the training log — is described by one value of this type; the measure
/// libraries (ComplexityMeasures, FlatnessMeasures) list theirs, `gapdb measures --list`
/// prints them and the recorder writes them into the store's `measure` table.
public struct MeasureDescriptor: Sendable, Equatable, Identifiable {
  /// Stable snake_case id (the store's `measure.id`); never reused for a different measure.
  public var id: String
  /// Short human-readable name.
  public var name: String
  /// What the measure is, in a sentence or two (conventions, which margin).
  public var description: String
  /// The formula in the spec's notation (plain text with Unicode math).
  public var formula: String
  /// Paper and equation (and code) it comes from, and where gapdb departs from it.
  public var source: String
  /// Its inputs, in a stable order (`gapdb measures --list` joins them with commas).
  public var needs: [MeasureNeed]
  /// Invariance to node-wise rescaling of a hidden ReLU unit (spec column N).
  public var nodeWiseRescaling: Invariance
  /// Invariance to layer-wise rescaling between layers (spec column L).
  public var layerWiseRescaling: Invariance
  /// Invariance to scaling the output by c > 0 (spec column O).
  public var outputScaling: Invariance
  /// How expensive it is.
  public var cost: MeasureCost

  /// Creates a descriptor.
  public init(
    id: String, name: String, description: String, formula: String, source: String, needs: [MeasureNeed],
    nodeWiseRescaling: Invariance, layerWiseRescaling: Invariance, outputScaling: Invariance, cost: MeasureCost
  ) {
    self.id = id
    self.name = name
    self.description = description
    self.formula = formula
    self.source = source
    self.needs = needs
    self.nodeWiseRescaling = nodeWiseRescaling
    self.layerWiseRescaling = layerWiseRescaling
    self.outputScaling = outputScaling
    self.cost = cost
  }

  // MARK: The store's booleans (the `measure` table), derived here and nowhere else.

  /// Whether the measure needs training data (logits, input statistics, forward or backward
  /// passes): the store's `needs_data`.
  public var needsData: Bool {
    needs.contains { [.trainingLogits, .dataStatistics, .trainingData, .gradients].contains($0) }
  }
  /// Whether it needs the initial weights: `needs_init`.
  public var needsInit: Bool { needs.contains(.initialWeights) }
  /// Exactly invariant to node-wise rescaling: `is_node_rescaling_invariant`.
  public var isNodeRescalingInvariant: Bool { nodeWiseRescaling.isExact }
  /// Exactly invariant to layer-wise rescaling: `is_layer_rescaling_invariant`.
  public var isLayerRescalingInvariant: Bool { layerWiseRescaling.isExact }
  /// Exactly invariant to output scaling: `is_output_scaling_invariant`.
  public var isOutputScalingInvariant: Bool { outputScaling.isExact }
}

extension Sequence where Element == MeasureDescriptor {
  /// Ids that occur more than once, in first-occurrence order (empty for a valid catalogue).
  ///
  /// O(n) expected time.
  public func duplicateIDs() -> [String] {
    var seen = Set<String>(), reported = Set<String>(), out: [String] = []
    for d in self where !seen.insert(d.id).inserted && reported.insert(d.id).inserted { out.append(d.id) }
    return out
  }
}
