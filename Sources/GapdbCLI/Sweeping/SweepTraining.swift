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
func trainingRunConfiguration(
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
/// - Throws: ``CommandError`` for unusable settings or data; the trainer's errors otherwise
///   (the run is then marked `failed` by the trainer).
func trainSweepConfiguration(_ configuration: SweepConfiguration, context: SweepRunContext) throws {
  let run = trainingRunConfiguration(for: configuration, context: context)
  if let problem = run.validationProblem() {
    throw CommandError("Configuration \(configuration.displayName): \(problem).")
  }
  let directory = context.dataDirectory ?? IDXDataset.defaultFashionMNISTDirectory
  let data: DataSplit
  if let cached = loadedData.withLock({ $0[directory] }) {
    data = cached
  } else {
    do {
      data = try run.dataSource.load(seed: run.training.seed)
    } catch {
      throw CommandError(
        "Cannot load the training data from \(directory): \(error)",
        hint: "Install Fashion-MNIST (apt-get install dataset-fashion-mnist) or pass --data-dir DIR with the four IDX files.")
    }
    loadedData.withLock { $0[directory] = data }
  }
  let recorder = try Recorder(path: context.storePath)
  _ = try runTraining(run, data: data, recorder: recorder)
}
