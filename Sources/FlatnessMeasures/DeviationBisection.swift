/// Settings of the bisection every flatness search runs on its perturbation scale.
///
/// Defaults are Jiang et al. 2020's as implemented in the Dziugaite et al. code (spec §3.5):
/// interval [0, 2] (so the first cold probe is 1), 15 bisections, target deviation 0.1,
/// tolerance 0.01.
public struct BisectionSettings: Sendable, Equatable {
  /// Lower end of the search interval (≥ 0).
  public var lower: Double = 0
  /// Upper end of the search interval (> lower).
  public var upper: Double = 2
  /// Maximum number of bisection steps (the search depth).
  public var depth: Int = 15
  /// Target accuracy deviation d (a fraction of the training set).
  public var targetDeviation: Double = 0.1
  /// The search stops as soon as `|deviation − d| < tolerance`.
  public var tolerance: Double = 0.01
  /// Warm start: the bracket tried around a previous result `s` is `[s / f, s·f]`.
  public var warmStartFactor: Double = 2

  /// Default settings.
  public init() {}

  /// The settings as a detail object.
  public var detail: DetailValue {
    .object([
      "interval": .array([.double(lower), .double(upper)]), "depth": .int(depth),
      "target_deviation": .double(targetDeviation), "tolerance": .double(tolerance),
      "warm_start_factor": .double(warmStartFactor),
    ])
  }

  /// Checks the settings; the error names the bad value.
  public func validate() throws(FlatnessError) {
    guard lower >= 0, upper > lower, upper.isFinite else {
      throw .invalidSetting("search interval [\(lower), \(upper)]", hint: "use 0 ≤ lower < upper < ∞, e.g. [0, 2]")
    }
    guard depth >= 1, depth <= FlatnessLimits.maximumCount else {
      throw .invalidSetting("search depth \(depth)", hint: "use a depth of 1…\(FlatnessLimits.maximumCount) (default 15)")
    }
    guard targetDeviation > 0, targetDeviation < 1 else {
      throw .invalidSetting("target deviation \(targetDeviation)", hint: "use a fraction in (0, 1), e.g. 0.1")
    }
    guard tolerance > 0, tolerance < targetDeviation else {
      throw .invalidSetting("tolerance \(tolerance)", hint: "use 0 < tolerance < target deviation, e.g. 0.01")
    }
    guard warmStartFactor > 1, warmStartFactor.isFinite else {
      throw .invalidSetting("warm-start factor \(warmStartFactor)", hint: "use a factor > 1, e.g. 2")
    }
  }
}

/// How a bisection ended.
public enum BisectionStatus: String, Sendable, Codable {
  /// A probe hit the target within the tolerance; the result is that probe's scale.
  case converged
  /// All `depth` steps were used without hitting the tolerance (the deviation jumps across
  /// the target, or the target is out of reach inside the interval); the result is the
  /// last probe's scale.
  case depthExhausted = "depth_exhausted"
}

/// One evaluation of the deviation at a scale.
public struct BisectionProbe: Sendable, Equatable {
  /// The perturbation scale probed (σ, σ′, α or α′).
  public var scale: Double
  /// The accuracy deviation measured there.
  public var deviation: Double
}

/// The outcome of a bisection on a perturbation scale.
public struct BisectionOutcome: Sendable, Equatable {
  /// The scale returned (σ, σ′, α or α′).
  public var scale: Double
  /// The deviation measured at `scale`.
  public var deviation: Double
  /// Converged or depth exhausted.
  public var status: BisectionStatus
  /// Every probe in order (warm-start bracket checks included).
  public var probes: [BisectionProbe]
  /// Whether the search started from a previous result.
  public var warmStarted: Bool

  /// Diagnostics as a detail object.
  public var detail: DetailValue {
    .object([
      "status": .string(status.rawValue), "final_deviation": .double(deviation),
      "probe_count": .int(probes.count), "warm_started": .bool(warmStarted),
      "probes": .array(probes.map { .array([.double($0.scale), .double($0.deviation)]) }),
    ])
  }
}

/// Finds the largest scale whose deviation is within tolerance of the target, by bisection.
///
/// The deviation is assumed to grow with the scale (bigger perturbations hurt more). Cold
/// start: `lo = lower`, `hi = upper`, probe `(lo + hi)/2`; if `|dev − d| < tol` stop, else
/// move `hi` down when `dev > d` and `lo` up otherwise, for at most `depth` steps. Warm start
/// from a previous result `s`: probe `s` first (stop if it is within tolerance), then check the
/// bracket end `s/f` (or `s·f`, capped at `upper`) and fall back to the cold end when the
/// bracket does not contain the target; then bisect for up to `depth` steps.
///
/// - Parameters:
///   - settings: Interval, depth, target, tolerance, warm-start factor.
///   - warmStart: A previous result to start from, or `nil`; ignored unless finite and
///     inside `(lower, upper]`.
///   - deviation: The deviation at a scale. A NaN deviation counts as "too large" (the
///     perturbed network broke), so the search moves to smaller scales. An error it throws
///     (e.g. ``FlatnessError/cancelled``) ends the search and is rethrown.
/// - Returns: The scale, its deviation, the status and all probes.
/// - Complexity: At most `depth + 3` calls of `deviation`.
func bisectDeviation<E: Error>(
  settings: BisectionSettings, warmStart: Double?, deviation: (Double) throws(E) -> Double
) throws(E) -> BisectionOutcome {
  var probes: [BisectionProbe] = []
  let d = settings.targetDeviation
  func probe(_ s: Double) throws(E) -> Double {
    let dev = try deviation(s)
    probes.append(BisectionProbe(scale: s, deviation: dev))
    return dev
  }
  func hits(_ dev: Double) -> Bool { abs(dev - d) < settings.tolerance }
  func tooLarge(_ dev: Double) -> Bool { dev.isNaN || dev > d }

  var lo = settings.lower
  var hi = settings.upper
  var warm = false
  if let s = warmStart, s.isFinite, s > settings.lower, s <= settings.upper {
    warm = true
    let dev = try probe(s)
    if hits(dev) {
      return BisectionOutcome(scale: s, deviation: dev, status: .converged, probes: probes, warmStarted: true)
    }
    if tooLarge(dev) {
      hi = s
      let candidate = max(settings.lower, s / settings.warmStartFactor)
      if candidate > settings.lower {
        let devLow = try probe(candidate)
        if hits(devLow) {
          return BisectionOutcome(scale: candidate, deviation: devLow, status: .converged, probes: probes, warmStarted: true)
        }
        if tooLarge(devLow) { hi = candidate } else { lo = candidate }
      }
    } else {
      lo = s
      let candidate = min(settings.upper, s * settings.warmStartFactor)
      if candidate < settings.upper {
        let devHigh = try probe(candidate)
        if hits(devHigh) {
          return BisectionOutcome(scale: candidate, deviation: devHigh, status: .converged, probes: probes, warmStarted: true)
        }
        if tooLarge(devHigh) { hi = candidate } else { lo = candidate }
      }
    }
  }
  var last = BisectionProbe(scale: (lo + hi) / 2, deviation: .nan)
  for _ in 0..<settings.depth {
    let s = (lo + hi) / 2
    let dev = try probe(s)
    last = BisectionProbe(scale: s, deviation: dev)
    if hits(dev) {
      return BisectionOutcome(scale: s, deviation: dev, status: .converged, probes: probes, warmStarted: warm)
    }
    if tooLarge(dev) { hi = s } else { lo = s }
  }
  return BisectionOutcome(
    scale: last.scale, deviation: last.deviation, status: .depthExhausted, probes: probes, warmStarted: warm)
}

/// Errors of the flatness searches: a bad setting or input, named with its value, or a
/// cancellation requested through a `shouldCancel` hook.
public enum FlatnessError: Error, Equatable, CustomStringConvertible {
  /// A setting is out of range; carries the setting with its value and a hint.
  case invalidSetting(String, hint: String)
  /// An input does not fit the model (wrong parameter count, no examples, …).
  case invalidInput(String, hint: String)
  /// The caller's `shouldCancel` hook returned true (e.g. the user pressed Ctrl-C); the
  /// searches stopped between probes, ascent steps or batches and computed no values.
  case cancelled

  public var description: String {
    switch self {
    case .invalidSetting(let what, _): return "invalid setting: \(what)"
    case .invalidInput(let what, _): return "invalid input: \(what)"
    case .cancelled: return "the perturbation searches were cancelled"
    }
  }

  /// A one-line suggestion for the user.
  public var hint: String {
    switch self {
    case .invalidSetting(_, let hint), .invalidInput(_, let hint): return hint
    case .cancelled: return "run the searches again to get their values"
    }
  }
}

/// Throws ``FlatnessError/cancelled`` when `shouldCancel` returns true.
@inline(__always)
func checkCancellation(_ shouldCancel: () -> Bool) throws(FlatnessError) {
  if shouldCancel() { throw .cancelled }
}
