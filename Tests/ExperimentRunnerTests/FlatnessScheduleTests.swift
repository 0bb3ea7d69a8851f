import Datasets
import ExperimentRunner
import FeedForward
import FlatnessMeasures
import Foundation
import LinearAlgebra
import ResultsStore
import RunRecorder
import Testing
import TestSupport

/// A training run with `configuration.flatness` set records the perturbation suite at the
/// scheduled epochs (every N and the final one) and the optimization-based measures at every
/// epoch, with the search settings in `detail`.
@Suite struct FlatnessScheduleTests {
  /// Three seeded 2-D blobs as a CSV file (label first).
  func blobCSV(in dir: TemporaryDirectory) throws -> String {
    var rng = SplitMix64(seed: 9)
    var text = "label,x,y\n"
    for i in 0..<90 {
      let c = i % 3
      let angle = 2 * Double.pi * Double(c) / 3
      let x = 2 * cos(angle) + Double.random(in: -0.8...0.8, using: &rng)
      let y = 2 * sin(angle) + Double.random(in: -0.8...0.8, using: &rng)
      text += "\(c),\(x),\(y)\n"
    }
    let path = dir.path("blobs.csv")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func suiteAtScheduledEpochsOptimizationMeasuresEveryEpoch() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    var configuration = TrainingRunConfiguration(
      experiment: "flatness-test",
      dataSource: .csv(train: try blobCSV(in: dir), test: nil, holdoutFraction: 0.2, labelColumn: .automatic),
      preparation: DataPreparation(),
      training: TrainingConfiguration(hiddenLayerSizes: [6], learningRate: 0.1, batchSize: 16, maxEpochs: 5, seed: 2),
      measureEvery: 1)
    var settings = FlatnessSuiteSettings()
    settings.setSeed(2)
    settings.subsetSize = nil
    settings.searches = [.pacBayes, .sharpnessMagnitude, .gradientNoise]
    settings.pacBayes.bisection.depth = 8
    settings.sharpness.bisection.depth = 8
    settings.sharpness.ascent.steps = 3
    configuration.flatness = FlatnessSchedule(settings: settings, every: 2)
    let recorder = try Recorder(path: dir.path("store.sqlite"))
    let data = try configuration.dataSource.load(seed: 2)
    let summary = try runTraining(configuration, data: data, recorder: recorder)
    #expect(summary.epochs == 5)
    let db = recorder.database
    func epochs(of id: String) throws -> [Int64] {
      try db.fetchAll(sql: "SELECT epoch FROM measure_value WHERE measure_id = ? ORDER BY epoch", arguments: [.text(id)])
        .compactMap { $0["epoch"]?.int64Value }
    }
    #expect(try epochs(of: "pacbayes_sigma") == [2, 4, 5])
    #expect(try epochs(of: "sharpness_mag_alpha") == [2, 4, 5])
    #expect(try epochs(of: "grad_noise_final") == [2, 4, 5])
    #expect(try epochs(of: "sotl") == [1, 2, 3, 4, 5])
    // Searches not selected are absent, not zero.
    #expect(try epochs(of: "keskar_sharpness_eps1e-3").isEmpty)
    let detail = try #require(
      try db.fetchOne(
        sql: "SELECT detail FROM measure_value WHERE measure_id = 'pacbayes_sigma' AND epoch = 4")?["detail"]?.stringValue)
    #expect(detail.contains("\"depth\":8") && detail.contains("\"draws\":10") && detail.contains("\"warm_started\":true"))
    // The catalogue describes them.
    let name = try db.fetchOne(sql: "SELECT name, needs_init FROM measure WHERE id = 'pacbayes_init'")
    #expect(name?["name"]?.stringValue == "PAC-Bayes bound (distance from init)")
    #expect(name?["needs_init"]?.int64Value == 1)
  }

  /// Ctrl-C while the suite runs: the suite stops at its next poll, the run is marked failed
  /// with stop reason 'interrupted' (as during training) and the epochs before stay.
  @Test func cancellationDuringSuite_marksRunInterruptedAndKeepsEarlierEpochs() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    var configuration = TrainingRunConfiguration(
      experiment: "flatness-cancel",
      dataSource: .csv(train: try blobCSV(in: dir), test: nil, holdoutFraction: 0.2, labelColumn: .automatic),
      preparation: DataPreparation(),
      training: TrainingConfiguration(hiddenLayerSizes: [6], learningRate: 0.1, batchSize: 16, maxEpochs: 5, seed: 2),
      measureEvery: 1)
    var settings = FlatnessSuiteSettings()
    settings.setSeed(2)
    settings.subsetSize = nil
    settings.sharpness.ascent.steps = 3
    configuration.flatness = FlatnessSchedule(settings: settings, every: 2)
    let recorder = try Recorder(path: dir.path("store.sqlite"))
    let data = try configuration.dataSource.load(seed: 2)
    // `isCancelled` is polled once before every optimizer step (each followed by a `.step`
    // event); polls with no step in between come from the suite. Cancel at the suite's third poll.
    var pollsSinceStep = 0
    var pollsAfterCancel = 0
    var cancelled = false
    var recordedEpochs: [Int] = []
    var suiteStarts: [Int] = []
    let error = #expect(throws: TrainingRunError.self) {
      try runTraining(
        configuration, data: data, recorder: recorder,
        progress: { event in
          switch event {
          case .step: pollsSinceStep = 0
          case .epochRecorded(let e): recordedEpochs.append(e.epoch)
          case .started: break
          case .perturbationSuiteStarted(let epoch, let examples):
            suiteStarts.append(epoch)
            #expect(examples == data.train.sampleCount)  // subsetSize nil: the whole set
          }
        },
        isCancelled: {
          if cancelled { pollsAfterCancel += 1 }
          pollsSinceStep += 1
          if pollsSinceStep >= 3 { cancelled = true }
          return cancelled
        })
    }
    guard case .cancelled(let runID, let epoch)? = error else {
      Issue.record("expected TrainingRunError.cancelled, got \(String(describing: error))")
      return
    }
    #expect(epoch == 2)
    #expect(suiteStarts == [2], "the suite's start is announced before it runs")
    #expect(pollsAfterCancel == 0)
    #expect(recordedEpochs == [0, 1])
    let db = recorder.database
    let run = try #require(try db.fetchOne(sql: "SELECT status, stop_reason FROM run WHERE id = ?", arguments: [.integer(runID)]))
    #expect(run["status"]?.stringValue == "failed")
    #expect(run["stop_reason"]?.stringValue == "interrupted")
    let epochs = try db.fetchAll(sql: "SELECT epoch FROM epoch_metric WHERE run_id = ? ORDER BY epoch", arguments: [.integer(runID)])
      .compactMap { $0["epoch"]?.int64Value }
    #expect(epochs == [0, 1])
    #expect(try db.scalar(sql: "SELECT count(*) FROM measure_value WHERE measure_id = 'pacbayes_sigma'").int64Value == 0)
    // Epoch 1's optimization measures stay.
    #expect(try db.scalar(sql: "SELECT count(*) FROM measure_value WHERE measure_id = 'sotl' AND epoch = 1").int64Value == 1)
  }
}
