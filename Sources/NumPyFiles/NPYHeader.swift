/// The three keys of a `.npy` header dictionary.
struct NPYHeader {
  var descr: String
  var fortranOrder: Bool
  var shape: [Int]
}

/// A value in the header's Python literal.
private indirect enum Literal {
  case string(String), integer(Int), boolean(Bool), none, tuple([Literal]), list([Literal]), dict([(String, Literal)])
}

/// Parses the header dictionary, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
func parseHeader(_ text: String, name: String) throws(NumPyFileError) -> NPYHeader {
  var parser = LiteralParser(chars: Array(text.unicodeScalars))
  let value: Literal
  do { value = try parser.parseValue() } catch { throw .malformedHeader(name: name, reason: error.reason) }
  guard case .dict(let items) = value else { throw .malformedHeader(name: name, reason: "not a dictionary") }
  var descr: String?, fortran: Bool?, shape: [Int]?
  for (key, v) in items {
    switch (key, v) {
    case ("descr", .string(let s)): descr = s
    case ("descr", _): throw .unsupportedDType(name: name, dtype: "structured or non-string descr")
    case ("fortran_order", .boolean(let b)): fortran = b
    case ("shape", .tuple(let dims)):
      var out: [Int] = []
      for d in dims {
        guard case .integer(let n) = d, n >= 0 else { throw .malformedHeader(name: name, reason: "shape has a non-integer or negative entry") }
        out.append(n)
      }
      shape = out
    default: continue
    }
  }
  guard let descr else { throw .malformedHeader(name: name, reason: "missing 'descr'") }
  guard let fortran else { throw .malformedHeader(name: name, reason: "missing or non-boolean 'fortran_order'") }
  guard let shape else { throw .malformedHeader(name: name, reason: "missing 'shape' tuple") }
  return NPYHeader(descr: descr, fortranOrder: fortran, shape: shape)
}

private struct ParseFailure: Error { let reason: String }

private struct LiteralParser {
  let chars: [Unicode.Scalar]
  var i = 0
  /// Open brackets right now; a real header nests 2 deep (dictionary, shape tuple).
  var depth = 0
  /// Deeper nesting is refused: a header of a million `(` must not exhaust the stack.
  static let maximumDepth = 32

  init(chars: [Unicode.Scalar]) { self.chars = chars }

  mutating func skipSpace() {
    while i < chars.count && (chars[i] == " " || chars[i] == "\n" || chars[i] == "\t" || chars[i] == "\r") { i += 1 }
  }

  mutating func expect(_ c: Unicode.Scalar) throws(ParseFailure) {
    skipSpace()
    guard i < chars.count, chars[i] == c else { throw ParseFailure(reason: "expected '\(c)' at offset \(i)") }
    i += 1
  }

  mutating func peek() -> Unicode.Scalar? {
    skipSpace()
    return i < chars.count ? chars[i] : nil
  }

  mutating func parseValue() throws(ParseFailure) -> Literal {
    guard let c = peek() else { throw ParseFailure(reason: "unexpected end of header") }
    switch c {
    case "{":
      i += 1
      depth += 1
      defer { depth -= 1 }
      guard depth <= Self.maximumDepth else { throw ParseFailure(reason: "nested more than \(Self.maximumDepth) deep") }
      var items: [(String, Literal)] = []
      while peek() != "}" {
        guard case .string(let key) = try parseValue() else { throw ParseFailure(reason: "dictionary key is not a string") }
        try expect(":")
        items.append((key, try parseValue()))
        if peek() == "," { i += 1 } else { break }
      }
      try expect("}")
      return .dict(items)
    case "(", "[":
      let close: Unicode.Scalar = c == "(" ? ")" : "]"
      i += 1
      depth += 1
      defer { depth -= 1 }
      guard depth <= Self.maximumDepth else { throw ParseFailure(reason: "nested more than \(Self.maximumDepth) deep") }
      var items: [Literal] = []
      while peek() != close {
        items.append(try parseValue())
        if peek() == "," { i += 1 } else { break }
      }
      try expect(close)
      return c == "(" ? .tuple(items) : .list(items)
    case "'", "\"":
      i += 1
      var s = ""
      while i < chars.count && chars[i] != c {
        s.unicodeScalars.append(chars[i])
        i += 1
      }
      guard i < chars.count else { throw ParseFailure(reason: "unterminated string") }
      i += 1
      return .string(s)
    default:
      var word = ""
      while i < chars.count, chars[i].properties.isAlphabetic || ("0"..."9").contains(chars[i]) || chars[i] == "-" {
        word.unicodeScalars.append(chars[i])
        i += 1
      }
      switch word {
      case "True": return .boolean(true)
      case "False": return .boolean(false)
      case "None": return .none
      default:
        if word.hasSuffix("L") { word.removeLast() }
        guard let n = Int(word) else { throw ParseFailure(reason: "unexpected token '\(word.isEmpty ? String(c) : word)' at offset \(i)") }
        return .integer(n)
      }
    }
  }
}
