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

  /// Decodes the encoding of ``encode(to:)``; top-level text fields that are not configuration
  /// or recorded keys become ``configAnnotations``.
  /// - Throws: `DecodingError` for a missing key or a value of the wrong type or spelling.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: Key.self)
    func text<T>(_ key: Key, _ parse: (String) -> T?) throws -> T {
      let s = try c.decode(String.self, forKey: key)
      guard let v = parse(s) else {
        throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "unknown \(key.rawValue) '\(s)'")
      }
      return v
    }
    let maxEpochs = try c.decode(Int.self, forKey: .maxEpochs)
    var optimizer = OptimizerConfiguration(
      method: try text(.optimizer) { OptimizerName(rawValue: $0)?.method },
      momentum: try c.decode(Double.self, forKey: .momentum), weightDecay: try c.decode(Double.self, forKey: .weightDecay))
    optimizer.pathSGDMatchesFirstStepNorm = try c.decode(Bool.self, forKey: .pathSGDFirstStepRatio)
    let training = TrainingConfiguration(
      hiddenLayerSizes: try c.decode([Int].self, forKey: .hiddenLayers),
      initializer: try text(.initializer, WeightInitializer.init(rawValue:)), optimizer: optimizer,
      learningRate: try c.decode(Double.self, forKey: .learningRate),
      schedule: try text(.lrSchedule) { LearningRateSchedule(parsing: $0, maxEpochs: maxEpochs) },
      batchSize: try c.decode(Int.self, forKey: .batchSize), maxEpochs: maxEpochs,
      targetTrainLoss: try c.decodeIfPresent(Double.self, forKey: .targetTrainLoss),
      seed: try c.decode(UInt64.self, forKey: .seed), marginSubsetSize: try c.decode(Int.self, forKey: .marginSubsetSize),
      blasThreadCount: try c.decode(Int.self, forKey: .blasThreads),
      evaluationChunkSize: try c.decode(Int.self, forKey: .evaluationChunkSize))
    self.init(
      experiment: try c.decode(String.self, forKey: .experiment),
      runName: try c.decodeIfPresent(String.self, forKey: .runName),
      dataSource: try c.decode(DataSourceCoding.self, forKey: .dataSource).value,
      preparation: DataPreparation(
        trainingSubsetSize: try c.decodeIfPresent(Int.self, forKey: .trainSize),
        labelNoiseFraction: try c.decode(Double.self, forKey: .labelNoise),
        scaling: try c.decode(ScalingCoding.self, forKey: .scaling).value),
      training: training, measureEvery: try c.decode(Int.self, forKey: .measureEvery),
      snapshots: try text(.snapshots, SnapshotPolicy.init(parsing:)),
      spectralMethod: try text(.spectralMethod, SpectralMethod.init(rawValue:)),
      heartbeatInterval: try c.decode(Double.self, forKey: .heartbeatInterval))
    initialRescaling = try text(.initialRescaling, InitialRescaling.init(rawValue:))
    flatness = try c.decodeIfPresent(FlatnessCoding.self, forKey: .flatness)?.value
    extraHyperparameters = try c.decode([String: HyperparameterCoding].self, forKey: .hyperparameters).mapValues(\.value)
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

/// The JSON text of `run.config`: a ``TrainingRunConfiguration``'s keys at the top level plus
/// the facts of the run that the configuration does not fix (``RecordedRunConfiguration/Key``).
/// It is exactly `JSONEncoder` output (sorted keys, `NaN`/`Infinity`/`-Infinity` as strings),
/// so decoding and re-encoding it reproduces it byte for byte.
///
/// Stores written by gapdb before 0.6 hold an older, nested layout (`data`, `model`,
/// `optimizer`, `stopping`, `recording`, `seed`, `blas`); both layouts keep `sweep_key` and
/// `data.replaced_label_count` at the same paths. Older layouts are not decoded by this type.
public struct RecordedRunConfiguration: Codable, Sendable, Equatable {
  /// The settings the run was started with.
  public var configuration: TrainingRunConfiguration
  /// What data preparation produced.
  public var data: PreparedData
  /// The layer widths of the network, input and output included.
  public var layerSizes: [Int]
  /// The OpenBLAS core the run used (``LinearAlgebra/BLASKernel/coreName``).
  public var blasKernel: String
  /// The layout version: 2 (absent in the older layout).
  public var configFormat: Int = 2

  /// The keys this type adds to the configuration's.
  public enum Key: String, CodingKey, CaseIterable, Sendable {
    case data
    case layerSizes = "layer_sizes"
    case blasKernel = "blas_kernel"
    case configFormat = "config_format"
  }

  /// The prepared data's description and counts.
  public struct PreparedData: Codable, Sendable, Equatable {
    /// The data set's name (e.g. `fashion-mnist`, or the CSV file's name).
    public var name: String
    /// Training examples before and after the subset, test examples.
    public var originalTrainCount: Int
    /// Training examples used.
    public var trainCount: Int
    /// Test examples (0 without a test set).
    public var testCount: Int
    /// Labels drawn anew by label noise, and those that ended up different.
    public var replacedLabelCount: Int
    /// Labels that differ from the original after label noise.
    public var changedLabelCount: Int
    /// Input features and classes.
    public var featureCount: Int
    /// Classes.
    public var classCount: Int

    enum CodingKeys: String, CodingKey {
      case name, originalTrainCount = "original_train_count", trainCount = "train_count", testCount = "test_count"
      case replacedLabelCount = "replaced_label_count", changedLabelCount = "changed_label_count"
      case featureCount = "feature_count", classCount = "class_count"
    }

    /// Creates the description.
    public init(
      name: String, originalTrainCount: Int, trainCount: Int, testCount: Int, replacedLabelCount: Int,
      changedLabelCount: Int, featureCount: Int, classCount: Int
    ) {
      self.name = name
      self.originalTrainCount = originalTrainCount
      self.trainCount = trainCount
      self.testCount = testCount
      self.replacedLabelCount = replacedLabelCount
      self.changedLabelCount = changedLabelCount
      self.featureCount = featureCount
      self.classCount = classCount
    }
  }

  /// Creates a record.
  public init(configuration: TrainingRunConfiguration, data: PreparedData, layerSizes: [Int], blasKernel: String) {
    self.configuration = configuration
    self.data = data
    self.layerSizes = layerSizes
    self.blasKernel = blasKernel
  }

  public func encode(to encoder: any Encoder) throws {
    try configuration.encode(to: encoder)
    var c = encoder.container(keyedBy: Key.self)
    try c.encode(data, forKey: .data)
    try c.encode(layerSizes, forKey: .layerSizes)
    try c.encode(blasKernel, forKey: .blasKernel)
    try c.encode(configFormat, forKey: .configFormat)
  }

  public init(from decoder: any Decoder) throws {
    configuration = try TrainingRunConfiguration(from: decoder)
    let c = try decoder.container(keyedBy: Key.self)
    data = try c.decode(PreparedData.self, forKey: .data)
    layerSizes = try c.decode([Int].self, forKey: .layerSizes)
    blasKernel = try c.decode(String.self, forKey: .blasKernel)
    configFormat = try c.decode(Int.self, forKey: .configFormat)
  }

  /// The `run.config` text.
  /// - Throws: `EncodingError` (not expected: non-finite numbers are written as strings).
  public func jsonText() throws -> String {
    String(decoding: try Self.encoder.encode(self), as: UTF8.self)
  }

  /// Decodes `run.config` text of the current layout.
  /// - Throws: `DecodingError` naming the missing or malformed key (e.g. for the older layout).
  public init(jsonText: String) throws {
    self = try Self.decoder.decode(Self.self, from: Data(jsonText.utf8))
  }

  /// The one encoder of run configurations: sorted keys, non-finite numbers as strings.
  public static var encoder: JSONEncoder {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    e.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    return e
  }

  /// The matching decoder.
  public static var decoder: JSONDecoder {
    let d = JSONDecoder()
    d.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    return d
  }
}

/// `{"kind":"idx","directory":…|null,"class_count":k}` or
/// `{"kind":"csv","train":…,"test":…|null,"holdout_fraction":f,"label_column":"auto"|n|"name"}`.
private struct DataSourceCoding: Codable {
  var value: DataSource
  init(_ value: DataSource) { self.value = value }
  enum CodingKeys: String, CodingKey {
    case kind, directory, classCount = "class_count", train, test, holdoutFraction = "holdout_fraction"
    case labelColumn = "label_column"
  }
  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    switch value {
    case .idx(let directory, let k):
      try c.encode("idx", forKey: .kind)
      try c.encode(directory, forKey: .directory)
      try c.encode(k, forKey: .classCount)
    case .csv(let train, let test, let holdout, let label):
      try c.encode("csv", forKey: .kind)
      try c.encode(train, forKey: .train)
      try c.encode(test, forKey: .test)
      try c.encode(holdout, forKey: .holdoutFraction)
      switch label {
      case .automatic: try c.encode("auto", forKey: .labelColumn)
      case .index(let i): try c.encode(i, forKey: .labelColumn)
      case .name(let n): try c.encode(n, forKey: .labelColumn)
      }
    }
  }
  init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    switch try c.decode(String.self, forKey: .kind) {
    case "idx":
      value = .idx(
        directory: try c.decodeIfPresent(String.self, forKey: .directory),
        classCount: try c.decode(Int.self, forKey: .classCount))
    case "csv":
      let label: CSVLabelColumn
      if let i = try? c.decode(Int.self, forKey: .labelColumn) {
        label = .index(i)
      } else {
        let s = try c.decode(String.self, forKey: .labelColumn)
        label = s == "auto" ? .automatic : .name(s)
      }
      value = .csv(
        train: try c.decode(String.self, forKey: .train), test: try c.decodeIfPresent(String.self, forKey: .test),
        holdoutFraction: try c.decode(Double.self, forKey: .holdoutFraction), labelColumn: label)
    case let other:
      throw DecodingError.dataCorruptedError(
        forKey: .kind, in: c, debugDescription: "unknown data source kind '\(other)' (idx or csv)")
    }
  }
}

/// `"none"`, `"standardize"` or `{"divide_by": d}`.
private struct ScalingCoding: Codable {
  var value: FeatureScaling
  init(_ value: FeatureScaling) { self.value = value }
  enum CodingKeys: String, CodingKey { case divideBy = "divide_by" }
  func encode(to encoder: any Encoder) throws {
    switch value {
    case .none:
      var c = encoder.singleValueContainer()
      try c.encode("none")
    case .standardize:
      var c = encoder.singleValueContainer()
      try c.encode("standardize")
    case .divide(let d):
      var c = encoder.container(keyedBy: CodingKeys.self)
      try c.encode(d, forKey: .divideBy)
    }
  }
  init(from decoder: any Decoder) throws {
    if let c = try? decoder.container(keyedBy: CodingKeys.self) {
      value = .divide(by: try c.decode(Float.self, forKey: .divideBy))
      return
    }
    let s = try decoder.singleValueContainer().decode(String.self)
    switch s {
    case "none": value = .none
    case "standardize": value = .standardize
    default:
      throw DecodingError.dataCorrupted(
        DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "unknown scaling '\(s)'"))
    }
  }
}

/// A hyperparameter value with its SQLite type: `{"integer": n}`, `{"real": x}`,
/// `{"boolean": b}` or `{"text": s}` (a bare JSON number cannot tell 1 from 1.0).
private struct HyperparameterCoding: Codable {
  var value: HyperparameterValue
  init(_ value: HyperparameterValue) { self.value = value }
  enum CodingKeys: String, CodingKey { case integer, real, boolean, text }
  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    switch value {
    case .integer(let v): try c.encode(v, forKey: .integer)
    case .real(let v): try c.encode(v, forKey: .real)
    case .boolean(let v): try c.encode(v, forKey: .boolean)
    case .text(let v): try c.encode(v, forKey: .text)
    }
  }
  init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    if let v = try c.decodeIfPresent(Int64.self, forKey: .integer) {
      value = .integer(v)
    } else if let v = try c.decodeIfPresent(Double.self, forKey: .real) {
      value = .real(v)
    } else if let v = try c.decodeIfPresent(Bool.self, forKey: .boolean) {
      value = .boolean(v)
    } else {
      value = .text(try c.decode(String.self, forKey: .text))
    }
  }
}

/// The perturbation suite's schedule: `{"every": N, "subset_size": n|null, "searches": [...]}`.
/// The searches' fine settings (bisection, ascent, draws) are not part of the stored
/// configuration yet; decoding gives their defaults.
private struct FlatnessCoding: Codable {
  var value: FlatnessSchedule
  init(_ value: FlatnessSchedule) { self.value = value }
  enum CodingKeys: String, CodingKey { case every, subsetSize = "subset_size", searches }
  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(value.every, forKey: .every)
    try c.encode(value.settings.subsetSize, forKey: .subsetSize)
    try c.encode(value.settings.searches.map(\.rawValue).sorted(), forKey: .searches)
  }
  init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    var settings = FlatnessSuiteSettings()
    settings.subsetSize = try c.decodeIfPresent(Int.self, forKey: .subsetSize)
    var searches = Set<FlatnessSearch>()
    for name in try c.decode([String].self, forKey: .searches) {
      guard let s = FlatnessSearch(rawValue: name) else {
        throw DecodingError.dataCorruptedError(forKey: .searches, in: c, debugDescription: "unknown search '\(name)'")
      }
      searches.insert(s)
    }
    settings.searches = searches
    value = FlatnessSchedule(settings: settings, every: try c.decode(Int.self, forKey: .every))
  }
}
