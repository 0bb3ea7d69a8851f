/// The output formats shared by every gapdb command that prints rows.
///
/// - `table`: aligned columns for people (numbers right-aligned), the default.
/// - `csv`: RFC 4180 (fields with `,` `"` CR or LF are quoted, quotes doubled), CRLF-free
///   (`\n` line ends), header line unless `--no-headers`.
/// - `tsv`: tab-separated; tabs and newlines inside a value are written as `\t` and `\n`.
/// - `json`: one array of objects, streamed; `[]` when there are no rows.
/// - `jsonl`: one object per line (JSON Lines).
///
/// Numbers: integers exactly; doubles in Swift's shortest round-trip text (`0.1`, `1e-300`).
/// Non-finite doubles: `NaN`, `inf`, `-inf` in table/CSV/TSV; JSON has no spelling for them,
/// so JSON and JSON Lines write `null` (commands that know a value's kind print it in a
/// separate column).
public enum OutputFormat: String, Sendable, CaseIterable {
  case table, csv, tsv, json, jsonl
}

/// A destination for text; `print`-like, so tests can capture output in memory.
public protocol TextSink: AnyObject {
  /// Appends `text` as is (no newline added).
  func write(_ text: String)
}

/// Writes to standard output through a buffer; call ``flush()`` (or let it deinit) at the end.
public final class StandardOutputSink: TextSink {
  private var buffer: [UInt8] = []

  /// Creates a sink that buffers up to 64 KiB before writing to stdout.
  public init() { buffer.reserveCapacity(1 << 16) }

  public func write(_ text: String) {
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= 1 << 16 { flush() }
  }

  /// Writes the buffered bytes to file descriptor 1.
  public func flush() {
    guard !buffer.isEmpty else { return }
    buffer.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = writeStdout(raw.baseAddress! + offset, raw.count - offset)
        if n <= 0 { break }
        offset += n
      }
    }
    buffer.removeAll(keepingCapacity: true)
  }

  deinit { flush() }
}

/// Collects text in memory (for tests and for composing reports).
public final class StringSink: TextSink {
  /// Everything written so far.
  public private(set) var text = ""
  /// Creates an empty sink.
  public init() {}
  public func write(_ text: String) { self.text += text }
}

/// Streams rows in one ``OutputFormat``.
///
/// Call ``begin(columns:)`` once, ``write(_:)`` per row, then ``finish()``. The table format
/// buffers rows to compute column widths; every other format writes each row at once.
/// Duplicate column names are made unique by appending `_2`, `_3`, … (the first keeps its
/// name), so JSON objects never lose a key.
///
/// Example:
/// ```swift
/// let out = StringSink()
/// let writer = RowWriter(format: .csv, sink: out)
/// writer.begin(columns: ["measure", "tau"])
/// writer.write([.text("spec_prod"), .real(0.25)])
/// writer.finish()   // out.text == "measure,tau\nspec_prod,0.25\n"
/// ```
public final class RowWriter {
  /// The format being written.
  public let format: OutputFormat
  /// Whether table/CSV/TSV output starts with a header line.
  public let includeHeaders: Bool
  private let sink: TextSink
  private var columns: [String] = []
  private var jsonKeys: [String] = []
  private var buffered: [[Cell]] = []
  private var rowCount = 0

  /// Creates a writer.
  ///
  /// - Parameters:
  ///   - format: The output format.
  ///   - includeHeaders: Header line for table, CSV and TSV (ignored by JSON formats).
  ///   - sink: Where the text goes.
  public init(format: OutputFormat, includeHeaders: Bool = true, sink: TextSink) {
    self.format = format
    self.includeHeaders = includeHeaders
    self.sink = sink
  }

  /// Starts the output with the given column names.
  ///
  /// - Parameter columns: Column names in order; duplicates are renamed `name_2`, ….
  public func begin(columns: [String]) {
    self.columns = RowWriter.uniqued(columns)
    jsonKeys = self.columns.map(jsonStringLiteral)
    switch format {
    case .csv where includeHeaders:
      sink.write(self.columns.map(csvField).joined(separator: ",") + "\n")
    case .tsv where includeHeaders:
      sink.write(self.columns.map(tsvField).joined(separator: "\t") + "\n")
    case .json:
      sink.write("[")
    default:
      break
    }
  }

  /// Writes one row.
  ///
  /// - Parameter row: One cell per column given to ``begin(columns:)``; a short row is padded
  ///   with NULLs, extra cells are ignored.
  public func write(_ row: [Cell]) {
    var row = row
    if row.count < columns.count {
      row += Array(repeating: .null, count: columns.count - row.count)
    }
    switch format {
    case .table:
      buffered.append(row)
    case .csv:
      sink.write(row.prefix(columns.count).map { csvField($0.plainText) }.joined(separator: ",") + "\n")
    case .tsv:
      sink.write(row.prefix(columns.count).map { tsvField($0.plainText) }.joined(separator: "\t") + "\n")
    case .json:
      sink.write((rowCount == 0 ? "\n" : ",\n") + jsonObject(row))
    case .jsonl:
      sink.write(jsonObject(row) + "\n")
    }
    rowCount += 1
  }

  /// Ends the output (closes the JSON array, prints the buffered table).
  public func finish() {
    switch format {
    case .json:
      sink.write(rowCount == 0 ? "]\n" : "\n]\n")
    case .table:
      writeTable()
    default:
      break
    }
  }

  // MARK: - Formatting helpers

  static func uniqued(_ names: [String]) -> [String] {
    var seen = Set<String>()
    var result: [String] = []
    for name in names {
      var candidate = name
      var k = 2
      while seen.contains(candidate) {
        candidate = "\(name)_\(k)"
        k += 1
      }
      seen.insert(candidate)
      result.append(candidate)
    }
    return result
  }

  private func jsonObject(_ row: [Cell]) -> String {
    var parts: [String] = []
    parts.reserveCapacity(columns.count)
    for (i, key) in jsonKeys.enumerated() {
      parts.append(key + ": " + jsonValue(row[i]))
    }
    return "{" + parts.joined(separator: ", ") + "}"
  }

  private func writeTable() {
    let texts = buffered.map { $0.prefix(columns.count).map { tableText($0.plainText) } }
    var widths = includeHeaders ? columns.map { displayWidth($0) } : columns.map { _ in 0 }
    for row in texts {
      for (i, t) in row.enumerated() { widths[i] = max(widths[i], displayWidth(t)) }
    }
    func pad(_ s: String, _ w: Int, right: Bool) -> String {
      let fill = String(repeating: " ", count: max(0, w - displayWidth(s)))
      return right ? fill + s : s + fill
    }
    func line(_ cells: [String], numeric: [Bool]) -> String {
      var out: [String] = []
      for (i, c) in cells.enumerated() {
        out.append(pad(c, widths[i], right: numeric[i]))
      }
      var s = out.joined(separator: "  ")
      while s.hasSuffix(" ") { s.removeLast() }
      return s + "\n"
    }
    if includeHeaders {
      // A header sits over its column: right-aligned when the column holds numbers.
      let numericColumns = columns.indices.map { i in
        buffered.contains { $0[i].isNumeric } && !buffered.contains { if case .text = $0[i] { return true } else { return false } }
      }
      sink.write(line(columns, numeric: numericColumns))
      sink.write(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n")
    }
    for (r, row) in texts.enumerated() {
      sink.write(line(row, numeric: buffered[r].prefix(columns.count).map(\.isNumeric)))
    }
  }
}

/// RFC 4180 quoting: quote when the field holds a comma, quote, CR or LF.
func csvField(_ s: String) -> String {
  guard s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
  else { return s }
  var out = "\""
  for scalar in s.unicodeScalars {
    if scalar == "\"" { out += "\"\"" } else { out.unicodeScalars.append(scalar) }
  }
  return out + "\""
}

/// TSV: backslash-escape tab, newline, carriage return and backslash.
func tsvField(_ s: String) -> String {
  var out = ""
  out.reserveCapacity(s.utf8.count)
  for ch in s.unicodeScalars {
    switch ch {
    case "\t": out += "\\t"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\\": out += "\\\\"
    default: out.unicodeScalars.append(ch)
    }
  }
  return out
}

/// Table cells show control characters escaped so rows stay on one line.
func tableText(_ s: String) -> String {
  guard s.unicodeScalars.contains(where: { $0.value < 0x20 }) else { return s }
  return tsvField(s)
}


/// A JSON string literal for `s` (RFC 8259): quotes, backslashes and control characters
/// (U+0000–U+001F) escaped; everything else, non-ASCII included, written as is.
///
/// The one JSON string escaper of gapdb: the recorder's detail/config JSON, sweep files and
/// measure details all use it.
///
/// - Parameter s: Any text.
/// - Returns: The quoted literal, e.g. `"a\"b"` for `a"b`.
/// - Complexity: O(n) in the number of Unicode scalars.
public func jsonStringLiteral(_ s: String) -> String {
  var out = "\""
  for scalar in s.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    default:
      if scalar.value < 0x20 {
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
  }
  return out + "\""
}

/// JSON text of a cell; non-finite doubles become `null` (JSON has no NaN or Infinity).
func jsonValue(_ cell: Cell) -> String {
  switch cell {
  case .null: return "null"
  case .integer(let v): return String(v)
  case .real(let v): return v.isFinite ? v.description : "null"
  case .text(let s): return jsonStringLiteral(s)
  case .blob(let b): return "{\"$base64\": true, \"encoded\": \"\(base64Encode(b))\"}"
  }
}
