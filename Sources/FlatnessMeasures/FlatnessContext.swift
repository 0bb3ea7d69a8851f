/// The network and data one set of flatness searches runs on: the trained parameters w, the
/// optional initial parameters w⁰, and the fixed seeded subset of training examples on which
/// every accuracy and loss is measured.
///
/// The unperturbed accuracy `acc(w)` and loss `L̂(w)` on that subset are computed once here;
/// every deviation is measured against them (not against another perturbed network, the bug
/// of the decodable-information-bottleneck port, spec §7).
public struct FlatnessContext<Model: PerturbableClassifier> {
  /// The classifier.
  public let model: Model
  /// Trained parameters w, `model.layout.count` entries.
  public let parameters: [Float]
  /// Initial parameters w⁰, needed by the `*_init` measures (and the magnitude-aware
  /// `*_orig` forms, whose denominator uses `w − w⁰`, spec §G.4).
  public let initialParameters: [Float]?
  /// The training-example indices accuracies and losses are measured on (sorted).
  public let examples: [Int]
  /// The requested subset size (`nil` = full training set).
  public let subsetSize: Int?
  /// The seed the subset was drawn with.
  public let subsetSeed: UInt64
  /// Accuracy and loss of the unperturbed network on `examples`.
  public let baseline: ClassifierEvaluation

  /// Prepares a context and measures the unperturbed network once.
  ///
  /// - Parameters:
  ///   - model: The classifier.
  ///   - parameters: Trained θ, `model.layout.count` entries.
  ///   - initialParameters: θ at initialization, same length, or `nil`.
  ///   - subsetSize: Examples to measure on (a fixed seeded subset), `nil` for all m.
  ///   - seed: Seed of the subset draw.
  /// - Throws: ``FlatnessError/invalidInput(_:hint:)`` when a vector has the wrong length,
  ///   the training set is empty or `subsetSize < 1`.
  /// - Complexity: One forward pass over the subset.
  public init(
    model: Model, parameters: [Float], initialParameters: [Float]? = nil, subsetSize: Int? = nil, seed: UInt64 = 0
  ) throws(FlatnessError) {
    let count = model.layout.count
    guard parameters.count == count else {
      throw .invalidInput(
        "parameter vector has \(parameters.count) entries, the model has \(count)",
        hint: "pass the flat parameters in the model's layout order")
    }
    if let initial = initialParameters, initial.count != count {
      throw .invalidInput(
        "initial parameter vector has \(initial.count) entries, the model has \(count)",
        hint: "the initial weights must come from the same architecture")
    }
    guard model.trainingExampleCount > 0 else {
      throw .invalidInput("the training set is empty", hint: "give at least one training example")
    }
    if let size = subsetSize, size < 1 {
      throw .invalidInput("subset size \(size)", hint: "use a subset size ≥ 1, or omit it for the full training set")
    }
    self.model = model
    self.parameters = parameters
    self.initialParameters = initialParameters
    self.subsetSize = subsetSize
    self.subsetSeed = seed
    examples = seededExampleSubset(exampleCount: model.trainingExampleCount, size: subsetSize, seed: seed)
    baseline = model.evaluate(parameters: parameters, examples: examples)
  }

  /// m: the full training-set size (used in the `log(m/σ)` terms).
  public var trainingExampleCount: Int { model.trainingExampleCount }

  /// The data settings as a detail object.
  var dataDetail: DetailValue {
    .object([
      "examples_used": .int(examples.count), "training_examples": .int(trainingExampleCount),
      "subset_seed": .int(Int(truncatingIfNeeded: subsetSeed)),
      "baseline_accuracy": .double(baseline.accuracy), "baseline_loss": .double(baseline.meanLoss),
    ])
  }

  /// `Σ_i (w_i − r_i)²` over weight entries only (biases excluded, spec §1.1); `r = 0` when
  /// `reference` is `nil`.
  func weightDistanceSquared(from reference: [Float]?) -> Double {
    var sum = 0.0
    for segment in model.layout.segments where segment.kind == .weight {
      for i in segment.range {
        let d = Double(parameters[i]) - Double(reference?[i] ?? 0)
        sum += d * d
      }
    }
    return sum
  }

  /// `w_i − w⁰_i` for every weight entry, in layout order.
  func weightDifferences(from reference: [Float]) -> [Double] {
    var out: [Double] = []
    out.reserveCapacity(model.layout.weightCount)
    for segment in model.layout.segments where segment.kind == .weight {
      for i in segment.range { out.append(Double(parameters[i]) - Double(reference[i])) }
    }
    return out
  }
}
