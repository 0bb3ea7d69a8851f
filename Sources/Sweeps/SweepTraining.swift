import Datasets
import ExperimentRunner
import FeedForward
import Foundation
import RunRecorder
import Synchronization
import SweepPlanning

/// The trainer settings of a sweep configuration.
///
/// Mapping: `hidden_layout` (or depth × width) → hidden layers; `optimizer` `sgd` → SGD,
/// `momentum` → SGD with momentum 0.9, `path-sgd` → Path-SGD with its first step as long as
/// SGD's first step on the ℓ2-balanced rescaling of the network (so one learning rate suits
/// both, and the Path-SGD curve is the same from a balanced and an unbalanced initialization;
/// see ``FeedForward/OptimizerConfiguration``); `init` `unbalanced` →
/// ``InitialRescaling/unbalanced`` (the authors' construction, seeded by the run seed); `label_noise`, `train_size` → the data
/// preparation (pixels divided by 255); `epochs` → the epoch cap; `target_train_loss` → Jiang's
/// stopping rule. Measures are recorded at epoch 0, every `measureEvery`-th epoch and the
/// final epoch. The run is named after the varied
/// values, records the hyperparameter `init`, and carries `sweep_key` (for resuming) and
/// `sweep_configuration` in its config JSON.
public func trainingRunConfiguration(
  for configuration: SweepConfiguration, context: SweepRunContext
) -> TrainingRunConfiguration {
  var optimizer = OptimizerConfiguration(weightDecay: configuration.weightDecay)
  switch configuration.optimizer {
  case .sgd: optimizer.method = .sgd
  case .momentum:
    optimizer.method = .sgd
    optimizer.momentum = 0.9
  case .pathSGD:
    optimizer.method = .pathSGD
    optimizer.pathSGDMatchesFirstStepNorm = true
  }
  let training = TrainingConfiguration(
    hiddenLayerSizes: configuration.hiddenLayout, optimizer: optimizer,
    learningRate: configuration.learningRate, batchSize: configuration.batchSize,
    maxEpochs: configuration.epochs, targetTrainLoss: configuration.targetTrainLoss,
    seed: UInt64(configuration.seed), blasThreadCount: context.blasThreadCount)
  var run = TrainingRunConfiguration(
    experiment: context.experiment, runName: configuration.displayName,
    dataSource: .idx(directory: context.dataDirectory, classCount: 10),
    preparation: DataPreparation(
      trainingSubsetSize: configuration.trainSize, labelNoiseFraction: configuration.labelNoise,
      scaling: .divide(by: 255)),
    training: training, measureEvery: context.measureEvery)
  run.initialRescaling = configuration.initialization == .unbalanced ? .unbalanced : .none
  run.extraHyperparameters = ["init": .text(configuration.initialization.rawValue)]
  run.configAnnotations = [
    "sweep_key": configuration.key, "sweep_configuration": configuration.displayName,
  ]
  return run
}

/// Data already loaded in this process, by directory (a sweep loads its data once).
private let loadedData = Mutex<[String: DataSplit]>([:])

/// Trains and records one sweep configuration in this process.
///
/// - Throws: ``SweepError`` for unusable settings or data; the trainer's errors otherwise
///   (the run is then marked `failed` by the trainer).
public func trainSweepConfiguration(_ configuration: SweepConfiguration, context: SweepRunContext) throws {
  let run = trainingRunConfiguration(for: configuration, context: context)
  if let problem = run.validationProblem() {
    throw SweepError("Configuration \(configuration.displayName): \(problem).")
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

/// Why the trainer would refuse a configuration, known before any data is loaded or the store
/// is touched: the trainer's own range checks (``TrainingRunConfiguration/validationProblem()``:
/// a hidden width above `TrainingConfiguration.maximumHiddenWidth`, more epochs than
/// `TrainingConfiguration.maximumEpochs`, …) and the library's memory estimate
/// (`TrainingMemoryEstimate`) of the network with the smallest possible input (1 feature) and
/// the sweep's 10 classes — a lower bound, so a network refused here is refused for any data.
/// Training checks the estimate again with the data's feature count.
///
/// - Returns: A message naming the configuration and the value, or `nil`.
public func planningProblem(_ configuration: SweepConfiguration, context: SweepRunContext) -> String? {
  let run = trainingRunConfiguration(for: configuration, context: context)
  if let problem = run.validationProblem() { return "configuration \(configuration.displayName): \(problem)" }
  let sizes = [1] + run.training.hiddenLayerSizes + [10]
  if let problem = TrainingMemoryEstimate(layerSizes: sizes).problem {
    return "configuration \(configuration.displayName): even with a single input feature, \(problem)"
  }
  return nil
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
