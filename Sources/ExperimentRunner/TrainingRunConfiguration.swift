import ComplexityMeasures
import Datasets
import FeedForward
import RunRecorder

/// Where the training data comes from.
public enum DataSource: Sendable, Equatable {
  /// A folder with the four MNIST-format IDX files (`nil` = Fashion-MNIST at
  /// ``Datasets/IDXDataset/defaultFashionMNISTDirectory``), with k classes.
  case idx(directory: String?, classCount: Int)
  /// CSV files: a label column and numeric features; without a test file, a seeded
  /// `holdoutFraction` of the rows becomes the test set (0 = no test set).
  case csv(train: String, test: String?, holdoutFraction: Double, labelColumn: CSVLabelColumn)

  /// Reads the data (unprepared).
  /// - Parameter seed: The seed of a CSV holdout split.
  /// - Throws: ``Datasets/DatasetError``.
  public func load(seed: UInt64) throws -> DataSplit {
    switch self {
    case .idx(let directory, let classCount):
      return try IDXDataset.load(directory: directory, classCount: classCount)
    case .csv(let train, let test, let holdout, let labelColumn):
      return try CSVDataset.loadSplit(
        trainPath: train, testPath: test, holdoutFraction: holdout, seed: seed, labelColumn: labelColumn)
    }
  }
}

/// Which weight snapshots a run keeps in the store (as ``WeightSnapshot`` `.npz` blobs).
public enum SnapshotPolicy: Sendable, Equatable {
  /// None.
  case none
  /// The initial weights (epoch 0, needed for distance-from-initialization measures) and the
  /// final weights.
  case final
  /// Epoch 0, every N-th epoch and the final epoch.
  case every(Int)

  /// Parses `none`, `final` or `every:N`.
  public init?(parsing text: String) {
    let t = text.lowercased()
    if t == "none" {
      self = .none
    } else if t == "final" {
      self = .final
    } else if t.hasPrefix("every:"), let n = Int(t.dropFirst(6)), n >= 1 {
      self = .every(n)
    } else {
      return nil
    }
  }

  /// The text form (`none`, `final`, `every:N`).
  public var text: String {
    switch self {
    case .none: return "none"
    case .final: return "final"
    case .every(let n): return "every:\(n)"
    }
  }

  /// Whether the weights after `epoch` are stored.
  public func includes(epoch: Int, isFinal: Bool) -> Bool {
    switch self {
    case .none: return false
    case .final: return epoch == 0 || isFinal
    case .every(let n): return epoch == 0 || isFinal || epoch % n == 0
    }
  }
}

/// Everything one recorded training run needs: a config struct in, a recorded run out (see
/// ``runTraining(_:data:recorder:progress:isCancelled:)``). Used by `gapdb train`, and by sweeps and demos
/// that call it once per configuration.
///
/// It is the one description of a run: `Codable` with the snake_case keys of ``Key`` (also the
/// hyperparameter names and sweep axes), encoded as `run.config` (``RecordedRunConfiguration``),
/// checked by ``validate()``.
public struct TrainingRunConfiguration: Sendable, Equatable {
  /// The experiment the run belongs to (created on first use).
  public var experiment: String
  /// The run's name; `nil` derives one from the hyperparameters (e.g. `h512x512-sgd-lr0.01-b64-s1`).
  public var runName: String?
  /// The data source (used by the loading convenience and recorded in the run's config).
  public var dataSource: DataSource
  /// Subset, label noise and scaling. Its `seed` is ignored: the run's seed
  /// (``TrainingConfiguration/seed``) is used, see ``effectivePreparation``.
  public var preparation: DataPreparation
  /// Model and optimization.
  public var training: TrainingConfiguration
  /// Layer summaries and measures are computed at epoch 0, every N-th epoch and the final
  /// epoch; metrics (losses, errors) are recorded every epoch. N ≥ 1.
  public var measureEvery: Int
  /// Weight snapshots to keep.
  public var snapshots: SnapshotPolicy
  /// How spectral norms are computed for layer summaries and measures.
  public var spectralMethod: SpectralMethod
  /// Seconds between heartbeats during an epoch (the recorder also refreshes the heartbeat at
  /// every recorded epoch).
  public var heartbeatInterval: Double
  /// A function-preserving rescaling of the initial network (`gapdb sweep`'s `init` axis).
  public var initialRescaling: InitialRescaling = .none
  /// Extra hyperparameters recorded with the run; they replace same-named ones (e.g. `init`).
  public var extraHyperparameters: [String: HyperparameterValue] = [:]
  /// Extra top-level text fields of the run's config JSON (e.g. `sweep_key`, written by
  /// `gapdb sweep` to resume sweeps); their keys may not be configuration keys
  /// (``Key``) or recorded ones (``RecordedRunConfiguration/Key``).
  public var configAnnotations: [String: String] = [:]
  /// The perturbation suite (flatness and sharpness measures) and the optimization-based
  /// measures: `nil` (default) records none of them; see ``FlatnessSchedule``.
  public var flatness: FlatnessSchedule? = nil

  /// Creates a configuration with gapdb's defaults: Fashion-MNIST scaled to [0, 1], measures
  /// every epoch, no snapshots, exact spectral norms, a heartbeat every 30 s.
  public init(
    experiment: String, runName: String? = nil, dataSource: DataSource = .idx(directory: nil, classCount: 10),
    preparation: DataPreparation = DataPreparation(scaling: .divide(by: 255)),
    training: TrainingConfiguration = TrainingConfiguration(), measureEvery: Int = 1, snapshots: SnapshotPolicy = .none,
    spectralMethod: SpectralMethod = .exact, heartbeatInterval: Double = 30
  ) {
    self.experiment = experiment
    self.runName = runName
    self.dataSource = dataSource
    self.preparation = preparation
    self.training = training
    self.measureEvery = measureEvery
    self.snapshots = snapshots
    self.spectralMethod = spectralMethod
    self.heartbeatInterval = heartbeatInterval
  }

  /// The preparation actually applied: the data seed follows the training seed.
  public var effectivePreparation: DataPreparation {
    var p = preparation
    p.seed = training.seed
    return p
  }

  /// The one validation of a run's settings, for every front end (`gapdb train`, sweeps, the
  /// demo, a decoded JSON configuration).
  /// - Throws: ``TrainingRunError/invalidConfiguration(_:)`` naming the first bad value.
  public func validate() throws(TrainingRunError) {
    if let problem = validationProblem() { throw .invalidConfiguration(problem) }
  }

  /// The first problem with the settings, naming the bad value, or `nil` (the message of
  /// ``validate()``).
  public func validationProblem() -> String? {
    if experiment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
      return "the experiment name '\(experiment)' is empty"
    }
    if let runName, runName.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
      return "the run name '\(runName)' is empty (omit it for one derived from the hyperparameters)"
    }
    if measureEvery < 1 { return "--measure-every \(measureEvery) must be ≥ 1" }
    if case .every(let n) = snapshots, n < 1 { return "snapshot interval \(n) must be ≥ 1" }
    if !(preparation.labelNoiseFraction >= 0 && preparation.labelNoiseFraction <= 1) {
      return "label noise \(preparation.labelNoiseFraction) must lie in [0, 1]"
    }
    if let n = preparation.trainingSubsetSize, n < 1 { return "training-set size \(n) must be ≥ 1" }
    if !(heartbeatInterval > 0) { return "heartbeat interval \(heartbeatInterval) must be > 0" }
    if let key = configAnnotations.keys.sorted().first(where: Self.reservedKeys.contains) {
      return "the config annotation '\(key)' would replace the configuration's own key of that name"
    }
    if let every = flatness?.every, every < 0 { return "perturbation-suite interval \(every) must be ≥ 0" }
    return training.validationProblem()
  }

  /// The optimizer as users name it: `sgd`, `momentum` (SGD with μ > 0) or `path-sgd`.
  public var optimizerName: String { OptimizerName(training.optimizer).rawValue }

  /// A descriptive default run name.
  public var derivedRunName: String {
    let hidden = training.hiddenLayerSizes.isEmpty ? "linear" : "h" + training.hiddenLayerSizes.map(String.init).joined(separator: "x")
    var parts = [hidden, optimizerName, "lr\(training.learningRate)", "b\(training.batchSize)"]
    if training.optimizer.momentum != 0 { parts.append("m\(training.optimizer.momentum)") }
    if training.optimizer.weightDecay != 0 { parts.append("wd\(training.optimizer.weightDecay)") }
    if preparation.labelNoiseFraction != 0 { parts.append("noise\(preparation.labelNoiseFraction)") }
    if let n = preparation.trainingSubsetSize { parts.append("n\(n)") }
    parts.append("s\(training.seed)")
    return parts.joined(separator: "-")
  }
}
