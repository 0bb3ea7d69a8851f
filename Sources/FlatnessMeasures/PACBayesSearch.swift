import Datasets
import Foundation

/// Settings of the PAC-Bayes σ search (spec §3.5, §G.2, §G.4).
public struct PACBayesSettings: Sendable, Equatable {
  /// Interval, depth, target deviation and tolerance (defaults [0, 2], 15, 0.1, 0.01).
  public var bisection = BisectionSettings()
  /// M: Monte-Carlo noise draws per probe (default 10).
  public var draws: Int = 10
  /// ε of the magnitude-aware noise std `sqrt(σ′²·w_i² + ε²)` (default 1e-3).
  public var magnitudeEpsilon: Double = 1e-3
  /// Which parameters are perturbed (default all, as Jiang et al.).
  public var perturbed: PerturbedParameters = .all
  /// Seed of the noise draws.
  public var seed: UInt64 = 0

  /// Default settings.
  public init() {}

  /// Checks the settings; the error names the bad value.
  public func validate() throws(FlatnessError) {
    try bisection.validate()
    guard draws >= 1, draws <= FlatnessLimits.maximumCount else {
      throw .invalidSetting("Monte-Carlo draws \(draws)", hint: "use 1…\(FlatnessLimits.maximumCount) draws (default 10)")
    }
    guard magnitudeEpsilon >= 0, magnitudeEpsilon.isFinite else {
      throw .invalidSetting("magnitude epsilon \(magnitudeEpsilon)", hint: "use ε ≥ 0 (default 1e-3)")
    }
  }
}

/// Isotropic or magnitude-aware perturbation.
public enum PerturbationGeometry: String, Sendable, Codable {
  /// Same scale for every parameter: noise std σ, or box `|u_i| ≤ α`.
  case isotropic
  /// Scale proportional to the parameter's magnitude plus a floor: std `sqrt(σ′²w_i² + ε²)`,
  /// or box `|u_i| ≤ α′|w_i| + ε`.
  case magnitudeAware = "magnitude_aware"
}

/// The result of one σ (or σ′) search.
public struct PACBayesSearchResult: Sendable, Equatable {
  /// Isotropic (σ) or magnitude-aware (σ′).
  public var geometry: PerturbationGeometry
  /// The bisection outcome; `outcome.scale` is σ or σ′.
  public var outcome: BisectionOutcome
  /// The settings used.
  public var settings: PACBayesSettings

  /// σ (isotropic) or σ′ (magnitude-aware): the noise scale, a standard deviation.
  public var sigma: Double { outcome.scale }
}

/// Searches the largest Gaussian noise scale at which the training accuracy drops by the
/// target deviation: PAC-Bayes σ (isotropic) or σ′ (magnitude-aware).
///
/// Definition (Jiang et al. 2020, §C / eq. 53 and 61; spec §G.2, §G.4): σ is the largest
/// value with `|E_u[acc(w + u)] − acc(w)| ≈ d`, where
/// - isotropic: `u_i ∼ N(0, σ²)`: the noise **standard deviation** is σ;
/// - magnitude-aware: `u_i ∼ N(0, σ′²·w_i² + ε²)`: std `sqrt(σ′²w_i² + ε²)`.
/// (The Dziugaite et al. code passes σ² and `σ′²w_i² + ε²` where a standard deviation is
/// expected, spec §G.5; gapdb does not.) Only parameters selected by
/// `settings.perturbed` receive noise.
///
/// The expectation is the mean over `settings.draws` draws. Draw `k` uses the same standard
/// normal vector `z_k` (seeded by `(seed, k)`) at every probe, scaled by the probe's std
/// (common random numbers), so the deviation is a deterministic function of σ and the result
/// is reproducible from the seed.
///
/// - Parameters:
///   - context: Model, trained parameters, evaluation subset and unperturbed accuracy.
///   - geometry: Isotropic or magnitude-aware.
///   - settings: Bisection, draws, ε, perturbed parameters, seed.
///   - warmStart: A previous σ (e.g. from the previous checkpoint) to start from.
///   - shouldCancel: Polled before every noise draw (one forward pass each).
/// - Returns: σ with the bisection diagnostics.
/// - Throws: ``FlatnessError/invalidSetting(_:hint:)`` for bad settings,
///   ``FlatnessError/cancelled`` when `shouldCancel` returned true.
/// - Complexity: At most `(depth + 3)·draws` forward passes over the evaluation subset, plus
///   O(draws·P) memory for the cached noise when `draws·P ≤ 16M` (else regenerated per use).
public func searchPACBayesSigma<Model>(
  context: FlatnessContext<Model>, geometry: PerturbationGeometry, settings: PACBayesSettings = .init(),
  warmStart: Double? = nil, shouldCancel: () -> Bool = { false }
) throws(FlatnessError) -> PACBayesSearchResult {
  try settings.validate()
  let w = context.parameters
  let count = w.count
  let mask = context.model.layout.mask(for: settings.perturbed)
  let epsilonSquared = settings.magnitudeEpsilon * settings.magnitudeEpsilon
  let (cached, overflow) = settings.draws.multipliedReportingOverflow(by: count)
  let cacheNoise = !overflow && cached <= 16_000_000
  var cache: [[Float]?] = Array(repeating: nil, count: settings.draws)
  func noise(_ k: Int) -> [Float] {
    if let z = cache[k] { return z }
    var rng = Xoshiro256StarStar(seed: settings.seed, purpose: .pacBayesNoise, index: k)
    var z = [Float](repeating: 0, count: count)
    rng.fillStandardNormal(&z)
    if cacheNoise { cache[k] = z }
    return z
  }
  let baseline = context.baseline.accuracy
  let outcome = try bisectDeviation(settings: settings.bisection, warmStart: warmStart) {
    (sigma: Double) throws(FlatnessError) -> Double in
    var total = 0.0
    var perturbed = w
    for k in 0..<settings.draws {
      try checkCancellation(shouldCancel)
      let z = noise(k)
      for i in 0..<count where mask[i] {
        let std: Double
        switch geometry {
        case .isotropic: std = sigma
        case .magnitudeAware:
          let wi = Double(w[i])
          std = (sigma * sigma * wi * wi + epsilonSquared).squareRoot()
        }
        perturbed[i] = Float(Double(w[i]) + std * Double(z[i]))
      }
      total += context.model.evaluate(parameters: perturbed, examples: context.examples).accuracy
    }
    return abs(total / Double(settings.draws) - baseline)
  }
  return PACBayesSearchResult(geometry: geometry, outcome: outcome, settings: settings)
}

/// Closed forms turning σ, σ′, α, α′ into Jiang et al.'s measures (spec §G.2, §G.4, §G.6).
///
/// Norms and distances run over weights only (ω = number of weight entries), as in Jiang
/// et al. and the Dziugaite code; m is the full training-set size.
public enum PerturbationBounds {
  /// `1/s²`: `pacbayes_flatness` (eq. 53), `pacbayes_mag_flatness` (eq. 61),
  /// `sharpness_flatness`, `sharpness_mag_flatness`. +Inf when s = 0.
  public static func flatness(scale s: Double) -> Double { 1 / (s * s) }

  /// `R/(4σ²) + log(m/σ) + 10`: `pacbayes_init` with `R = ‖w − w⁰‖²` (eq. 48) and
  /// `pacbayes_orig` with `R = ‖w‖²` (eq. 49).
  ///
  /// Example (spec §G.2): R = 400, σ = 0.05, m = 50000 gives 40023.8155.
  public static func pacBayes(squaredNorm r: Double, sigma: Double, trainingExamples m: Int) -> Double {
    r / (4 * sigma * sigma) + log(Double(m) / sigma) + 10
  }

  /// The magnitude-aware PAC-Bayes form (eq. 56/57, Dziugaite code form):
  /// `¼ Σ_{i=1}^{ω} log( (ε² + c·R/ω) / (ε² + s²·(w_i − w⁰_i)²) ) + log(m/s) + 10`.
  ///
  /// - Parameters:
  ///   - squaredNorm: R = `‖w − w⁰‖²` (init) or `‖w‖²` (orig), weights only.
  ///   - differences: `w_i − w⁰_i` for each weight (ω entries); the denominator uses these
  ///     for both variants, as the Dziugaite code does (spec §G.4).
  ///   - scale: σ′ (or α′).
  ///   - coefficient: c = `σ′² + 1` for PAC-Bayes, `α′² + 4·log(2ω/δ)` for sharpness.
  ///   - epsilon: ε (1e-3).
  ///   - trainingExamples: m.
  /// - Returns: The measure; +Inf when a denominator is 0 (ε = 0 and `w_i = w⁰_i`).
  public static func magnitudeAware(
    squaredNorm r: Double, differences: [Double], scale s: Double, coefficient c: Double, epsilon: Double,
    trainingExamples m: Int
  ) -> Double {
    let omega = Double(differences.count)
    let e2 = epsilon * epsilon
    let numerator = e2 + c * r / omega
    var sum = 0.0
    for d in differences { sum += log(numerator / (e2 + s * s * d * d)) }
    return sum / 4 + log(Double(m) / s) + 10
  }

  /// Sharpness forms (spec §G.6; constants not verified against the PDF):
  /// `R·log(2ω/δ)/(4α²) + log(m/α) + 10`, with R = `‖w − w⁰‖²` (`sharpness_init`) or
  /// `‖w‖²` (`sharpness_orig`). gapdb's default δ = 1 gives Jiang's `log(2ω)` factor.
  public static func sharpness(
    squaredNorm r: Double, alpha: Double, weightCount omega: Int, delta: Double, trainingExamples m: Int
  ) -> Double {
    r * log(2 * Double(omega) / delta) / (4 * alpha * alpha) + log(Double(m) / alpha) + 10
  }
}
