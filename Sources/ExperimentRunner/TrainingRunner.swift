import TabularOutput
import ComplexityMeasures
import Datasets
import FeedForward
import FlatnessMeasures
import Foundation
import LinearAlgebra
import RunRecorder

/// Why a run could not be started or completed (besides data, store and recorder errors,
/// which are rethrown as they are).
public enum TrainingRunError: Error, Equatable, CustomStringConvertible, Sendable {
  /// A setting is out of range.
  case invalidConfiguration(String)
  /// The data cannot train a classifier (no examples, no features, fewer than 2 classes).
  case unusableData(String)
  /// `isCancelled` returned true (e.g. the user pressed Ctrl-C); the run is marked failed with
  /// stop reason `interrupted`.
  case cancelled(runID: Int64, epoch: Int)

  public var description: String {
    switch self {
    case .invalidConfiguration(let m): return m
    case .unusableData(let m): return m
    case .cancelled(let runID, let epoch): return "run \(runID) was interrupted during epoch \(epoch)"
    }
  }
}

/// What happens during a run, for progress displays.
public enum TrainingRunEvent: Sendable {
  /// The run row exists; training is about to start.
  case started(runID: Int64, runName: String, trainingCount: Int, testCount: Int, layerSizes: [Int], maxEpochs: Int)
  /// One optimizer step finished.
  case step(StepProgress)
  /// An epoch was evaluated and recorded.
  case epochRecorded(EpochProgress)
  /// The perturbation suite (PAC-Bayes, sharpness, Keskar, gradient noise) starts at this
  /// epoch, before the epoch is recorded; it can take minutes.
  case perturbationSuiteStarted(epoch: Int, sampleCount: Int)
}

/// The figures of one recorded epoch, for progress displays.
public struct EpochProgress: Sendable {
  /// 0 = initial weights.
  public var epoch: Int
  /// The run's epoch limit.
  public var maxEpochs: Int
  /// Full training-set loss (nats) and error.
  public var trainLoss: Double
  /// Training error rate.
  public var trainError: Double
  /// Test loss (nats), if there is a test set.
  public var testLoss: Double?
  /// Test error rate.
  public var testError: Double?
  /// Whether layer summaries and measures were computed for this epoch.
  public var isMeasured: Bool
  /// Seconds since training started.
  public var elapsedSeconds: Double
  /// Whether this is the last epoch.
  public var isFinal: Bool
}

/// The outcome of a recorded run.
public struct TrainingRunSummary: Sendable {
  /// `run.id` in the store.
  public var runID: Int64
  /// `run.uuid`.
  public var runUUID: String
  /// `run.name`.
  public var runName: String
  /// Final status: finished or diverged (a failed run throws instead).
  public var status: RunStatus
  /// `run.stop_reason`: `max_epochs`, `target_train_loss_reached`, `non_finite_loss` or
  /// `non_finite_batch_loss`.
  public var stopReason: String
  /// Whether the training-loss target was reached (`nil` when none was set).
  public var hasReachedTarget: Bool?
  /// Epochs trained (the last recorded epoch).
  public var epochs: Int
  /// Optimizer updates applied.
  public var optimizerSteps: Int
  /// Final full training-set loss (nats) and error, test loss and error.
  public var finalTrainLoss: Double
  /// Final training error rate.
  public var finalTrainError: Double
  /// Final test loss (nats).
  public var finalTestLoss: Double?
  /// Final test error rate.
  public var finalTestError: Double?
  /// Epochs with layer summaries and measures.
  public var measuredEpochs: [Int]
  /// Epochs whose weights were stored as snapshots.
  public var snapshotEpochs: [Int]
  /// What data preparation did.
  public var preparation: PreparationSummary
  /// Size of the fixed margin subset.
  public var marginSampleCount: Int
  /// Seconds in optimizer steps, in full-set evaluation, and in measuring and recording.
  public var trainingSeconds: Double
  /// Seconds in full-set evaluation.
  public var evaluationSeconds: Double
  /// Seconds computing layer summaries and measures and writing epochs and snapshots.
  public var recordingSeconds: Double
}

/// Trains a network on `data` and records every epoch through `recorder`.
///
/// Order: validate the configuration and prepare the data (subset, label noise, scaling) —
/// errors here leave the store untouched; register the measure catalogue; begin the run
/// (status `running`) with its hyperparameters, full configuration as JSON and layers; then
/// train. Each epoch (0 = the initial weights) is one transaction with the full train/test
/// loss and error, learning rate, optimizer steps and wall time; at epoch 0, every
/// ``TrainingRunConfiguration/measureEvery``-th epoch and the final epoch it also holds the
/// layer summaries and every registry measure, the margin-based ones computed from the fixed
/// seeded margin subset (its size is in each value's `detail` and in the hyperparameter
/// `margin_subset_size`). Snapshots follow ``TrainingRunConfiguration/snapshots``. During an
/// epoch the heartbeat is refreshed every ``TrainingRunConfiguration/heartbeatInterval`` s.
///
/// End states: `finished` (stop reason `max_epochs` or `target_train_loss_reached`, and
/// `reached_target` set when a target was given); `diverged` (`non_finite_loss` when a
/// recorded loss is NaN/+Inf, `non_finite_batch_loss` when a mini-batch loss was, in which
/// case the last finite weights were evaluated and recorded); `failed` when anything throws
/// after the run began (the error is rethrown; epochs recorded so far stay).
///
/// - Parameters:
///   - configuration: The run's settings.
///   - data: The loaded, unprepared data (``DataSource/load(seed:)``), so a sweep can load once.
///   - recorder: An open store.
///   - progress: Called on the calling thread for each event.
///   - isCancelled: Polled after every optimizer step and, while the perturbation suite runs,
///     between its probes, ascent steps and batches; returning true stops training, marks the
///     run failed (stop reason `interrupted`; epochs recorded before stay) and throws
///     ``TrainingRunError/cancelled(runID:epoch:)``.
/// - Returns: The summary.
/// - Throws: ``TrainingRunError``, `DatasetError`, `RecorderError`, `DatabaseError`.
public func runTraining(
  _ configuration: TrainingRunConfiguration, data: DataSplit, recorder: Recorder,
  progress: (TrainingRunEvent) -> Void = { _ in }, isCancelled: () -> Bool = { false }
) throws -> TrainingRunSummary {
  try configuration.validate()
  let (prepared, preparation) = try prepare(data, with: configuration.effectivePreparation)
  let train = prepared.train
  guard train.sampleCount > 0, train.featureCount > 0 else {
    throw TrainingRunError.unusableData(
      "the training set has \(train.sampleCount) examples with \(train.featureCount) features")
  }
  guard train.classCount >= 2 else {
    throw TrainingRunError.unusableData("the data has \(train.classCount) class; a classifier needs at least 2")
  }
  let t = configuration.training
  let sizes = [train.featureCount] + t.hiddenLayerSizes + [train.classCount]
  if let problem = TrainingMemoryEstimate(layerSizes: sizes).problem {
    throw TrainingRunError.invalidConfiguration(problem)
  }
  let initial = configuration.initialRescaling.apply(
    to: MultilayerPerceptron(layerSizes: sizes, initializer: t.initializer, seed: t.seed), seed: t.seed)
  let marginCount = min(t.marginSubsetSize, train.sampleCount)
  let runName = configuration.runName ?? configuration.derivedRunName

  // Built before the run begins, so a data/architecture mismatch leaves the store untouched.
  var flatnessMonitor: FlatnessMonitor?
  if let schedule = configuration.flatness {
    do {
      flatnessMonitor = try FlatnessMonitor(
        trainingSet: train, layerSizes: sizes, settings: schedule.settings, every: schedule.every)
    } catch {
      throw TrainingRunError.invalidConfiguration("\(error.description) (\(error.hint))")
    }
  }
  let configText: String
  do {
    configText = try RecordedRunConfiguration(
      configuration: configuration,
      data: .init(
        name: prepared.sourceName, originalTrainCount: preparation.originalTrainingCount,
        trainCount: preparation.trainingCount, testCount: preparation.testCount,
        replacedLabelCount: preparation.replacedLabelCount, changedLabelCount: preparation.changedLabelCount,
        featureCount: train.featureCount, classCount: train.classCount),
      layerSizes: sizes, blasKernel: BLASKernel.coreName
    ).jsonText()
  } catch {
    throw TrainingRunError.invalidConfiguration("the configuration cannot be written as JSON: \(error)")
  }
  // The run row comes first: if the store refuses it (damaged, read-only, full), nothing has
  // been written. The measure catalogue is registered inside the run's error handling below.
  let run = try recorder.beginRun(
    RunSpec(
      experiment: configuration.experiment, name: runName,
      hyperparameters: configuration.hyperparameterRows(
        trainingCount: preparation.trainingCount, marginCount: marginCount),
      config: configText,
      seed: Int64(bitPattern: t.seed), dataset: prepared.sourceName, layers: MeasureRecords.layerInfos(initial),
      targetTrainLoss: t.targetTrainLoss))
  flatnessMonitor?.willRunSearch = { _ in try? run.heartbeat() }
  do {
    try recorder.registerMeasures(MeasureRegistry.descriptors)
    if flatnessMonitor != nil { try recorder.registerMeasures(FlatnessRegistry.entries) }
    progress(
      .started(
        runID: run.id, runName: runName, trainingCount: train.sampleCount, testCount: prepared.test?.sampleCount ?? 0,
        layerSizes: sizes, maxEpochs: t.maxEpochs))
    let dataMeasureIDs = Set(MeasureRegistry.all.filter { $0.needs.contains(.trainingLogits) }.map(\.id))
    var suite = MeasureSuite(options: LayerSummaryOptions(spectralMethod: configuration.spectralMethod))
    let inputs = MeasureRecords.networkWeights(initial, initial: initial).map {
      computeInputStatistics(train.features, network: $0)
    }
    var measured: [Int] = []
    var snapshots: [Int] = []
    var trainingSeconds = 0.0, evaluationSeconds = 0.0, recordingSeconds = 0.0
    let clock = ContinuousClock()
    var lastBeat = clock.now
    var lastReport: EpochReport?
    let result = try FeedForward.train(
      data: prepared, configuration: t, initialNetwork: initial,
      onStep: { step in
        if isCancelled() { throw TrainingRunError.cancelled(runID: run.id, epoch: step.epoch) }
        progress(.step(step))
        if (clock.now - lastBeat) > .seconds(configuration.heartbeatInterval) {
          try run.heartbeat()
          lastBeat = clock.now
        }
      },
      observer: { report in
        let t0 = clock.now
        trainingSeconds += report.trainingSeconds
        evaluationSeconds += report.evaluationSeconds
        let isMeasured = report.epoch == 0 || report.isFinal || report.epoch % configuration.measureEvery == 0
        var record = EpochRecord(
          epoch: report.epoch, step: Int64(report.optimizerSteps),
          metrics: EpochMetrics(
            trainLoss: report.trainLoss, testLoss: report.testLoss, trainError: report.trainError,
            testError: report.testError, learningRate: report.learningRate, wallTimeSeconds: report.elapsedSeconds))
        if isMeasured, let weights = MeasureRecords.networkWeights(report.network, initial: report.initialNetwork) {
          let (outputs, _) = MeasureRecords.outputStatistics(
            logits: report.marginLogits, labels: report.marginLabels, classCount: train.classCount)
          let measures = suite.evaluate(weights, outputs: outputs, inputs: inputs)
          record.layerSummaries = measures.layerSummaries.map(MeasureRecords.layerSummaryRecord)
          record.measures = measures.measures.map {
            MeasureRecords.measureRecord($0, usesTrainingLogits: dataMeasureIDs.contains($0.id), outputs: outputs)
          }
          measured.append(report.epoch)
        }
        if let flatnessMonitor {
          // The suite can take minutes; it polls `isCancelled` between probes, ascent steps and
          // batches, and a cancellation takes the same 'interrupted' path as one during training.
          if flatnessMonitor.runsSuite(epoch: report.epoch, isFinal: report.isFinal) {
            let examples = min(flatnessMonitor.settings.subsetSize ?? train.sampleCount, train.sampleCount)
            progress(.perturbationSuiteStarted(epoch: report.epoch, sampleCount: examples))
          }
          do {
            record.measures += try flatnessMonitor.measures(for: report, shouldCancel: isCancelled).map(\.measureRecord)
          } catch FlatnessError.cancelled {
            throw TrainingRunError.cancelled(runID: run.id, epoch: report.epoch)
          }
        }
        try run.recordEpoch(record)
        if configuration.snapshots.includes(epoch: report.epoch, isFinal: report.isFinal) {
          try run.saveWeightSnapshot(
            epoch: report.epoch, format: WeightSnapshot.format, data: WeightSnapshot.encode(report.network))
          snapshots.append(report.epoch)
        }
        lastBeat = clock.now
        recordingSeconds += (clock.now - t0).seconds
        lastReport = report
        progress(
          .epochRecorded(
            EpochProgress(
              epoch: report.epoch, maxEpochs: t.maxEpochs, trainLoss: report.trainLoss, trainError: report.trainError,
              testLoss: report.testLoss, testError: report.testError, isMeasured: isMeasured,
              elapsedSeconds: report.elapsedSeconds, isFinal: report.isFinal)))
      })
    let stopReason: String
    switch result.stopReason {
    case .maxEpochs:
      stopReason = "max_epochs"
      try run.finish(status: .finished, stopReason: stopReason)
    case .targetReached:
      stopReason = "target_train_loss_reached"
      try run.finish(status: .finished, stopReason: stopReason)
    case .diverged:
      if run.hasDiverged {
        stopReason = "non_finite_loss"
      } else {
        stopReason = "non_finite_batch_loss"
        try run.finish(status: .diverged, stopReason: stopReason)
      }
    }
    return TrainingRunSummary(
      runID: run.id, runUUID: run.uuid, runName: runName, status: run.status, stopReason: stopReason,
      hasReachedTarget: t.targetTrainLoss.map { result.finalTrainLoss <= $0 }, epochs: lastReport?.epoch ?? 0,
      optimizerSteps: result.optimizerSteps, finalTrainLoss: result.finalTrainLoss,
      finalTrainError: result.finalTrainError, finalTestLoss: result.finalTestLoss,
      finalTestError: result.finalTestError, measuredEpochs: measured, snapshotEpochs: snapshots,
      preparation: preparation, marginSampleCount: marginCount, trainingSeconds: trainingSeconds,
      evaluationSeconds: evaluationSeconds, recordingSeconds: recordingSeconds)
  } catch {
    if run.status == .running {
      var reason = "error: \(error)"
      if case .cancelled? = error as? TrainingRunError { reason = "interrupted" }
      try? run.finish(status: .failed, stopReason: reason)
    }
    throw error
  }
}

/// Loads the data of `configuration.dataSource`, opens (creating if needed) the store at
/// `databasePath` and runs ``runTraining(_:data:recorder:progress:isCancelled:)``.
/// - Throws: As ``runTraining(_:data:recorder:progress:isCancelled:)``, plus the store's open errors.
public func runTraining(
  _ configuration: TrainingRunConfiguration, databasePath: String, progress: (TrainingRunEvent) -> Void = { _ in },
  isCancelled: () -> Bool = { false }
) throws -> TrainingRunSummary {
  let data = try configuration.dataSource.load(seed: configuration.training.seed)
  // Refuse a network that cannot fit before the store is opened (or created).
  let sizes = [data.train.featureCount] + configuration.training.hiddenLayerSizes + [data.train.classCount]
  if let problem = TrainingMemoryEstimate(layerSizes: sizes).problem {
    throw TrainingRunError.invalidConfiguration(problem)
  }
  let recorder = try Recorder(path: databasePath)
  return try runTraining(configuration, data: data, recorder: recorder, progress: progress, isCancelled: isCancelled)
}

extension Duration {
  /// The duration in seconds.
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
