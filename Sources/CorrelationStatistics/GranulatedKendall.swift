/// Granulated Kendall coefficient Ψ and its per-axis ψ_i (Jiang et al. 2020, "Fantastic
/// Generalization Measures and Where to Find Them", ICLR 2020, §6, eq. for ψ_i and Ψ).
///
/// For axis i, a *line* is a set of units that agree on every other axis. Then
/// `ψ_i = (1/m_i) Σ_lines τ(line)` over the m_i lines that are used (see ``PsiLines``), and
/// `Ψ = (1/n′) Σ_i ψ_i` over the n′ axes whose ψ_i is defined.
public struct GranulatedKendall: Sendable, Equatable {
  /// ψ_i for one hyperparameter axis, with how many lines it averaged and why the others
  /// were left out.
  ///
  /// The lines along axis i are the m_i = Π_{j≠i}|Θ_j| combinations of the other axes'
  /// levels (Jiang et al.'s normalizer for a complete grid). Every one of them is either used
  /// or skipped for exactly one reason:
  /// `linesUsed + linesEmpty + linesWithOneModel + linesNonFinite + linesIncomplete == linesPossible`
  /// (unless `linesPossible` saturated at `Int.max`).
  public struct Axis: Sendable, Equatable {
    /// The hyperparameter name.
    public var name: String
    /// ψ_i, the mean τ over the used lines; `nil` when no line is used.
    public var psi: Double?
    /// Lines averaged into ψ_i (m_i of the formula).
    public var linesUsed: Int
    /// Lines left out, for any reason (the sum of the four reasons below).
    public var linesSkipped: Int
    /// m_i = Π_{j≠i}|Θ_j|, the lines of the full grid (saturating at `Int.max`).
    public var linesPossible: Int
    /// Skipped: no run at all has this combination of the other axes.
    public var linesEmpty: Int
    /// Skipped: the line holds a single model (configuration, or run when seeds are kept), so
    /// τ is undefined.
    public var linesWithOneModel: Int
    /// Skipped: the line holds 2 or more models but fewer than 2 with a finite measure and
    /// gap (NaN/±Inf or missing values).
    public var linesNonFinite: Int
    /// Skipped (``PsiLines/complete`` only): the line lacks a usable model at some level of
    /// the axis.
    public var linesIncomplete: Int
    /// Among the used lines, those lacking a usable model at some level of the axis (always
    /// 0 with ``PsiLines/complete``).
    public var usedLinesIncomplete: Int
    /// Among the used lines, those where the measure or the gap is the same for every model:
    /// they count τ = 0 (ties count 0 in Jiang's τ), they are not skipped.
    public var usedLinesTied: Int

    /// An axis with every count given; `linesSkipped` is their sum.
    public init(
      name: String, psi: Double?, linesUsed: Int, linesPossible: Int, linesEmpty: Int = 0,
      linesWithOneModel: Int = 0, linesNonFinite: Int = 0, linesIncomplete: Int = 0,
      usedLinesIncomplete: Int = 0, usedLinesTied: Int = 0
    ) {
      self.name = name
      self.psi = psi
      self.linesUsed = linesUsed
      self.linesPossible = linesPossible
      self.linesEmpty = linesEmpty
      self.linesWithOneModel = linesWithOneModel
      self.linesNonFinite = linesNonFinite
      self.linesIncomplete = linesIncomplete
      self.usedLinesIncomplete = usedLinesIncomplete
      self.usedLinesTied = usedLinesTied
      linesSkipped = linesEmpty &+ linesWithOneModel &+ linesNonFinite &+ linesIncomplete
    }
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
  /// Which lines were eligible.
  public var lines: PsiLines = .all
}

/// Which lines of an incomplete grid ψ_i averages.
///
/// Jiang et al. define ψ_i on a complete grid, where every line holds one model per level of
/// axis i. On an incomplete grid (runs missing, not converged, or with NaN values):
public enum PsiLines: String, Sendable, CaseIterable {
  /// Every line with 2 or more usable models (measures-spec.md §4.3; the default).
  case all
  /// Only complete lines: a usable model at every level Θ_i of the axis (the levels that
  /// occur on the grid). The strict form: each τ compares the same set of levels.
  case complete
}

/// Granulated Kendall Ψ of a measure against the gap over a hyperparameter grid.
///
/// Inside a line, τ is Jiang's τ over ordered pairs, `Σ_{i≠j} sgn(Δμ)·sgn(Δg) / (L(L−1))`,
/// i.e. τ_a: ties contribute 0, so a line where the measure (or the gap) is constant
/// contributes τ = 0 rather than being skipped, as in the paper's formula (counted in
/// ``GranulatedKendall/Axis/usedLinesTied``). A measure (or gap) that is constant over
/// *every* unit is different: Ψ and every ψ_i are then undefined with
/// ``UndefinedReason/constantMeasure`` (or ``UndefinedReason/constantTarget``), as Kendall's τ
/// is, rather than a misleading 0.
///
/// Example (the spec's 6-run grid, lr × depth): ψ_lr = 2/3, ψ_depth = −1/3, Ψ = 1/6. Drop the
/// run (lr 0.1, depth 4): with ``PsiLines/all`` ψ_lr averages the depth-2 line (τ = 1) and the
/// two-model depth-4 line; with ``PsiLines/complete`` only the depth-2 line.
///
/// - Parameters:
///   - measure: One value per run (grid run order); NaN/±Inf runs are excluded.
///   - gap: The generalization gap per run; NaN/±Inf runs are excluded.
///   - grid: The runs' hyperparameters.
///   - seeds: Average seeds per configuration (default) or keep runs as units.
///   - lines: Which lines to average (default: every line with 2 or more usable models).
/// - Returns: Ψ with every ψ_i and the line counts.
/// - Precondition: `measure.count == gap.count == grid.runCount`.
/// - Complexity: O(n · (C + U + Σ_lines L log L)) for n axes, C configurations and U units.
public func granulatedKendall(
  measure: [Double], gap: [Double], grid: HyperparameterGrid, seeds: SeedHandling = .average,
  lines: PsiLines = .all
) -> GranulatedKendall {
  precondition(measure.count == grid.runCount && gap.count == grid.runCount, "length mismatch")
  let units = GridUnits(measure: measure, gap: gap, grid: grid, seeds: seeds)
  return granulatedKendall(units: units, grid: grid, seeds: seeds, lines: lines)
}

func granulatedKendall(
  units: GridUnits, grid: HyperparameterGrid, seeds: SeedHandling, lines selection: PsiLines
) -> GranulatedKendall {
  let n = grid.axisCount
  if n > 0, let reason = units.constantInputReason {
    return GranulatedKendall(
      psi: nil,
      axes: grid.axisNames.indices.map {
        .init(name: grid.axisNames[$0], psi: nil, linesUsed: 0, linesPossible: grid.possibleLineCount(axis: $0))
      },
      unitCount: units.count, runsUsed: units.runsUsed, undefinedReason: reason, lines: selection)
  }
  let configurations = grid.runsOfConfiguration.count
  var axes: [GranulatedKendall.Axis] = []
  // Scratch: the last line that counted a configuration (distinct levels per line).
  var stamp = [Int32](repeating: -1, count: configurations)
  for axis in 0..<n {
    let lineOf = grid.lineOfConfiguration[axis]
    let lineCount = grid.lineCounts[axis]
    // Models each line holds on the grid, whatever their values.
    var models = [Int](repeating: 0, count: lineCount)
    for c in 0..<configurations {
      models[Int(lineOf[c])] += seeds == .keep ? Int(grid.runsOfConfiguration[c]) : 1
    }
    var members = [[Int]](repeating: [], count: lineCount)
    for u in 0..<units.count { members[Int(lineOf[Int(units.configuration[u])])].append(u) }
    let levelCount = grid.levels[axis].count
    var sum = 0.0
    var used = 0, one = 0, nonFinite = 0, incomplete = 0, usedIncomplete = 0, tied = 0
    for (line, member) in members.enumerated() {
      if models[line] < 2 {
        one += 1
        continue
      }
      if member.count < 2 {
        nonFinite += 1
        continue
      }
      // Distinct levels of the axis among the usable models: configurations on one line
      // differ only in this axis.
      var levels = 0
      for u in member {
        let c = Int(units.configuration[u])
        if stamp[c] != Int32(line) {
          stamp[c] = Int32(line)
          levels += 1
        }
      }
      for u in member { stamp[Int(units.configuration[u])] = -1 }
      let complete = levels == levelCount
      if selection == .complete && !complete {
        incomplete += 1
        continue
      }
      if !complete { usedIncomplete += 1 }
      let m = member.map { units.measure[$0] }
      let g = member.map { units.gap[$0] }
      if m.allSatisfy({ $0 == m[0] }) || g.allSatisfy({ $0 == g[0] }) { tied += 1 }
      sum += jiangTau(m, g)
      used += 1
    }
    let possible = grid.possibleLineCount(axis: axis)
    axes.append(
      .init(
        name: grid.axisNames[axis], psi: used > 0 ? sum / Double(used) : nil, linesUsed: used,
        linesPossible: possible, linesEmpty: possible == Int.max ? 0 : possible - lineCount,
        linesWithOneModel: one, linesNonFinite: nonFinite, linesIncomplete: incomplete,
        usedLinesIncomplete: usedIncomplete, usedLinesTied: tied))
  }
  let defined = axes.compactMap(\.psi)
  let psi = defined.isEmpty ? nil : defined.reduce(0, +) / Double(defined.count)
  let reason: UndefinedReason? =
    psi != nil
    ? nil
    : (n == 0
      ? .tooFewAxes(count: 0, required: 1)
      : (selection == .complete && axes.contains { $0.linesIncomplete > 0 } ? .noCompleteLines : .noUsableLines))
  return GranulatedKendall(
    psi: psi, axes: axes, unitCount: units.count, runsUsed: units.runsUsed,
    undefinedReason: reason, lines: selection)
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
