/// Canonical text of hyperparameter levels, so that a ``HyperparameterGrid`` groups runs by
/// the *exact* value of each hyperparameter.
///
/// Rules (the same for `gapdb correlate --csv` cells and for values read from a store):
/// - **Numbers compare by exact value**, never through a 64-bit float: `2^70` and `2^70+1`
///   written as decimal integers are two levels; `1`, `1.0`, `1e0`, `+1` and `1.000` are one
///   level (the same number), and so are `0.1` and `0.10`; `-0` is `0`.
/// - A number is decimal text: an optional sign, digits with an optional decimal point, an
///   optional exponent (`e` or `E`, optional sign, digits). Anything else (`0x10`, `1/2`,
///   `1_000`, `sgd`) is **text**, compared exactly (case-sensitive).
/// - `inf`/`infinity` (any case, optional `+`), `-inf`/`-infinity` and `nan` are the three
///   non-finite levels `inf`, `-inf`, `nan`.
/// - A 64-bit real read from a store is its own value: distinct doubles are distinct levels;
///   a real with an integer value (within ±2^63) equals that integer (`2.0` and `2` are one
///   level).
/// - Text that would read as a number (a store's TEXT value `"1"`) stays distinct from the
///   number: its key is the text in double quotes.
///
/// The key is for grouping and display; it is not meant to be parsed back.
public enum GridLevel {
  /// The canonical key of a cell of a text table (CSV): leading and trailing spaces and tabs
  /// are trimmed; empty → `nil` (the run lacks the value); decimal numbers and the non-finite
  /// spellings by value; anything else as text.
  ///
  /// - Complexity: O(length of `text`).
  public static func key(parsing text: String) -> String? {
    let trimmed = trimmed(text)
    if trimmed.isEmpty { return nil }
    if let number = numberKey(trimmed) { return number }
    if let special = nonFiniteKey(trimmed) { return special }
    return textKey(trimmed)
  }

  /// The key of an exact 64-bit integer: its decimal digits.
  public static func key(integer: Int64) -> String { String(integer) }

  /// The key of a 64-bit real: an integer value within ±2^63 as that integer; any other
  /// finite value by its shortest round-trip decimal (distinct doubles give distinct keys);
  /// `inf`, `-inf`, `nan` otherwise.
  public static func key(real: Double) -> String {
    if real.isNaN { return "nan" }
    if real.isInfinite { return real > 0 ? "inf" : "-inf" }
    if real == real.rounded(.towardZero), let i = Int64(exactly: real) { return String(i) }
    // Swift's description is the shortest text that reads back to the same double.
    return numberKey(real.description) ?? real.description
  }

  /// The key of a text value (never a number): the text itself, or the text in double quotes
  /// (inner quotes doubled) when it would otherwise read as a number, a non-finite value or a
  /// quoted text.
  public static func key(text: String) -> String { textKey(text) }

  /// The canonical key of decimal number text, or `nil` when `text` is not a decimal number
  /// (or its exponent is beyond ±10^15, compared as text then).
  ///
  /// The key is the exact value: sign, significant digits and exponent, written positionally
  /// when that takes at most 40 characters (`1180591620717411303425`, `0.001`) and as
  /// `d.ddd…e±N` with every significant digit otherwise.
  /// - Complexity: O(length of `text`).
  public static func numberKey<S: StringProtocol>(_ text: S) -> String? {
    var bytes = Array(text.utf8)[...]
    var negative = false
    if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
      negative = first == UInt8(ascii: "-")
      bytes = bytes.dropFirst()
    }
    var digits: [UInt8] = []  // significant digits, leading zeros dropped
    var exponent = 0  // value = digits × 10^exponent
    var sawDigit = false
    var sawPoint = false
    while let b = bytes.first {
      if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
        sawDigit = true
        if !(digits.isEmpty && b == UInt8(ascii: "0")) { digits.append(b) }
        if sawPoint { exponent -= 1 }
      } else if b == UInt8(ascii: ".") && !sawPoint {
        sawPoint = true
      } else {
        break
      }
      bytes = bytes.dropFirst()
    }
    guard sawDigit else { return nil }
    if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
      bytes = bytes.dropFirst()
      var exponentNegative = false
      if let s = bytes.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") {
        exponentNegative = s == UInt8(ascii: "-")
        bytes = bytes.dropFirst()
      }
      guard !bytes.isEmpty, bytes.count <= 15 else { return nil }
      var value = 0
      for b in bytes {
        guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else { return nil }
        value = value * 10 + Int(b - UInt8(ascii: "0"))
      }
      exponent += exponentNegative ? -value : value
      bytes = bytes[bytes.endIndex...]
    }
    guard bytes.isEmpty else { return nil }
    // Zeros before the point were counted into the exponent only if after it; a leading
    // "0.00" moved the exponent down without adding digits, which is right. Trailing zeros
    // of the significand go into the exponent.
    while digits.last == UInt8(ascii: "0") {
      digits.removeLast()
      exponent += 1
    }
    if digits.isEmpty { return "0" }
    return format(negative: negative, digits: digits, exponent: exponent)
  }

  /// `inf`, `-inf` or `nan` for the usual spellings of the non-finite values, else `nil`.
  static func nonFiniteKey<S: StringProtocol>(_ text: S) -> String? {
    switch text.lowercased() {
    case "inf", "+inf", "infinity", "+infinity": return "inf"
    case "-inf", "-infinity": return "-inf"
    case "nan", "+nan", "-nan": return "nan"
    default: return nil
    }
  }

  static func textKey(_ text: String) -> String {
    let ambiguous = text.hasPrefix("\"") || numberKey(text) != nil || nonFiniteKey(text) != nil
    guard ambiguous else { return text }
    var quoted = "\""
    for c in text { quoted += c == "\"" ? "\"\"" : String(c) }
    return quoted + "\""
  }

  static func trimmed(_ text: String) -> String {
    var s = Substring(text)
    while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
    while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
    return String(s)
  }

  private static func format(negative: Bool, digits: [UInt8], exponent: Int) -> String {
    let k = digits.count
    let sign = negative ? "-" : ""
    let text = String(decoding: digits, as: UTF8.self)
    let pointPosition = k + exponent  // digits before the decimal point
    if exponent >= 0 && pointPosition <= 40 {
      return sign + text + String(repeating: "0", count: exponent)
    }
    if exponent < 0 && pointPosition > 0 && k + 1 <= 40 {
      let cut = text.index(text.startIndex, offsetBy: pointPosition)
      return sign + text[..<cut] + "." + text[cut...]
    }
    if exponent < 0 && pointPosition <= 0 && 2 - pointPosition + k <= 40 {
      return sign + "0." + String(repeating: "0", count: -pointPosition) + text
    }
    let rest = text.dropFirst()
    return sign + text.prefix(1) + (rest.isEmpty ? "" : "." + rest) + "e" + String(pointPosition - 1)
  }
}
