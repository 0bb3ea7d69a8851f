import ResultsStore
import Testing

/// The gapdb store's read/write API (run lifecycle, epoch writes, sweep and experiment reads)
/// on an in-memory store; expected values are written out by hand from the rows inserted.
@Suite struct StoreAPITests {
  func run(_ experiment: String, _ name: String, pid: Int64, config: String) -> NewRunRow {
    NewRunRow(
      experiment: experiment, uuid: "00000000-0000-4000-8000-00000000000\(name)", name: name, targetTrainLoss: nil, host: "h",
      pid: pid, processStart: nil, seed: 7, dataset: nil, config: config,
      hyperparameters: [.init(key: "lr", valueType: "real", value: .real(0.1), valueText: "0.1")],
      layers: [.init(index: 0, name: "fc0", kind: "dense", fanIn: 4, fanOut: 3, parameterCount: 15)])
  }

  @Test func runLifecycle_epochWrites_andSweepReads() throws {
    let db = try Database(storePath: ":memory:")
    let r1 = try db.insertRun(
      run("sw", "a", pid: 42, config: #"{"sweep_key":"k1","stopping":{"max_epochs":5}}"#))
    let r2 = try db.insertRun(run("sw", "b", pid: 42, config: #"{"sweep_key":"k2"}"#))
    let r3 = try db.insertRun(run("sw", "c", pid: 42, config: "{}"))
    let r4 = try db.insertRun(run("other", "d", pid: 43, config: "{}"))
    #expect([r1, r2, r3, r4] == [1, 2, 3, 4])
    #expect(try db.nextRunID() == 5)
    #expect(try db.isJSONObject("{}"))
    #expect(try !db.isJSONObject("[1]"))

    #expect(try db.experimentExists(named: "sw"))
    #expect(try !db.experimentExists(named: "SW"))
    #expect(try db.experimentNames() == ["other", "sw"])
    #expect(try db.experimentNames(limit: 1) == ["other"])

    try db.inTransaction {
      try db.insertEpochMetric(runID: r1, epoch: 1, step: 10, columns: [("train_loss", 0.25)])
      try db.insertEpochMetric(
        runID: r1, epoch: 2, step: 20, columns: [("train_loss", 0.125), ("test_loss", .nan)])
      try db.insertLayerSummary(
        runID: r1, epoch: 2, layerIndex: 0, columns: [("frobenius_norm", 3), ("spectral_norm", .nan)])
      for i in 0..<40 { try db.insertMeasureIfMissing(id: "m\(i)") }
      // 40 rows: one 32-row chunk and one 8-row chunk.
      try db.insertMeasureValues(count: 40, runID: r1, epoch: 2) { i in
        ("m\(i)", Double(i) * 0.5, "finite", nil)
      }
    }
    #expect(
      try db.scalar(sql: "SELECT nan_columns FROM epoch_metric WHERE epoch = 2") == .text(#"["test_loss"]"#))
    #expect(
      try db.scalar(sql: "SELECT nan_columns FROM layer_summary") == .text(#"["spectral_norm"]"#))
    #expect(try db.scalar(sql: "SELECT count(*) FROM measure_value") == .integer(40))
    #expect(try db.scalar(sql: "SELECT sum(value) FROM measure_value") == .real(390))  // 0.5·(0+…+39)

    #expect(
      try db.sweepProgressRows(experiment: "sw", firstRunID: 1) == [
        SweepProgressRow(
          id: 1, name: "a", status: "running", maxEpochs: 5, lastEpoch: 2, lastTrainLoss: 0.125,
          sweepKey: "k1"),
        SweepProgressRow(
          id: 2, name: "b", status: "running", maxEpochs: nil, lastEpoch: nil, lastTrainLoss: nil,
          sweepKey: "k2"),
      ])
    #expect(try db.sweepProgressRows(experiment: "sw", firstRunID: 2).map(\.id) == [2])
    let ledger = try db.sweepRuns(experiment: "sw")
    #expect(ledger.map(\.sweepKey) == ["k1", "k2"])
    #expect(ledger.allSatisfy { $0.host == "h" && $0.pid == 42 && $0.status == "running" })
    #expect(ledger.allSatisfy { ($0.heartbeatAgeSeconds ?? .infinity) < 60 })
    #expect(try db.runningRunIDs(host: "h", pid: 42) == [1, 2, 3])

    #expect(try db.touchRunHeartbeat(runID: r2))
    #expect(try db.finishRun(runID: r2, status: "finished", stopReason: "max_epochs", reachedTarget: nil))
    #expect(try !db.finishRun(runID: r2, status: "failed", stopReason: nil, reachedTarget: nil))
    #expect(try db.runStatus(runID: r2) == "finished")
    #expect(try db.runStatus(runID: 99) == nil)
    #expect(try db.markRunsProcessDied([r1, r2]) == 1)
    #expect(try db.runStatus(runID: r1) == "failed")
    #expect(try !db.touchRunHeartbeat(runID: r1))
    #expect(try db.markRunStale(runID: r3, status: "failed"))
    #expect(try db.scalar(sql: "SELECT stop_reason FROM run WHERE id = 3") == .text("stale_heartbeat"))
    try db.markRunDiverged(runID: r4)
    #expect(try db.runStatus(runID: r4) == "diverged")
    // Every run has ended: nothing is left for the stale sweep, whatever the age.
    #expect(try db.runsWithOldHeartbeat(olderThanSeconds: -1).isEmpty)
    try db.saveWeightSnapshot(runID: r1, epoch: 0, format: "npz", data: [1, 2])
    try db.saveWeightSnapshot(runID: r1, epoch: 0, format: "npz", data: [3])
    #expect(try db.scalar(sql: "SELECT data FROM weight_snapshot") == .blob([3]))
  }

  @Test func runsWithOldHeartbeat_listsRunningRunsOnly() throws {
    let db = try Database(storePath: ":memory:")
    let a = try db.insertRun(run("e", "a", pid: 1, config: "{}"))
    let b = try db.insertRun(run("e", "b", pid: 2, config: "{}"))
    _ = try db.finishRun(runID: b, status: "finished", stopReason: nil, reachedTarget: nil)
    let rows = try db.runsWithOldHeartbeat(olderThanSeconds: -1)
    #expect(rows.map(\.runID) == [a])
    #expect(rows.first?.host == "h")
    #expect(rows.first?.pid == 1)
    #expect(try db.runsWithOldHeartbeat(olderThanSeconds: 3600).isEmpty)
  }
}
