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

/// Summary statistics of one layer's weight matrix W (`fanOut × fanIn`) at one epoch.
///
/// Every statistic is optional (nil = not computed); NaN and ±Inf are recorded faithfully.
/// See the `layer_summary` table in `schema/0001_initial.sql` for each definition.
public struct LayerSummaryRecord: Sendable, Equatable {
  /// The layer's index, as declared in ``RunSpec/layers``.
  public var layerIndex: Int
  public var frobeniusNorm: Double?
  public var spectralNorm: Double?
  public var stableRank: Double?
  public var l1Norm: Double?
  public var maxAbs: Double?
  public var mean: Double?
  public var std: Double?
  public var min: Double?
  public var max: Double?
  public var q01: Double?
  public var q05: Double?
  public var q25: Double?
  public var q50: Double?
  public var q75: Double?
  public var q95: Double?
  public var q99: Double?
  /// Fraction of entries with |w| < 1e-6.
  public var nearZeroFraction: Double?
  public var groupNorm1Inf: Double?
  public var groupNorm22: Double?
  public var groupNorm31p5: Double?
  public var schatten1: Double?
  public var schatten1p5: Double?
  public var frobeniusDistanceInit: Double?
  public var spectralDistanceInit: Double?

  /// Creates a summary with only the layer index set; assign the statistics you computed.
  public init(layerIndex: Int) { self.layerIndex = layerIndex }

  /// Column names of the statistics, in `layer_summary` column order.
  static let columnNames: [String] = [
    "frobenius_norm", "spectral_norm", "stable_rank", "l1_norm", "max_abs", "mean", "std", "min",
    "max", "q01", "q05", "q25", "q50", "q75", "q95", "q99", "near_zero_fraction",
    "group_norm_1_inf", "group_norm_2_2", "group_norm_3_1p5", "schatten_1", "schatten_1p5",
    "frobenius_distance_init", "spectral_distance_init",
  ]

  /// The statistics in ``columnNames`` order.
  var columnValues: [Double?] {
    [
      frobeniusNorm, spectralNorm, stableRank, l1Norm, maxAbs, mean, std, min, max, q01, q05,
      q25, q50, q75, q95, q99, nearZeroFraction, groupNorm1Inf, groupNorm22, groupNorm31p5,
      schatten1, schatten1p5, frobeniusDistanceInit, spectralDistanceInit,
    ]
  }
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

/// A catalogue entry for the `measure` table.
///
/// Plain data, so measure libraries can be mapped into it without RunRecorder depending on
/// them.
public struct MeasureCatalogEntry: Sendable, Equatable {
  /// Stable identifier, conventionally snake_case.
  public var id: String
  public var name: String
  public var description: String
  /// The formula in plain text or LaTeX.
  public var formula: String
  /// Paper and equation.
  public var source: String
  public var needsData: Bool
  public var needsInit: Bool
  public var isNodeRescalingInvariant: Bool
  public var isLayerRescalingInvariant: Bool
  public var isOutputScalingInvariant: Bool

  /// Creates an entry.
  public init(
    id: String, name: String, description: String, formula: String, source: String,
    needsData: Bool, needsInit: Bool, isNodeRescalingInvariant: Bool,
    isLayerRescalingInvariant: Bool, isOutputScalingInvariant: Bool
  ) {
    self.id = id
    self.name = name
    self.description = description
    self.formula = formula
    self.source = source
    self.needsData = needsData
    self.needsInit = needsInit
    self.isNodeRescalingInvariant = isNodeRescalingInvariant
    self.isLayerRescalingInvariant = isLayerRescalingInvariant
    self.isOutputScalingInvariant = isOutputScalingInvariant
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

