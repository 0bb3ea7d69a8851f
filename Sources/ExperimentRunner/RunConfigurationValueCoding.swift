import ComplexityMeasures
import Datasets
import FlatnessMeasures
import RunRecorder

// The JSON forms of the run configuration's nested values (see RunConfigurationCoding.swift).

/// `{"kind":"idx","directory":…|null,"class_count":k}` or
/// `{"kind":"csv","train":…,"test":…|null,"holdout_fraction":f,"label_column":"auto"|n|"name"}`.
struct DataSourceCoding: Codable {
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
struct ScalingCoding: Codable {
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
struct HyperparameterCoding: Codable {
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
struct FlatnessCoding: Codable {
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
