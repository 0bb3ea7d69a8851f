/// A value as SQLite stores it: one of its five storage classes.
///
/// `real` may hold ±Inf (SQLite keeps IEEE infinities). SQLite cannot store NaN: binding
/// `.real(.nan)` stores NULL, which is why the schema records NaN separately (see
/// `schema/0001_initial.sql`).
public enum DatabaseValue: Sendable, Hashable {
  /// SQL NULL.
  case null
  /// A 64-bit signed integer.
  case integer(Int64)
  /// An IEEE double.
  case real(Double)
  /// UTF-8 text.
  case text(String)
  /// Bytes.
  case blob([UInt8])

  /// The value as a double if it is numeric (INTEGER converted, REAL as is), else nil.
  public var doubleValue: Double? {
    switch self {
    case .integer(let v): return Double(v)
    case .real(let v): return v
    default: return nil
    }
  }

  /// The value as an integer if it is an INTEGER, else nil.
  public var int64Value: Int64? {
    if case .integer(let v) = self { return v }
    return nil
  }

  /// The value as text if it is TEXT, else nil.
  public var stringValue: String? {
    if case .text(let v) = self { return v }
    return nil
  }

  /// Whether the value is SQL NULL.
  public var isNull: Bool {
    if case .null = self { return true }
    return false
  }
}

extension DatabaseValue {
  /// `.null` for nil, `.real(value)` otherwise (a NaN binds as NULL, as SQLite does anyway).
  public init(_ value: Double?) {
    if let value, !value.isNaN { self = .real(value) } else { self = .null }
  }

  /// `.null` for nil, `.integer(value)` otherwise.
  public init(_ value: Int64?) {
    if let value { self = .integer(value) } else { self = .null }
  }

  /// `.null` for nil, `.text(value)` otherwise.
  public init(_ value: String?) {
    if let value { self = .text(value) } else { self = .null }
  }
}
