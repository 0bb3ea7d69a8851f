/// Several order statistics of `values` at once by multi-quickselect (no full sort).
///
/// - Parameters:
///   - values: The data; reordered in place. Must contain no NaN.
///   - ranks: 0-based ranks, each in `0..<values.count`.
/// - Returns: `result[r]` = the element of 0-based rank `r` in sorted order, for each requested r.
/// - Complexity: O(n · log(ranks.count)) expected; three-way partitioning keeps runs of
///   equal values (e.g. an all-zero matrix) linear.
func orderStatistics(_ values: inout [Float], ranks: [Int]) -> [Int: Float] {
  var result: [Int: Float] = [:]
  let wanted = Array(Set(ranks)).sorted()
  values.withUnsafeMutableBufferPointer { a in
    select(a, 0, a.count, wanted[...], &result)
  }
  return result
}

private func select(
  _ a: UnsafeMutableBufferPointer<Float>, _ lo: Int, _ hi: Int, _ ranks: ArraySlice<Int>,
  _ out: inout [Int: Float]
) {
  if ranks.isEmpty { return }
  if hi - lo <= 24 {
    // Insertion sort for small ranges.
    if hi - lo > 1 {
      for i in (lo + 1)..<hi {
        let x = a[i]
        var j = i - 1
        while j >= lo && a[j] > x {
          a[j + 1] = a[j]
          j -= 1
        }
        a[j + 1] = x
      }
    }
    for r in ranks { out[r] = a[r] }
    return
  }
  // Median of three pivot.
  let mid = lo + (hi - lo) / 2
  let x = a[lo], y = a[mid], z = a[hi - 1]
  let pivot = max(min(x, y), min(max(x, y), z))
  // Three-way partition: [lo, lt) < pivot, [lt, gt) == pivot, [gt, hi) > pivot.
  var lt = lo, i = lo, gt = hi
  while i < gt {
    let v = a[i]
    if v < pivot {
      a.swapAt(lt, i)
      lt += 1
      i += 1
    } else if v > pivot {
      gt -= 1
      a.swapAt(i, gt)
    } else {
      i += 1
    }
  }
  var left = ranks.startIndex
  while left < ranks.endIndex && ranks[left] < lt { left += 1 }
  var right = left
  while right < ranks.endIndex && ranks[right] < gt {
    out[ranks[right]] = pivot
    right += 1
  }
  select(a, lo, lt, ranks[ranks.startIndex..<left], &out)
  select(a, gt, hi, ranks[right..<ranks.endIndex], &out)
}

/// numpy's default (`method="linear"`) percentile of data given by an order-statistic lookup:
/// position `q·(n−1)`, linear interpolation between the neighbouring order statistics.
func linearQuantileRanks(_ q: Double, count n: Int) -> (lower: Int, upper: Int, fraction: Double) {
  let position = q * Double(n - 1)
  let lower = Int(position.rounded(.down))
  let upper = min(lower + 1, n - 1)
  return (lower, upper, position - Double(lower))
}

/// Linear interpolation as numpy does it (exact at both ends).
func interpolate(_ a: Double, _ b: Double, _ t: Double) -> Double {
  t < 0.5 ? a + (b - a) * t : b - (b - a) * (1 - t)
}

/// Order statistics of float data by a 65,536-bucket histogram of the values' ordered bit
/// patterns, then exact selection inside the few buckets that hold the requested ranks.
///
/// Two linear passes plus a small selection, instead of O(n log n) sorting or a many-pass
/// quickselect over the whole matrix. Exact: the result equals sorting `values`.
///
/// - Parameters:
///   - values: The data (no NaN).
///   - ranks: 0-based ranks in `0..<values.count`.
/// - Returns: The value of each requested rank.
/// - Complexity: O(n) plus a multi-quickselect over the candidate buckets (all of `values`
///   in the worst case, e.g. a constant matrix).
func histogramOrderStatistics(_ values: UnsafeBufferPointer<Float>, ranks: [Int]) -> [Int: Float] {
  let n = values.count
  if n == 0 || ranks.isEmpty { return [:] }
  @inline(__always) func key(_ x: Float) -> UInt32 {
    let b = x.bitPattern
    return b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
  }
  var histogram = [Int32](repeating: 0, count: 65_536)
  histogram.withUnsafeMutableBufferPointer { h in
    for x in values { h[Int(key(x) >> 16)] &+= 1 }
  }
  // Bucket of each rank and the start offset of that bucket.
  let wanted = Array(Set(ranks)).sorted()
  var slotOfBucket = [Int32](repeating: -1, count: 65_536)
  var bucketStart: [Int] = []
  var rankSlot: [(rank: Int, slot: Int)] = []
  var cumulative = 0
  var w = 0
  for b in 0..<65_536 where histogram[b] > 0 {
    let next = cumulative + Int(histogram[b])
    while w < wanted.count && wanted[w] < next {
      if slotOfBucket[b] < 0 {
        slotOfBucket[b] = Int32(bucketStart.count)
        bucketStart.append(cumulative)
      }
      rankSlot.append((wanted[w], Int(slotOfBucket[b])))
      w += 1
    }
    cumulative = next
    if w == wanted.count { break }
  }
  var candidates = [[Float]](repeating: [], count: bucketStart.count)
  slotOfBucket.withUnsafeBufferPointer { slots in
    for x in values {
      let s = slots[Int(key(x) >> 16)]
      if s >= 0 { candidates[Int(s)].append(x) }
    }
  }
  var result: [Int: Float] = [:]
  for slot in candidates.indices {
    let mine = rankSlot.filter { $0.slot == slot }
    let local = orderStatistics(&candidates[slot], ranks: mine.map { $0.rank - bucketStart[slot] })
    for r in mine { result[r.rank] = local[r.rank - bucketStart[slot]] }
  }
  return result
}
