import Foundation
internal import TOMLKit
internal import Yams

/// Reads sweep files in TOML, JSON or YAML (chosen by extension).
///
/// A sweep file has three optional top-level keys; any other key is an error (a typo must
/// not silently drop an axis):
/// - `name`: the experiment name (text);
/// - `fixed`: a table of axis → one value, held constant;
/// - `grid`: a table of axis → list of values (a single value counts as a one-value axis).
///
/// ```toml
/// name = "width-sweep"
/// [fixed]
/// epochs = 20
/// train_size = 10000
/// [grid]
/// width = [64, 256, 1024]
/// label_noise = [0, 1]
/// ```
/// The JSON form is `{"name": …, "fixed": {…}, "grid": {"width": [64, 256]}}` and the YAML
/// form uses the same keys. Values are numbers or strings; hidden layouts are strings such
/// as `"512x256"` (or, in `grid`, lists of integers such as `[512, 256]`).
///
/// Parsing uses TOMLKit (toml++) for TOML, Foundation's `JSONDecoder` for JSON and Yams
/// (libyaml) for YAML.
public enum SweepFileParser {
  /// The file formats, by extension.
  public enum Format: String, Sendable {
    case toml = "TOML", json = "JSON", yaml = "YAML"

    /// The format for a path's extension (`.toml`, `.json`, `.yaml`, `.yml`), or `nil`.
    public init?(path: String) {
      switch URL(fileURLWithPath: path).pathExtension.lowercased() {
      case "toml": self = .toml
      case "json": self = .json
      case "yaml", "yml": self = .yaml
      default: return nil
      }
    }
  }

  /// Reads and parses a sweep file.
  ///
  /// - Parameter path: A `.toml`, `.json`, `.yaml` or `.yml` file.
  /// - Returns: The validated sweep.
  /// - Throws: ``SweepPlanningError`` for an unknown extension, an unreadable file, a syntax
  ///   error (with the parser's message and position), an unknown key or axis, a bad value,
  ///   or a file that gives no axis and no fixed value (``SweepPlanningError/emptyFile(path:)``).
  public static func load(path: String) throws(SweepPlanningError) -> SweepSpecification {
    guard let format = Format(path: path) else { throw .unsupportedFileExtension(path: path) }
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw .unreadableFile(path: path, reason: (error as NSError).localizedDescription)
    }
    return try parse(text, format: format, path: path)
  }

  /// Parses sweep-file text.
  ///
  /// - Parameters:
  ///   - text: The file's contents.
  ///   - format: Its format.
  ///   - path: The name used in error messages.
  /// - Returns: The validated sweep.
  /// - Throws: ``SweepPlanningError`` as for ``load(path:)``.
  public static func parse(
    _ text: String, format: Format, path: String = "<input>"
  ) throws(SweepPlanningError) -> SweepSpecification {
    // An empty file (or one of only comments, `{}` or `---`) would plan one run of the
    // defaults: almost surely a mistake (a wrong path, an unsaved editor buffer).
    let content = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter {
      !$0.isEmpty && !(format != .json && $0.hasPrefix("#")) && !(format == .yaml && ($0 == "---" || $0 == "..."))
    }
    if content.isEmpty { throw .emptyFile(path: path) }
    let raw: RawSweepFile
    do {
      switch format {
      case .toml:
        if let problem = TOMLPrecheck.problem(text) {
          throw SweepPlanningError.malformedFile(path: path, format: format.rawValue, problem: problem + ".")
        }
        raw = try TOMLDecoder().decode(RawSweepFile.self, from: text)
      case .json: raw = try JSONDecoder().decode(RawSweepFile.self, from: Data(text.utf8))
      case .yaml: raw = try YAMLDecoder().decode(RawSweepFile.self, from: text)
      }
    } catch let error as SweepPlanningError {
      throw error
    } catch let error as UnknownKeyError {
      throw .unknownFileKey(path: path, key: error.key)
    } catch {
      throw .malformedFile(path: path, format: format.rawValue, problem: describe(error))
    }
    var spec = SweepSpecification(name: raw.name)
    for (name, value) in raw.fixed {
      guard let axis = SweepAxis.named(name) else { throw .unknownAxis(name: name) }
      guard spec.fixed[axis] == nil else { throw .duplicateAxis(name: axis.rawValue) }
      spec.fixed[axis] = try convert(value, axis: axis, path: path, format: format)
    }
    for (name, value) in raw.grid {
      guard let axis = SweepAxis.named(name) else { throw .unknownAxis(name: name) }
      guard spec.axes[axis] == nil else { throw .duplicateAxis(name: axis.rawValue) }
      let items: [FileValue]
      switch value {
      case .list(let list):
        // In `grid`, a list is the axis's values; for hidden_layout each value is a layout
        // string ("512x256"), a nested list ([512, 256]) or an integer (one layer).
        items = list
      default: items = [value]
      }
      if items.isEmpty { throw .emptyAxis(name: axis.rawValue) }
      spec.axes[axis] = try items.map { item throws(SweepPlanningError) in
        try convert(item, axis: axis, path: path, format: format)
      }
    }
    if spec.fixed.isEmpty && spec.axes.isEmpty { throw .emptyFile(path: path) }
    try spec.validate()
    return spec
  }

  private static func convert(
    _ value: FileValue, axis: SweepAxis, path: String, format: Format
  ) throws(SweepPlanningError) -> SweepValue {
    switch value {
    case .integer(let i): return try axis.validate(.integer(i))
    case .real(let r): return try axis.validate(.real(r))
    case .text(let s): return try axis.parseValue(s)
    case .bool(let b):
      throw .invalidValue(axis: axis.rawValue, value: String(b), expected: axis.expectedValueDescription)
    case .list(let list):
      guard axis == .hiddenLayout else {
        throw .invalidValue(
          axis: axis.rawValue, value: "a list", expected: axis.expectedValueDescription)
      }
      var units: [Int] = []
      for item in list {
        guard case .integer(let u) = item, u >= 1 else {
          throw .invalidValue(
            axis: axis.rawValue, value: "\(item)", expected: axis.expectedValueDescription)
        }
        units.append(u)
      }
      guard !units.isEmpty else { throw .emptyAxis(name: axis.rawValue) }
      return .layout(units)
    }
  }

  private static func describe(_ error: any Error) -> String {
    if let e = error as? TOMLParseError {
      return "\(e.description) (\(e.source.begin.debugDescription))."
    }
    if let e = error as? DecodingError {
      let context: DecodingError.Context
      switch e {
      case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c),
        .dataCorrupted(let c):
        context = c
      @unknown default: return "\(e)"
      }
      let at = context.codingPath.map(\.stringValue).joined(separator: ".")
      let underlying = context.underlyingError.map { " (\($0))" } ?? ""
      return (at.isEmpty ? "" : "at '\(at)': ") + context.debugDescription + underlying
    }
    if let e = error as? YamlError { return "\(e)" }
    return "\(error)"
  }
}

/// A scalar or list as a sweep file holds it.
enum FileValue: Decodable, Equatable, CustomStringConvertible {
  case integer(Int), real(Double), text(String), bool(Bool), list([FileValue])

  init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if let v = try? c.decode(Int.self) {
      self = .integer(v)
    } else if let v = try? c.decode(Double.self) {
      self = .real(v)
    } else if let v = try? c.decode(Bool.self) {
      self = .bool(v)
    } else if let v = try? c.decode(String.self) {
      self = .text(v)
    } else if let v = try? c.decode([FileValue].self) {
      self = .list(v)
    } else {
      throw DecodingError.dataCorruptedError(
        in: c, debugDescription: "expected a number, a string or a list of them")
    }
  }

  var description: String {
    switch self {
    case .integer(let v): return String(v)
    case .real(let v): return v.description
    case .text(let s): return s
    case .bool(let b): return String(b)
    case .list(let l): return "[" + l.map(\.description).joined(separator: ", ") + "]"
    }
  }
}

struct UnknownKeyError: Error { var key: String }

/// The file's top level, decoded leniently into ordered pairs and checked for unknown keys.
struct RawSweepFile: Decodable {
  var name: String?
  var fixed: [(String, FileValue)] = []
  var grid: [(String, FileValue)] = []

  struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: Key.self)
    for key in c.allKeys {
      switch key.stringValue {
      case "name": name = try c.decode(String.self, forKey: key)
      case "fixed": fixed = try Self.table(c, key)
      case "grid": grid = try Self.table(c, key)
      default: throw UnknownKeyError(key: key.stringValue)
      }
    }
  }

  private static func table(
    _ c: KeyedDecodingContainer<Key>, _ key: Key
  ) throws -> [(String, FileValue)] {
    let inner = try c.nestedContainer(keyedBy: Key.self, forKey: key)
    return try inner.allKeys.map { ($0.stringValue, try inner.decode(FileValue.self, forKey: $0)) }
  }
}
