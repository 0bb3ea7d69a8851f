/// Command-line words that are negative numbers, kept as option values.
///
/// swift-argument-parser reads any word starting with `-` as an option, so `--epochs -1`
/// failed with "Missing value for '--epochs <epochs>'" instead of the option's own range
/// check. ``joiningNegativeNumberValues(_:)`` rewrites `--name -1` to `--name=-1` before
/// parsing, which the parser reads as the value `-1` of `--name`; the option's validation then
/// reports the real problem ("--epochs must be ≥ 1, got -1").
///
/// Only a long option (`--name`, no `=`) followed by a word that is a negative decimal number
/// (`-1`, `-0.5`, `-.5`, `-1e-3`) or `-inf`/`-infinity` is joined; words after a bare `--`
/// are left alone, as are short options (`-p name -0.5` stays as it is).
///
/// - Parameter arguments: The words after the executable name.
/// - Returns: The words with each such pair joined.
public func joiningNegativeNumberValues(_ arguments: [String]) -> [String] {
  var result: [String] = []
  result.reserveCapacity(arguments.count)
  var index = 0
  while index < arguments.count {
    let word = arguments[index]
    if word == "--" {
      result.append(contentsOf: arguments[index...])
      break
    }
    if word.hasPrefix("--"), word.count > 2, !word.contains("="), index + 1 < arguments.count,
      isNegativeNumber(arguments[index + 1])
    {
      result.append(word + "=" + arguments[index + 1])
      index += 2
      continue
    }
    result.append(word)
    index += 1
  }
  return result
}

/// Whether `word` is `-` followed by an unsigned decimal number (digits with an optional
/// fraction and exponent) or by `inf`/`infinity` (any case).
func isNegativeNumber(_ word: String) -> Bool {
  guard word.hasPrefix("-") else { return false }
  let rest = word.dropFirst()
  if ["inf", "infinity"].contains(rest.lowercased()) { return true }
  var chars = Substring(rest)[...]
  func digits() -> Int {
    let count = chars.prefix(while: { $0.isASCII && $0.isNumber }).count
    chars = chars.dropFirst(count)
    return count
  }
  var mantissa = digits()
  if chars.first == "." {
    chars = chars.dropFirst()
    mantissa += digits()
  }
  guard mantissa > 0 else { return false }
  if let e = chars.first, e == "e" || e == "E" {
    chars = chars.dropFirst()
    if let sign = chars.first, sign == "+" || sign == "-" { chars = chars.dropFirst() }
    guard digits() > 0 else { return false }
  }
  return chars.isEmpty
}

/// Parses a seed option (`--seed`, `--perturb-seed`): an integer 0 … 2⁶⁴−1.
///
/// - Parameter text: The word given on the command line.
/// - Returns: The seed.
/// - Throws: ``SeedArgumentError`` naming the value and the rule.
func parseSeed(_ text: String) throws -> UInt64 {
  guard let seed = UInt64(text) else { throw SeedArgumentError(text: text) }
  return seed
}

/// A seed option's value is not an integer in 0 … 2⁶⁴−1.
struct SeedArgumentError: Error, CustomStringConvertible {
  /// The word given.
  let text: String
  var description: String {
    "seeds are integers ≥ 0 (at most 18446744073709551615), got \(text)"
  }
}
