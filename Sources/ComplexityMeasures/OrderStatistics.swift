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
