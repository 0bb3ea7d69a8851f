/// A percentile bootstrap confidence interval for Kendall's τ_a and τ_b.
public struct KendallBootstrap: Sendable, Equatable {
  /// Lower and upper ends of the interval for τ_a; `nil` when no resample defined τ.
  public var tauA: ClosedRange<Double>?
  /// Lower and upper ends of the interval for τ_b.
  public var tauB: ClosedRange<Double>?
  /// Confidence level, e.g. 0.95.
  public var confidenceLevel: Double
  /// Resamples drawn.
  public var resamples: Int
  /// Resamples in which τ was undefined (for example every drawn gap equal); left out.
  public var undefinedResamples: Int
}

/// Percentile bootstrap intervals for τ_a and τ_b (Efron & Tibshirani 1993, ch. 13).
///
/// Draws `resamples` samples of the finite pairs with replacement from a seeded SplitMix64
/// generator, computes τ on each with Knight's algorithm, and takes the (1−level)/2 and
/// (1+level)/2 quantiles with linear interpolation (numpy's default). The same seed and data
/// give the same interval on every platform.
///
/// - Parameters:
///   - x: The measure per run; non-finite pairs are excluded first.
///   - y: The gap per run, same length.
///   - resamples: Number of bootstrap samples B (≥ 1).
///   - seed: The generator seed.
///   - confidenceLevel: In (0, 1); default 0.95.
/// - Returns: The intervals, `nil` ends when fewer than 2 finite pairs exist or no resample
///   defined τ.
/// - Complexity: O(B · n log n).
public func bootstrapKendallTau(
  _ x: [Double], _ y: [Double], resamples: Int, seed: UInt64, confidenceLevel: Double = 0.95
) -> KendallBootstrap {
  precondition(x.count == y.count, "x has \(x.count) values, y has \(y.count)")
  precondition(resamples >= 1, "resamples must be at least 1")
  precondition(confidenceLevel > 0 && confidenceLevel < 1, "confidence level must be in (0, 1)")
  var xs: [Double] = []
  var ys: [Double] = []
  for i in x.indices where x[i].isFinite && y[i].isFinite {
    xs.append(x[i])
    ys.append(y[i])
  }
  var result = KendallBootstrap(
    tauA: nil, tauB: nil, confidenceLevel: confidenceLevel, resamples: resamples,
    undefinedResamples: 0)
  let n = xs.count
  guard n >= 2 else {
    result.undefinedResamples = resamples
    return result
  }
  var generator = StatisticsRandom(seed: seed)
  var tauA: [Double] = []
  var tauB: [Double] = []
  var bx = [Double](repeating: 0, count: n)
  var by = [Double](repeating: 0, count: n)
  for _ in 0..<resamples {
    for k in 0..<n {
      let i = Int(generator.next(upperBound: UInt64(n)))
      bx[k] = xs[i]
      by[k] = ys[i]
    }
    let counts = KendallCounts.knight(x: bx, y: by)
    if let a = counts.tauA, let b = counts.tauB {
      tauA.append(a)
      tauB.append(b)
    } else {
      result.undefinedResamples += 1
    }
  }
  let lowQ = (1 - confidenceLevel) / 2
  let highQ = 1 - lowQ
  if !tauA.isEmpty {
    tauA.sort()
    tauB.sort()
    result.tauA = quantile(sorted: tauA, lowQ)...quantile(sorted: tauA, highQ)
    result.tauB = quantile(sorted: tauB, lowQ)...quantile(sorted: tauB, highQ)
  }
  return result
}

/// The q-quantile of ascending values with linear interpolation (numpy's default method).
func quantile(sorted values: [Double], _ q: Double) -> Double {
  precondition(!values.isEmpty)
  let position = q * Double(values.count - 1)
  let lower = Int(position.rounded(.down))
  let upper = min(lower + 1, values.count - 1)
  let fraction = position - Double(lower)
  return values[lower] + (values[upper] - values[lower]) * fraction
}

/// SplitMix64 (Steele, Lea & Flood 2014), with Lemire's unbiased bounded draw; small, fast and
/// identical on every platform, so bootstrap intervals are reproducible from the seed.
struct StatisticsRandom {
  private var state: UInt64
  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform integer in 0..<bound (bound > 0), without modulo bias.
  mutating func next(upperBound bound: UInt64) -> UInt64 {
    var product = next().multipliedFullWidth(by: bound)
    if product.low < bound {
      let threshold = (0 &- bound) % bound
      while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
    }
    return product.high
  }
}
