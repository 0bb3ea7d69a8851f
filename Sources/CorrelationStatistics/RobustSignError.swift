import Foundation

/// The robust sign-error of a measure (Dziugaite et al. 2020, "In Search of Robust Measures
/// of Generalization", NeurIPS 2020, §4 and the released `experiments/coupled_networks`).
///
/// An *environment* is an ordered pair of configurations that differ in exactly one
/// hyperparameter. Over all run pairs (r₁ from the first configuration, r₂ from the second,
/// every seed combination) the sign-error is `(1 − sgn(μ₁ − μ₂)·sgn(g₁ − g₂))/2` ∈ {0, ½, 1},
/// weighted by the Hoeffding weight of the gap difference (see ``hoeffdingWeight(gapDifference:testSetSize:)``).
/// The environment's loss is `Σ w·e / Σ w`; environments with effective sample size
/// `(Σw)²/Σw² < 12` (or Σw = 0) are dropped. Reported: mean, max ("robust" worst case),
/// median and 90th percentile of the kept environments' losses, overall and per axis.
public struct RobustSignError: Sendable, Equatable {
  /// The losses of environments that vary one axis.
  public struct Axis: Sendable, Equatable {
    /// The hyperparameter varied.
    public var name: String
    /// Directed environments kept.
    public var environmentsKept: Int
    /// Mean loss over them; `nil` when none was kept.
    public var mean: Double?
    /// Largest loss; `nil` when none was kept.
    public var max: Double?
  }

  /// Mean environment loss (lower is better); `nil` when no environment was kept.
  public var mean: Double?
  /// Largest environment loss, the robust worst case.
  public var max: Double?
  /// Median environment loss (linear interpolation).
  public var median: Double?
  /// 90th percentile of the environment losses (linear interpolation).
  public var p90: Double?
  /// Directed environments (ordered configuration pairs differing in one axis) considered.
  public var environmentsConsidered: Int
  /// Directed environments kept by the effective-sample-size filter.
  public var environmentsKept: Int
  /// Per-axis summaries, in grid order.
  public var axes: [Axis]
  /// Runs used (finite measure and gap, on the grid).
  public var runsUsed: Int
  /// Why the summaries are `nil`, or `nil` when defined.
  public var undefinedReason: UndefinedReason?
}

/// Dziugaite et al.'s Monte-Carlo noise filter for a gap difference.
///
/// `w = max(0, 1 − 2·exp(−2n(Δ/2)²))²`, then `w − 0.5` if w > 0.5, else 0 (Hoeffding's bound
/// on the test error estimated from n test examples). With n = 10000: Δ = 0.02 → 0.032,
/// Δ = 0.03 → 0.456, Δ ≥ 0.05 → ≈ 0.5.
///
/// - Parameters:
///   - gapDifference: Δ = |g₁ − g₂| (error-gap units, fractions).
///   - testSetSize: n, the number of test examples behind each gap.
/// - Returns: The weight in [0, 0.5].
public func hoeffdingWeight(gapDifference delta: Double, testSetSize n: Int) -> Double {
  let raw = max(0, 1 - 2 * exp(-2 * Double(n) * (delta / 2) * (delta / 2)))
  let w = raw * raw
  return w > 0.5 ? w - 0.5 : 0
}

/// Computes the robust sign-error of a measure over a hyperparameter grid.
///
/// Seeds are always kept (every seed combination of the two configurations enters the
/// environment), as in Dziugaite et al.
///
/// - Parameters:
///   - measure: One value per run (grid run order); NaN/±Inf runs are excluded.
///   - gap: The error gap per run; NaN/±Inf runs are excluded.
///   - grid: The runs' hyperparameters.
///   - testSetSize: The test-set size n for the Hoeffding weights.
///   - minimumEffectiveSampleSize: The ESS filter, 12 in the paper.
/// - Returns: The summaries; `nil` with ``UndefinedReason/noEnvironments`` when no
///   environment passes the filter.
/// - Precondition: `measure.count == gap.count == grid.runCount`, `testSetSize > 0`.
/// - Complexity: O(Σ_environments s₁·s₂) for s seeds per configuration.
public func robustSignError(
  measure: [Double], gap: [Double], grid: HyperparameterGrid, testSetSize: Int,
  minimumEffectiveSampleSize: Double = 12
) -> RobustSignError {
  precondition(measure.count == grid.runCount && gap.count == grid.runCount, "length mismatch")
  precondition(testSetSize > 0, "test-set size must be positive")
  let n = grid.axisCount
  let configurations = grid.configurationCount
  var runsOf = [[Int]](repeating: [], count: configurations)
  var runsUsed = 0
  for run in 0..<grid.runCount {
    let c = Int(grid.configurationOfRun[run])
    guard c >= 0, measure[run].isFinite, gap[run].isFinite else { continue }
    runsOf[c].append(run)
    runsUsed += 1
  }
  var losses: [Double] = []
  var considered = 0
  var axes: [RobustSignError.Axis] = []
  for axis in 0..<n {
    let others = (0..<n).filter { $0 != axis }
    let (lineOf, lineCount) = groupCodes(
      levels: grid.configurationLevels, axisCount: n, axes: others)
    var lines = [[Int]](repeating: [], count: lineCount)
    for c in 0..<configurations where !runsOf[c].isEmpty { lines[Int(lineOf[c])].append(c) }
    var axisLosses: [Double] = []
    for line in lines where line.count >= 2 {
      for a in 0..<line.count {
        for b in (a + 1)..<line.count {
          considered += 2
          var sumW = 0.0
          var sumW2 = 0.0
          var sumWE = 0.0
          for r1 in runsOf[line[a]] {
            for r2 in runsOf[line[b]] {
              let dg = gap[r1] - gap[r2]
              let w = hoeffdingWeight(gapDifference: abs(dg), testSetSize: testSetSize)
              guard w > 0 else { continue }
              let dm = measure[r1] - measure[r2]
              let s = Double((dm > 0 ? 1 : (dm < 0 ? -1 : 0)) * (dg > 0 ? 1 : (dg < 0 ? -1 : 0)))
              sumW += w
              sumW2 += w * w
              sumWE += w * (1 - s) / 2
            }
          }
          guard sumW > 0, sumW * sumW / sumW2 >= minimumEffectiveSampleSize else { continue }
          // The loss of (a, b) equals that of (b, a): count both directions.
          axisLosses.append(sumWE / sumW)
          axisLosses.append(sumWE / sumW)
        }
      }
    }
    losses += axisLosses
    axes.append(
      .init(
        name: grid.axisNames[axis], environmentsKept: axisLosses.count,
        mean: axisLosses.isEmpty ? nil : axisLosses.reduce(0, +) / Double(axisLosses.count),
        max: axisLosses.max()))
  }
  var result = RobustSignError(
    mean: nil, max: nil, median: nil, p90: nil, environmentsConsidered: considered,
    environmentsKept: losses.count, axes: axes, runsUsed: runsUsed, undefinedReason: nil)
  guard !losses.isEmpty else {
    result.undefinedReason = .noEnvironments
    return result
  }
  losses.sort()
  result.mean = losses.reduce(0, +) / Double(losses.count)
  result.max = losses.last
  result.median = quantile(sorted: losses, 0.5)
  result.p90 = quantile(sorted: losses, 0.9)
  return result
}
