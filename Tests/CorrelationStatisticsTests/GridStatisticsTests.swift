import CorrelationStatistics
import Testing
import TestSupport

@Suite struct GridStatisticsTests {
  func grid(_ axes: [String], _ runs: [[String]]) -> HyperparameterGrid {
    HyperparameterGrid(axisNames: axes, values: runs.map { $0.map { Optional($0) } })
  }

  // MARK: - Granulated Kendall Ψ

  @Test func psi_specSixRunGrid_matchesWorkedExample() throws {
    let e = try loadFixture("granulated_kendall.json", as: PsiFixture.self).example
    let g = grid(e.axes, e.runs)
    let result = granulatedKendall(measure: e.measure, gap: e.gap, grid: g)
    // Hand values from measures-spec.md §4.3, and the independent Python computation.
    #expect(close(result.psi, 1.0 / 6))
    #expect(close(result.psi, e.psi))
    #expect(result.axes.map(\.name) == ["lr", "depth"])
    #expect(close(result.axes[0].psi, 2.0 / 3))
    #expect(close(result.axes[1].psi, -1.0 / 3))
    #expect(result.axes[0].linesUsed == 2 && result.axes[1].linesUsed == 3)
    #expect(close(kendallTauA(e.measure, e.gap), 7.0 / 15))
    #expect(close(kendallTauA(e.measure, e.gap), e.tau_a))
  }

  @Test func psi_missingConfigurations_skipsAndCountsSingletonLines() {
    // lr × depth, the (0.001, 4) cell missing and (0.1, 4) with a NaN measure.
    let runs = [["0.1", "2"], ["0.01", "2"], ["0.001", "2"], ["0.1", "4"], ["0.01", "4"]]
    let result = granulatedKendall(
      measure: [1, 2, 3, .nan, 1.5], gap: [0.05, 0.08, 0.12, 0.03, 0.06],
      grid: grid(["lr", "depth"], runs))
    #expect(result.unitCount == 4 && result.runsUsed == 4)
    #expect(result.axes[0].linesUsed == 1 && result.axes[0].linesSkipped == 1)  // depth=4: one unit
    #expect(result.axes[1].linesUsed == 1 && result.axes[1].linesSkipped == 2)  // only lr=0.01 pairs
    #expect(close(result.axes[0].psi, 1))
    #expect(close(result.axes[1].psi, 1))  // (2, 0.08) vs (1.5, 0.06): concordant
    #expect(close(result.psi, 1))
  }

  @Test func psi_noUsableLine_isUndefined() {
    let result = granulatedKendall(
      measure: [1, 2], gap: [0.1, 0.2], grid: grid(["lr", "depth"], [["a", "x"], ["b", "y"]]))
    #expect(result.psi == nil)
    #expect(result.undefinedReason == .noUsableLines)
  }

  @Test func constantMeasureOrGap_psiAndBothCMIForms_areUndefinedNotZero() {
    // A complete 2×2 grid a × b. Before the fix a measure constant over every run scored
    // Ψ = 0 and CMI = 0 (ties count 0), while τ was undefined.
    let g = grid(["a", "b"], [["0", "0"], ["1", "0"], ["0", "1"], ["1", "1"]])
    let gap = [0.1, 0.2, 0.3, 0.4]
    let constant = [7.0, 7, 7, 7]
    let psi = granulatedKendall(measure: constant, gap: gap, grid: g)
    #expect(psi.psi == nil && psi.undefinedReason == .constantMeasure)
    #expect(psi.axes.map(\.name) == ["a", "b"] && psi.axes.allSatisfy { $0.psi == nil })
    for form in CMIForm.allCases {
      let cmi = conditionalMutualInformation(measure: constant, gap: gap, grid: g, form: form)
      #expect(cmi.value == nil && cmi.undefinedReason == .constantMeasure)
    }
    // Constant after excluding the non-finite run is still constant.
    let withNaN = granulatedKendall(measure: [.nan, 3, 3, 3], gap: gap, grid: g)
    #expect(withNaN.undefinedReason == .constantMeasure)
    let constantGap = [0.5, 0.5, 0.5, 0.5]
    #expect(granulatedKendall(measure: [1, 2, 3, 4], gap: constantGap, grid: g).undefinedReason == .constantTarget)
    #expect(
      conditionalMutualInformation(measure: [1, 2, 3, 4], gap: constantGap, grid: g, form: .paper)
        .undefinedReason == .constantTarget)
    // A measure constant on one line only still counts that line as τ = 0 (Jiang's formula):
    // ψ_a = (0 + 1)/2 (lines b=0: ties; b=1: concordant), ψ_b = (0 + 1)/2 likewise, Ψ = 1/2.
    let partly = granulatedKendall(measure: [1, 1, 1, 2], gap: gap, grid: g)
    #expect(close(partly.axes[0].psi, 0.5) && close(partly.axes[1].psi, 0.5))
    #expect(close(partly.psi, 0.5) && partly.undefinedReason == nil)
    #expect(conditionalMutualInformation(measure: [1, 1, 1, 2], gap: gap, grid: g, form: .paper).value != nil)
  }

  // MARK: - CMI

  @Test func cmi_specEightRunGrid_everyConditioningSetMatches() throws {
    let e = try loadFixture("cmi.json", as: CMIFixture.self).example
    let g = grid(e.axes, e.runs)
    let paper = conditionalMutualInformation(measure: e.measure, gap: e.gap, grid: g, form: .paper)
    let pgdl = conditionalMutualInformation(measure: e.measure, gap: e.gap, grid: g, form: .pgdl)
    #expect(paper.sets.map(\.axes) == e.paper.map(\.set))
    #expect(pgdl.sets.map(\.axes) == e.pgdl.map(\.set))
    for (got, want) in zip(paper.sets, e.paper) {
      #expect(close(got.value, want.value), "paper \(want.set)")
    }
    for (got, want) in zip(pgdl.sets, e.pgdl) {
      #expect(close(got.value, want.value), "pgdl \(want.set)")
    }
    // The spec's table, to 4 decimals.
    let specPaper = [0.1369, 0.0817, 0.1292, 0.5589, 0.4748, 1.0, 0.5305]
    let specPGDL = [0.1833, 0.0034, 0.1665, 0.6099, 0.1511, 1.0, 0.5755]
    for (k, v) in specPaper.enumerated() { #expect(close(paper.sets[k].value, v, tolerance: 5e-5)) }
    for (k, v) in specPGDL.enumerated() { #expect(close(pgdl.sets[k].value, v, tolerance: 5e-5)) }
    #expect(close(paper.value, 0.0817, tolerance: 5e-5))
    #expect(paper.minimizingSet == ["bs"])
    #expect(close(pgdl.value, 0.15107, tolerance: 5e-6))
    #expect(pgdl.minimizingSet == ["bs", "lr"])
  }

  @Test func cmi_randomGridWithSeedsAndTies_matchesReference() throws {
    let e = try loadFixture("grid_random.json", as: RandomGridFixture.self).example
    let g = grid(e.axes, e.runs)
    let psiAverage = granulatedKendall(measure: e.measure, gap: e.gap, grid: g, seeds: .average)
    #expect(close(psiAverage.psi, e.average.psi))
    for axis in psiAverage.axes { #expect(close(axis.psi, e.average.psi_axis[axis.name])) }
    let psiKeep = granulatedKendall(measure: e.measure, gap: e.gap, grid: g, seeds: .keep)
    #expect(close(psiKeep.psi, e.keep.psi))
    for axis in psiKeep.axes { #expect(close(axis.psi, e.keep.psi_axis[axis.name])) }
    let paper = conditionalMutualInformation(measure: e.measure, gap: e.gap, grid: g, form: .paper)
    for (got, want) in zip(paper.sets, e.average.paper) {
      #expect(close(got.value, want.value), "paper \(want.set)")
    }
    let pgdl = conditionalMutualInformation(measure: e.measure, gap: e.gap, grid: g, form: .pgdl)
    for (got, want) in zip(pgdl.sets, e.average.pgdl) {
      #expect(close(got.value, want.value), "pgdl \(want.set)")
    }
    let keep = conditionalMutualInformation(
      measure: e.measure, gap: e.gap, grid: g, form: .paper, seeds: .keep)
    #expect(keep.unitCount == e.runs.count)
    for (got, want) in zip(keep.sets, e.keep.paper) {
      #expect(close(got.value, want.value), "paper/keep \(want.set)")
    }
    // Seeds kept put several units in one cell: the PGDL form refuses, like its program.
    let pgdlKeep = conditionalMutualInformation(
      measure: e.measure, gap: e.gap, grid: g, form: .pgdl, seeds: .keep)
    #expect(pgdlKeep.value == nil)
    #expect(pgdlKeep.undefinedReason == .incompleteGrid(cells: 18, filled: 18))
  }

  @Test func cmi_pgdlIncompleteGrid_isUndefined_paperFormStillDefined() throws {
    let e = try loadFixture("cmi.json", as: CMIFixture.self).example
    var measure = e.measure
    measure[5] = .nan  // one configuration lost
    let g = grid(e.axes, e.runs)
    let pgdl = conditionalMutualInformation(measure: measure, gap: e.gap, grid: g, form: .pgdl)
    #expect(pgdl.undefinedReason == .incompleteGrid(cells: 8, filled: 7))
    let paper = conditionalMutualInformation(measure: measure, gap: e.gap, grid: g, form: .paper)
    #expect(paper.value != nil && paper.unitCount == 7)
  }

  @Test func cmi_perfectlyAntiAlignedMeasure_scoresOne() {
    // Sign-blindness: μ = −g is as informative as μ = g.
    let runs = (0..<9).map { [String($0 % 3), String($0 / 3)] }
    let gap = (0..<9).map { Double($0) * 0.01 + Double($0 % 3) * 0.001 }
    let g = grid(["a", "b"], runs)
    let up = conditionalMutualInformation(measure: gap, gap: gap, grid: g, form: .paper)
    let down = conditionalMutualInformation(measure: gap.map { -$0 }, gap: gap, grid: g, form: .paper)
    #expect(close(up.sets[0].value, 1))
    #expect(close(down.sets[0].value, 1))
  }

  @Test func cmi_tooFewUnitsAndPairLimit_areUndefined() {
    let g = grid(["a"], [["x"], ["y"], ["z"]])
    let one = conditionalMutualInformation(
      measure: [1, .nan, .nan], gap: [0.1, 0.2, 0.3], grid: g, form: .paper)
    #expect(one.undefinedReason == .tooFewObservations(count: 1, required: 2))
    let limited = conditionalMutualInformation(
      measure: [1, 2, 3], gap: [0.1, 0.2, 0.3], grid: g, form: .paper, pairLimit: 2)
    #expect(limited.undefinedReason == .tooManyPairs(pairs: 3, limit: 2))
    let pgdl = conditionalMutualInformation(
      measure: [1, 2, 3], gap: [0.1, 0.2, 0.3], grid: g, form: .pgdl)
    #expect(pgdl.undefinedReason == .tooFewAxes(count: 1, required: 2))
  }

  // MARK: - Robust sign-error

  @Test func hoeffdingWeights_matchSpecTable() throws {
    let e = try loadFixture("sign_error.json", as: SignErrorFixture.self).example
    for (delta, weight) in e.weights {
      #expect(close(hoeffdingWeight(gapDifference: Double(delta)!, testSetSize: 10000), weight))
    }
    #expect(close(hoeffdingWeight(gapDifference: 0.02, testSetSize: 10000), 0.032, tolerance: 5e-4))
    #expect(hoeffdingWeight(gapDifference: 0.015, testSetSize: 10000) == 0)
  }

  @Test func signError_matchesReferenceLoops() throws {
    let e = try loadFixture("sign_error.json", as: SignErrorFixture.self).example
    let g = grid(e.axes, e.runs)
    let result = robustSignError(measure: e.measure, gap: e.gap, grid: g, testSetSize: e.test_size)
    #expect(result.environmentsConsidered == e.environments_considered)
    #expect(result.environmentsKept == e.environments_kept)
    #expect(close(result.mean, e.mean))
    #expect(close(result.max, e.max))
    #expect(close(result.median, e.median))
    #expect(close(result.p90, e.p90))
    for axis in result.axes {
      #expect(close(axis.mean, e.per_axis_mean[axis.name] ?? nil), "\(axis.name)")
    }
  }

  @Test func signError_tinyTestSet_keepsNoEnvironment() throws {
    let e = try loadFixture("sign_error.json", as: SignErrorFixture.self).example
    let result = robustSignError(
      measure: e.measure, gap: e.gap, grid: grid(e.axes, e.runs), testSetSize: 10)
    #expect(result.mean == nil && result.undefinedReason == .noEnvironments)
  }

  // MARK: - Bootstrap

  @Test func bootstrap_isSeededAndBracketsTheEstimate() {
    var rng = SplitMix64(seed: 3)
    let n = 200
    let x = (0..<n).map { _ in Double(rng.next() % 1000) }
    let y = x.map { $0 + Double(rng.next() % 800) }
    let tau = kendallTauA(x, y)!
    let a = bootstrapKendallTau(x, y, resamples: 200, seed: 42)
    let b = bootstrapKendallTau(x, y, resamples: 200, seed: 42)
    let c = bootstrapKendallTau(x, y, resamples: 200, seed: 43)
    #expect(a == b)
    #expect(a.tauA != c.tauA)
    let interval = try! #require(a.tauA)
    #expect(interval.contains(tau))
    #expect(interval.upperBound - interval.lowerBound < 0.25)
    #expect(interval.upperBound - interval.lowerBound > 0.01)
    // A larger sample gives a narrower interval.
    let x4 = x + x.map { $0 + 0.5 } + x.map { $0 + 0.25 } + x.map { $0 + 0.75 }
    let y4 = y + y.map { $0 + 0.5 } + y.map { $0 + 0.25 } + y.map { $0 + 0.75 }
    let wide = bootstrapKendallTau(x4, y4, resamples: 200, seed: 42).tauA!
    #expect(wide.upperBound - wide.lowerBound < interval.upperBound - interval.lowerBound)
  }

  @Test func bootstrap_degenerateInput_hasNoInterval() {
    let r = bootstrapKendallTau([1, .nan], [1, 2], resamples: 10, seed: 1)
    #expect(r.tauA == nil && r.undefinedResamples == 10)
    let constant = bootstrapKendallTau([1, 1, 1], [1, 2, 3], resamples: 10, seed: 1)
    #expect(constant.tauA == nil && constant.undefinedResamples == 10)
  }

  // MARK: - Evaluation driver

  @Test func evaluateMeasures_parallelEqualsSerial_andKeepsOrder() throws {
    let e = try loadFixture("grid_random.json", as: RandomGridFixture.self).example
    let g = grid(e.axes, e.runs)
    let measures = (0..<6).map { k in
      (name: "m\(k)", values: e.measure.enumerated().map { i, v in k == 3 && i == 0 ? .nan : v * Double(k + 1) + Double(i % (k + 2)) })
    }
    var serial = EvaluationOptions()
    serial.threads = 1
    serial.bootstrapResamples = 20
    serial.signErrorTestSetSize = 1000
    var parallel = serial
    parallel.threads = 2
    let a = evaluateMeasures(measures, gap: e.gap, grid: g, options: serial)
    let b = evaluateMeasures(measures, gap: e.gap, grid: g, options: parallel)
    #expect(a.map(\.name) == measures.map(\.name))
    for (x, y) in zip(a, b) {
      #expect(x.correlations == y.correlations)
      #expect(x.granulatedKendall == y.granulatedKendall)
      #expect(x.cmi == y.cmi && x.cmiPGDL == y.cmiPGDL)
      #expect(x.signError == y.signError && x.bootstrap == y.bootstrap)
    }
    #expect(a[3].correlations.excludedCount == 1)
    #expect(a[3].cmiPGDL?.value != nil)  // the config still has its other seed
  }
}
