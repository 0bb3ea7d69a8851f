/// What the flatness searches need from a model: a classifier with a flat parameter vector θ.
///
/// The searches never mutate the model. They hand it a full parameter vector (the trained
/// parameters plus a perturbation) and ask for accuracy and mean cross-entropy on a set of
/// training examples, or for the mean loss gradient on a minibatch. That makes the same search
/// code run on the tiny reference networks of the tests and on FeedForward's MLP.
///
/// Shapes and units:
/// - `parameters` has `layout.count` entries, in the order `layout` describes (for an MLP:
///   `W_1` row-major, `b_1`, `W_2`, `b_2`, …; row `j` of `W_i` holds unit `j`'s incoming
///   weights).
/// - `examples` are indices into the model's training set, `0..<trainingExampleCount`. They
///   may repeat (minibatches drawn with replacement) and need not be sorted.
/// - Accuracy is a fraction in [0, 1]; losses are mean softmax cross-entropy in nats.
///
/// NaN and ±Inf in parameters or outputs are data: implementations must propagate them
/// (a NaN loss stays NaN) and never crash on them.
public protocol PerturbableClassifier {
  /// Which entries of θ are weights and which are biases, in order.
  var layout: ParameterLayout { get }

  /// The number of training examples `m` the indices refer to.
  var trainingExampleCount: Int { get }

  /// Accuracy and mean cross-entropy of the network with parameters `parameters` on the
  /// given training examples.
  ///
  /// - Parameters:
  ///   - parameters: A full parameter vector, `layout.count` entries.
  ///   - examples: Training-example indices; an empty list gives `count == 0`.
  /// - Returns: Correct predictions, example count and mean loss. Cost: one forward pass.
  func evaluate(parameters: [Float], examples: [Int]) -> ClassifierEvaluation

  /// Mean cross-entropy and its gradient with respect to every parameter, over `examples`.
  ///
  /// - Parameters:
  ///   - parameters: A full parameter vector, `layout.count` entries.
  ///   - examples: Training-example indices (a minibatch), at least one.
  /// - Returns: The mean loss and `∂(mean loss)/∂θ`, `layout.count` entries. Cost: one
  ///   forward and one backward pass.
  func lossAndGradient(parameters: [Float], examples: [Int]) -> LossAndGradient

  /// `‖∇_θ ℓ_i‖²` for each example `i` in `examples`: the squared norm of one example's
  /// loss gradient with respect to all parameters.
  ///
  /// The default implementation calls ``lossAndGradient(parameters:examples:)`` once per
  /// example (O(n) backward passes). Models with a cheaper route (for a dense layer the
  /// per-example weight gradient is an outer product, so its squared norm is
  /// `‖δ_i‖²·‖a_i‖²`) should override it.
  func perExampleGradientSquaredNorms(parameters: [Float], examples: [Int]) -> [Double]
}

extension PerturbableClassifier {
  public func perExampleGradientSquaredNorms(parameters: [Float], examples: [Int]) -> [Double] {
    examples.map { index in
      let g = lossAndGradient(parameters: parameters, examples: [index]).gradient
      var sum = 0.0
      for v in g { sum += Double(v) * Double(v) }
      return sum
    }
  }
}

/// Correct-prediction count, example count and mean loss from one evaluation pass.
public struct ClassifierEvaluation: Sendable, Equatable {
  /// Examples whose arg-max logit equals the label.
  public var correct: Int
  /// Examples evaluated.
  public var count: Int
  /// Mean softmax cross-entropy in nats (NaN if any logit was NaN).
  public var meanLoss: Double

  /// Creates an evaluation result.
  public init(correct: Int, count: Int, meanLoss: Double) {
    self.correct = correct
    self.count = count
    self.meanLoss = meanLoss
  }

  /// `correct / count`, a fraction in [0, 1]; NaN when `count == 0`.
  public var accuracy: Double { count == 0 ? .nan : Double(correct) / Double(count) }
}

/// Mean loss and its gradient over a minibatch.
public struct LossAndGradient: Sendable {
  /// Mean softmax cross-entropy in nats.
  public var loss: Double
  /// `∂(mean loss)/∂θ`, one entry per parameter, in layout order.
  public var gradient: [Float]

  /// Creates a loss/gradient pair.
  public init(loss: Double, gradient: [Float]) {
    self.loss = loss
    self.gradient = gradient
  }
}

/// Whether a parameter is a weight (counts in norms, ω and distances) or a bias.
public enum ParameterKind: String, Sendable, Codable, CaseIterable {
  case weight
  case bias
}

/// One contiguous block of θ: a layer's weight matrix or bias vector.
public struct ParameterSegment: Sendable, Equatable {
  /// A readable name such as `"layer1.weight"`.
  public var name: String
  /// Index of the block's first entry in θ.
  public var offset: Int
  /// Number of entries.
  public var count: Int
  /// Weight or bias.
  public var kind: ParameterKind

  /// Creates a segment.
  public init(name: String, offset: Int, count: Int, kind: ParameterKind) {
    self.name = name
    self.offset = offset
    self.count = count
    self.kind = kind
  }

  /// `offset..<offset + count`.
  public var range: Range<Int> { offset..<(offset + count) }
}

/// The layout of θ as consecutive named segments.
public struct ParameterLayout: Sendable, Equatable {
  /// Segments in order; each starts where the previous one ends.
  public let segments: [ParameterSegment]

  /// Builds a layout from `(name, count, kind)` blocks laid end to end.
  ///
  /// - Parameter blocks: Block names, sizes (≥ 0) and kinds, in θ order.
  public init(_ blocks: [(name: String, count: Int, kind: ParameterKind)]) {
    var offset = 0
    var segments: [ParameterSegment] = []
    for block in blocks {
      precondition(block.count >= 0, "Parameter block \(block.name) has negative size \(block.count)")
      segments.append(ParameterSegment(name: block.name, offset: offset, count: block.count, kind: block.kind))
      offset += block.count
    }
    self.segments = segments
  }

  /// Total number of parameters (weights and biases).
  public var count: Int { segments.last.map { $0.offset + $0.count } ?? 0 }

  /// ω: the number of weight entries (biases excluded, as in Jiang et al. 2020).
  public var weightCount: Int { segments.filter { $0.kind == .weight }.reduce(0) { $0 + $1.count } }

  /// A mask over θ: `true` for the entries a perturbation touches under `selection`.
  public func mask(for selection: PerturbedParameters) -> [Bool] {
    var mask = [Bool](repeating: selection == .all, count: count)
    if selection == .weights {
      for segment in segments where segment.kind == .weight {
        for i in segment.range { mask[i] = true }
      }
    }
    return mask
  }
}

/// Which parameters a perturbation search perturbs. Recorded with every result.
///
/// Jiang et al. 2020 and the Dziugaite et al. code perturb every parameter (weights, biases,
/// folded BatchNorm); gapdb's default, ``all``, follows them.
public enum PerturbedParameters: String, Sendable, Codable, CaseIterable {
  /// Weights and biases.
  case all
  /// Weight matrices only; biases stay at their trained values.
  case weights
}
