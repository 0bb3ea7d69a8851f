import Datasets
import ExperimentRunner
import FeedForward
import Foundation
import RunRecorder
import Synchronization
import SweepPlanning

/// The trainer settings of a sweep configuration
/// (``SweepPlanning/SweepConfiguration/trainingRunConfiguration(experiment:dataDirectory:blasThreadCount:measureEvery:)``).
public func trainingRunConfiguration(
  for configuration: SweepConfiguration, context: SweepRunContext
) -> TrainingRunConfiguration {
  configuration.trainingRunConfiguration(
    experiment: context.experiment, dataDirectory: context.dataDirectory, blasThreadCount: context.blasThreadCount,
    measureEvery: context.measureEvery)
}

/// Data already loaded in this process, by directory (a sweep loads its data once).
private let loadedData = Mutex<[String: DataSplit]>([:])

/// Trains and records one sweep configuration in this process.
///
/// - Throws: ``SweepError`` for unusable settings or data; the trainer's errors otherwise
///   (the run is then marked `failed` by the trainer).
public func trainSweepConfiguration(_ configuration: SweepConfiguration, context: SweepRunContext) throws {
  let run = trainingRunConfiguration(for: configuration, context: context)
  do {
    try run.validate()
  } catch {
    throw SweepError("Configuration \(configuration.displayName): \(error).")
  }
  let directory = context.dataDirectory ?? IDXDataset.defaultFashionMNISTDirectory
  let data: DataSplit
  if let cached = loadedData.withLock({ $0[directory] }) {
    data = cached
  } else {
    do {
      data = try run.dataSource.load(seed: run.training.seed)
    } catch {
      throw SweepError(
        "Cannot load the training data from \(directory): \(error)",
        hint: "Install Fashion-MNIST (apt-get install dataset-fashion-mnist) or pass --data-dir DIR with the four IDX files.")
    }
    loadedData.withLock { $0[directory] = data }
  }
  let recorder = try Recorder(path: context.storePath)
  _ = try runTraining(run, data: data, recorder: recorder)
}

/// Why the trainer would refuse a configuration before anything is loaded
/// (``SweepPlanning/SweepConfiguration/planningProblem(_:)``).
public func planningProblem(_ configuration: SweepConfiguration, context: SweepRunContext) -> String? {
  configuration.planningProblem(trainingRunConfiguration(for: configuration, context: context))
}

/// Why the sweep is refused (`gapdb` exits 64) when any configuration has a
/// ``planningProblem(_:context:)``: the first such configuration and the count of the others,
/// with a hint; `nil` when every configuration can be trained.
public func plannedConfigurationsProblem(
  _ configurations: [SweepConfiguration], context: SweepRunContext
) -> SweepError? {
  var first: String?
  var count = 0
  for c in configurations {
    guard let problem = planningProblem(c, context: context) else { continue }
    first = first ?? problem
    count += 1
  }
  guard let first else { return nil }
  return SweepError(
    first + (count > 1 ? " (and \(count - 1) more configurations)" : ""),
    hint: "change the sweep's values: hidden widths up to \(TrainingConfiguration.maximumHiddenWidth) units that fit "
      + "in memory, up to \(TrainingConfiguration.maximumEpochs) epochs. Nothing was written.")
}
