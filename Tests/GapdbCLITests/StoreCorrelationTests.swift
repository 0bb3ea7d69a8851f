import Foundation
import ResultsStore
import StatisticsSQL
import TabularOutput
import Testing
import TestSupport

@testable import GapAnalysis
@testable import GapdbCLI

@Suite struct StoreCorrelationTests {
  @Test func finalSnapshot_matchesSpecGridExample_andExcludesDivergedRun() throws {
    let store = try FixtureStore()
    defer { store.remove() }
    let rows = try correlateJSON([store.path, "--experiment", "grid", "--hyperparameters", "lr,depth"])
    let mu = try #require(row(rows, "mu"))
    // measures-spec.md §4.3: τ = 7/15, ψ_lr = 2/3, ψ_depth = −1/3, Ψ = 1/6 (the diverged run
    // is at depth 8 with a NaN gap, so it joins no line).
    #expect(near(mu["tau_a"], 7.0 / 15))
    #expect(near(mu["psi_lr"], 2.0 / 3))
    #expect(near(mu["psi_depth"], -1.0 / 3))
    #expect(near(mu["psi"], 1.0 / 6))
    #expect(mu["n_used"] as? Int == 6)
    #expect(mu["n_excluded"] as? Int == 1)  // case 5: the NaN run is counted, not used
    let flat = try #require(row(rows, "flat"))
    #expect(flat["tau_a"] is NSNull)
    #expect((flat["note"] as? String ?? "").contains("constant"))
    let partial = try #require(row(rows, "partial"))  // case 10: ragged
    #expect(partial["n_used"] as? Int == 4 && partial["n_excluded"] as? Int == 3)
  }

  @Test func defaultAxes_areTheVaryingHyperparametersWithoutSeed() throws {
    let store = try FixtureStore()
    defer { store.remove() }
    let input = try correlationInput(storePath: store.path, experiment: "grid")
    #expect(input.grid?.axisNames == ["depth", "lr"])
    #expect(input.notes.contains { $0.contains("no finite error gap") })
  }

  @Test func allRuns_runsLackingAnAxis_areOffGrid() throws {
    let store = try FixtureStore()
    defer { store.remove() }
    let input = try correlationInput(storePath: store.path, experiment: nil)
    let grid = try #require(input.grid)
    // Preferred order (defaultGridAxes): sweep axes depth, width, label_noise, then the rest.
    #expect(grid.axisNames == ["depth", "width", "label_noise", "lr"])
    #expect(grid.runCount == 11)
    #expect(grid.offGridCount == 11)  // grid runs lack width/label_noise, width runs lack lr/depth
    let only = try correlationInput(storePath: store.path, experiment: "widths")
    #expect(only.grid?.axisNames == ["width", "label_noise"])
    #expect(only.grid?.offGridCount == 0 && only.grid?.configurationCount == 4)
  }

  @Test func snapshots_trainLossTarget_bestTestError_fixedEpoch() throws {
    let store = try FixtureStore()
    defer { store.remove() }
    // lr = 0.001 runs never reach train loss 0.01: 4 runs have the snapshot (epoch 2).
    let target = try correlateJSON([store.path, "--experiment", "grid", "--at", "train-loss=0.01", "--measures", "mu"])
    #expect(target.first?["n_used"] as? Int == 4)
    #expect(target.first?["n_excluded"] as? Int == 3)
    // At epoch 2, mu = 20 + i rises with the run index; the gap there is gap_i/2 + 0.001.
    let fixed = try correlateJSON([store.path, "--experiment", "grid", "--at", "epoch=2", "--measures", "mu"])
    let best = try correlateJSON([store.path, "--experiment", "grid", "--at", "best-test-error", "--measures", "mu"])
    // At epoch 2 the gap is 0.001 + gap_i/2 (same order as gap_i) and mu = 20 + i.
    var x = (0..<6).map { Double(20 + $0) }
    var g = FixtureStore.gap.map { 0.011 + $0 / 2 - 0.01 }
    #expect(near(fixed.first?["tau_a"], jiangTau(x, g)))
    #expect(near(fixed.first?["tau_a"], 0.2))  // 9 concordant, 6 discordant pairs
    // Best test error: epoch 2 for the six runs; epoch 1 for the diverged run (its epoch-2
    // test error is NaN), where mu = 9 and the gap is 0.85 − 0.8.
    x.append(9)
    g.append(0.05)
    #expect(best.first?["n_used"] as? Int == 7)
    #expect(near(best.first?["tau_a"], jiangTau(x, g)))
    #expect(fixed.first?["n_used"] as? Int == 6)
  }

  @Test func lossGap_andWhereFilter() throws {
    let store = try FixtureStore()
    defer { store.remove() }
    // test loss − train loss = gap at every epoch, so the loss gap gives the same τ.
    let loss = try correlateJSON([store.path, "--experiment", "grid", "--gap", "loss", "--measures", "mu"])
    #expect(near(loss.first?["tau_a"], 7.0 / 15))
    let filtered = try correlateJSON([store.path, "--where", "r.status = 'finished' AND e.name = 'grid'", "--measures", "mu"])
    #expect(filtered.first?["n_used"] as? Int == 6 && filtered.first?["n_excluded"] as? Int == 0)
  }

  @Test func badInput_givesOneClearErrorWithHint() throws {
    let store = try FixtureStore()
    defer { store.remove() }
    let cases: [([String], String)] = [
      ([store.path, "--experiment", "nope"], "no experiment named \"nope\""),
      ([store.path, "--measures", "nope"], "no measure \"nope\""),
      ([store.path, "--hyperparameters", "nope"], "hyperparameter \"nope\""),
      ([store.path, "--where", "r.nope = 1"], "could not be selected"),
      ([store.directory.path("missing.sqlite")], "no such database"),
    ]
    for (args, message) in cases {
      #expect {
        _ = try correlateJSON(args)
      } throws: { error in
        "\(error)".contains(message) && "\(error)".contains("Hint:")
      }
    }
  }

  @Test func sqlAggregates_agreeWithCorrelate() throws {
    let store = try FixtureStore()
    defer { store.remove() }
    let db = try Database(storePath: store.path, readOnly: true)
    try StatisticsSQLFunctions.register(on: db)
    let row = try #require(
      try db.fetchOne(
        sql: "SELECT kendall_tau_a(value, error_gap), kendall_tau(value, error_gap), count(*) FROM final_measure_value WHERE measure_id = 'mu'"))
    #expect(near(row[0].doubleValue ?? .nan, 7.0 / 15))
    #expect(row[2] == .integer(7))  // the diverged run's row is there, its NULLs skipped
  }

  /// `gapdb sql` has the statistics aggregates: the CLI installs them (the store does not).
  /// Hand value: measures-spec.md §4.3, τ_a = 7/15 over the 7 rows.
  @Test func gapdbSQL_hasTheStatisticsAggregates() throws {
    let store = try FixtureStore()
    defer { store.remove() }
    let result = try runProduct(
      "gapdb",
      [
        "sql", store.path, "--csv", "--no-headers",
        "SELECT kendall_tau_a(value, error_gap), count(*) FROM final_measure_value WHERE measure_id = 'mu'",
      ])
    #expect(result.status == 0, "\(result.stderr)")
    let fields = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",")
    #expect(fields.count == 2, "\(result.stdout)")
    #expect(near(Double(fields.first.map(String.init) ?? "") ?? .nan, 7.0 / 15))
    #expect(fields.last == "7")
  }
}

/// O(n²) Jiang τ (τ_a) for hand-sized inputs.
func jiangTau(_ x: [Double], _ y: [Double]) -> Double {
  var s = 0
  for i in x.indices {
    for j in (i + 1)..<x.count {
      let a = x[i] < x[j] ? 1 : (x[i] > x[j] ? -1 : 0)
      let b = y[i] < y[j] ? 1 : (y[i] > y[j] ? -1 : 0)
      s += a * b
    }
  }
  return Double(s) / Double(x.count * (x.count - 1) / 2)
}
