import ComplexityMeasures
import Datasets
import ExperimentRunner
import FeedForward
import Foundation
import LinearAlgebra
import ResultsStore
import RunRecorder
import TestSupport
import Testing

/// Two separable blobs in 2-D around (−1, −1) and (1, 1), offsets in [−0.5, 0.5]².
func toySplit(count: Int, seed: UInt64) -> DataSplit {
  var rng = SplitMix64(seed: seed)
  var features: [Float] = []
  var labels: [Int] = []
  for i in 0..<count {
    let c = i % 2
    let center: Float = c == 0 ? -1 : 1
    features.append(center + Float(rng.next() % 1000) / 1000 - 0.5)
    features.append(center + Float(rng.next() % 1000) / 1000 - 0.5)
    labels.append(c)
  }
  let d = LabeledDataset(features: Matrix(rows: count, columns: 2, elements: features), labels: labels, classCount: 2)
  return DataSplit(train: d, test: d.selecting(Array(0..<(count / 2))), sourceName: "toy", sourceLocation: "-")
}

func toyConfiguration(epochs: Int = 5) -> TrainingRunConfiguration {
  TrainingRunConfiguration(
    experiment: "toy", dataSource: .csv(train: "-", test: nil, holdoutFraction: 0, labelColumn: .automatic),
    preparation: DataPreparation(),
    training: TrainingConfiguration(hiddenLayerSizes: [8, 4], learningRate: 0.1, batchSize: 16, maxEpochs: epochs, seed: 7),
    spectralMethod: .exact)
}

func ints(_ db: Database, _ sql: String) throws -> [Int64] {
  try db.fetchAll(sql: sql).map { $0[0].int64Value ?? -1 }
}

@Suite struct TrainingRunnerTests {
  @Test func run_recordsEveryEpoch_measuresAndSnapshotsOnCadence() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("runs.sqlite"))
    var config = toyConfiguration(epochs: 5)
    config.measureEvery = 2
    config.snapshots = .every(2)
    let data = toySplit(count: 200, seed: 1)
    var events = 0
    let summary = try runTraining(config, data: data, recorder: recorder) { _ in events += 1 }
    let db = recorder.database
    #expect(try ints(db, "SELECT epoch FROM epoch_metric ORDER BY epoch") == [0, 1, 2, 3, 4, 5])
    // ⌈200/16⌉ = 13 steps per epoch.
    #expect(try ints(db, "SELECT step FROM epoch_metric ORDER BY epoch") == [0, 13, 26, 39, 52, 65])
    #expect(try ints(db, "SELECT DISTINCT epoch FROM layer_summary ORDER BY epoch") == [0, 2, 4, 5])
    #expect(try ints(db, "SELECT count(*) FROM layer_summary WHERE epoch = 2") == [3])
    #expect(try ints(db, "SELECT DISTINCT epoch FROM measure_value ORDER BY epoch") == [0, 2, 4, 5])
    #expect(try ints(db, "SELECT epoch FROM weight_snapshot ORDER BY epoch") == [0, 2, 4, 5])
    #expect(summary.measuredEpochs == [0, 2, 4, 5] && summary.snapshotEpochs == [0, 2, 4, 5])
    let run = try db.fetchAll(sql: "SELECT status, stop_reason, reached_target, dataset FROM run")[0]
    #expect(run.values == [.text("finished"), .text("max_epochs"), .null, .text("toy")])
    // Every registry measure is catalogued and has a value (or an undefined row) per measured epoch.
    let catalogue = try ints(db, "SELECT count(*) FROM measure")[0]
    #expect(catalogue == Int64(MeasureRegistry.descriptors.count))
    #expect(try ints(db, "SELECT count(*) FROM measure_value WHERE epoch = 5") == [catalogue])
    #expect(events > 6)

    // The recorded run is the trainer's run: same final loss, bit for bit, and the final
    // snapshot decodes to the same weights.
    let direct = FeedForward.train(data: data, configuration: config.training)
    let finalLoss = try db.scalar(sql: "SELECT train_loss FROM epoch_metric WHERE epoch = 5").doubleValue
    #expect(finalLoss?.bitPattern == direct.finalTrainLoss.bitPattern)
    guard case .blob(let blob) = try db.scalar(sql: "SELECT data FROM weight_snapshot WHERE epoch = 5") else {
      Issue.record("no snapshot blob")
      return
    }
    #expect(WeightSnapshot.decode(blob) == direct.network)
    guard case .blob(let first) = try db.scalar(sql: "SELECT data FROM weight_snapshot WHERE epoch = 0") else {
      Issue.record("no initial snapshot")
      return
    }
    #expect(WeightSnapshot.decode(first) == direct.initialNetwork)
  }

  @Test func run_targetTrainLoss_finishesWithReachedTarget() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("runs.sqlite"))
    var config = toyConfiguration(epochs: 200)
    config.training.targetTrainLoss = 0.05
    config.measureEvery = 1000
    let summary = try runTraining(config, data: toySplit(count: 200, seed: 1), recorder: recorder)
    #expect(summary.stopReason == "target_train_loss_reached" && summary.hasReachedTarget == true)
    let run = try recorder.database.fetchAll(sql: "SELECT status, stop_reason, reached_target, target_train_loss FROM run")[0]
    #expect(run.values == [.text("finished"), .text("target_train_loss_reached"), .integer(1), .real(0.05)])
    let last = try recorder.database.scalar(sql: "SELECT max(epoch) FROM epoch_metric").int64Value ?? 0
    #expect(last < 200)
    // Measured: epoch 0 and the final epoch only (cadence 1000).
    #expect(try ints(recorder.database, "SELECT DISTINCT epoch FROM layer_summary ORDER BY epoch") == [0, last])
  }

  @Test func run_divergence_isRecordedAsDivergedNotThrown() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("runs.sqlite"))
    var config = toyConfiguration(epochs: 5)
    config.training.learningRate = 1e12
    config.training.hiddenLayerSizes = [32, 32]
    let summary = try runTraining(config, data: toySplit(count: 100, seed: 1), recorder: recorder)
    #expect(summary.status == .diverged)
    let status = try recorder.database.scalar(sql: "SELECT status FROM run").stringValue
    #expect(status == "diverged")
    let reason = try recorder.database.scalar(sql: "SELECT stop_reason FROM run").stringValue ?? ""
    #expect(["non_finite_loss", "non_finite_batch_loss"].contains(reason))
  }

  @Test func run_invalidSettings_throwBeforeTouchingTheStore() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("runs.sqlite"))
    var config = toyConfiguration()
    config.preparation.labelNoiseFraction = 1.5
    #expect(throws: TrainingRunError.self) { try runTraining(config, data: toySplit(count: 50, seed: 1), recorder: recorder) }
    config = toyConfiguration()
    config.preparation.trainingSubsetSize = 51
    #expect(throws: DatasetError.self) { try runTraining(config, data: toySplit(count: 50, seed: 1), recorder: recorder) }
    // The library refuses what the CLI refuses (a sweep reaches it without the CLI's checks).
    for mutate: (inout TrainingRunConfiguration) -> Void in [
      { $0.training.learningRate = 1e39 },  // float32 infinity
      { $0.training.learningRate = 1e-300 },  // float32 zero
      { $0.experiment = "   " },
      { $0.runName = "" },
      { $0.training.hiddenLayerSizes = [Int.max / 4] },  // parameter count overflows Int
    ] {
      var c = toyConfiguration()
      mutate(&c)
      #expect(throws: TrainingRunError.self) { try runTraining(c, data: toySplit(count: 50, seed: 1), recorder: recorder) }
    }
    for table in ["run", "experiment", "measure", "epoch_metric"] {
      #expect(try ints(recorder.database, "SELECT count(*) FROM \(table)") == [0], "\(table)")
    }
  }

  /// Hand-computed: 2-(2^61−1)-2 overflows Int; the estimate says so without allocating, and
  /// the database-path entry point refuses before creating the store file.
  @Test func run_networkTooLargeForMemory_isRefusedBeforeTheStoreExists() throws {
    let estimate = TrainingMemoryEstimate(layerSizes: [2, Int.max / 4, 2])
    #expect(estimate.parameterCount == nil)
    #expect(estimate.bytes == .infinity && !estimate.fits)
    #expect(estimate.problem?.contains("2-\(Int.max / 4)-2 network has more than \(Int.max) parameters") == true)
    // 784-1024-10: 784·1024 + 1024 + 1024·10 + 10 = 814,090 parameters, 16 bytes each.
    let small = TrainingMemoryEstimate(layerSizes: [784, 1024, 10])
    #expect(small.parameterCount == 814_090)
    #expect(small.bytes == 13_025_440)
    #expect(small.fits && small.problem == nil)

    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let csv = dir.path("toy.csv")
    try "label,a,b\n0,1,2\n1,3,4\n0,1,1\n1,4,4\n".write(toFile: csv, atomically: true, encoding: .utf8)
    var c = toyConfiguration()
    c.dataSource = .csv(train: csv, test: nil, holdoutFraction: 0.5, labelColumn: .automatic)
    c.training.hiddenLayerSizes = [Int.max / 4]
    let db = dir.path("never.sqlite")
    #expect(throws: TrainingRunError.self) { try runTraining(c, databasePath: db) }
    #expect(!FileManager.default.fileExists(atPath: db))
  }

  @Test func run_marginSubsetAndLabelNoise_areRecorded() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("runs.sqlite"))
    var config = toyConfiguration(epochs: 1)
    config.training.marginSubsetSize = 30
    config.preparation.labelNoiseFraction = 0.25
    _ = try runTraining(config, data: toySplit(count: 200, seed: 1), recorder: recorder)
    let db = recorder.database
    #expect(
      try db.scalar(sql: "SELECT json_extract(detail, '$.margin_sample_count') FROM measure_value WHERE measure_id = 'margin_p10' AND epoch = 1")
        == .integer(30))
    #expect(try db.scalar(sql: "SELECT value FROM hyperparameter WHERE key = 'margin_subset_size'") == .integer(30))
    // round(0.25 · 200) = 50 labels replaced.
    #expect(try db.scalar(sql: "SELECT json_extract(config, '$.data.replaced_label_count') FROM run") == .integer(50))
    #expect(try db.scalar(sql: "SELECT value FROM hyperparameter WHERE key = 'label_noise'") == .real(0.25))
  }
}
