import Foundation

/// Which definition of the conditional mutual information criterion to compute.
public enum CMIForm: String, Sendable, CaseIterable {
  /// Jiang et al. 2020 (ICLR, §6 "conditional independence"): ordered pairs r ≠ r′,
  /// `V_g = sgn(g_r − g_r′)`, `V_μ = sgn(μ_r − μ_r′)` (three values: −1, 0, +1, so ties are
  /// their own outcome), slices `U_S = (θ_{r,S}, θ_{r′,S})` weighted by p(u), normalized by
  /// H(V_g | U_S), minimum over conditioning sets with |S| ≤ 2. Reported as `cmi`.
  case paper
  /// The PGDL 2020 competition's scoring program (`scoring_program/mutual_information.py`):
  /// |S| = 2 only, every ordered pair of units *including a unit with itself*, signs
  /// binarized as '+' iff strictly greater (ties and self-pairs count as (−, −)), mutual
  /// information and entropy averaged unweighted over all slices, score = mean MI / mean H,
  /// minimum over axis pairs; requires a complete grid with one unit per cell. Reported as
  /// `cmi_pgdl`.
  case pgdl
}

/// The conditional-mutual-information score K(μ) of a measure, with the value for every
/// conditioning set and the set that attains the minimum.
public struct ConditionalMutualInformation: Sendable, Equatable {
  /// The normalized CMI Î(V_μ; V_g | U_S) for one conditioning set S.
  public struct ConditioningSet: Sendable, Equatable {
    /// The axes in S (empty for S = ∅), in grid order.
    public var axes: [String]
    /// Î for this S, in [0, 1]; `nil` when H(V_g | U_S) = 0.
    public var value: Double?
  }

  /// The form computed.
  public var form: CMIForm
  /// K(μ) = min over the conditioning sets of Î; `nil` when undefined.
  public var value: Double?
  /// The conditioning set attaining the minimum (first in grid order on ties).
  public var minimizingSet: [String]?
  /// Every conditioning set with |S| ≤ 2: ∅ first, then singletons, then pairs. For the PGDL
  /// form the sets with |S| < 2 are computed the same way (self-pairs, binary signs,
  /// unweighted slice means) for reading only; the score minimizes over pairs.
  public var sets: [ConditioningSet]
  /// Units used (configurations, or runs when seeds are kept).
  public var unitCount: Int
  /// Runs behind those units.
  public var runsUsed: Int
  /// Why ``value`` is `nil`, or `nil` when it is defined.
  public var undefinedReason: UndefinedReason?
}

/// The conditional mutual information criterion of Jiang et al. 2020 in the paper form or the
/// PGDL scoring program's form.
///
/// Example (the spec's 8-model bs × lr × dp grid): the paper form gives K = 0.0817 with
/// S = {bs}; the PGDL form gives 0.1511 with S = {bs, lr}.
///
/// - Parameters:
///   - measure: One value per run (grid run order); NaN/±Inf runs are excluded.
///   - gap: The generalization gap per run; NaN/±Inf runs are excluded.
///   - grid: The runs' hyperparameters; the axes form the conditioning sets.
///   - form: ``CMIForm/paper`` (`cmi`) or ``CMIForm/pgdl`` (`cmi_pgdl`).
///   - seeds: Average seeds per configuration (default) or keep runs as units.
///   - pairLimit: The largest number of unordered unit pairs to enumerate; above it the
///     result is undefined with ``UndefinedReason/tooManyPairs(pairs:limit:)``.
/// - Returns: K(μ), its minimizing set and every conditioning set's value. The log base
///   cancels in the normalization.
/// - Precondition: `measure.count == gap.count == grid.runCount`.
/// - Complexity: O(U² · s) for U units and s conditioning sets (1 + n + n(n−1)/2 for the
///   paper form, n(n−1)/2 for PGDL), plus O(s · G²) for the slice tables.
///
/// Edge cases: fewer than 2 units → undefined; a measure (or gap) constant over every unit →
/// undefined with ``UndefinedReason/constantMeasure`` (``UndefinedReason/constantTarget``),
/// as for Kendall's τ, not 0; PGDL form with fewer than 2 axes or an
/// incomplete grid (a missing cell, or several units in one cell when seeds are kept) →
/// undefined, as the PGDL program refuses such grids; a set whose gap-sign entropy is 0 has
/// no value and is skipped in the minimum. CMI is sign-blind: a perfectly anti-aligned
/// measure scores 1, so read it with τ and Ψ.
public func conditionalMutualInformation(
  measure: [Double], gap: [Double], grid: HyperparameterGrid, form: CMIForm,
  seeds: SeedHandling = .average, pairLimit: Int = 20_000_000
) -> ConditionalMutualInformation {
  precondition(measure.count == grid.runCount && gap.count == grid.runCount, "length mismatch")
  let units = GridUnits(measure: measure, gap: gap, grid: grid, seeds: seeds)
  return conditionalMutualInformation(units: units, grid: grid, form: form, pairLimit: pairLimit)
}

func conditionalMutualInformation(
  units: GridUnits, grid: HyperparameterGrid, form: CMIForm, pairLimit: Int
) -> ConditionalMutualInformation {
  let n = grid.axisCount
  var result = ConditionalMutualInformation(
    form: form, value: nil, minimizingSet: nil, sets: [], unitCount: units.count,
    runsUsed: units.runsUsed, undefinedReason: nil)
  let u = units.count
  if u < 2 {
    result.undefinedReason = .tooFewObservations(count: u, required: 2)
    return result
  }
  if let reason = units.constantInputReason {
    result.undefinedReason = reason
    return result
  }
  let pairs = u * (u - 1) / 2
  if pairs > pairLimit {
    result.undefinedReason = .tooManyPairs(pairs: pairs, limit: pairLimit)
    return result
  }
  var subsets: [[Int]] = [[]]
  for i in 0..<n { subsets.append([i]) }
  if form == .pgdl {
    if n < 2 {
      result.undefinedReason = .tooFewAxes(count: n, required: 2)
      return result
    }
    let cells = grid.cellCount
    let distinct = Set(units.configuration).count
    if cells != u || distinct != u {
      result.undefinedReason = .incompleteGrid(cells: cells, filled: distinct)
      return result
    }
  }
  for i in 0..<n {
    for j in (i + 1)..<max(i + 1, n) { subsets.append([i, j]) }
  }
  let coded = subsets.map { groupCodes(levels: units.levels, axisCount: n, axes: $0) }
  if form == .pgdl, let widest = coded.map(\.groupCount).max(), widest * widest > pgdlSliceLimit {
    // PGDL averages over every slice; its dense table would not fit in memory.
    result.undefinedReason = .tooManyPairs(pairs: widest * widest, limit: pgdlSliceLimit)
    return result
  }
  let tables = countTables(units: units, coded: coded, form: form, axisCount: n)
  let values = tables.map { form == .paper ? paperValue($0) : pgdlValue($0) }
  for (k, subset) in subsets.enumerated() {
    result.sets.append(.init(axes: subset.map { grid.axisNames[$0] }, value: values[k]))
  }
  for set in result.sets {
    // The PGDL program minimizes over axis pairs only; smaller sets are reported for reading.
    if form == .pgdl && set.axes.count != 2 { continue }
    guard let v = set.value else { continue }
    if result.value == nil || v < result.value! {
      result.value = v
      result.minimizingSet = set.axes
    }
  }
  if result.value == nil { result.undefinedReason = .zeroEntropy }
  return result
}

/// The pair-sign tables of every conditioning set (∅, singletons, then pairs, as `coded`).
///
/// With 2 or more axes only the pair sets are counted over unit pairs; the tables of the
/// singletons and of ∅ are sums of a pair table over the other axis (a slice (a, a′) of {i}
/// is the union of the slices ((a, b), (a′, b′)) of {i, j}), which cuts the O(U²·s) pass to
/// the pair sets alone. Falls back to counting every set when a pair table is too large to
/// hold densely.
private func countTables(
  units: GridUnits, coded: [(codes: [Int32], groupCount: Int)], form: CMIForm, axisCount n: Int
) -> [[Int]] {
  let cells = form == .paper ? 9 : 4
  let pairStart = 1 + n
  let count = { (c: [(codes: [Int32], groupCount: Int)]) -> [[Int]] in
    form == .paper ? paperCounts(units: units, coded: c) : pgdlCounts(units: units, coded: c)
  }
  let denseLimit = 1 << 18
  guard n >= 2, coded.count == pairStart + n * (n - 1) / 2,
    coded[pairStart...].allSatisfy({ $0.groupCount * $0.groupCount <= denseLimit })
  else { return count(coded) }
  let pairTables = count(Array(coded[pairStart...]))
  var tables = [[Int]](repeating: [], count: coded.count)
  for (k, t) in pairTables.enumerated() { tables[pairStart + k] = t }
  // Singleton i from the first pair containing i; ∅ from singleton 0.
  var pairIndex = 0
  var firstPair = [Int](repeating: -1, count: n)
  for i in 0..<n {
    for j in (i + 1)..<n {
      if firstPair[i] < 0 { firstPair[i] = pairIndex }
      if firstPair[j] < 0 { firstPair[j] = pairIndex }
      pairIndex += 1
    }
  }
  func derive(from source: Int, to target: Int) -> [Int] {
    let sourceGroups = coded[source].groupCount
    let targetGroups = coded[target].groupCount
    var map = [Int](repeating: 0, count: sourceGroups)
    for u in 0..<units.count { map[Int(coded[source].codes[u])] = Int(coded[target].codes[u]) }
    var out = [Int](repeating: 0, count: targetGroups * targetGroups * cells)
    let table = tables[source]
    for a in 0..<sourceGroups {
      for b in 0..<sourceGroups {
        let from = (a * sourceGroups + b) * cells
        let to = (map[a] * targetGroups + map[b]) * cells
        for c in 0..<cells { out[to + c] += table[from + c] }
      }
    }
    return out
  }
  for i in 0..<n { tables[1 + i] = derive(from: pairStart + firstPair[i], to: 1 + i) }
  tables[0] = derive(from: 1, to: 0)
  return tables
}

/// The most slices (value pairs of a conditioning set) the PGDL form tabulates densely.
let pgdlSliceLimit = 1 << 22

/// Sign of a − b as 0 (less), 1 (equal), 2 (greater).
@inline(__always) private func sign3(_ a: Double, _ b: Double) -> Int {
  a < b ? 0 : (a > b ? 2 : 1)
}

/// Paper form: p(u)-weighted Î per conditioning set, ordered pairs r ≠ r′, 3-valued signs.
private func paperCounts(units: GridUnits, coded: [(codes: [Int32], groupCount: Int)]) -> [[Int]] {
  let u = units.count
  // Cell index = gapSign·3 + measureSign (each 0…2); the reversed pair has index 8 − cell.
  // Slices are (code_r, code_r′) pairs; small subsets index them densely (G² slices), large
  // ones through a dictionary of the slices that occur.
  let denseLimit = 1 << 18
  var tables = coded.map { [Int](repeating: 0, count: $0.groupCount * $0.groupCount <= denseLimit ? $0.groupCount * $0.groupCount * 9 : 0) }
  var sparseIndex = [[Int: Int]](repeating: [:], count: coded.count)
  var rowCells = [UInt8](repeating: 0, count: u)
  for r in 0..<u {
    let gr = units.gap[r]
    let mr = units.measure[r]
    for s in (r + 1)..<max(r + 1, u) {
      rowCells[s] = UInt8(sign3(gr, units.gap[s]) * 3 + sign3(mr, units.measure[s]))
    }
    for (k, code) in coded.enumerated() {
      let g = code.groupCount
      let cr = Int(code.codes[r])
      if g * g > denseLimit {
        for s in (r + 1)..<max(r + 1, u) {
          let cs = Int(code.codes[s])
          let cell = Int(rowCells[s])
          for (slice, c) in [(cr * g + cs, cell), (cs * g + cr, 8 - cell)] {
            let base: Int
            if let b = sparseIndex[k][slice] {
              base = b
            } else {
              base = tables[k].count
              sparseIndex[k][slice] = base
              tables[k].append(contentsOf: repeatElement(0, count: 9))
            }
            tables[k][base + c] += 1
          }
        }
        continue
      }
      code.codes.withUnsafeBufferPointer { codes in
        tables[k].withUnsafeMutableBufferPointer { table in
          for s in (r + 1)..<max(r + 1, u) {
            let cs = Int(codes[s])
            let cell = Int(rowCells[s])
            table[(cr * g + cs) * 9 + cell] += 1
            table[(cs * g + cr) * 9 + 8 - cell] += 1
          }
        }
      }
    }
  }
  return tables
}

/// Paper form Î of one table of 9-cell slices: Σ p(u) I_u / Σ p(u) H_u.
private func paperValue(_ table: [Int]) -> Double? {
  var mutualInformation = 0.0
  var entropy = 0.0
  var total = 0
  var slice = 0
  while slice < table.count {
    let counts = table[slice..<slice + 9]
    let nU = counts.reduce(0, +)
    if nU > 0 {
      let (i, h) = sliceInformation(Array(counts), gapStates: 3, measureStates: 3)
      mutualInformation += Double(nU) * i
      entropy += Double(nU) * h
      total += nU
    }
    slice += 9
  }
  guard total > 0, entropy > 0 else { return nil }
  return min(1, max(0, mutualInformation / entropy))
}

/// PGDL form: unweighted mean MI / mean H over all slices, self-pairs included, binary signs.
private func pgdlCounts(units: GridUnits, coded: [(codes: [Int32], groupCount: Int)]) -> [[Int]] {
  let u = units.count
  // Cell index = gapBit·2 + measureBit, bit 0 = '+' (strictly greater), 1 = '−'.
  // One flat table per subset, laid out back to back; codes flattened subset-major, so the
  // inner loop touches only unsafe buffers (no ARC traffic).
  var offsets: [Int] = []
  var total = 0
  for c in coded {
    offsets.append(total)
    total += c.groupCount * c.groupCount * 4
  }
  let codes = coded.flatMap { $0.codes.map(Int.init) }
  let groups = coded.map(\.groupCount)
  var flat = [Int](repeating: 0, count: total)
  let subsetCount = coded.count
  units.gap.withUnsafeBufferPointer { gap in
    units.measure.withUnsafeBufferPointer { measure in
      codes.withUnsafeBufferPointer { codes in
        flat.withUnsafeMutableBufferPointer { table in
          for r in 0..<u {
            for s in r..<u {
              let forward = (gap[r] > gap[s] ? 0 : 2) + (measure[r] > measure[s] ? 0 : 1)
              let backward = (gap[s] > gap[r] ? 0 : 2) + (measure[s] > measure[r] ? 0 : 1)
              for k in 0..<subsetCount {
                let g = groups[k]
                let cr = codes[k * u + r]
                let cs = codes[k * u + s]
                table[offsets[k] + (cr * g + cs) * 4 + forward] += 1
                if s != r { table[offsets[k] + (cs * g + cr) * 4 + backward] += 1 }
              }
            }
          }
        }
      }
    }
  }
  let tables = coded.indices.map { k in
    Array(flat[offsets[k]..<offsets[k] + groups[k] * groups[k] * 4])
  }
  return tables
}

/// PGDL form of one table of 4-cell slices: mean MI / mean H over every slice.
private func pgdlValue(_ table: [Int]) -> Double? {
  let slices = table.count / 4
  var mutualInformation = 0.0
  var entropy = 0.0
  for slice in 0..<slices {
    let (i, h) = sliceInformation(
      Array(table[slice * 4..<slice * 4 + 4]), gapStates: 2, measureStates: 2)
    mutualInformation += i
    entropy += h
  }
  guard entropy > 0 else { return nil }
  return max(0, mutualInformation / entropy)
}

/// Mutual information I(V_g; V_μ) and entropy H(V_g) (nats) of one slice's joint counts,
/// laid out gap-major (`counts[g * measureStates + m]`).
private func sliceInformation(_ counts: [Int], gapStates: Int, measureStates: Int) -> (Double, Double) {
  let total = Double(counts.reduce(0, +))
  guard total > 0 else { return (0, 0) }
  var gapMarginal = [Double](repeating: 0, count: gapStates)
  var measureMarginal = [Double](repeating: 0, count: measureStates)
  for g in 0..<gapStates {
    for m in 0..<measureStates {
      let c = Double(counts[g * measureStates + m])
      gapMarginal[g] += c
      measureMarginal[m] += c
    }
  }
  var information = 0.0
  for g in 0..<gapStates {
    for m in 0..<measureStates {
      let c = Double(counts[g * measureStates + m])
      guard c > 0 else { continue }
      information += (c / total) * log(c * total / (gapMarginal[g] * measureMarginal[m]))
    }
  }
  var entropy = 0.0
  for g in gapMarginal where g > 0 {
    entropy -= (g / total) * log(g / total)
  }
  return (max(0, information), entropy)
}
