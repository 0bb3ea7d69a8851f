import Datasets
import ExperimentRunner
import FeedForward
import Foundation
import ResultsStore
import RunRecorder
import TestSupport
import Testing

/// A configuration that sets every field away from its default, so a field the coding drops
/// or mixes up shows as an inequality.
private func unusualConfiguration() -> TrainingRunConfiguration {
  var c = TrainingRunConfiguration(
    experiment: "coding", runName: "odd \"name\" / ü",
    dataSource: .csv(train: "/data/train.csv", test: nil, holdoutFraction: 0.25, labelColumn: .name("y")),
    preparation: DataPreparation(trainingSubsetSize: 150, labelNoiseFraction: 0.1, scaling: .standardize),
    training: TrainingConfiguration(
      hiddenLayerSizes: [8, 4], initializer: .heNormal,
      optimizer: OptimizerConfiguration(method: .sgd, momentum: 0.9, weightDecay: 1e-4), learningRate: 0.05,
      schedule: .stepDecay(factor: 0.5, every: 2), batchSize: 16, maxEpochs: 3, targetTrainLoss: 1e-9, seed: 7,
      marginSubsetSize: 40, blasThreadCount: 1, evaluationChunkSize: 64),
    measureEvery: 2, snapshots: .every(2), spectralMethod: .both, heartbeatInterval: 5)
  c.initialRescaling = .unbalanced
  c.extraHyperparameters = ["init": .text("unbalanced"), "ratio": .real(1), "flag": .boolean(true)]
  c.configAnnotations = ["sweep_key": "k-123", "sweep_configuration": "w8x4 lr0.05"]
  return c
}

@Suite struct RunConfigurationTests {
  /// Trains a tiny run, reads `run.config` back, decodes it into the one configuration type:
  /// equal to what was trained, and re-encoding gives the stored text byte for byte.
  @Test func storedConfig_roundTripsThroughTheConfigurationType() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("runs.sqlite"))
    let configuration = unusualConfiguration()
    _ = try runTraining(configuration, data: toySplit(count: 200, seed: 1), recorder: recorder)
    let db = recorder.database
    guard case .text(let stored) = try db.scalar(sql: "SELECT config FROM run") else {
      Issue.record("run.config is not text")
      return
    }
    let decoded = try RecordedRunConfiguration(jsonText: stored)
    #expect(decoded.configuration == configuration)
    #expect(try decoded.jsonText() == stored)
    // The recorded facts: 200 toy rows, a 150-row subset; input 2, hidden 8 and 4, 2 classes.
    #expect(decoded.data.originalTrainCount == 200 && decoded.data.trainCount == 150)
    #expect(decoded.layerSizes == [2, 8, 4, 2])
    // Paths that sweeps (ledger, progress, merge) and earlier stores rely on.
    #expect(try db.scalar(sql: "SELECT json_extract(config, '$.sweep_key') FROM run") == .text("k-123"))
    #expect(try db.scalar(sql: "SELECT json_extract(config, '$.max_epochs') FROM run") == .integer(3))
    #expect(try db.scalar(sql: "SELECT json_extract(config, '$.data.train_count') FROM run") == .integer(150))
  }

  /// Every hyperparameter row is named by a top-level key of `run.config` (besides the derived
  /// `depth` and `width`), and the settings hold the same value in both.
  @Test func hyperparameterRows_useTheConfigurationKeys() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("runs.sqlite"))
    _ = try runTraining(unusualConfiguration(), data: toySplit(count: 200, seed: 1), recorder: recorder)
    let db = recorder.database
    let configKeys = Set(try db.fetchAll(sql: "SELECT key FROM run, json_each(run.config)").map { $0[0].stringValue ?? "" })
    let rows = try db.fetchAll(sql: "SELECT key FROM hyperparameter ORDER BY key").map { $0[0].stringValue ?? "" }
    let extra: Set<String> = ["depth", "width", "ratio", "flag"]
    #expect(rows.filter { !configKeys.contains($0) && !extra.contains($0) } == [])
    for key in [
      "learning_rate", "batch_size", "momentum", "weight_decay", "seed", "label_noise", "max_epochs", "measure_every",
      "lr_schedule", "optimizer", "initializer", "init", "target_train_loss",
    ] {
      let sql = "SELECT h.value = json_extract(r.config, '$.\(key)') FROM hyperparameter h, run r WHERE h.key = '\(key)'"
      #expect(try db.scalar(sql: sql) == .integer(1), "\(key)")
    }
    // Written by hand: μ = 0.9 makes the optimizer 'momentum'; hidden layers as text in the
    // hyperparameter row, as an array in the config; depth 2 and width 8.
    #expect(try db.scalar(sql: "SELECT json_extract(config, '$.optimizer') FROM run") == .text("momentum"))
    #expect(try db.scalar(sql: "SELECT value FROM hyperparameter WHERE key = 'hidden_layers'") == .text("8,4"))
    #expect(try db.scalar(sql: "SELECT json_extract(config, '$.hidden_layers') FROM run") == .text("[8,4]"))
    #expect(try db.scalar(sql: "SELECT value FROM hyperparameter WHERE key = 'depth'") == .integer(2))
    #expect(try db.scalar(sql: "SELECT value FROM hyperparameter WHERE key = 'width'") == .integer(8))
  }

  /// An annotation may not shadow a configuration key: `validate()` names it, and nothing is
  /// written.
  @Test func validate_refusesAnnotationsThatShadowConfigurationKeys() throws {
    var c = unusualConfiguration()
    c.configAnnotations["learning_rate"] = "1"
    #expect(throws: TrainingRunError.invalidConfiguration(
      "the config annotation 'learning_rate' would replace the configuration's own key of that name")) {
      try c.validate()
    }
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("runs.sqlite"))
    #expect(throws: TrainingRunError.self) { try runTraining(c, data: toySplit(count: 50, seed: 1), recorder: recorder) }
    #expect(try recorder.database.scalar(sql: "SELECT count(*) FROM run") == .integer(0))
  }

  /// The config of a store written before the one configuration type (the nested layout) is
  /// refused with a decoding error rather than misread.
  @Test func olderNestedLayout_isNotMisread() {
    let old = """
      {"data":{"name":"toy","train_count":200},"model":{"layer_sizes":[2,8,2]},\
      "optimizer":{"method":"sgd","learning_rate":0.1},"stopping":{"max_epochs":5},"seed":7,"sweep_key":"k"}
      """
    #expect(throws: DecodingError.self) { try RecordedRunConfiguration(jsonText: old) }
  }

  /// The JSON front end: a client's document names only what it changes (the keys are the
  /// hyperparameter names); the rest keeps the Swift defaults.
  @Test func configuration_decodesFromAClientDocument() throws {
    let base = TrainingRunConfiguration(experiment: "client")
    let text = String(decoding: try RecordedRunConfiguration.encoder.encode(base), as: UTF8.self)
    #expect(try RecordedRunConfiguration.decoder.decode(TrainingRunConfiguration.self, from: Data(text.utf8)) == base)
    // Defaults, written by hand: Fashion-MNIST / 255, one hidden layer of 512, SGD η = 0.01, B = 64.
    #expect(text.contains("\"hidden_layers\":[512]") && text.contains("\"learning_rate\":0.01"))
    #expect(text.contains("\"scaling\":{\"divide_by\":255}") && text.contains("\"batch_size\":64"))

    let client = """
      {"experiment": "client", "hidden_layers": [64, 64], "learning_rate": 0.1, "optimizer": "momentum",
       "max_epochs": 5, "lr_schedule": "cosine", "sweep_key": "from-python"}
      """
    let decoded = try RecordedRunConfiguration.decoder.decode(TrainingRunConfiguration.self, from: Data(client.utf8))
    var expected = base
    expected.training.hiddenLayerSizes = [64, 64]
    expected.training.learningRate = 0.1
    expected.training.optimizer.momentum = 0.9
    expected.training.maxEpochs = 5
    expected.training.schedule = .cosine(epochs: 5)
    expected.configAnnotations = ["sweep_key": "from-python"]
    #expect(decoded == expected)
    // A misspelled value names its key.
    #expect(throws: DecodingError.self) {
      try RecordedRunConfiguration.decoder.decode(
        TrainingRunConfiguration.self, from: Data(#"{"experiment": "e", "optimizer": "adam"}"#.utf8))
    }
    #expect(throws: DecodingError.self) {
      try RecordedRunConfiguration.decoder.decode(TrainingRunConfiguration.self, from: Data(#"{"seed": 1}"#.utf8))
    }
  }
}
