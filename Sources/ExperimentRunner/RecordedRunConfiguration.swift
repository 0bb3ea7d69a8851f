import Foundation

/// The JSON text of `run.config`: a ``TrainingRunConfiguration``'s keys at the top level plus
/// the facts of the run that the configuration does not fix (``RecordedRunConfiguration/Key``).
/// It is exactly `JSONEncoder` output (sorted keys, `NaN`/`Infinity`/`-Infinity` as strings),
/// so decoding and re-encoding it reproduces it byte for byte.
///
/// Stores written by earlier gapdb versions hold an older, nested layout (`data`, `model`,
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
