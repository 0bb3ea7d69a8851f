/// One value in a result row, typed like SQLite's storage classes.
///
/// `real` keeps IEEE special values (NaN, ±Inf) as they are; each output format decides how
/// to spell them (see ``OutputFormat``).
public enum Cell: Sendable, Equatable {
  /// SQL NULL, or a value that is undefined (not a number of any kind).
  case null
  /// A 64-bit signed integer, printed exactly.
  case integer(Int64)
  /// A double, printed with Swift's shortest round-trip text.
  case real(Double)
  /// UTF-8 text.
  case text(String)
  /// Raw bytes; JSON writes them as `{"$base64": true, "encoded": "…"}`.
  case blob([UInt8])

  /// Whether the value should be right-aligned in a table (numbers are).
  var isNumeric: Bool {
    switch self {
    case .integer, .real: return true
    default: return false
    }
  }

  public static func == (lhs: Cell, rhs: Cell) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): return true
    case (.integer(let a), .integer(let b)): return a == b
    case (.real(let a), .real(let b)): return a.bitPattern == b.bitPattern || a == b
    case (.text(let a), .text(let b)): return a == b
    case (.blob(let a), .blob(let b)): return a == b
    default: return false
    }
  }
}

extension Cell {
  /// Plain text for table, CSV and TSV output.
  ///
  /// Doubles use Swift's shortest round-trip representation (`0.1`, `1e-300`), so parsing
  /// the text gives back the same bits. Non-finite doubles are spelled `NaN`, `inf` and
  /// `-inf`, which Python's `float()`, pandas and R all read back. NULL is the empty string.
  public var plainText: String {
    switch self {
    case .null: return ""
    case .integer(let v): return String(v)
    case .real(let v): return formatDouble(v)
    case .text(let s): return s
    case .blob(let b): return base64Encode(b)
    }
  }
}

/// Shortest round-trip text for a double; `NaN`, `inf`, `-inf` for the special values.
///
/// - Parameter value: Any double.
/// - Returns: Text that `Double(_:)` parses back to the same value (same bits for finite
///   values and infinities).
public func formatDouble(_ value: Double) -> String {
  if value.isNaN { return "NaN" }
  if value.isInfinite { return value > 0 ? "inf" : "-inf" }
  return value.description
}

/// Standard base64 (RFC 4648, with padding).
func base64Encode(_ bytes: [UInt8]) -> String {
  let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
  var out = [UInt8]()
  out.reserveCapacity((bytes.count + 2) / 3 * 4)
  var i = 0
  while i + 2 < bytes.count {
    let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
    out.append(alphabet[Int(n >> 18 & 63)])
    out.append(alphabet[Int(n >> 12 & 63)])
    out.append(alphabet[Int(n >> 6 & 63)])
    out.append(alphabet[Int(n & 63)])
    i += 3
  }
  let rest = bytes.count - i
  if rest == 1 {
    let n = UInt32(bytes[i]) << 16
    out.append(alphabet[Int(n >> 18 & 63)])
    out.append(alphabet[Int(n >> 12 & 63)])
    out.append(contentsOf: Array("==".utf8))
  } else if rest == 2 {
    let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
    out.append(alphabet[Int(n >> 18 & 63)])
    out.append(alphabet[Int(n >> 12 & 63)])
    out.append(alphabet[Int(n >> 6 & 63)])
    out.append(UInt8(ascii: "="))
  }
  return String(decoding: out, as: UTF8.self)
}
