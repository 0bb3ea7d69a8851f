/// A target variable (the generalization gap) sorted once, so that many measures can be
/// correlated with it at O(n log n) each without re-sorting the target.
///
/// For each measure, the finite pairs are laid out in ascending target order, the measure is
/// sorted inside each run of tied targets, and one merge sort of the measure values counts
/// the discordant pairs (Knight 1966) and yields the measure's ranks for Spearman's ρ.
///
/// Example:
/// ```swift
/// let ranking = TargetRanking(target: gaps)
/// for (name, values) in measures {
///   let r = ranking.correlations(with: values)
///   print(name, r.kendallTauA ?? .nan, r.usedCount, r.excludedCount)
/// }
/// ```
public struct TargetRanking: Sendable {
  /// The target values as given (non-finite ones included).
  public let target: [Double]
  /// Indices of the finite target values, ascending by value (stable for ties).
  let order: [Int32]

  /// Number of target values that are NaN or ±Inf (every measure excludes those runs).
  public var nonFiniteTargetCount: Int { target.count - order.count }

  /// Sorts the finite target values.
  ///
  /// - Parameter target: One target value per observation; NaN and ±Inf are allowed and
  ///   excluded from every statistic.
  /// - Complexity: O(n log n).
  public init(target: [Double]) {
    self.target = target
    var values: [Double] = []
    var positions: [Int32] = []
    values.reserveCapacity(target.count)
    positions.reserveCapacity(target.count)
    for (i, v) in target.enumerated() where v.isFinite {
      values.append(v)
      positions.append(Int32(truncatingIfNeeded: i))
    }
    var payload: [Int32]? = positions
    sortCountingInversions(&values, carrying: &payload)
    order = payload ?? []
  }

  /// Kendall's τ_a and τ_b, Spearman's ρ and Pearson's r of `measure` against the target.
  ///
  /// - Parameter measure: One value per observation, same count as the target; NaN/±Inf
  ///   values exclude that observation (counted in ``RankCorrelations/excludedCount``,
  ///   together with observations whose target is not finite).
  /// - Returns: The statistics, `nil` with a reason when undefined.
  /// - Precondition: `measure.count == target.count`.
  /// - Complexity: O(n log n) time, O(n) memory.
  public func correlations(with measure: [Double]) -> RankCorrelations {
    precondition(
      measure.count == target.count,
      "measure has \(measure.count) values, target has \(target.count)")
    var xs: [Double] = []
    var ys: [Double] = []
    xs.reserveCapacity(order.count)
    ys.reserveCapacity(order.count)
    for index in order {
      let x = measure[Int(index)]
      if x.isFinite {
        xs.append(x)
        ys.append(target[Int(index)])
      }
    }
    let n = xs.count
    let excluded = target.count - n
    // Ranks of the target (average over ties) and tie counts; sort x inside target ties.
    var rankY = [Double](repeating: 0, count: n)
    var tiedY = 0
    var tiedBoth = 0
    var start = 0
    while start < n {
      var end = start + 1
      while end < n && ys[end] == ys[start] { end += 1 }
      let t = end - start
      if t > 1 {
        tiedY += t * (t - 1) / 2
        xs[start..<end].sort()
        var s = start
        while s < end {
          var e = s + 1
          while e < end && xs[e] == xs[s] { e += 1 }
          tiedBoth += (e - s) * (e - s - 1) / 2
          s = e
        }
      }
      let averageRank = Double(start + 1 + end) / 2
      for k in start..<end { rankY[k] = averageRank }
      start = end
    }
    let pearsonValue = pearson(xs, ys)
    var sortedX = xs
    var positions: [Int32]? = (0..<n).map { Int32(truncatingIfNeeded: $0) }
    let discordant = sortCountingInversions(&sortedX, carrying: &positions)
    var rankX = [Double](repeating: 0, count: n)
    var tiedX = 0
    if let positions {
      start = 0
      while start < n {
        var end = start + 1
        while end < n && sortedX[end] == sortedX[start] { end += 1 }
        let t = end - start
        tiedX += t * (t - 1) / 2
        let averageRank = Double(start + 1 + end) / 2
        for k in start..<end { rankX[Int(positions[k])] = averageRank }
        start = end
      }
    }
    let counts = KendallCounts(
      count: n, tiedX: tiedX, tiedY: tiedY, tiedBoth: tiedBoth, discordant: discordant)
    if let reason = counts.undefinedReason {
      return .undefined(reason, used: n, excluded: excluded, counts: counts)
    }
    return RankCorrelations(
      kendallTauA: counts.tauA, kendallTauB: counts.tauB, spearmanRho: pearson(rankX, rankY),
      pearsonR: pearsonValue, usedCount: n, excludedCount: excluded, undefinedReason: nil,
      kendallCounts: counts)
  }
}
