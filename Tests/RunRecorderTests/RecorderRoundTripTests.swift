import ResultsStore
import RunRecorder
import TestSupport
import Testing

@Suite struct RecorderRoundTripTests {
  @Test func recordEpoch_metricsSummariesMeasures_readBackExactly() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("runs.sqlite"))
    let run = try recorder.beginRun(
      RunSpec(
        experiment: "sweep-A", name: "run 1",
        hyperparameters: [
          "learning_rate": 0.1, "batch_size": 128, "nesterov": true, "optimizer": "sgd",
        ],
        config: #"{"epochs": 3}"#, seed: 42, dataset: "fashion-mnist",
        layers: [
          LayerInfo(index: 0, name: "fc1", fanIn: 784, fanOut: 1024),
          LayerInfo(index: 1, name: "fc2", fanIn: 1024, fanOut: 10),
        ]))
    var summary = LayerSummaryRecord(layerIndex: 1)
    summary.frobeniusNorm = 3.5
    summary.spectralNorm = .nan
    summary.maxAbs = .infinity
    try run.recordEpoch(
      EpochRecord(
        epoch: 0, step: 3_000_000_000,
        metrics: EpochMetrics(trainLoss: 2.3, testLoss: 2.31, trainError: 0.9, testError: 0.91),
        layerSummaries: [summary],
        measures: [
          MeasureRecord(measureID: "spectral_product", value: 0.1 + 0x1p-50),
          MeasureRecord(measureID: "tiny", value: 1e-300),
          MeasureRecord(measureID: "pos", value: .infinity),
          MeasureRecord(measureID: "neg", value: -.infinity),
          MeasureRecord(measureID: "nan", value: .nan),
          .undefined(measureID: "margin", reason: "no data"),
        ]))
    try run.finish(status: .finished, stopReason: "max_epochs")
    let db = recorder.database
    let step = try db.scalar(sql: "SELECT step FROM epoch_metric")
    #expect(step == .integer(3_000_000_000))
    let rows = try db.fetchAll(
      sql: "SELECT measure_id, value, value_kind FROM measure_value ORDER BY measure_id")
    let byID = Dictionary(
      uniqueKeysWithValues: rows.map { ($0[0].stringValue ?? "", ($0[1], $0[2].stringValue ?? "")) }
    )
    #expect(byID["spectral_product"]?.0 == .real(0.1 + 0x1p-50))
    #expect(byID["tiny"]?.0 == .real(1e-300))
    #expect(byID["pos"]?.0 == .real(.infinity))
    #expect(byID["pos"]?.1 == "+inf")
    #expect(byID["neg"]?.0 == .real(-.infinity))
    #expect(byID["neg"]?.1 == "-inf")
    #expect(byID["nan"]?.0 == .null)
    #expect(byID["nan"]?.1 == "nan")
    #expect(byID["margin"]?.1 == "undefined")
    let layer = try #require(
      try db.fetchOne(
        sql: "SELECT frobenius_norm, spectral_norm, max_abs, nan_columns FROM layer_summary"))
    #expect(layer.values == [.real(3.5), .null, .real(.infinity), .text(#"["spectral_norm"]"#)])
    let summaryRow = try #require(
      try db.fetchOne(sql: "SELECT status, hyperparameters, final_step FROM run_summary"))
    #expect(summaryRow[0] == .text("finished"))
    #expect(
      summaryRow[1]
        == .text(#"{"batch_size":128,"learning_rate":0.1,"nesterov":true,"optimizer":"sgd"}"#))
    #expect(summaryRow[2] == .integer(3_000_000_000))
  }
}
