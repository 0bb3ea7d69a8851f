import Foundation
import ResultsStore

/// The value a `-p NAME VALUE` word binds as (`gapdb sql`, `gapdb query`).
///
/// Untyped words (surrounding spaces ignored when reading a number; TEXT keeps the word as given):
/// - a decimal integer (`42`, `-7`, `+3`, `3000000000`) within 64 bits → INTEGER;
/// - a decimal real (`0.5`, `-.5`, `1e-3`, `2.5E+10`, `7.`) → REAL, as do the spellings
///   `inf`, `+inf`, `-inf`, `infinity` (any case);
/// - anything else → TEXT: hexadecimal (`0x10`), `nan` (SQLite would store a NaN as NULL),
///   names, dates, empty words.
///
/// Words between the two that would silently change are usage errors naming the value: a
/// decimal integer beyond 64 bits (it would become an inexact REAL), a decimal real beyond
/// the range of a double (it would become ±Inf) and a nonzero real below the smallest
/// subnormal double (it would become 0; also for `real:`).
///
/// Typed words pick the storage class explicitly: `int:V` (a decimal integer within 64 bits),
/// `real:V` (a decimal real, hex float, or `inf`/`-inf`; no NaN; `real:1e23` and
/// `real:99999999999999999999999` both bind the nearest double), `text:V` (V exactly, e.g.
/// `text:0x10`, `text:001`, `text:int:5`). Any other `xxx:` prefix is plain text (`12:30`).
///
/// - Parameters:
///   - word: The VALUE word.
///   - name: The parameter's name, for the error message.
/// - Returns: The value to bind.
/// - Throws: ``CommandUsageError`` (exit code 64) for an out-of-range number or a typed word
///   whose value does not read as its type.
func typedValue(_ word: String, name: String) throws -> DatabaseValue {
  if let colon = word.firstIndex(of: ":") {
    let value = String(word[word.index(after: colon)...])
    switch word[..<colon] {
    case "text": return .text(value)
    case "int": return try typedInteger(value, word: word, name: name)
    case "real": return try typedReal(value, word: word, name: name)
    default: break
    }
  }
  let trimmed = word.trimmingCharacters(in: .whitespaces)
  if isDecimalInteger(trimmed) {
    if let integer = Int64(trimmed.hasPrefix("+") ? String(trimmed.dropFirst()) : trimmed) {
      return .integer(integer)
    }
    throw CommandUsageError(
      "-p \(name) \(trimmed): a whole number beyond 64 bits (INTEGER holds -9223372036854775808 "
        + "to 9223372036854775807)",
      hint: "pass real:\(trimmed) to bind the nearest REAL, or text:\(trimmed) to bind the digits as TEXT.")
  }
  if isDecimalReal(trimmed) {
    let real = Double(trimmed) ?? .nan
    if real.isInfinite {
      throw CommandUsageError(
        "-p \(name) \(trimmed): beyond the range of a REAL (a double, up to about 1.8e308)",
        hint: "pass real:\(trimmed.hasPrefix("-") ? "-inf" : "inf") if you mean infinity, or "
          + "text:\(trimmed) to bind the text.")
    }
    try refuseUnderflow(real, text: trimmed, word: trimmed, name: name)
    return .real(real)
  }
  if infinitySpellings.contains(trimmed.lowercased()) {
    return .real(trimmed.hasPrefix("-") ? -.infinity : .infinity)
  }
  return .text(word)
}

private let infinitySpellings: Set<String> = ["inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"]

private func typedInteger(_ value: String, word: String, name: String) throws -> DatabaseValue {
  let trimmed = value.trimmingCharacters(in: .whitespaces)
  if isDecimalInteger(trimmed),
    let integer = Int64(trimmed.hasPrefix("+") ? String(trimmed.dropFirst()) : trimmed)
  {
    return .integer(integer)
  }
  throw CommandUsageError(
    "-p \(name) \(word): \(isDecimalInteger(trimmed) ? "beyond 64 bits" : "not a decimal integer")",
    hint: "int: takes a whole number from -9223372036854775808 to 9223372036854775807; "
      + "use real:… for a REAL or text:… for TEXT.")
}

private func typedReal(_ value: String, word: String, name: String) throws -> DatabaseValue {
  let trimmed = value.trimmingCharacters(in: .whitespaces)
  if infinitySpellings.contains(trimmed.lowercased()) {
    return .real(trimmed.hasPrefix("-") ? -.infinity : .infinity)
  }
  if !trimmed.isEmpty, trimmed.lowercased().contains("nan") == false, let real = Double(trimmed) {
    if real.isInfinite {
      throw CommandUsageError(
        "-p \(name) \(word): beyond the range of a REAL (a double, up to about 1.8e308)",
        hint: "write real:\(trimmed.hasPrefix("-") ? "-inf" : "inf") if you mean infinity.")
    }
    try refuseUnderflow(real, text: trimmed, word: word, name: name)
    return .real(real)
  }
  throw CommandUsageError(
    "-p \(name) \(word): not a real number",
    hint: "real: takes a decimal (0.5, 1e-3), a hex float (0x1p-3) or inf/-inf; NaN cannot be "
      + "bound (SQLite stores it as NULL: write the SQL with NULL instead).")
}

/// The underflow twin of the overflow refusal: a number written with a nonzero digit that
/// reads as ±0 (below the smallest subnormal double, 4.9e-324) would silently bind 0.
/// Subnormals that a double holds (`1e-310`) and zeros as written (`0`, `-0.0`) bind as read.
private func refuseUnderflow(_ real: Double, text: String, word: String, name: String) throws {
  guard real == 0 else { return }
  var t = Substring(text.lowercased())
  if let first = t.first, first == "+" || first == "-" { t = t.dropFirst() }
  let nonzero: Bool
  if t.hasPrefix("0x") {
    nonzero = t.dropFirst(2).prefix { $0 != "p" }.contains { "123456789abcdef".contains($0) }
  } else {
    nonzero = t.prefix { $0 != "e" }.contains { "123456789".contains($0) }
  }
  guard nonzero else { return }
  throw CommandUsageError(
    "-p \(name) \(word): nonzero but below the smallest REAL magnitude (a double, about 4.9e-324); it would bind 0",
    hint: "pass 0 if you mean zero, or text:\(text) to bind the text.")
}

/// `[+-]?[0-9]+`.
func isDecimalInteger(_ s: String) -> Bool {
  var bytes = Substring(s).utf8[...]
  if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
    bytes = bytes.dropFirst()
  }
  return !bytes.isEmpty && bytes.allSatisfy { $0 >= 48 && $0 <= 57 }
}

/// `[+-]?(digits[.digits?]|.digits)([eE][+-]?digits)?` with at least one digit in the mantissa.
func isDecimalReal(_ s: String) -> Bool {
  let b = Array(s.utf8)
  var i = 0
  func digits() -> Int {
    let start = i
    while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
    return i - start
  }
  if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
  var mantissa = digits()
  if i < b.count, b[i] == UInt8(ascii: ".") {
    i += 1
    mantissa += digits()
  }
  guard mantissa > 0 else { return false }
  if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
    i += 1
    if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
    guard digits() > 0 else { return false }
  }
  return i == b.count
}
