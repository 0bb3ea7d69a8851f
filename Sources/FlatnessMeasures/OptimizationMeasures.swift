import Datasets

/// A training log, as the optimization-based measures read it (spec §H).
///
/// - `checkpoints`: the training cross-entropy measured at known optimizer step counts (the
///   full-training-set CE at each epoch end, plus any checks inside an epoch), in any order.
///   Step counts are cumulative optimizer steps since initialization, so runs with different
///   batch sizes compare in steps, not epochs.
/// - `epochLosses`: one training loss per epoch, in epoch order (the value the log stores for
///   the epoch, e.g. the mean minibatch loss), for the sum-of-training-losses measures.
public struct TrainingLog: Sendable, Equatable {
  /// One training-CE measurement.
  public struct Checkpoint: Sendable, Equatable {
    /// Cumulative optimizer steps when the CE was measured.
    public var step: Int
    /// Training cross-entropy in nats (NaN for a diverged run).
    public var crossEntropy: Double

    /// Creates a checkpoint.
    public init(step: Int, crossEntropy: Double) {
      self.step = step
      self.crossEntropy = crossEntropy
    }
  }

  /// CE measurements at step counts.
  public var checkpoints: [Checkpoint]
  /// Per-epoch training losses in epoch order.
  public var epochLosses: [Double]

  /// Creates a log.
  public init(checkpoints: [Checkpoint], epochLosses: [Double]) {
    self.checkpoints = checkpoints
    self.epochLosses = epochLosses
  }
}

/// The optimization-based measures of Jiang et al. 2020 (§C, "optimization-based"; spec §H)
/// and the sum-of-training-losses measures, from a training log.
///
/// - `steps_to_ce_0p1`: the step count of the first checkpoint (in step order) whose CE is
///   ≤ 0.1; undefined if none is.
/// - `steps_ce_0p1_to_0p01`: first step with CE ≤ 0.01 minus first step with CE ≤ 0.1;
///   undefined if CE never reaches 0.01.
/// - `sotl`: Σ of all epoch losses; `sotl_10`: Σ of the last 10 (of all when fewer; the
///   count used is in the detail). A NaN epoch loss makes the sum NaN: a diverged run's sum
///   is not a number, and is stored as NaN.
///
/// Resolution: a threshold is detected only at a checkpoint, so the step counts are upper
/// bounds with the granularity of the log (one epoch = ⌈m/B⌉ steps unless the trainer checks
/// inside epochs); the detail records the number of checkpoints.
///
/// - Parameter log: The training log.
/// - Returns: Four values, ids `steps_to_ce_0p1`, `steps_ce_0p1_to_0p01`, `sotl`, `sotl_10`.
/// - Complexity: O(n log n) in the number of checkpoints.
public func optimizationMeasures(log: TrainingLog) -> [FlatnessMeasureValue] {
  let ordered = log.checkpoints.sorted { $0.step < $1.step }
  func firstStep(atMost threshold: Double) -> Int? {
    ordered.first { $0.crossEntropy <= threshold }?.step
  }
  let logDetail: DetailValue = .object([
    "checkpoints": .int(ordered.count), "first_step": ordered.first.map { .int($0.step) } ?? .null,
    "last_step": ordered.last.map { .int($0.step) } ?? .null,
    "resolution": .string("first checkpoint at or below the threshold"),
  ])
  var out: [FlatnessMeasureValue] = []
  let to01 = firstStep(atMost: 0.1)
  let to001 = firstStep(atMost: 0.01)
  out.append(
    FlatnessMeasureValue(
      id: "steps_to_ce_0p1", value: to01.map(Double.init),
      undefinedReason: to01 == nil ? "training cross-entropy never reached 0.1 in the log" : nil, detail: logDetail))
  let between: Double? = (to01 != nil && to001 != nil) ? Double(to001! - to01!) : nil
  out.append(
    FlatnessMeasureValue(
      id: "steps_ce_0p1_to_0p01", value: between,
      undefinedReason: between == nil ? "training cross-entropy never reached 0.01 in the log" : nil,
      detail: logDetail))
  let all = log.epochLosses
  let last = Array(all.suffix(10))
  func sum(_ xs: [Double]) -> Double { xs.reduce(0, +) }
  out.append(
    FlatnessMeasureValue(
      id: "sotl", value: all.isEmpty ? nil : sum(all), undefinedReason: all.isEmpty ? "no epochs in the log" : nil,
      detail: .object(["epochs_used": .int(all.count)])))
  out.append(
    FlatnessMeasureValue(
      id: "sotl_10", value: last.isEmpty ? nil : sum(last),
      undefinedReason: last.isEmpty ? "no epochs in the log" : nil,
      detail: .object(["epochs_used": .int(last.count), "window": .int(10)])))
  return out
}

/// How gradient noise is estimated.
public enum GradientNoiseMethod: Sendable, Equatable {
  /// Exact per-example variance on the evaluation subset:
  /// `(1/n) Σ_i ‖∇ℓ_i − ḡ‖² = (1/n) Σ_i ‖∇ℓ_i‖² − ‖ḡ‖²`, with ḡ the subset's mean gradient.
  case perExample
  /// Minibatch estimate: `B · (1/K) Σ_k ‖g_k − ḡ‖²` over K minibatches of size B drawn
  /// with replacement from the subset (for sampling with replacement,
  /// `E‖g_B − ḡ‖² = Var_per-example / B`, spec §3.7).
  case minibatch(batchSize: Int, batches: Int)
}

/// `grad_noise_final`: the variance of per-example loss gradients at the evaluated
/// checkpoint (Jiang et al. 2020 §C, "gradient noise"; spec §H, §3.7), over all parameters
/// (weights and biases), in nats² per parameter-unit².
///
/// - Parameters:
///   - context: Model, parameters and evaluation subset.
///   - method: Exact per-example (default) or the minibatch estimate.
///   - seed: Seed of the minibatch draws (minibatch method only).
///   - shouldCancel: Polled before the mean gradient, before the per-example norms and before
///     every minibatch.
/// - Returns: The value with the method, batch size and example count in its detail.
/// - Throws: ``FlatnessError/invalidSetting(_:hint:)`` for a bad batch size or count,
///   ``FlatnessError/cancelled`` when `shouldCancel` returned true.
/// - Complexity: per-example: one full-subset gradient plus the model's per-example norm
///   routine (O(n) backward passes by default); minibatch: K + 1 gradients.
public func gradientNoise<Model>(
  context: FlatnessContext<Model>, method: GradientNoiseMethod = .perExample, seed: UInt64 = 0,
  shouldCancel: () -> Bool = { false }
) throws(FlatnessError) -> FlatnessMeasureValue {
  try checkCancellation(shouldCancel)
  let w = context.parameters
  let mean = context.model.lossAndGradient(parameters: w, examples: context.examples).gradient
  var meanSquared = 0.0
  for v in mean { meanSquared += Double(v) * Double(v) }
  var detail: [String: DetailValue] = [
    "examples_used": .int(context.examples.count), "parameters": .string("all"),
    "mean_gradient_norm_sq": .double(meanSquared),
  ]
  var variance: Double
  switch method {
  case .perExample:
    try checkCancellation(shouldCancel)
    let norms = context.model.perExampleGradientSquaredNorms(parameters: w, examples: context.examples)
    variance = norms.reduce(0, +) / Double(norms.count) - meanSquared
    detail["method"] = .string("per_example")
  case .minibatch(let batchSize, let batches):
    guard batchSize >= 1, batches >= 1 else {
      throw .invalidSetting(
        "gradient-noise minibatch \(batchSize)×\(batches)", hint: "use a batch size ≥ 1 and ≥ 1 batch, e.g. 128×50")
    }
    var rng = Xoshiro256StarStar(seed: seed, purpose: .gradientNoiseBatches)
    var total = 0.0
    for _ in 0..<batches {
      try checkCancellation(shouldCancel)
      let batch = (0..<batchSize).map { _ in context.examples[Int(rng.next() % UInt64(context.examples.count))] }
      let g = context.model.lossAndGradient(parameters: w, examples: batch).gradient
      var s = 0.0
      for i in 0..<g.count {
        let d = Double(g[i]) - Double(mean[i])
        s += d * d
      }
      total += s
    }
    variance = Double(batchSize) * total / Double(batches)
    detail["method"] = .string("minibatch")
    detail["batch_size"] = .int(batchSize)
    detail["batches"] = .int(batches)
    detail["seed"] = .int(Int(truncatingIfNeeded: seed))
  }
  // Cancellation can leave a tiny negative value; a variance is ≥ 0. (NaN stays NaN.)
  if variance < 0 { variance = 0 }
  return FlatnessMeasureValue(id: "grad_noise_final", value: variance, detail: .object(detail))
}
