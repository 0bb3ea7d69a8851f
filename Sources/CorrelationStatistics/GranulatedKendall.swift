/// Granulated Kendall coefficient Ψ and its per-axis ψ_i (Jiang et al. 2020, "Fantastic
/// Generalization Measures and Where to Find Them", ICLR 2020, §6, eq. for ψ_i and Ψ).
///
/// For axis i, a *line* is a set of units that agree on every other axis. Then
/// `ψ_i = (1/m_i) Σ_lines τ(line)` over the m_i lines that hold 2 or more units, and
/// `Ψ = (1/n′) Σ_i ψ_i` over the n′ axes whose ψ_i is defined.
public struct GranulatedKendall: Sendable, Equatable {
  /// ψ_i for one hyperparameter axis.
  public struct Axis: Sendable, Equatable {
    /// The hyperparameter name.
    public var name: String
    /// ψ_i, the mean τ over lines with ≥ 2 units; `nil` when no line qualifies.
    public var psi: Double?
    /// Lines with ≥ 2 units (averaged).
    public var linesUsed: Int
    /// Lines with a single unit (skipped).
    public var linesSkipped: Int
  }

  /// Ψ, the mean of the defined ψ_i; `nil` when no axis has a usable line.
  public var psi: Double?
  /// Every axis in grid order.
  public var axes: [Axis]
  /// Units the statistic used (configurations, or runs when seeds are kept).
  public var unitCount: Int
  /// Runs behind those units.
  public var runsUsed: Int
  /// Why ``psi`` is `nil`, or `nil` when it is defined.
  public var undefinedReason: UndefinedReason?
}

/// Granulated Kendall Ψ of a measure against the gap over a hyperparameter grid.
///
/// Inside a line, τ is Jiang's τ over ordered pairs, `Σ_{i≠j} sgn(Δμ)·sgn(Δg) / (L(L−1))`,
/// i.e. τ_a: ties contribute 0, so a line where the measure (or the gap) is constant
/// contributes τ = 0 rather than being skipped, as in the paper's formula. A measure (or gap)
/// that is constant over *every* unit is different: Ψ and every ψ_i are then undefined with
/// ``UndefinedReason/constantMeasure`` (or ``UndefinedReason/constantTarget``), as Kendall's τ
/// is, rather than a misleading 0.
///
/// Example (the spec's 6-run grid, lr × depth): ψ_lr = 2/3, ψ_depth = −1/3, Ψ = 1/6.
///
/// - Parameters:
///   - measure: One value per run (grid run order); NaN/±Inf runs are excluded.
///   - gap: The generalization gap per run; NaN/±Inf runs are excluded.
///   - grid: The runs' hyperparameters.
///   - seeds: Average seeds per configuration (default) or keep runs as units.
/// - Returns: Ψ with every ψ_i and the line counts.
/// - Precondition: `measure.count == gap.count == grid.runCount`.
/// - Complexity: O(n · (U + Σ_lines L log L)) for n axes and U units.
public func granulatedKendall(
  measure: [Double], gap: [Double], grid: HyperparameterGrid, seeds: SeedHandling = .average
) -> GranulatedKendall {
  precondition(measure.count == grid.runCount && gap.count == grid.runCount, "length mismatch")
  let units = GridUnits(measure: measure, gap: gap, grid: grid, seeds: seeds)
  return granulatedKendall(units: units, grid: grid)
}

func granulatedKendall(units: GridUnits, grid: HyperparameterGrid) -> GranulatedKendall {
  let n = grid.axisCount
  if n > 0, let reason = units.constantInputReason {
    return GranulatedKendall(
      psi: nil,
      axes: grid.axisNames.map { .init(name: $0, psi: nil, linesUsed: 0, linesSkipped: 0) },
      unitCount: units.count, runsUsed: units.runsUsed, undefinedReason: reason)
  }
  var axes: [GranulatedKendall.Axis] = []
  for axis in 0..<n {
    let others = (0..<n).filter { $0 != axis }
    let (codes, lineCount) = groupCodes(levels: units.levels, axisCount: n, axes: others)
    var members = [[Int]](repeating: [], count: lineCount)
    for u in 0..<units.count { members[Int(codes[u])].append(u) }
    var sum = 0.0
    var used = 0
    var skipped = 0
    for line in members {
      guard line.count >= 2 else {
        skipped += 1
        continue
      }
      sum += jiangTau(line.map { units.measure[$0] }, line.map { units.gap[$0] })
      used += 1
    }
    axes.append(
      .init(
        name: grid.axisNames[axis], psi: used > 0 ? sum / Double(used) : nil, linesUsed: used,
        linesSkipped: skipped))
  }
  let defined = axes.compactMap(\.psi)
  let psi = defined.isEmpty ? nil : defined.reduce(0, +) / Double(defined.count)
  let reason: UndefinedReason? =
    psi != nil ? nil : (n == 0 ? .tooFewAxes(count: 0, required: 1) : .noUsableLines)
  return GranulatedKendall(
    psi: psi, axes: axes, unitCount: units.count, runsUsed: units.runsUsed,
    undefinedReason: reason)
}

/// Jiang's τ of finite values, defined for L ≥ 2: (C − D)/P with ties counting 0.
func jiangTau(_ x: [Double], _ y: [Double]) -> Double {
  let n = x.count
  if n <= 48 {
    var s = 0
    for i in 0..<n {
      for j in (i + 1)..<n {
        let a = x[i] < x[j] ? -1 : (x[i] > x[j] ? 1 : 0)
        let b = y[i] < y[j] ? -1 : (y[i] > y[j] ? 1 : 0)
        s += a * b
      }
    }
    return Double(s) / Double(n * (n - 1) / 2)
  }
  let counts = KendallCounts.knight(x: x, y: y)
  return Double(counts.concordantMinusDiscordant) / Double(counts.pairCount)
}
