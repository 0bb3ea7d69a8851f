/// Pair counts behind Kendall's τ_a and τ_b for n paired observations (x_i, y_i).
///
/// Of the P = n(n−1)/2 unordered pairs, a pair is *concordant* when x and y move the same way,
/// *discordant* when they move in opposite ways, and *tied* when x or y is equal. Counting is
/// done with Knight's O(n log n) algorithm (W. R. Knight, "A Computer Method for Calculating
/// Kendall's Tau with Ungrouped Data", JASA 61(314), 1966): sort by (x, y), count runs of equal
/// x and of equal (x, y), then merge-sort the y sequence counting inversions (= discordant
/// pairs) and count runs of equal y. Ties are exact (values are compared with `==`, so −0.0
/// ties with +0.0).
public struct KendallCounts: Sendable, Equatable {
  /// Number of observations n.
  public var count: Int
  /// Pairs tied in x (including those also tied in y): Σ t(t−1)/2 over runs of equal x.
  public var tiedX: Int
  /// Pairs tied in y (including those also tied in x).
  public var tiedY: Int
  /// Pairs tied in both x and y.
  public var tiedBoth: Int
  /// Discordant pairs D (untied in both, opposite directions).
  public var discordant: Int

  /// Creates counts from their parts (for tests and callers that count in other ways).
  public init(count: Int, tiedX: Int, tiedY: Int, tiedBoth: Int, discordant: Int) {
    self.count = count
    self.tiedX = tiedX
    self.tiedY = tiedY
    self.tiedBoth = tiedBoth
    self.discordant = discordant
  }

  /// P = n(n−1)/2, the number of unordered pairs.
  public var pairCount: Int { count * (count - 1) / 2 }

  /// C − D, concordant minus discordant pairs: P − tiedX − tiedY + tiedBoth − 2·D.
  public var concordantMinusDiscordant: Int {
    pairCount - tiedX - tiedY + tiedBoth - 2 * discordant
  }

  /// Concordant pairs C.
  public var concordant: Int { pairCount - tiedX - tiedY + tiedBoth - discordant }

  /// Why τ is undefined for these counts, or `nil` when it is defined.
  ///
  /// Undefined when n < 2, when every x is equal, or when every y is equal (all pairs tied).
  public var undefinedReason: UndefinedReason? {
    if count < 2 { return .tooFewObservations(count: count, required: 2) }
    if tiedX == pairCount { return .constantMeasure }
    if tiedY == pairCount { return .constantTarget }
    return nil
  }

  /// Kendall's τ_a, Jiang et al.'s τ: (C − D) / P; ties count 0 and are not corrected for.
  ///
  /// Jiang et al. 2020 ("Fantastic Generalization Measures", §4 eq. for τ(T)) write it over
  /// ordered pairs, `1/(n(n−1)) Σ_i Σ_{j≠i} sgn(x_i − x_j) sgn(y_i − y_j)`, which equals
  /// (C − D)/P. `nil` when ``undefinedReason`` is not `nil`. Range [−1, 1].
  public var tauA: Double? {
    guard undefinedReason == nil else { return nil }
    return Double(concordantMinusDiscordant) / Double(pairCount)
  }

  /// Kendall's τ_b as computed by `scipy.stats.kendalltau` (its default variant):
  /// (C − D) / sqrt((P − tiedX)(P − tiedY)). `nil` when ``undefinedReason`` is not `nil`.
  public var tauB: Double? {
    guard undefinedReason == nil else { return nil }
    let denominator = (Double(pairCount - tiedX) * Double(pairCount - tiedY)).squareRoot()
    return min(1, max(-1, Double(concordantMinusDiscordant) / denominator))
  }

  /// Counts pairs with Knight's algorithm.
  ///
  /// - Parameters:
  ///   - x: The first variable (for gapdb, a complexity measure), one value per observation.
  ///   - y: The second variable (the gap), same length as `x`.
  /// - Returns: The pair counts. Every value must be finite or NaN-free; callers filter
  ///   non-finite pairs first (``rankCorrelations(_:_:)`` does).
  /// - Precondition: `x.count == y.count`, and no value is NaN (NaN breaks ordering).
  /// - Complexity: O(n log n) time, O(n) extra memory.
  public static func knight(x: [Double], y: [Double]) -> KendallCounts {
    precondition(x.count == y.count, "x has \(x.count) values, y has \(y.count)")
    precondition(!x.contains(where: \.isNaN) && !y.contains(where: \.isNaN), "NaN in input")
    let order = x.indices.sorted { a, b in
      x[a] < x[b] || (x[a] == x[b] && y[a] < y[b])
    }
    var tiedX = 0
    var tiedBoth = 0
    var start = 0
    while start < order.count {
      var end = start + 1
      while end < order.count && x[order[end]] == x[order[start]] { end += 1 }
      tiedX += (end - start) * (end - start - 1) / 2
      // Inside a run of equal x, y is ascending: count runs of equal y.
      var s = start
      while s < end {
        var e = s + 1
        while e < end && y[order[e]] == y[order[s]] { e += 1 }
        tiedBoth += (e - s) * (e - s - 1) / 2
        s = e
      }
      start = end
    }
    var ys = order.map { y[$0] }
    let discordant = sortCountingInversions(&ys)
    return KendallCounts(
      count: x.count, tiedX: tiedX, tiedY: tiedPairs(inSorted: ys), tiedBoth: tiedBoth,
      discordant: discordant)
  }
}

/// Σ t(t−1)/2 over runs of equal values in an ascending array.
func tiedPairs(inSorted values: [Double]) -> Int {
  var total = 0
  var start = 0
  while start < values.count {
    var end = start + 1
    while end < values.count && values[end] == values[start] { end += 1 }
    total += (end - start) * (end - start - 1) / 2
    start = end
  }
  return total
}

/// Sorts `values` ascending with a bottom-up merge sort and returns the number of strict
/// inversions (pairs i < j with values[i] > values[j]); equal values are not inversions.
///
/// - Complexity: O(n log n) time, O(n) extra memory.
@discardableResult
func sortCountingInversions(_ values: inout [Double]) -> Int {
  var positions: [Int32]? = nil
  return sortCountingInversions(&values, carrying: &positions)
}

/// The same merge sort, moving an optional payload array along with the values.
@discardableResult
func sortCountingInversions(_ values: inout [Double], carrying payload: inout [Int32]?) -> Int {
  let n = values.count
  if n < 2 { return 0 }
  var inversions = 0
  var source = values
  var target = [Double](repeating: 0, count: n)
  var payloadSource = payload ?? []
  var payloadTarget = [Int32](repeating: 0, count: payload == nil ? 0 : n)
  let hasPayload = payload != nil
  var width = 1
  // Small runs first: insertion sort blocks of 16 (counting each swap as one inversion).
  let block = 16
  source.withUnsafeMutableBufferPointer { v in
    payloadSource.withUnsafeMutableBufferPointer { p in
      var lo = 0
      while lo < n {
        let hi = min(lo + block, n)
        var i = lo + 1
        while i < hi {
          let value = v[i]
          let carried = hasPayload ? p[i] : 0
          var j = i
          while j > lo && v[j - 1] > value {
            v[j] = v[j - 1]
            if hasPayload { p[j] = p[j - 1] }
            j -= 1
          }
          inversions += i - j
          v[j] = value
          if hasPayload { p[j] = carried }
          i += 1
        }
        lo = hi
      }
    }
  }
  width = block
  while width < n {
    source.withUnsafeBufferPointer { src in
      target.withUnsafeMutableBufferPointer { dst in
        payloadSource.withUnsafeBufferPointer { psrc in
          payloadTarget.withUnsafeMutableBufferPointer { pdst in
            var lo = 0
            while lo < n {
              let mid = min(lo + width, n)
              let hi = min(lo + 2 * width, n)
              var i = lo
              var j = mid
              var k = lo
              while i < mid && j < hi {
                if src[j] < src[i] {
                  dst[k] = src[j]
                  if hasPayload { pdst[k] = psrc[j] }
                  inversions += mid - i
                  j += 1
                } else {
                  dst[k] = src[i]
                  if hasPayload { pdst[k] = psrc[i] }
                  i += 1
                }
                k += 1
              }
              while i < mid {
                dst[k] = src[i]
                if hasPayload { pdst[k] = psrc[i] }
                i += 1
                k += 1
              }
              while j < hi {
                dst[k] = src[j]
                if hasPayload { pdst[k] = psrc[j] }
                j += 1
                k += 1
              }
              lo = hi
            }
          }
        }
      }
    }
    swap(&source, &target)
    if hasPayload { swap(&payloadSource, &payloadTarget) }
    width *= 2
  }
  values = source
  if hasPayload { payload = payloadSource }
  return inversions
}
