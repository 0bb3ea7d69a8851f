import Datasets
import ExperimentRunner
import FeedForward

extension SweepConfiguration {
  /// This configuration as the one run configuration the trainer takes.
  ///
  /// Mapping: `hidden_layout` (or depth × width) → hidden layers; `optimizer` `sgd` → SGD,
  /// `momentum` → SGD with momentum ``FeedForward/OptimizerName/defaultMomentum`` (0.9),
  /// `path-sgd` → Path-SGD with its first step as long as SGD's first step on the ℓ2-balanced
  /// rescaling of the network (so one learning rate suits both, and the Path-SGD curve is the
  /// same from a balanced and an unbalanced initialization; see
  /// ``FeedForward/OptimizerConfiguration``); `init` `unbalanced` →
  /// ``ExperimentRunner/InitialRescaling/unbalanced`` (the authors' construction, seeded by the
  /// run seed); `label_noise`, `train_size` → the data preparation (pixels divided by 255);
  /// `epochs` → the epoch cap; `target_train_loss` → Jiang's stopping rule. Measures are
  /// recorded at epoch 0, every `measureEvery`-th epoch and the final epoch. The run is named
  /// after the varied values, records the hyperparameter `init`, and carries `sweep_key` (for
  /// resuming) and `sweep_configuration` in its config JSON.
  ///
  /// - Parameters:
  ///   - experiment: The sweep's experiment.
  ///   - dataDirectory: The IDX folder (`nil` = Fashion-MNIST's default location).
  ///   - blasThreadCount: OpenBLAS threads per run.
  ///   - measureEvery: Measures every N epochs (N ≥ 1).
  public func trainingRunConfiguration(
    experiment: String, dataDirectory: String?, blasThreadCount: Int, measureEvery: Int
  ) -> TrainingRunConfiguration {
    var optimizer = OptimizerConfiguration(method: self.optimizer.method, weightDecay: weightDecay)
    switch self.optimizer {
    case .sgd: break
    case .momentum: optimizer.momentum = OptimizerName.defaultMomentum
    case .pathSGD: optimizer.pathSGDMatchesFirstStepNorm = true
    }
    let training = TrainingConfiguration(
      hiddenLayerSizes: hiddenLayout, optimizer: optimizer, learningRate: learningRate, batchSize: batchSize,
      maxEpochs: epochs, targetTrainLoss: targetTrainLoss, seed: UInt64(seed), blasThreadCount: blasThreadCount)
    var run = TrainingRunConfiguration(
      experiment: experiment, runName: displayName, dataSource: .idx(directory: dataDirectory, classCount: 10),
      preparation: DataPreparation(
        trainingSubsetSize: trainSize, labelNoiseFraction: labelNoise, scaling: ScalingChoice.pixel.scaling(isPixelData: true)),
      training: training, measureEvery: measureEvery)
    run.initialRescaling = initialization == .unbalanced ? .unbalanced : .none
    run.extraHyperparameters = ["init": .text(initialization.rawValue)]
    run.configAnnotations = ["sweep_key": key, "sweep_configuration": displayName]
    return run
  }

  /// Why the trainer would refuse this configuration, known before any data is loaded or a
  /// store is touched: the run configuration's ``ExperimentRunner/TrainingRunConfiguration/validate()``
  /// (a hidden width above `TrainingConfiguration.maximumHiddenWidth`, more epochs than
  /// `TrainingConfiguration.maximumEpochs`, …) and the memory estimate
  /// (``ExperimentRunner/TrainingMemoryEstimate``) of the network with the smallest possible
  /// input (1 feature) and the sweep's 10 classes — a lower bound, so a network refused here
  /// is refused for any data. Training checks the estimate again with the data's feature count.
  ///
  /// - Parameter run: This configuration's ``trainingRunConfiguration(experiment:dataDirectory:blasThreadCount:measureEvery:)``.
  /// - Returns: A message naming the configuration and the value, or `nil`.
  public func planningProblem(_ run: TrainingRunConfiguration) -> String? {
    do {
      try run.validate()
    } catch {
      return "configuration \(displayName): \(error)"
    }
    let sizes = [1] + run.training.hiddenLayerSizes + [10]
    if let problem = TrainingMemoryEstimate(layerSizes: sizes).problem {
      return "configuration \(displayName): even with a single input feature, \(problem)"
    }
    return nil
  }
}
