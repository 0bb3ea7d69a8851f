/// A guard in front of toml++ (through TOMLKit) for the malformed shapes the mutation tests of
/// issue 11 found it does not survive. toml++ 3.x asserts on them (an abort in debug builds)
/// and, with `NDEBUG`, turns the assertion into an optimizer assumption (undefined behaviour in
/// release builds):
/// - a table header whose `[` (or `[[`) and spaces are followed by neither a key character, a
///   quote nor `]` — e.g. `[` at the end of a line, `[=` or `[#`;
/// - a `}` where an array expects a value (`x = [1, }`);
/// - the Unicode line separators U+0085, U+2028, U+2029 outside strings and comments (toml++
///   takes them for whitespace where a value must start).
///
/// The scan follows TOML's lexical structure only as far as needed: comments, the four string
/// forms (`"…"`, `'…'`, `"""…"""`, `'''…'''`, with backslash escapes in basic strings) and
/// bracket depth inside values, so a `[` that starts a line inside a multi-line array is not
/// taken for a header.
enum TOMLPrecheck {
  /// The first header that toml++ cannot be given, as "line N: …", or `nil`.
  /// - Complexity: O(text length).
  static func problem(_ text: String) -> String? {
    let s = Array(text.unicodeScalars)
    var i = 0, line = 1
    var open: [Unicode.Scalar] = []  // brackets and braces open inside a value
    var atStatementStart = true
    func isKeyStart(_ c: Unicode.Scalar) -> Bool {
      ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-"
        || c == "\"" || c == "'" || c == "]"
    }
    func starts(_ p: String, at k: Int) -> Bool {
      let u = Array(p.unicodeScalars)
      return k + u.count <= s.count && Array(s[k..<(k + u.count)]) == u
    }
    while i < s.count {
      let c = s[i]
      if c == "\n" {
        line += 1
        if open.isEmpty { atStatementStart = true }
        i += 1
        continue
      }
      if c == " " || c == "\t" || c == "\r" {
        i += 1
        continue
      }
      if c == "#" {  // comment to the end of the line
        while i < s.count, s[i] != "\n" { i += 1 }
        continue
      }
      if c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}" {
        return "line \(line): the line separator U+\(String(c.value, radix: 16, uppercase: true)) may appear only inside a string"
      }
      if atStatementStart && open.isEmpty && c == "[" {
        var k = i + 1
        if k < s.count, s[k] == "[" { k += 1 }
        while k < s.count, s[k] == " " || s[k] == "\t" { k += 1 }
        if k < s.count, !isKeyStart(s[k]) {
          return "line \(line): a table header's '[' must be followed by a key, e.g. [grid]"
        }
        while i < s.count, s[i] != "\n" { i += 1 }  // a header is one line
        continue
      }
      atStatementStart = false
      if c == "\"" || c == "'" {
        let triple = String(repeating: String(c), count: 3)
        let multiline = starts(triple, at: i)
        i += multiline ? 3 : 1
        while i < s.count {
          if c == "\"" && s[i] == "\\" {
            i += 2
            continue
          }
          if s[i] == "\n" {
            line += 1
            if !multiline { break }
          }
          if multiline ? starts(triple, at: i) : s[i] == c {
            i += multiline ? 3 : 1
            break
          }
          i += 1
        }
        continue
      }
      if c == "[" || c == "{" { open.append(c) }
      if c == "}" && open.last == "[" { return "line \(line): '}' where the array expects a value or ']'" }
      if (c == "]" || c == "}") && !open.isEmpty { open.removeLast() }
      i += 1
    }
    return nil
  }
}
