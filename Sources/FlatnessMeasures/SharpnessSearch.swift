import Datasets

/// Settings of the worst-case sharpness α search (spec §3.6, §G.6).
public struct SharpnessSettings: Sendable, Equatable {
  /// Interval, depth, target deviation and tolerance (defaults [0, 2], 15, 0.1, 0.01).
  public var bisection = BisectionSettings()
  /// The adversarial inner loop.
  public var ascent = BoxAscentSettings()
  /// Restarts per probe (default 3, as PGDL and the DIB port). Restart 0 starts at w; the
  /// others at a uniform random point of the box.
  public var restarts: Int = 3
  /// ε of the magnitude-aware box `|u_i| ≤ α′|w_i| + ε` (default 1e-6).
  ///
  /// Not the PAC-Bayes 1e-3: an adversary moves every parameter coherently, so the floor alone
  /// acts like a plain box of size ε. On 784-1024-10 after one epoch of Fashion-MNIST the plain
  /// search ends at α ≈ 4e-4 < 1e-3, so with ε = 1e-3 the floor alone exceeds the target and
  /// α′ collapses to 0 for every network (`scripts/bench_flatness_baseline.py`). With 1e-6 the
  /// floor's share of the deviation stays around 1% while zero weights can still move.
  public var magnitudeEpsilon: Double = 1e-6
  /// Which parameters are perturbed (default all).
  public var perturbed: PerturbedParameters = .all
  /// δ in the `log(2ω/δ)` factor of `sharpness_init/orig` and `sharpness_mag_init/orig`
  /// (default 1, giving Jiang's `log(2ω)`).
  public var delta: Double = 1
  /// Seed of the restart points and minibatches.
  public var seed: UInt64 = 0

  /// Default settings.
  public init() {}

  /// Checks the settings; the error names the bad value.
  public func validate() throws(FlatnessError) {
    try bisection.validate()
    try ascent.validate()
    guard restarts >= 1, restarts <= FlatnessLimits.maximumCount else {
      throw .invalidSetting("restarts \(restarts)", hint: "use 1…\(FlatnessLimits.maximumCount) restarts (default 3)")
    }
    guard magnitudeEpsilon >= 0, magnitudeEpsilon.isFinite else {
      throw .invalidSetting("magnitude epsilon \(magnitudeEpsilon)", hint: "use ε ≥ 0 (default 1e-6)")
    }
    guard delta > 0, delta.isFinite else { throw .invalidSetting("delta \(delta)", hint: "use δ > 0 (default 1)") }
  }
}

/// The result of one α (or α′) search.
public struct SharpnessSearchResult: Sendable, Equatable {
  /// Plain box (α) or magnitude-aware box (α′).
  public var geometry: PerturbationGeometry
  /// The bisection outcome; `outcome.scale` is α or α′.
  public var outcome: BisectionOutcome
  /// The settings used.
  public var settings: SharpnessSettings

  /// α (plain box half-width) or α′ (relative half-width).
  public var alpha: Double { outcome.scale }
}

/// Searches the largest box in which an adversary can lower the training accuracy by the
/// target deviation: worst-case sharpness α (plain box `|u_i| ≤ α`) or α′ (magnitude-aware
/// box `|u_i| ≤ α′|w_i| + ε`).
///
/// Definition (Jiang et al. 2020, §C sharpness measures; spec §G.6): α is the largest value
/// with `acc(w) − min_{u ∈ box(α)} acc(w + u) ≈ d`. The inner minimum is approximated by
/// `restarts` runs of projected sign-gradient **ascent** on the training cross-entropy (see
/// ``BoxAscentSettings``), each ending with an accuracy evaluation on the evaluation subset;
/// the worst accuracy over restarts is compared with the **unperturbed** accuracy `acc(w)`.
/// (The PGDL baseline descends instead of ascending, and the DIB port compares two perturbed
/// networks; spec §3.6, §7.) Restart r uses the same unit start point and the same
/// minibatch sequence at every probe (seeded by `(seed, r)`), so the search is reproducible.
///
/// - Parameters:
///   - context: Model, trained parameters, evaluation subset and unperturbed accuracy.
///   - geometry: Plain or magnitude-aware box.
///   - settings: Bisection, inner loop, restarts, ε, perturbed parameters, seed.
///   - warmStart: A previous α to start from.
///   - shouldCancel: Polled before every ascent step and every restart's evaluation.
/// - Returns: α with the bisection diagnostics.
/// - Throws: ``FlatnessError/invalidSetting(_:hint:)`` for bad settings,
///   ``FlatnessError/cancelled`` when `shouldCancel` returned true.
/// - Complexity: At most `(depth + 3)·restarts` × (`steps` minibatch gradients + one forward
///   pass over the evaluation subset).
public func searchSharpnessAlpha<Model>(
  context: FlatnessContext<Model>, geometry: PerturbationGeometry, settings: SharpnessSettings = .init(),
  warmStart: Double? = nil, shouldCancel: () -> Bool = { false }
) throws(FlatnessError) -> SharpnessSearchResult {
  try settings.validate()
  let w = context.parameters
  let mask = context.model.layout.mask(for: settings.perturbed)
  // Unit start points in [-1, 1]^P, scaled by the box radii at each probe.
  let unitStarts: [[Float]] = (0..<settings.restarts).map { r in
    if r == 0 { return [Float](repeating: 0, count: w.count) }
    var rng = Xoshiro256StarStar(seed: settings.seed, purpose: .sharpnessStart, index: r)
    return (0..<w.count).map { _ in Float(2 * rng.nextUnit() - 1) }
  }
  let baseline = context.baseline.accuracy
  let outcome = try bisectDeviation(settings: settings.bisection, warmStart: warmStart) {
    (alpha: Double) throws(FlatnessError) -> Double in
    let radii = boxRadii(
      center: w, scale: alpha, geometry: geometry, epsilon: settings.magnitudeEpsilon, mask: mask)
    var worst = Double.infinity
    for r in 0..<settings.restarts {
      var start = unitStarts[r]
      for i in 0..<start.count { start[i] *= radii[i] }
      var batches = Xoshiro256StarStar(seed: settings.seed, purpose: .sharpnessBatches, index: r)
      let run = projectedBoxAscent(
        model: context.model, center: w, radii: radii, start: start, pool: context.examples,
        settings: settings.ascent, batchRNG: &batches, shouldCancel: shouldCancel)
      if run.wasCancelled { throw .cancelled }
      try checkCancellation(shouldCancel)
      var perturbed = w
      for i in 0..<w.count { perturbed[i] = w[i] + run.perturbation[i] }
      let accuracy = context.model.evaluate(parameters: perturbed, examples: context.examples).accuracy
      // NaN accuracy cannot happen for count > 0; keep the smallest.
      worst = min(worst, accuracy)
    }
    return baseline - worst
  }
  return SharpnessSearchResult(geometry: geometry, outcome: outcome, settings: settings)
}
