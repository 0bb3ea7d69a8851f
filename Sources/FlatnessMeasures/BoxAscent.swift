import Datasets

/// Settings of the adversarial inner loop: projected sign-gradient ascent in a box.
///
/// Step rule (steepest ascent for the ℓ∞ geometry of the box, i.e. the PGD of Madry et al.
/// 2018 applied to parameters): `u_i ← clip(u_i + η·r_i·sign(g_i), −r_i, r_i)`, with `g` the
/// gradient of the training cross-entropy at `w + u` on a minibatch, `r_i` the box half-width
/// of parameter i and η = `stepFraction`. Scaling each step by `r_i` makes the trajectory
/// equivariant under node-wise rescaling when the box is `|u_i| ≤ α′|w_i|` — the property the
/// magnitude-aware measure exists for — and needs no learning rate tuned to the gradient's
/// scale (the PGDL baseline's fixed 1e-3 step barely moves a converged network, spec §3.6).
public struct BoxAscentSettings: Sendable, Equatable {
  /// Ascent steps per restart (default 20, as the PGDL baseline).
  public var steps: Int = 20
  /// Minibatch size of each gradient (default 128), drawn with replacement from the
  /// evaluation subset; a size ≥ the subset uses the whole subset (full-batch ascent).
  public var batchSize: Int = 128
  /// η: step length as a fraction of the box half-width (default 2.5/20 = 0.125, so a run
  /// can cross the box 2.5 times).
  public var stepFraction: Double = 0.125

  /// Default settings.
  public init() {}

  /// The settings as a detail object.
  public var detail: DetailValue {
    .object([
      "method": .string("projected_sign_gradient_ascent"), "steps": .int(steps), "batch_size": .int(batchSize),
      "step_fraction": .double(stepFraction), "objective": .string("training_cross_entropy"),
    ])
  }

  /// Checks the settings; the error names the bad value.
  public func validate() throws(FlatnessError) {
    guard steps >= 0, steps <= FlatnessLimits.maximumCount else {
      throw .invalidSetting("ascent steps \(steps)", hint: "use 0…\(FlatnessLimits.maximumCount) steps (default 20)")
    }
    guard batchSize >= 1 else { throw .invalidSetting("ascent batch size \(batchSize)", hint: "use ≥ 1 (default 128)") }
    guard stepFraction > 0, stepFraction.isFinite else {
      throw .invalidSetting("ascent step fraction \(stepFraction)", hint: "use a fraction > 0 (default 0.125)")
    }
  }
}

/// The end point of one box-constrained ascent run.
struct BoxAscentRun {
  /// The final perturbation u (inside the box).
  var perturbation: [Float]
  /// The minibatch loss at each iterate before its step (`steps` values, fewer when cancelled).
  var lossTrace: [Double]
  /// Whether `shouldCancel` stopped the run before its last step.
  var wasCancelled = false
}

/// Runs projected sign-gradient ascent on the training cross-entropy inside the box
/// `|u_i| ≤ r_i` around `w`.
///
/// - Parameters:
///   - model: The classifier.
///   - center: w, the trained parameters.
///   - radii: Box half-widths r_i ≥ 0 (0 for parameters that are not perturbed).
///   - start: The initial perturbation, inside the box.
///   - pool: Training-example indices minibatches are drawn from.
///   - settings: Steps, batch size, step fraction.
///   - batchRNG: The stream minibatches are drawn from.
///   - onStep: Called with u after every step (tests check it never leaves the box).
///   - shouldCancel: Polled before every step; returning true ends the run early with
///     `wasCancelled` set.
/// - Returns: The final perturbation and the loss trace.
/// - Complexity: `steps` gradient evaluations on minibatches of `batchSize`.
func projectedBoxAscent<Model: PerturbableClassifier>(
  model: Model, center: [Float], radii: [Float], start: [Float], pool: [Int], settings: BoxAscentSettings,
  batchRNG: inout Xoshiro256StarStar, onStep: (([Float]) -> Void)? = nil, shouldCancel: () -> Bool = { false }
) -> BoxAscentRun {
  var u = start
  var point = center
  let count = center.count
  let eta = Float(settings.stepFraction)
  var trace: [Double] = []
  trace.reserveCapacity(settings.steps)
  for i in 0..<count { point[i] = center[i] + u[i] }
  for _ in 0..<settings.steps {
    if shouldCancel() { return BoxAscentRun(perturbation: u, lossTrace: trace, wasCancelled: true) }
    let batch = drawBatch(from: pool, size: settings.batchSize, rng: &batchRNG)
    let step = model.lossAndGradient(parameters: point, examples: batch)
    trace.append(step.loss)
    step.gradient.withUnsafeBufferPointer { g in
      for i in 0..<count where radii[i] > 0 {
        let gi = g[i]
        // sign(g_i); a zero or NaN gradient entry leaves u_i where it is.
        let direction: Float = gi > 0 ? 1 : (gi < 0 ? -1 : 0)
        let r = radii[i]
        let next = u[i] + eta * r * direction
        u[i] = min(max(next, -r), r)
        point[i] = center[i] + u[i]
      }
    }
    onStep?(u)
  }
  return BoxAscentRun(perturbation: u, lossTrace: trace)
}

/// Box half-widths for a geometry: `α` (isotropic) or `α·|w_i| + ε` (magnitude-aware), and 0
/// for parameters outside `mask`.
func boxRadii(center: [Float], scale: Double, geometry: PerturbationGeometry, epsilon: Double, mask: [Bool]) -> [Float] {
  var radii = [Float](repeating: 0, count: center.count)
  for i in 0..<center.count where mask[i] {
    switch geometry {
    case .isotropic: radii[i] = Float(scale)
    case .magnitudeAware: radii[i] = Float(scale * Double(abs(center[i])) + epsilon)
    }
  }
  return radii
}
