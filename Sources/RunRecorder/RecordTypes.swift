import TabularOutput
import ResultsStore

/// The status of a run, as stored in `run.status`.
public enum RunStatus: String, Sendable, CaseIterable {
  /// In progress (or its process died without a word: see heartbeats).
  case running
  /// Ended normally.
  case finished
  /// Ended by an error, or marked failed after its heartbeat went stale.
  case failed
  /// A loss became NaN or +Inf.
  case diverged
}

/// A hyperparameter value: integer, real, Boolean or text.
///
/// Written as a literal: `["learning_rate": 0.1, "batch_size": 128, "nesterov": true,
/// "optimizer": "sgd"]`. Integers are stored exactly (64-bit); reals keep ±Inf; a NaN real is
/// stored as NULL with its text `NaN` (see `schema/0001_initial.sql`).
public enum HyperparameterValue: Sendable, Equatable, ExpressibleByIntegerLiteral,
  ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByStringLiteral
{
  case integer(Int64)
  case real(Double)
  case boolean(Bool)
  case text(String)

  public init(integerLiteral value: Int64) { self = .integer(value) }
  public init(floatLiteral value: Double) { self = .real(value) }
  public init(booleanLiteral value: Bool) { self = .boolean(value) }
  public init(stringLiteral value: String) { self = .text(value) }

  /// `value_type` in the `hyperparameter` table.
  var typeName: String {
    switch self {
    case .integer: return "integer"
    case .real: return "real"
    case .boolean: return "boolean"
    case .text: return "text"
    }
  }

  /// `value` in the `hyperparameter` table.
  var storedValue: DatabaseValue {
    switch self {
    case .integer(let v): return .integer(v)
    case .real(let v): return DatabaseValue(v)
    case .boolean(let v): return .integer(v ? 1 : 0)
    case .text(let v): return .text(v)
    }
  }

  /// `value_text`: the value as text (shortest round-trip text for reals).
  var text: String {
    switch self {
    case .integer(let v): return String(v)
    case .real(let v):
      if v.isNaN { return "NaN" }
      if v.isInfinite { return v > 0 ? "inf" : "-inf" }
      return v.description
    case .boolean(let v): return v ? "true" : "false"
    case .text(let v): return v
    }
  }
}

/// One layer of the network, as declared when a run begins.
///
/// Dimension vocabulary: a layer maps `fanIn` inputs to `fanOut` units; its weight matrix is
/// `fanOut × fanIn` (rows = units).
public struct LayerInfo: Sendable, Equatable {
  /// 0-based position in the forward pass.
  public var index: Int
  /// e.g. `layers.0`.
  public var name: String
  /// e.g. `linear`.
  public var kind: String
  /// Inputs per unit.
  public var fanIn: Int
  /// Number of units.
  public var fanOut: Int
  /// Weights plus biases.
  public var parameterCount: Int

  /// Creates a layer; `parameterCount` defaults to `fanIn·fanOut + fanOut` (weights + biases).
  public init(
    index: Int, name: String, kind: String = "linear", fanIn: Int, fanOut: Int,
    parameterCount: Int? = nil
  ) {
    self.index = index
    self.name = name
    self.kind = kind
    self.fanIn = fanIn
    self.fanOut = fanOut
    self.parameterCount = parameterCount ?? (fanIn * fanOut + fanOut)
  }
}

/// What is needed to begin a run.
public struct RunSpec: Sendable {
  /// The experiment's name; created on first use (safe with many processes at once).
  public var experiment: String
  /// The run's name (need not be unique).
  public var name: String
  /// Typed hyperparameters, one per key.
  public var hyperparameters: [String: HyperparameterValue]
  /// The full configuration as a JSON object text (default `{}`).
  public var config: String
  /// The random seed, if any.
  public var seed: Int64?
  /// The dataset's name, e.g. `fashion-mnist`.
  public var dataset: String?
  /// The network's layers in forward order (indices 0, 1, …). Layer summaries may only name
  /// declared layers.
  public var layers: [LayerInfo]
  /// The training-loss target in nats, if the run trains until it reaches one; `finish`
  /// then records whether the last train loss reached it.
  public var targetTrainLoss: Double?

  /// Creates a run description.
  public init(
    experiment: String, name: String, hyperparameters: [String: HyperparameterValue] = [:],
    config: String = "{}", seed: Int64? = nil, dataset: String? = nil, layers: [LayerInfo] = [],
    targetTrainLoss: Double? = nil
  ) {
    self.experiment = experiment
    self.name = name
    self.hyperparameters = hyperparameters
    self.config = config
    self.seed = seed
    self.dataset = dataset
    self.layers = layers
    self.targetTrainLoss = targetTrainLoss
  }
}

/// The scalar metrics of one epoch. nil = not measured; NaN and ±Inf are recorded faithfully.
public struct EpochMetrics: Sendable, Equatable {
  /// Mean cross-entropy on the training set, nats.
  public var trainLoss: Double?
  /// Mean cross-entropy on the test set, nats.
  public var testLoss: Double?
  /// Fraction of training examples misclassified, in [0, 1].
  public var trainError: Double?
  /// Fraction of test examples misclassified, in [0, 1].
  public var testError: Double?
  /// The learning rate used in this epoch.
  public var learningRate: Double?
  /// Wall-clock seconds since the run began.
  public var wallTimeSeconds: Double?

  /// Creates metrics; every value is optional.
  public init(
    trainLoss: Double? = nil, testLoss: Double? = nil, trainError: Double? = nil,
    testError: Double? = nil, learningRate: Double? = nil, wallTimeSeconds: Double? = nil
  ) {
    self.trainLoss = trainLoss
    self.testLoss = testLoss
    self.trainError = trainError
    self.testError = testError
    self.learningRate = learningRate
    self.wallTimeSeconds = wallTimeSeconds
  }

  /// (column, value) pairs in `epoch_metric` column order.
  var columns: [(String, Double?)] {
    [
      ("train_loss", trainLoss), ("test_loss", testLoss), ("train_error", trainError),
      ("test_error", testError), ("learning_rate", learningRate), ("wall_time_s", wallTimeSeconds),
    ]
  }
}

/// Summary statistics of one layer's weight matrix W (`fanOut × fanIn`, m = fanOut·fanIn
/// entries) at one epoch: one `layer_summary` row.
///
/// Every statistic is optional (nil = not computed, stored as NULL); NaN is stored as NULL
/// and named in the row's `nan_columns`, ±Inf as such. The columns
/// are declared once, in ``columns``; the store's `layer_summary` table must have exactly
/// these statistic columns (a test checks it against the schema).
public struct LayerSummaryRecord: Sendable, Equatable {
  /// The layer's index, as declared in ``RunSpec/layers``.
  public var layerIndex: Int
  /// ‖W‖_F = sqrt(Σ w²) (`frobenius_norm`).
  public var frobeniusNorm: Double?
  /// ‖W‖₂, the largest singular value (`spectral_norm`).
  public var spectralNorm: Double?
  /// ‖W‖_F² / ‖W‖₂² (`stable_rank`).
  public var stableRank: Double?
  /// Σ |w| (`l1_norm`).
  public var l1Norm: Double?
  /// max |w| (`max_abs`).
  public var maxAbs: Double?
  /// Mean of the entries (`mean`).
  public var mean: Double?
  /// Population standard deviation of the entries (`std`).
  public var std: Double?
  /// Smallest entry (`min`).
  public var min: Double?
  /// Largest entry (`max`).
  public var max: Double?
  /// 1st percentile of the entries (`q01`).
  public var q01: Double?
  /// 5th percentile (`q05`).
  public var q05: Double?
  /// 25th percentile (`q25`).
  public var q25: Double?
  /// Median (`q50`).
  public var q50: Double?
  /// 75th percentile (`q75`).
  public var q75: Double?
  /// 95th percentile (`q95`).
  public var q95: Double?
  /// 99th percentile (`q99`).
  public var q99: Double?
  /// Fraction of entries with |w| < 1e-6, in [0, 1] (`near_zero_fraction`).
  public var nearZeroFraction: Double?
  /// Group norm ‖W‖_{1,∞} (`group_norm_1_inf`).
  public var groupNorm1Inf: Double?
  /// Group norm ‖W‖_{2,2} = ‖W‖_F (`group_norm_2_2`).
  public var groupNorm22: Double?
  /// Group norm ‖W‖_{3,1.5} (`group_norm_3_1p5`).
  public var groupNorm31p5: Double?
  /// Schatten-1 (nuclear) norm Σ σ_i (`schatten_1`).
  public var schatten1: Double?
  /// Schatten-1.5 norm (Σ σ_i^1.5)^(1/1.5) (`schatten_1p5`).
  public var schatten1p5: Double?
  /// ‖W − W⁰‖_F, distance from the initial weights (`frobenius_distance_init`).
  public var frobeniusDistanceInit: Double?
  /// ‖W − W⁰‖₂ (`spectral_distance_init`).
  public var spectralDistanceInit: Double?

  /// Creates a summary with only the layer index set; assign the statistics you computed.
  public init(layerIndex: Int) { self.layerIndex = layerIndex }

  /// One statistic column: its `layer_summary` column name, the property holding it, and what
  /// it is (see `schema/0001_initial.sql` for the full definitions).
  public struct Column: Sendable {
    /// The snake_case column name, e.g. `frobenius_norm`.
    public let name: String
    /// The property of ``LayerSummaryRecord`` holding the value.
    public let keyPath: WritableKeyPath<LayerSummaryRecord, Double?> & Sendable
    /// A one-line definition.
    public let documentation: String
  }

  /// Every statistic column, in `layer_summary` column order: the one declaration from which
  /// ``columnNames``, ``columnValues``, the recorder's INSERT and the schema check follow.
  public static let columns: [Column] = [
    Column(name: "frobenius_norm", keyPath: \.frobeniusNorm, documentation: "‖W‖_F = sqrt(Σ w²)"),
    Column(name: "spectral_norm", keyPath: \.spectralNorm, documentation: "‖W‖₂, the largest singular value"),
    Column(name: "stable_rank", keyPath: \.stableRank, documentation: "‖W‖_F² / ‖W‖₂²"),
    Column(name: "l1_norm", keyPath: \.l1Norm, documentation: "Σ |w|"),
    Column(name: "max_abs", keyPath: \.maxAbs, documentation: "max |w|"),
    Column(name: "mean", keyPath: \.mean, documentation: "mean of the entries"),
    Column(name: "std", keyPath: \.std, documentation: "population standard deviation of the entries"),
    Column(name: "min", keyPath: \.min, documentation: "smallest entry"),
    Column(name: "max", keyPath: \.max, documentation: "largest entry"),
    Column(name: "q01", keyPath: \.q01, documentation: "1st percentile of the entries"),
    Column(name: "q05", keyPath: \.q05, documentation: "5th percentile"),
    Column(name: "q25", keyPath: \.q25, documentation: "25th percentile"),
    Column(name: "q50", keyPath: \.q50, documentation: "median"),
    Column(name: "q75", keyPath: \.q75, documentation: "75th percentile"),
    Column(name: "q95", keyPath: \.q95, documentation: "95th percentile"),
    Column(name: "q99", keyPath: \.q99, documentation: "99th percentile"),
    Column(name: "near_zero_fraction", keyPath: \.nearZeroFraction, documentation: "fraction of entries with |w| < 1e-6"),
    Column(name: "group_norm_1_inf", keyPath: \.groupNorm1Inf, documentation: "group norm ‖W‖_{1,∞}"),
    Column(name: "group_norm_2_2", keyPath: \.groupNorm22, documentation: "group norm ‖W‖_{2,2}"),
    Column(name: "group_norm_3_1p5", keyPath: \.groupNorm31p5, documentation: "group norm ‖W‖_{3,1.5}"),
    Column(name: "schatten_1", keyPath: \.schatten1, documentation: "Schatten-1 (nuclear) norm Σ σ_i"),
    Column(name: "schatten_1p5", keyPath: \.schatten1p5, documentation: "Schatten-1.5 norm"),
    Column(name: "frobenius_distance_init", keyPath: \.frobeniusDistanceInit, documentation: "‖W − W⁰‖_F"),
    Column(name: "spectral_distance_init", keyPath: \.spectralDistanceInit, documentation: "‖W − W⁰‖₂"),
  ]

  /// Column names of the statistics, in `layer_summary` column order.
  public static let columnNames: [String] = columns.map(\.name)

  /// The statistics in ``columnNames`` order.
  public var columnValues: [Double?] { Self.columns.map { self[keyPath: $0.keyPath] } }
}

/// One complexity-measure value at one epoch.
public struct MeasureRecord: Sendable, Equatable {
  /// The measure's catalogue id, e.g. `spectral_product`. Unknown ids get a minimal
  /// catalogue row (name = id, properties NULL) in the same transaction.
  public var measureID: String
  /// The value; NaN and ±Inf are recorded as such (`value_kind` 'nan', '+inf', '-inf'). nil
  /// means undefined (the measure does not apply): `value_kind` 'undefined'.
  public var value: Double?
  /// Optional JSON text: the settings used, or why the value is undefined.
  public var detail: String?

  /// A measured value (finite, NaN or infinite).
  public init(measureID: String, value: Double, detail: String? = nil) {
    self.measureID = measureID
    self.value = value
    self.detail = detail
  }

  /// An undefined value, with the reason stored as `{"reason": …}` in `detail`.
  ///
  /// - Parameters:
  ///   - measureID: The measure's id.
  ///   - reason: Why it is undefined, e.g. "layer has a single unit".
  /// - Returns: The record.
  public static func undefined(measureID: String, reason: String) -> MeasureRecord {
    var record = MeasureRecord(measureID: measureID, value: 0)
    record.value = nil
    record.detail = "{\"reason\":\(jsonStringLiteral(reason))}"
    return record
  }

  /// `value_kind` for this value.
  var kind: String {
    guard let value else { return "undefined" }
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "+inf" : "-inf" }
    return "finite"
  }
}

/// Everything recorded for one epoch, written in one transaction.
public struct EpochRecord: Sendable {
  /// 0 = the initial weights before training; then 1, 2, … (strictly increasing; gaps allowed).
  public var epoch: Int
  /// Optimizer steps taken so far (64-bit).
  public var step: Int64
  /// The epoch's scalar metrics.
  public var metrics: EpochMetrics
  /// Per-layer weight summaries (at most one per declared layer).
  public var layerSummaries: [LayerSummaryRecord]
  /// Measure values (at most one per measure id).
  public var measures: [MeasureRecord]

  /// Creates an epoch record.
  public init(
    epoch: Int, step: Int64, metrics: EpochMetrics = EpochMetrics(),
    layerSummaries: [LayerSummaryRecord] = [], measures: [MeasureRecord] = []
  ) {
    self.epoch = epoch
    self.step = step
    self.metrics = metrics
    self.layerSummaries = layerSummaries
    self.measures = measures
  }
}

/// A run found stale (running, but no heartbeat for a while).
public struct StaleRun: Sendable, Equatable {
  public var runID: Int64
  public var name: String
  public var host: String
  public var pid: Int64?
  /// The last heartbeat, ISO-8601 UTC.
  public var heartbeatAt: String
  /// Seconds since the last heartbeat.
  public var ageSeconds: Double
}

