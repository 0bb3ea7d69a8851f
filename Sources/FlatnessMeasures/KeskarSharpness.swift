import Datasets

/// Settings of Keskar et al.'s ε-sharpness (spec §G.7).
public struct KeskarSettings: Sendable, Equatable {
  /// The box sizes ε (default 1e-3 and 5e-4, as Keskar et al. 2017).
  public var epsilons: [Double] = [1e-3, 5e-4]
  /// The maximizer: projected sign-gradient ascent (see ``BoxAscentSettings``). Defaults:
  /// 10 steps (Keskar et al. ran about 10 L-BFGS-B iterations), step fraction 0.25 (any
  /// corner of the box is reachable in 4 steps), and full-batch gradients on the evaluation
  /// subset (`batchSize` = `Int.max`), so every iterate's loss is the subset loss and the
  /// maximum is taken over all iterates.
  public var ascent: BoxAscentSettings = {
    var s = BoxAscentSettings()
    s.steps = 10
    s.stepFraction = 0.25
    s.batchSize = Int.max
    return s
  }()
  /// Which parameters the box spans (default all, Keskar's full space; `weights` leaves biases
  /// fixed, e.g. for a network stored without biases).
  public var perturbed: PerturbedParameters = .all
  /// Seed of the minibatch draws (unused with full-batch ascent).
  public var seed: UInt64 = 0

  /// Default settings.
  public init() {}

  /// Checks the settings; the error names the bad value.
  public func validate() throws(FlatnessError) {
    try ascent.validate()
    for e in epsilons where !(e > 0 && e.isFinite) {
      throw .invalidSetting("Keskar epsilon \(e)", hint: "use ε > 0, e.g. 1e-3 or 5e-4")
    }
  }
}

/// Keskar ε-sharpness at one ε.
public struct KeskarResult: Sendable, Equatable {
  /// The box size ε.
  public var epsilon: Double
  /// φ(w, ε) = 100·(max L̂(w + y) − L̂(w)) / (1 + L̂(w)).
  public var sharpness: Double
  /// L̂(w) on the evaluation subset.
  public var baselineLoss: Double
  /// The largest loss found in the box.
  public var maximumLoss: Double
  /// The settings used.
  public var settings: KeskarSettings
}

/// The registry id for Keskar sharpness at ε: `keskar_sharpness_eps1e-3`,
/// `keskar_sharpness_eps5e-4`, …
public func keskarMeasureID(epsilon: Double) -> String {
  var exponent = 0
  var mantissa = epsilon
  while mantissa < 1, exponent > -30 {
    mantissa *= 10
    exponent -= 1
  }
  let rounded = (mantissa * 1e6).rounded() / 1e6
  let m = rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
  return "keskar_sharpness_eps\(m)e\(exponent)"
}

/// Keskar et al. 2017's ε-sharpness (arXiv:1609.04836, metric 2.2; spec §G.7):
/// `φ(w, ε) = 100·(max_{y ∈ C_ε} L̂(w + y) − L̂(w)) / (1 + L̂(w))`, with the full-space box
/// `C_ε = { y : |y_i| ≤ ε(|w_i| + 1) }` over every parameter (or the weights only, see
/// ``KeskarSettings/perturbed``) and L̂ the training
/// cross-entropy on the evaluation subset.
///
/// Maximizer (documented substitute for Keskar's L-BFGS-B): projected sign-gradient ascent
/// from y = 0 (``KeskarSettings``); the maximum is over all iterates and the end point, so
/// φ ≥ 0 always.
///
/// - Parameters:
///   - context: Model, trained parameters, evaluation subset and unperturbed loss.
///   - epsilon: ε > 0.
///   - settings: The maximizer's settings.
///   - shouldCancel: Polled before every ascent step and before the final evaluation.
/// - Returns: φ with the losses used.
/// - Throws: ``FlatnessError/invalidSetting(_:hint:)`` for bad settings,
///   ``FlatnessError/cancelled`` when `shouldCancel` returned true.
/// - Complexity: `steps` gradient evaluations plus one forward pass over the subset.
public func keskarSharpness<Model>(
  context: FlatnessContext<Model>, epsilon: Double, settings: KeskarSettings = .init(),
  shouldCancel: () -> Bool = { false }
) throws(FlatnessError) -> KeskarResult {
  try settings.validate()
  guard epsilon > 0, epsilon.isFinite else {
    throw .invalidSetting("Keskar epsilon \(epsilon)", hint: "use ε > 0, e.g. 1e-3 or 5e-4")
  }
  let w = context.parameters
  let mask = context.model.layout.mask(for: settings.perturbed)
  let radii = w.indices.map { mask[$0] ? Float(epsilon * (Double(abs(w[$0])) + 1)) : 0 }
  var batches = Xoshiro256StarStar(seed: settings.seed, purpose: .keskarBatches)
  let run = projectedBoxAscent(
    model: context.model, center: w, radii: radii, start: [Float](repeating: 0, count: w.count),
    pool: context.examples, settings: settings.ascent, batchRNG: &batches, shouldCancel: shouldCancel)
  if run.wasCancelled { throw .cancelled }
  try checkCancellation(shouldCancel)
  var end = w
  for i in 0..<w.count { end[i] = w[i] + run.perturbation[i] }
  let baselineLoss = context.baseline.meanLoss
  var maximum = context.model.evaluate(parameters: end, examples: context.examples).meanLoss
  let fullBatch = settings.ascent.batchSize >= context.examples.count
  if fullBatch {
    for loss in run.lossTrace where loss > maximum || loss.isNaN { maximum = loss }
  }
  if baselineLoss > maximum { maximum = baselineLoss }
  let phi = 100 * (maximum - baselineLoss) / (1 + baselineLoss)
  return KeskarResult(epsilon: epsilon, sharpness: phi, baselineLoss: baselineLoss, maximumLoss: maximum, settings: settings)
}
