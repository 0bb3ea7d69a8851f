/// Kendall's τ_a and τ_b, Spearman's ρ and Pearson's r of one measure against one target.
///
/// Non-finite pairs (NaN or ±Inf in either value) are excluded and counted in
/// ``excludedCount``; ``usedCount`` is the number of pairs the statistics use. A statistic is
/// `nil` when it is undefined for the used pairs (n < 2, constant measure, constant target),
/// and ``undefinedReason`` says why.
public struct RankCorrelations: Sendable, Equatable {
  /// Kendall's τ_a (Jiang et al.'s τ): (C − D)/P, ties count 0. See ``KendallCounts/tauA``.
  public var kendallTauA: Double?
  /// Kendall's τ_b, as `scipy.stats.kendalltau`. See ``KendallCounts/tauB``.
  public var kendallTauB: Double?
  /// Spearman's ρ: Pearson's r of the ranks, tied values getting the average of their ranks
  /// (as `scipy.stats.spearmanr`).
  public var spearmanRho: Double?
  /// Pearson's product-moment r of the raw values (as `scipy.stats.pearsonr`).
  public var pearsonR: Double?
  /// Number of finite pairs used.
  public var usedCount: Int
  /// Number of pairs excluded because a value was NaN or ±Inf.
  public var excludedCount: Int
  /// Why the statistics are `nil`, or `nil` when they are defined.
  public var undefinedReason: UndefinedReason?
  /// The Kendall pair counts of the used pairs.
  public var kendallCounts: KendallCounts

  /// An all-undefined result.
  static func undefined(
    _ reason: UndefinedReason, used: Int, excluded: Int, counts: KendallCounts
  ) -> RankCorrelations {
    RankCorrelations(
      kendallTauA: nil, kendallTauB: nil, spearmanRho: nil, pearsonR: nil, usedCount: used,
      excludedCount: excluded, undefinedReason: reason, kendallCounts: counts)
  }
}

/// Kendall's τ_a, τ_b, Spearman's ρ and Pearson's r of `x` against `y`.
///
/// Example (the worked example of the team's spec, §4.1):
/// ```swift
/// let r = rankCorrelations([1, 2, 3, 4, 5], [0.10, 0.30, 0.20, 0.40, 0.40])
/// // r.kendallTauA == 0.7, r.kendallTauB ≈ 0.738, r.spearmanRho ≈ 0.872
/// ```
///
/// - Parameters:
///   - x: The measure, one value per observation (run).
///   - y: The target (the generalization gap), same length.
/// - Returns: All four statistics with the counts of used and excluded pairs.
/// - Precondition: `x.count == y.count`.
/// - Complexity: O(n log n).
///
/// Edge cases: pairs with NaN or ±Inf in either value are excluded and counted; n < 2, a
/// constant `x` or a constant `y` make every statistic `nil` with a reason (never 0).
/// Properties: τ and ρ are symmetric in (x, y) and invariant under strictly increasing
/// transforms of either variable; r is symmetric and invariant under positive affine maps.
public func rankCorrelations(_ x: [Double], _ y: [Double]) -> RankCorrelations {
  precondition(x.count == y.count, "x has \(x.count) values, y has \(y.count)")
  return TargetRanking(target: y).correlations(with: x)
}

/// Kendall's τ_a (Jiang et al.'s τ) of the finite pairs of `x` and `y`; `nil` when undefined.
///
/// - Parameters:
///   - x: The measure values.
///   - y: The target values, same length.
/// - Returns: (C − D)/P over finite pairs, or `nil` (n < 2, constant x or y).
/// - Complexity: O(n log n).
public func kendallTauA(_ x: [Double], _ y: [Double]) -> Double? {
  rankCorrelations(x, y).kendallTauA
}

/// Kendall's τ_b (SciPy's `kendalltau` default) of the finite pairs; `nil` when undefined.
///
/// - Parameters:
///   - x: The measure values.
///   - y: The target values, same length.
/// - Returns: (C − D)/sqrt((P − T_x)(P − T_y)) over finite pairs, or `nil`.
/// - Complexity: O(n log n).
public func kendallTauB(_ x: [Double], _ y: [Double]) -> Double? {
  rankCorrelations(x, y).kendallTauB
}

/// Spearman's ρ with average ranks for ties (SciPy's `spearmanr`); `nil` when undefined.
///
/// - Parameters:
///   - x: The measure values.
///   - y: The target values, same length.
/// - Returns: Pearson's r of the average ranks over finite pairs, or `nil`.
/// - Complexity: O(n log n).
public func spearmanRho(_ x: [Double], _ y: [Double]) -> Double? {
  rankCorrelations(x, y).spearmanRho
}

/// Pearson's r of the finite pairs (SciPy's `pearsonr`); `nil` when undefined.
///
/// - Parameters:
///   - x: The first variable.
///   - y: The second variable, same length.
/// - Returns: Σ(x−x̄)(y−ȳ)/sqrt(Σ(x−x̄)² Σ(y−ȳ)²) over finite pairs, or `nil` (n < 2, or
///   either variable constant).
/// - Complexity: O(n).
public func pearsonR(_ x: [Double], _ y: [Double]) -> Double? {
  precondition(x.count == y.count, "x has \(x.count) values, y has \(y.count)")
  var xs: [Double] = []
  var ys: [Double] = []
  for i in x.indices where x[i].isFinite && y[i].isFinite {
    xs.append(x[i])
    ys.append(y[i])
  }
  return pearson(xs, ys)
}

/// Two-pass Pearson's r of equal-length finite arrays; `nil` for n < 2 or zero variance.
func pearson(_ x: [Double], _ y: [Double]) -> Double? {
  let n = x.count
  guard n >= 2 else { return nil }
  // Constant input is undefined; test it exactly (a rounded mean could leave tiny residuals).
  guard let x0 = x.first, let y0 = y.first, x.contains(where: { $0 != x0 }),
    y.contains(where: { $0 != y0 })
  else { return nil }
  var meanX = 0.0
  var meanY = 0.0
  for i in 0..<n {
    meanX += x[i]
    meanY += y[i]
  }
  meanX /= Double(n)
  meanY /= Double(n)
  var sxy = 0.0
  var sxx = 0.0
  var syy = 0.0
  for i in 0..<n {
    let dx = x[i] - meanX
    let dy = y[i] - meanY
    sxy += dx * dy
    sxx += dx * dx
    syy += dy * dy
  }
  guard sxx > 0 && syy > 0 else { return nil }
  let r = sxy / (sxx.squareRoot() * syy.squareRoot())
  return min(1, max(-1, r))
}
