import CorrelationStatistics
import Foundation
import Testing
import TestSupport

/// The reference file written by Tests/Fixtures/statistics/psi_incomplete_reference.py.
struct PsiIncompleteFixture: Decodable {
  struct AxisCounts: Decodable {
    let used: Int
    let empty: Int
    let one_model: Int
    let non_finite: Int
    let incomplete: Int
    let used_incomplete: Int
    let used_tied: Int
    let possible: Int
    let psi: Double?
  }
  struct Result: Decodable {
    let psi: Double?
    let axes: [String: AxisCounts]
  }
  let axes: [String]
  let runs: [[String]]
  let measure: [JSONDouble]
  let gap: [Double]
  let average_all: Result
  let average_complete: Result
  let keep_all: Result
  let keep_complete: Result
}

/// ψ on an incomplete grid: which lines are used, which are skipped and why, and the strict
/// form (complete lines only).
@Suite struct PsiLinesTests {
  @Test(arguments: [
    (SeedHandling.average, PsiLines.all), (.average, .complete), (.keep, .all), (.keep, .complete),
  ])
  func incompleteGrid_matchesIndependentReference(seeds: SeedHandling, lines: PsiLines) throws {
    let f = try loadFixture("psi_incomplete.json", as: PsiIncompleteFixture.self)
    let grid = HyperparameterGrid(axisNames: f.axes, values: f.runs.map { $0.map { Optional($0) } })
    let result = granulatedKendall(
      measure: f.measure.map(\.value), gap: f.gap, grid: grid, seeds: seeds, lines: lines)
    let expected: PsiIncompleteFixture.Result
    switch (seeds, lines) {
    case (.average, .all): expected = f.average_all
    case (.average, .complete): expected = f.average_complete
    case (.keep, .all): expected = f.keep_all
    case (.keep, .complete): expected = f.keep_complete
    }
    #expect(close(result.psi, expected.psi))
    #expect(result.lines == lines)
    for axis in result.axes {
      let e = try #require(expected.axes[axis.name])
      #expect(close(axis.psi, e.psi), "psi_\(axis.name)")
      #expect(axis.linesUsed == e.used, "used \(axis.name)")
      #expect(axis.linesPossible == e.possible, "possible \(axis.name)")
      #expect(axis.linesEmpty == e.empty, "empty \(axis.name)")
      #expect(axis.linesWithOneModel == e.one_model, "one model \(axis.name)")
      #expect(axis.linesNonFinite == e.non_finite, "non-finite \(axis.name)")
      #expect(axis.linesIncomplete == e.incomplete, "incomplete \(axis.name)")
      #expect(axis.usedLinesIncomplete == e.used_incomplete, "used incomplete \(axis.name)")
      #expect(axis.usedLinesTied == e.used_tied, "tied \(axis.name)")
      #expect(axis.linesUsed + axis.linesSkipped == axis.linesPossible)
    }
  }

  @Test func incompleteGrid_handValues() throws {
    // The fixture's grid, derived by hand (seeds averaged): lr × depth × bs with cells
    // missing, a NaN measure at (0.1, 3, 32) and a second bs level only at (0.1, 1).
    // ψ_lr: depth 1 line τ = 1 (complete), depth 2 line τ = −1 (0.001 missing), depth 3 line
    //   non-finite, depth 4 and (1, bs 64) one model, 3 of the 8 (depth, bs) lines empty.
    // ψ_depth: lr 0.1 line τ = 1 (3 usable of 4 depths), lr 0.01 line τ = 1/3, both incomplete.
    // ψ_bs: the (0.1, 1) line τ = 1; 7 one-model lines, 4 of 12 empty.
    // all: Ψ = (0 + 2/3 + 1)/3 = 5/9. complete: ψ_lr = 1, ψ_depth undefined, Ψ = (1 + 1)/2 = 1.
    let f = try loadFixture("psi_incomplete.json", as: PsiIncompleteFixture.self)
    let grid = HyperparameterGrid(axisNames: f.axes, values: f.runs.map { $0.map { Optional($0) } })
    let all = granulatedKendall(measure: f.measure.map(\.value), gap: f.gap, grid: grid)
    #expect(close(all.psi, 5.0 / 9))
    #expect(close(all.axes[0].psi, 0) && close(all.axes[1].psi, 2.0 / 3) && close(all.axes[2].psi, 1))
    #expect(all.axes.map(\.linesUsed) == [2, 2, 1])
    #expect(all.axes.map(\.linesSkipped) == [6, 4, 11])
    let strict = granulatedKendall(
      measure: f.measure.map(\.value), gap: f.gap, grid: grid, lines: .complete)
    #expect(close(strict.psi, 1))
    #expect(close(strict.axes[0].psi, 1) && strict.axes[1].psi == nil && close(strict.axes[2].psi, 1))
    #expect(strict.axes.map(\.linesIncomplete) == [1, 2, 0])
  }

  @Test func completeLines_noneComplete_isUndefinedWithItsOwnReason() {
    // lr × depth with the (0.001, 4) cell missing: the depth axis's lines are complete, but
    // make every depth line lack a level too by dropping (0.1, 2).
    let grid = HyperparameterGrid(
      axisNames: ["lr", "depth"],
      values: [["0.1", "4"], ["0.01", "2"], ["0.001", "2"], ["0.01", "4"]].map { $0.map { Optional($0) } })
    let measure = [1.0, 2, 3, 4]
    let gap = [0.1, 0.2, 0.3, 0.5]
    let all = granulatedKendall(measure: measure, gap: gap, grid: grid)
    // all: lr lines depth 2 (0.01, 0.001) τ = 1 and depth 4 (0.1, 0.01) τ = 1; depth lines:
    // lr 0.01 (2, 4) τ = 1, the others one model. Ψ = 1.
    #expect(close(all.psi, 1))
    let strict = granulatedKendall(measure: measure, gap: gap, grid: grid, lines: .complete)
    // lr has 3 levels and no line holds all 3; depth's lr 0.01 line holds both depths.
    #expect(strict.axes[0].psi == nil && strict.axes[0].linesIncomplete == 2)
    #expect(close(strict.axes[1].psi, 1) && strict.axes[1].linesUsed == 1)
    let none = granulatedKendall(
      measure: [1, 2, 3], gap: [0.1, 0.3, 0.2],
      grid: HyperparameterGrid(
        axisNames: ["lr"], values: [["0.1"], ["0.01"], ["0.1"]].map { $0.map { Optional($0) } }),
      seeds: .keep, lines: .complete)
    // One axis, one line with both levels: complete; τ over 3 runs = (+1 −1 ... ) by hand:
    // (1,.1)-(2,.3) +, (1,.1)-(3,.2) +, (2,.3)-(3,.2) − → τ = 1/3.
    #expect(close(none.psi, 1.0 / 3))
    let nonComplete = granulatedKendall(
      measure: [1, 2, 3], gap: [0.1, 0.3, 0.2],
      grid: HyperparameterGrid(
        axisNames: ["lr", "bs"], values: [["0.1", "a"], ["0.01", "b"], ["0.2", "a"]].map { $0.map { Optional($0) } }),
      lines: .complete)
    // lr line bs=a holds 0.1 and 0.2 but not 0.01; bs lines are single models.
    #expect(nonComplete.psi == nil && nonComplete.undefinedReason == .noCompleteLines)
    #expect(nonComplete.axes[0].linesIncomplete == 1 && nonComplete.axes[0].linesWithOneModel == 1)
  }

  @Test func tiedLine_isUsedAsZeroAndCounted() {
    // lr × depth 2 × 2; the measure is constant along the depth-2 line (τ = 0, used).
    let grid = HyperparameterGrid(
      axisNames: ["lr", "depth"],
      values: [["a", "1"], ["b", "1"], ["a", "2"], ["b", "2"]].map { $0.map { Optional($0) } })
    let result = granulatedKendall(measure: [1, 2, 3, 3], gap: [0.1, 0.2, 0.3, 0.4], grid: grid)
    // ψ_lr = (1 + 0)/2; ψ_depth: lr a (1→3, .1→.3) +1, lr b (2→3, .2→.4) +1.
    #expect(close(result.axes[0].psi, 0.5) && result.axes[0].usedLinesTied == 1)
    #expect(close(result.axes[1].psi, 1) && result.axes[1].usedLinesTied == 0)
    #expect(result.axes[0].linesUsed == 2 && result.axes[0].linesSkipped == 0)
  }

  @Test func evaluateMeasures_passesTheLineSelection() throws {
    let f = try loadFixture("psi_incomplete.json", as: PsiIncompleteFixture.self)
    let grid = HyperparameterGrid(axisNames: f.axes, values: f.runs.map { $0.map { Optional($0) } })
    var options = EvaluationOptions()
    options.psiLines = .complete
    let e = evaluateMeasures([("mu", f.measure.map(\.value))], gap: f.gap, grid: grid, options: options)
    #expect(close(e[0].granulatedKendall?.psi, 1))
    #expect(e[0].granulatedKendall?.lines == .complete)
  }
}
