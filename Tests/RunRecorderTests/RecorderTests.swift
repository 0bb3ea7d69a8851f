import Foundation
import MeasureCatalog
import ResultsStore
import RunRecorder
import TestSupport
import Testing

@Suite struct RecorderTests {
  func makeRecorder(_ dir: TemporaryDirectory) throws -> Recorder {
    try Recorder(path: dir.path("runs.sqlite"))
  }

  func oneLayerSpec(_ name: String = "r") -> RunSpec {
    RunSpec(
      experiment: "e", name: name, layers: [LayerInfo(index: 0, name: "fc", fanIn: 2, fanOut: 2)])
  }

  @Test func recordEpoch_oneTransactionPerEpoch_withReusedStatements() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try makeRecorder(dir)
    let run = try recorder.beginRun(oneLayerSpec())
    var executed: [String] = []
    recorder.database.trace { executed.append($0) }
    for epoch in 0..<3 {
      try run.recordEpoch(
        EpochRecord(
          epoch: epoch, step: Int64(epoch), metrics: EpochMetrics(trainLoss: 1),
          layerSummaries: [LayerSummaryRecord(layerIndex: 0)],
          measures: [
            MeasureRecord(measureID: "a", value: 1), MeasureRecord(measureID: "b", value: 2),
          ]))
    }
    recorder.database.trace(nil)
    #expect(
      executed.filter { $0.hasPrefix("BEGIN") } == Array(repeating: "BEGIN IMMEDIATE", count: 3))
    #expect(executed.filter { $0 == "COMMIT" }.count == 3)
    // Both values of an epoch go in one multi-row INSERT.
    #expect(executed.filter { $0.contains("INSERT INTO measure_value") }.count == 3)
    // The catalogue rows for a and b are created once, in the first epoch only.
    #expect(executed.filter { $0.contains("INSERT INTO measure (id, name)") }.count == 2)
  }

  @Test func recordEpoch_failureInsideTransaction_leavesNothingBehind() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try makeRecorder(dir)
    let run = try recorder.beginRun(oneLayerSpec())
    var executed: [String] = []
    recorder.database.trace { executed.append($0) }
    // The epoch row, the layer summary and a new catalogue row are written before the
    // invalid JSON detail fails its CHECK constraint.
    #expect(throws: DatabaseError.self) {
      try run.recordEpoch(
        EpochRecord(
          epoch: 0, step: 0, metrics: EpochMetrics(trainLoss: 1),
          layerSummaries: [LayerSummaryRecord(layerIndex: 0)],
          measures: [
            MeasureRecord(measureID: "fresh", value: 1),
            MeasureRecord(measureID: "bad", value: 1, detail: "{not json"),
          ]))
    }
    recorder.database.trace(nil)
    #expect(executed.last == "ROLLBACK")
    let db = recorder.database
    for table in ["epoch_metric", "layer_summary", "measure_value", "measure"] {
      #expect(try db.scalar(sql: "SELECT count(*) FROM \(table)") == .integer(0), "\(table)")
    }
    // The same epoch can be recorded again, and the rolled-back catalogue row is recreated.
    try run.recordEpoch(
      EpochRecord(epoch: 0, step: 0, measures: [MeasureRecord(measureID: "fresh", value: 1)]))
    #expect(try db.scalar(sql: "SELECT count(*) FROM measure WHERE id = 'fresh'") == .integer(1))
    #expect(run.lastEpoch == 0)
  }

  @Test func recordEpoch_badRecords_throwNamedErrors() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let run = try makeRecorder(dir).beginRun(oneLayerSpec())
    try run.recordEpoch(EpochRecord(epoch: 3, step: 10))
    #expect(throws: RecorderError.epochOutOfOrder(previous: 3, got: 3)) {
      try run.recordEpoch(EpochRecord(epoch: 3, step: 11))
    }
    #expect(throws: RecorderError.negativeValue(field: "step", value: -1)) {
      try run.recordEpoch(EpochRecord(epoch: 4, step: -1))
    }
    #expect(throws: RecorderError.fractionOutOfRange(field: "test_error", value: 1.5)) {
      try run.recordEpoch(EpochRecord(epoch: 4, step: 1, metrics: EpochMetrics(testError: 1.5)))
    }
    #expect(throws: RecorderError.unknownLayer(index: 1, declared: [0])) {
      try run.recordEpoch(
        EpochRecord(epoch: 4, step: 1, layerSummaries: [LayerSummaryRecord(layerIndex: 1)]))
    }
    #expect(throws: RecorderError.duplicateMeasure(id: "m")) {
      try run.recordEpoch(
        EpochRecord(
          epoch: 4, step: 1,
          measures: [
            MeasureRecord(measureID: "m", value: 1), MeasureRecord(measureID: "m", value: 2),
          ]))
    }
  }

  @Test func beginRun_badSpec_throwsNamedErrors() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try makeRecorder(dir)
    #expect(throws: RecorderError.invalidConfig("[1, 2]")) {
      _ = try recorder.beginRun(RunSpec(experiment: "e", name: "r", config: "[1, 2]"))
    }
    #expect(throws: RecorderError.emptyName(field: "experiment")) {
      _ = try recorder.beginRun(RunSpec(experiment: "", name: "r"))
    }
    #expect(throws: RecorderError.badLayerIndices([1])) {
      _ = try recorder.beginRun(
        RunSpec(
          experiment: "e", name: "r", layers: [LayerInfo(index: 1, name: "x", fanIn: 1, fanOut: 1)])
      )
    }
    #expect(try recorder.database.scalar(sql: "SELECT count(*) FROM run") == .integer(0))
  }

  /// Case 5: a NaN loss marks the run diverged; queries on the loss do not return it.
  @Test func nanLoss_marksRunDiverged_andIsNotSmall() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try makeRecorder(dir)
    let run = try recorder.beginRun(oneLayerSpec())
    try run.recordEpoch(EpochRecord(epoch: 0, step: 0, metrics: EpochMetrics(trainLoss: 2.3)))
    try run.recordEpoch(
      EpochRecord(epoch: 1, step: 10, metrics: EpochMetrics(trainLoss: .nan, testLoss: .infinity)))
    #expect(run.hasDiverged)
    #expect(throws: RecorderError.runNotRunning(runID: run.id, status: "diverged")) {
      try run.recordEpoch(EpochRecord(epoch: 2, step: 20))
    }
    try run.finish(status: .finished)  // keeps diverged
    let db = recorder.database
    let row = try #require(
      try db.fetchOne(sql: "SELECT status, stop_reason, ended_at IS NOT NULL FROM run"))
    #expect(row.values == [.text("diverged"), .text("non_finite_loss"), .integer(1)])
    let last = try #require(
      try db.fetchOne(sql: "SELECT train_loss, test_loss, nan_columns FROM final_epoch"))
    #expect(last.values == [.null, .real(.infinity), .text(#"["train_loss"]"#)])
    #expect(
      try db.scalar(sql: "SELECT count(*) FROM final_epoch WHERE train_loss < 0.1") == .integer(0))
  }

  @Test func finish_withTarget_recordsWhetherReached() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try makeRecorder(dir)
    for (name, loss) in [("reached", 0.009), ("missed", 0.2)] {
      var spec = oneLayerSpec(name)
      spec.targetTrainLoss = 0.01
      let run = try recorder.beginRun(spec)
      try run.recordEpoch(EpochRecord(epoch: 1, step: 1, metrics: EpochMetrics(trainLoss: loss)))
      try run.finish(
        status: .finished,
        stopReason: name == "reached" ? "target_train_loss_reached" : "max_epochs")
    }
    let rows = try recorder.database.fetchAll(
      sql: "SELECT name, reached_target FROM run ORDER BY id")
    #expect(
      rows.map(\.values) == [[.text("reached"), .integer(1)], [.text("missed"), .integer(0)]])
  }

  @Test func heartbeat_afterMarkedStale_throwsRunNotRunning() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try makeRecorder(dir)
    let run = try recorder.beginRun(oneLayerSpec())
    try run.heartbeat()
    // As if recorded on another host (this process is alive, so it would never be stale here).
    try recorder.database.execute(
      sql: "UPDATE run SET heartbeat_at = '2000-01-01T00:00:00.000Z', host = 'elsewhere.example'")
    #expect(try recorder.markStaleRuns(olderThanSeconds: 60).count == 1)
    #expect(throws: RecorderError.runNotRunning(runID: run.id, status: "failed")) {
      try run.heartbeat()
    }
    #expect(throws: RecorderError.runNotRunning(runID: run.id, status: "failed")) {
      try run.finish(status: .finished)
    }
  }

  /// Case 9: odd names are stored and queried exactly.
  @Test func oddNames_storedAndQueriedExactly() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try makeRecorder(dir)
    let odd = "sweep A @ : ( ) [ ] / . ' \" ; -- é 学习率 ✓"
    let run = try recorder.beginRun(
      RunSpec(experiment: odd, name: odd, hyperparameters: [odd: .text(odd)], config: "{}"))
    try run.recordEpoch(
      EpochRecord(epoch: 0, step: 0, measures: [MeasureRecord(measureID: odd, value: 0.5)]))
    let db = recorder.database
    #expect(
      try db.scalar(sql: "SELECT name FROM experiment WHERE name = ?", arguments: [.text(odd)])
        == .text(odd))
    #expect(
      try db.scalar(sql: "SELECT value FROM hyperparameter WHERE key = ?", arguments: [.text(odd)])
        == .text(odd))
    #expect(
      try db.scalar(
        sql: "SELECT value FROM measure_value WHERE measure_id = ?", arguments: [.text(odd)])
        == .real(0.5))
    let json = try db.scalar(sql: "SELECT hyperparameters FROM run_summary").stringValue ?? ""
    let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    #expect(object?[odd] as? String == odd)
  }

  @Test func registerMeasures_fillsCatalogue_andUpdates() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try makeRecorder(dir)
    var entry = MeasureDescriptor(
      id: "spectral_product", name: "Product of spectral norms", description: "d",
      formula: "∏ ‖W_i‖₂", source: "Jiang et al. 2020, eq. (39)", needs: [.weights],
      nodeWiseRescaling: .notInvariant, layerWiseRescaling: .invariant, outputScaling: .approximately,
      cost: .weights)
    try recorder.registerMeasures([entry])
    entry.needs = [.weights, .trainingLogits]
    try recorder.registerMeasures([entry])
    let row = try #require(
      try recorder.database.fetchOne(
        sql: "SELECT name, needs_data, is_layer_rescaling_invariant, is_output_scaling_invariant FROM measure"))
    // "approximately" invariant is stored as not (exactly) invariant.
    #expect(row.values == [.text("Product of spectral norms"), .integer(1), .integer(1), .integer(0)])
  }

  @Test func hyperparameters_typedSpecialValuesAndHugeIntegers() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try makeRecorder(dir)
    _ = try recorder.beginRun(
      RunSpec(
        experiment: "e", name: "r",
        hyperparameters: [
          "big": .integer(3_000_000_000_000_000_000), "nan": .real(.nan), "inf": .real(.infinity),
          "flag": false, "lr": 0.1,
        ]))
    let rows = try recorder.database.fetchAll(
      sql: "SELECT key, value_type, value, value_text FROM hyperparameter ORDER BY key")
    #expect(
      rows.map(\.values) == [
        [
          .text("big"), .text("integer"), .integer(3_000_000_000_000_000_000),
          .text("3000000000000000000"),
        ],
        [.text("flag"), .text("boolean"), .integer(0), .text("false")],
        [.text("inf"), .text("real"), .real(.infinity), .text("inf")],
        [.text("lr"), .text("real"), .real(0.1), .text("0.1")],
        [.text("nan"), .text("real"), .null, .text("NaN")],
      ])
    // Sweeps slice numerically; NaN never matches a comparison.
    #expect(
      try recorder.database.scalar(sql: "SELECT count(*) FROM hyperparameter WHERE value < 1")
        == .integer(2))
    let json = try recorder.database.scalar(sql: "SELECT hyperparameters FROM run_summary")
    #expect(
      json == .text(#"{"big":3000000000000000000,"flag":false,"inf":"inf","lr":0.1,"nan":"NaN"}"#))
  }

  @Test func weightSnapshot_storedAsBlob() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try makeRecorder(dir)
    let run = try recorder.beginRun(oneLayerSpec())
    try run.saveWeightSnapshot(epoch: 0, format: "npz", data: [1, 2, 3])
    try run.saveWeightSnapshot(epoch: 0, format: "npz", data: [4])
    let row = try #require(
      try recorder.database.fetchOne(sql: "SELECT epoch, format, data FROM weight_snapshot"))
    #expect(row.values == [.integer(0), .text("npz"), .blob([4])])
  }

  @Test func deletingRun_cascadesToEveryChildRow() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try makeRecorder(dir)
    let run = try recorder.beginRun(
      RunSpec(
        experiment: "e", name: "r", hyperparameters: ["a": 1],
        layers: [LayerInfo(index: 0, name: "fc", fanIn: 2, fanOut: 2)]))
    try run.recordEpoch(
      EpochRecord(
        epoch: 0, step: 0, layerSummaries: [LayerSummaryRecord(layerIndex: 0)],
        measures: [MeasureRecord(measureID: "m", value: 1)]))
    try run.saveWeightSnapshot(epoch: 0, format: "npz", data: [1])
    let db = recorder.database
    try db.execute(sql: "DELETE FROM run")
    for table in [
      "hyperparameter", "layer", "epoch_metric", "layer_summary", "measure_value",
      "weight_snapshot",
    ] {
      #expect(try db.scalar(sql: "SELECT count(*) FROM \(table)") == .integer(0), "\(table)")
    }
    #expect(try db.scalar(sql: "SELECT count(*) FROM measure") == .integer(1))  // the catalogue stays
  }
}
