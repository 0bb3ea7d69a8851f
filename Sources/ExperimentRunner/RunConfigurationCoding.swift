import ComplexityMeasures
import Datasets
import FeedForward
import FlatnessMeasures
import Foundation
import LinearAlgebra
import RunRecorder

// The one vocabulary of a run's settings. Each key of `TrainingRunConfiguration.Key` is at
// once the JSON key of `run.config`, the hyperparameter name recorded in `run.hyperparameters`
// (where the setting is a hyperparameter) and the sweep axis name (where it is swept).

extension TrainingRunConfiguration: Codable {
  /// The snake_case keys of a run configuration. The raw values are the names users see in
  /// `run.config`, in the hyperparameter rows and (for the swept ones) as sweep axes.
  public enum Key: String, CodingKey, CaseIterable, Sendable {
    case experiment
    case runName = "run_name"
    case dataSource = "data_source"
    case trainSize = "train_size"
    case labelNoise = "label_noise"
    case scaling
    case hiddenLayers = "hidden_layers"
    case initializer
    case optimizer
    case learningRate = "learning_rate"
    case lrSchedule = "lr_schedule"
    case batchSize = "batch_size"
    case momentum
    case weightDecay = "weight_decay"
    case pathSGDFirstStepRatio = "path_sgd_first_step_ratio"
    case maxEpochs = "max_epochs"
    case targetTrainLoss = "target_train_loss"
    case seed
    case marginSubsetSize = "margin_subset_size"
    case blasThreads = "blas_threads"
    case evaluationChunkSize = "evaluation_chunk_size"
    case measureEvery = "measure_every"
    case snapshots
    case spectralMethod = "spectral_method"
    case heartbeatInterval = "heartbeat_interval"
    case initialRescaling = "init"
    case flatness
    case hyperparameters
  }

  /// Any key, for the annotations (``configAnnotations``) stored at the top level.
  struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  /// The keys a run's config JSON uses besides the configuration's own: the recorded facts of
  /// ``RecordedRunConfiguration``. Annotations may not use them either.
  static let reservedKeys: Set<String> = Set(Key.allCases.map(\.rawValue)).union(RecordedRunConfiguration.Key.allCases.map(\.rawValue))

  /// Encodes every setting under its ``Key`` (optionals as `null`, so every key is always
  /// present) and each ``configAnnotations`` entry as a top-level text field.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: Key.self)
    let t = training
    try c.encode(experiment, forKey: .experiment)
    try c.encode(runName, forKey: .runName)
    try c.encode(DataSourceCoding(dataSource), forKey: .dataSource)
    try c.encode(preparation.trainingSubsetSize, forKey: .trainSize)
    try c.encode(preparation.labelNoiseFraction, forKey: .labelNoise)
    try c.encode(ScalingCoding(preparation.scaling), forKey: .scaling)
    try c.encode(t.hiddenLayerSizes, forKey: .hiddenLayers)
    try c.encode(t.initializer.rawValue, forKey: .initializer)
    try c.encode(optimizerName, forKey: .optimizer)
    try c.encode(t.learningRate, forKey: .learningRate)
    try c.encode(t.schedule.text, forKey: .lrSchedule)
    try c.encode(t.batchSize, forKey: .batchSize)
    try c.encode(t.optimizer.momentum, forKey: .momentum)
    try c.encode(t.optimizer.weightDecay, forKey: .weightDecay)
    try c.encode(t.optimizer.pathSGDMatchesFirstStepNorm, forKey: .pathSGDFirstStepRatio)
    try c.encode(t.maxEpochs, forKey: .maxEpochs)
    try c.encode(t.targetTrainLoss, forKey: .targetTrainLoss)
    try c.encode(t.seed, forKey: .seed)
    try c.encode(t.marginSubsetSize, forKey: .marginSubsetSize)
    try c.encode(t.blasThreadCount, forKey: .blasThreads)
    try c.encode(t.evaluationChunkSize, forKey: .evaluationChunkSize)
    try c.encode(measureEvery, forKey: .measureEvery)
    try c.encode(snapshots.text, forKey: .snapshots)
    try c.encode(spectralMethod.rawValue, forKey: .spectralMethod)
    try c.encode(heartbeatInterval, forKey: .heartbeatInterval)
    try c.encode(initialRescaling.rawValue, forKey: .initialRescaling)
    try c.encode(flatness.map(FlatnessCoding.init), forKey: .flatness)
    try c.encode(extraHyperparameters.mapValues(HyperparameterCoding.init), forKey: .hyperparameters)
    var a = encoder.container(keyedBy: AnyKey.self)
    for (key, value) in configAnnotations { try a.encode(value, forKey: AnyKey(stringValue: key)) }
  }

  /// Decodes the encoding of ``encode(to:)``, or a client's document: only `experiment` is
  /// required; an absent (or `null`) key keeps the default of
  /// ``init(experiment:runName:dataSource:preparation:training:measureEvery:snapshots:spectralMethod:heartbeatInterval:)``
  /// (`momentum` defaults to 0.9 with `"optimizer": "momentum"`, as `gapdb train` does). Top-level
  /// text fields that are not configuration or recorded keys become ``configAnnotations``.
  /// Ranges are not checked here; call ``validate()``.
  /// - Throws: `DecodingError` for a missing `experiment` or a value of the wrong type or
  ///   spelling (naming the key).
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: Key.self)
    func value<T: Decodable>(_ key: Key, _ fallback: T) throws -> T {
      try c.decodeIfPresent(T.self, forKey: key) ?? fallback
    }
    func text<T>(_ key: Key, _ fallback: T, _ parse: (String) -> T?) throws -> T {
      guard let s = try c.decodeIfPresent(String.self, forKey: key) else { return fallback }
      guard let v = parse(s) else {
        throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "unknown \(key.rawValue) '\(s)'")
      }
      return v
    }
    self.init(experiment: try c.decode(String.self, forKey: .experiment))
    var t = training
    t.maxEpochs = try value(.maxEpochs, t.maxEpochs)
    let name = try text(.optimizer, OptimizerName(t.optimizer), OptimizerName.init(rawValue:))
    t.optimizer = OptimizerConfiguration(
      method: name.method,
      momentum: try value(.momentum, name == .momentum ? OptimizerName.defaultMomentum : 0),
      weightDecay: try value(.weightDecay, t.optimizer.weightDecay),
      pathSGDMatchesFirstStepNorm: try value(.pathSGDFirstStepRatio, t.optimizer.pathSGDMatchesFirstStepNorm))
    t.hiddenLayerSizes = try value(.hiddenLayers, t.hiddenLayerSizes)
    t.initializer = try text(.initializer, t.initializer, WeightInitializer.init(rawValue:))
    t.learningRate = try value(.learningRate, t.learningRate)
    t.schedule = try text(.lrSchedule, t.schedule) { [maxEpochs = t.maxEpochs] in
      LearningRateSchedule(parsing: $0, maxEpochs: maxEpochs)
    }
    t.batchSize = try value(.batchSize, t.batchSize)
    t.targetTrainLoss = try c.decodeIfPresent(Double.self, forKey: .targetTrainLoss)
    t.seed = try value(.seed, t.seed)
    t.marginSubsetSize = try value(.marginSubsetSize, t.marginSubsetSize)
    t.blasThreadCount = try value(.blasThreads, t.blasThreadCount)
    t.evaluationChunkSize = try value(.evaluationChunkSize, t.evaluationChunkSize)
    training = t
    runName = try c.decodeIfPresent(String.self, forKey: .runName)
    dataSource = try c.decodeIfPresent(DataSourceCoding.self, forKey: .dataSource)?.value ?? dataSource
    preparation.trainingSubsetSize = try c.decodeIfPresent(Int.self, forKey: .trainSize)
    preparation.labelNoiseFraction = try value(.labelNoise, preparation.labelNoiseFraction)
    preparation.scaling = try c.decodeIfPresent(ScalingCoding.self, forKey: .scaling)?.value ?? preparation.scaling
    measureEvery = try value(.measureEvery, measureEvery)
    snapshots = try text(.snapshots, snapshots, SnapshotPolicy.init(parsing:))
    spectralMethod = try text(.spectralMethod, spectralMethod, SpectralMethod.init(rawValue:))
    heartbeatInterval = try value(.heartbeatInterval, heartbeatInterval)
    initialRescaling = try text(.initialRescaling, initialRescaling, InitialRescaling.init(rawValue:))
    flatness = try c.decodeIfPresent(FlatnessCoding.self, forKey: .flatness)?.value
    extraHyperparameters = try value(.hyperparameters, [String: HyperparameterCoding]()).mapValues(\.value)
    let a = try decoder.container(keyedBy: AnyKey.self)
    for key in a.allKeys where !Self.reservedKeys.contains(key.stringValue) {
      if let value = try? a.decode(String.self, forKey: key) { configAnnotations[key.stringValue] = value }
    }
  }

  /// The hyperparameter rows of a run: the swept and compared settings under their ``Key``
  /// names, plus the derived `depth` and `width`. `train_size` and `margin_subset_size` are the
  /// counts actually used (the configuration's are requests: `nil` = all, or more than the
  /// data has). ``extraHyperparameters`` replace same-named rows.
  /// - Parameters:
  ///   - trainingCount: Training examples after preparation.
  ///   - marginCount: Size of the margin subset actually used.
  public func hyperparameterRows(trainingCount: Int, marginCount: Int) -> [String: HyperparameterValue] {
    let t = training
    var h: [Key: HyperparameterValue] = [
      .hiddenLayers: .text(t.hiddenLayerSizes.map(String.init).joined(separator: ",")),
      .optimizer: .text(optimizerName),
      .learningRate: .real(t.learningRate),
      .lrSchedule: .text(t.schedule.text),
      .batchSize: .integer(Int64(t.batchSize)),
      .momentum: .real(t.optimizer.momentum),
      .weightDecay: .real(t.optimizer.weightDecay),
      .initializer: .text(t.initializer.rawValue),
      .maxEpochs: .integer(Int64(t.maxEpochs)),
      .seed: .integer(Int64(bitPattern: t.seed)),
      .labelNoise: .real(preparation.labelNoiseFraction),
      .trainSize: .integer(Int64(trainingCount)),
      .marginSubsetSize: .integer(Int64(marginCount)),
      .measureEvery: .integer(Int64(measureEvery)),
    ]
    if let target = t.targetTrainLoss { h[.targetTrainLoss] = .real(target) }
    if t.optimizer.method == .pathSGD { h[.pathSGDFirstStepRatio] = .boolean(t.optimizer.pathSGDMatchesFirstStepNorm) }
    var rows = Dictionary(uniqueKeysWithValues: h.map { ($0.key.rawValue, $0.value) })
    rows[Self.derivedDepthKey] = .integer(Int64(t.hiddenLayerSizes.count))
    rows[Self.derivedWidthKey] = .integer(Int64(t.hiddenLayerSizes.max() ?? 0))
    return rows.merging(extraHyperparameters) { $1 }
  }

  /// The hyperparameter row holding the number of hidden layers (derived from `hidden_layers`).
  public static let derivedDepthKey = "depth"
  /// The hyperparameter row holding the widest hidden layer (derived from `hidden_layers`).
  public static let derivedWidthKey = "width"
}
