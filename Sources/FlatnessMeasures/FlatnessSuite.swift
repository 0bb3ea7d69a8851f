import Foundation

/// The searches the suite can run.
public enum FlatnessSearch: String, Sendable, CaseIterable {
  case pacBayes = "pacbayes"
  case pacBayesMagnitude = "pacbayes_mag"
  case sharpness
  case sharpnessMagnitude = "sharpness_mag"
  case keskar
  case gradientNoise = "grad_noise"
}

/// Settings of the whole perturbation suite; the cost-control knobs are `subsetSize`,
/// `pacBayes.draws`, `*.bisection.depth`, `sharpness.restarts`, `sharpness.ascent.steps`
/// and `searches`.
public struct FlatnessSuiteSettings: Sendable, Equatable {
  /// Examples every accuracy/loss is measured on: a fixed seeded subset of this size, or the
  /// full training set when `nil` (default 10,000).
  public var subsetSize: Int? = 10_000
  /// Seed of the subset draw.
  public var subsetSeed: UInt64 = 0
  /// PAC-Bayes σ / σ′ search settings.
  public var pacBayes = PACBayesSettings()
  /// Sharpness α / α′ search settings.
  public var sharpness = SharpnessSettings()
  /// Keskar ε-sharpness settings.
  public var keskar = KeskarSettings()
  /// Gradient-noise estimator.
  public var gradientNoise: GradientNoiseMethod = .perExample
  /// Which searches to run (default all).
  public var searches: Set<FlatnessSearch> = Set(FlatnessSearch.allCases)

  /// Default settings.
  public init() {}

  /// Sets the seed of every search and of the subset.
  public mutating func setSeed(_ seed: UInt64) {
    subsetSeed = seed
    pacBayes.seed = seed
    sharpness.seed = seed
    keskar.seed = seed
  }
}

/// Warm-start scales carried from one checkpoint to the next.
public struct FlatnessWarmStart: Sendable, Equatable {
  /// Previous σ.
  public var pacBayesSigma: Double?
  /// Previous σ′.
  public var pacBayesMagnitudeSigma: Double?
  /// Previous α.
  public var sharpnessAlpha: Double?
  /// Previous α′.
  public var sharpnessMagnitudeAlpha: Double?

  /// No warm start.
  public init(
    pacBayesSigma: Double? = nil, pacBayesMagnitudeSigma: Double? = nil, sharpnessAlpha: Double? = nil,
    sharpnessMagnitudeAlpha: Double? = nil
  ) {
    self.pacBayesSigma = pacBayesSigma
    self.pacBayesMagnitudeSigma = pacBayesMagnitudeSigma
    self.sharpnessAlpha = sharpnessAlpha
    self.sharpnessMagnitudeAlpha = sharpnessMagnitudeAlpha
  }

  /// Reads the scales back from stored values (ids `pacbayes_sigma`, `pacbayes_mag_sigma`,
  /// `sharpness_alpha`, `sharpness_mag_alpha`), e.g. the previous checkpoint's.
  public init(values: [FlatnessMeasureValue]) {
    func find(_ id: String) -> Double? { values.first { $0.id == id }?.value }
    self.init(
      pacBayesSigma: find("pacbayes_sigma"), pacBayesMagnitudeSigma: find("pacbayes_mag_sigma"),
      sharpnessAlpha: find("sharpness_alpha"), sharpnessMagnitudeAlpha: find("sharpness_mag_alpha"))
  }
}

/// Everything the suite computed at one checkpoint.
public struct FlatnessReport: Sendable {
  /// One value per measure id, each with its settings and diagnostics in `detail`.
  public var values: [FlatnessMeasureValue]
  /// Wall-clock seconds per search.
  public var seconds: [FlatnessSearch: Double]
  /// Scales to warm-start the next checkpoint with.
  public var warmStart: FlatnessWarmStart
}

/// Runs the perturbation suite (PAC-Bayes σ and σ′, sharpness α and α′, Keskar
/// ε-sharpness, gradient noise) at one checkpoint and turns the scales into measures.
///
/// Measures that need w⁰ are undefined (value `nil`, with a reason) when `context` has no
/// initial parameters. Every value's `detail` carries the settings used (interval, depth,
/// draws, target, tolerance, ε, perturbed parameters, seed, subset size) and the search's
/// diagnostics (status, final deviation, probes), ready for `measure_value.detail`.
///
/// - Parameters:
///   - context: Model, parameters, optional initial parameters, evaluation subset.
///   - settings: The suite's settings (the subset settings are taken from `context`).
///   - warmStart: Scales from the previous checkpoint, or none.
///   - willRun: Called before each search (e.g. to refresh a run's heartbeat during a long
///     suite).
///   - shouldCancel: Polled between probes, noise draws, ascent steps and minibatches (and
///     before each search); once it returns true the suite stops within one forward/backward
///     pass and throws ``FlatnessError/cancelled``, returning no partial values.
/// - Returns: The values, timings and next warm start.
/// - Throws: ``FlatnessError`` for bad settings, ``FlatnessError/cancelled`` on cancellation.
public func runFlatnessSuite<Model>(
  context: FlatnessContext<Model>, settings: FlatnessSuiteSettings, warmStart: FlatnessWarmStart = .init(),
  willRun: (FlatnessSearch) -> Void = { _ in }, shouldCancel: () -> Bool = { false }
) throws(FlatnessError) -> FlatnessReport {
  var values: [FlatnessMeasureValue] = []
  var seconds: [FlatnessSearch: Double] = [:]
  var next = warmStart
  let m = context.trainingExampleCount
  let omega = context.model.layout.weightCount
  let initial = context.initialParameters
  let noInit = "no initial weights were given"
  func timed<T>(_ search: FlatnessSearch, _ body: () throws(FlatnessError) -> T) throws(FlatnessError) -> T {
    try checkCancellation(shouldCancel)
    willRun(search)
    let start = Date()
    let result = try body()
    seconds[search] = Date().timeIntervalSince(start)
    return result
  }
  func merge(_ parts: DetailValue...) -> DetailValue {
    var out: [String: DetailValue] = [:]
    for case .object(let dict) in parts { out.merge(dict) { _, new in new } }
    return .object(out)
  }
  let data = context.dataDetail
  let distInit = initial.map { context.weightDistanceSquared(from: $0) }
  let normSquared = context.weightDistanceSquared(from: nil)
  let differences = initial.map { context.weightDifferences(from: $0) }

  for geometry in [PerturbationGeometry.isotropic, .magnitudeAware] {
    let search: FlatnessSearch = geometry == .isotropic ? .pacBayes : .pacBayesMagnitude
    guard settings.searches.contains(search) else { continue }
    let previous = geometry == .isotropic ? warmStart.pacBayesSigma : warmStart.pacBayesMagnitudeSigma
    let result = try timed(search) { () throws(FlatnessError) in
      try searchPACBayesSigma(
        context: context, geometry: geometry, settings: settings.pacBayes, warmStart: previous,
        shouldCancel: shouldCancel)
    }
    let s = result.sigma
    let p = settings.pacBayes
    let detail = merge(
      data, p.bisection.detail, result.outcome.detail,
      .object([
        "search": .string("pacbayes_sigma"), "geometry": .string(geometry.rawValue), "draws": .int(p.draws),
        "perturbed": .string(p.perturbed.rawValue), "seed": .int(Int(truncatingIfNeeded: p.seed)),
        "noise_std": .string(geometry == .isotropic ? "sigma" : "sqrt(sigma^2*w_i^2+epsilon^2)"),
        "epsilon": geometry == .isotropic ? .null : .double(p.magnitudeEpsilon), "scale": .double(s),
      ]))
    if geometry == .isotropic {
      next.pacBayesSigma = s
      values.append(FlatnessMeasureValue(id: "pacbayes_sigma", value: s, detail: detail))
      values.append(FlatnessMeasureValue(id: "pacbayes_flatness", value: PerturbationBounds.flatness(scale: s), detail: detail))
      values.append(
        FlatnessMeasureValue(
          id: "pacbayes_init", value: distInit.map { PerturbationBounds.pacBayes(squaredNorm: $0, sigma: s, trainingExamples: m) },
          undefinedReason: initial == nil ? noInit : nil, detail: detail))
      values.append(
        FlatnessMeasureValue(
          id: "pacbayes_orig", value: PerturbationBounds.pacBayes(squaredNorm: normSquared, sigma: s, trainingExamples: m),
          detail: detail))
    } else {
      next.pacBayesMagnitudeSigma = s
      values.append(FlatnessMeasureValue(id: "pacbayes_mag_sigma", value: s, detail: detail))
      values.append(
        FlatnessMeasureValue(id: "pacbayes_mag_flatness", value: PerturbationBounds.flatness(scale: s), detail: detail))
      for (id, r) in [("pacbayes_mag_init", distInit), ("pacbayes_mag_orig", initial == nil ? nil : normSquared)] {
        let value = r.flatMap { r in
          differences.map {
            PerturbationBounds.magnitudeAware(
              squaredNorm: r, differences: $0, scale: s, coefficient: s * s + 1, epsilon: p.magnitudeEpsilon,
              trainingExamples: m)
          }
        }
        values.append(
          FlatnessMeasureValue(id: id, value: value, undefinedReason: value == nil ? noInit : nil, detail: detail))
      }
    }
  }

  for geometry in [PerturbationGeometry.isotropic, .magnitudeAware] {
    let search: FlatnessSearch = geometry == .isotropic ? .sharpness : .sharpnessMagnitude
    guard settings.searches.contains(search) else { continue }
    let previous = geometry == .isotropic ? warmStart.sharpnessAlpha : warmStart.sharpnessMagnitudeAlpha
    let result = try timed(search) { () throws(FlatnessError) in
      try searchSharpnessAlpha(
        context: context, geometry: geometry, settings: settings.sharpness, warmStart: previous,
        shouldCancel: shouldCancel)
    }
    let a = result.alpha
    let q = settings.sharpness
    let detail = merge(
      data, q.bisection.detail, result.outcome.detail, q.ascent.detail,
      .object([
        "search": .string("sharpness_alpha"), "geometry": .string(geometry.rawValue), "restarts": .int(q.restarts),
        "perturbed": .string(q.perturbed.rawValue), "seed": .int(Int(truncatingIfNeeded: q.seed)),
        "box": .string(geometry == .isotropic ? "|u_i| <= alpha" : "|u_i| <= alpha*|w_i| + epsilon"),
        "epsilon": geometry == .isotropic ? .null : .double(q.magnitudeEpsilon), "delta": .double(q.delta),
        "deviation": .string("acc(w) - min over restarts acc(w+u)"), "scale": .double(a),
      ]))
    let logFactor = log(2 * Double(omega) / q.delta)
    if geometry == .isotropic {
      next.sharpnessAlpha = a
      values.append(FlatnessMeasureValue(id: "sharpness_alpha", value: a, detail: detail))
      values.append(FlatnessMeasureValue(id: "sharpness_flatness", value: PerturbationBounds.flatness(scale: a), detail: detail))
      values.append(
        FlatnessMeasureValue(
          id: "sharpness_init",
          value: distInit.map {
            PerturbationBounds.sharpness(squaredNorm: $0, alpha: a, weightCount: omega, delta: q.delta, trainingExamples: m)
          }, undefinedReason: initial == nil ? noInit : nil, detail: detail))
      values.append(
        FlatnessMeasureValue(
          id: "sharpness_orig",
          value: PerturbationBounds.sharpness(
            squaredNorm: normSquared, alpha: a, weightCount: omega, delta: q.delta, trainingExamples: m),
          detail: detail))
    } else {
      next.sharpnessMagnitudeAlpha = a
      values.append(FlatnessMeasureValue(id: "sharpness_mag_alpha", value: a, detail: detail))
      values.append(
        FlatnessMeasureValue(id: "sharpness_mag_flatness", value: PerturbationBounds.flatness(scale: a), detail: detail))
      for (id, r) in [("sharpness_mag_init", distInit), ("sharpness_mag_orig", initial == nil ? nil : normSquared)] {
        let value = r.flatMap { r in
          differences.map {
            PerturbationBounds.magnitudeAware(
              squaredNorm: r, differences: $0, scale: a, coefficient: a * a + 4 * logFactor,
              epsilon: q.magnitudeEpsilon, trainingExamples: m)
          }
        }
        values.append(
          FlatnessMeasureValue(id: id, value: value, undefinedReason: value == nil ? noInit : nil, detail: detail))
      }
    }
  }

  if settings.searches.contains(.keskar) {
    let results = try timed(.keskar) { () throws(FlatnessError) in
      var out: [KeskarResult] = []
      for e in settings.keskar.epsilons {
        out.append(try keskarSharpness(context: context, epsilon: e, settings: settings.keskar, shouldCancel: shouldCancel))
      }
      return out
    }
    for r in results {
      let detail = merge(
        data, settings.keskar.ascent.detail,
        .object([
          "epsilon": .double(r.epsilon), "box": .string("|y_i| <= epsilon*(|w_i|+1)"), "perturbed": .string(settings.keskar.perturbed.rawValue),
          "baseline_loss": .double(r.baselineLoss), "maximum_loss": .double(r.maximumLoss),
          "maximizer": .string("projected sign-gradient ascent from y=0, max over iterates"),
          "seed": .int(Int(truncatingIfNeeded: settings.keskar.seed)),
        ]))
      values.append(FlatnessMeasureValue(id: keskarMeasureID(epsilon: r.epsilon), value: r.sharpness, detail: detail))
    }
  }

  if settings.searches.contains(.gradientNoise) {
    var value = try timed(.gradientNoise) { () throws(FlatnessError) in
      try gradientNoise(
        context: context, method: settings.gradientNoise, seed: settings.pacBayes.seed, shouldCancel: shouldCancel)
    }
    value.detail = merge(data, value.detail)
    values.append(value)
  }
  return FlatnessReport(values: values, seconds: seconds, warmStart: next)
}
