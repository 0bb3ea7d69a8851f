import Foundation

/// A parsed CSV table: a header row and data rows of text fields.
struct CSVTable {
  /// Column names from the first record.
  var header: [String]
  /// Data records; a record may be shorter than the header (a ragged table).
  var rows: [[String]]
  /// 1-based line number where each data record starts (for error messages).
  var lineNumbers: [Int]
}

/// Errors reading a CSV file.
enum CSVError: Error, CustomStringConvertible {
  case unreadable(path: String, reason: String)
  case empty(path: String)
  case unterminatedQuote(path: String, line: Int)
  case stray(path: String, line: Int, character: String)
  case tooManyFields(path: String, line: Int, count: Int, header: Int)
  case duplicateColumn(path: String, name: String)

  var description: String {
    switch self {
    case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
    case .empty(let path): return "\(path) has no header row"
    case .unterminatedQuote(let path, let line):
      return "\(path): the quoted field starting on line \(line) never ends"
    case .stray(let path, let line, let character):
      return "\(path) line \(line): unexpected \(character) after a quoted field"
    case .tooManyFields(let path, let line, let count, let header):
      return "\(path) line \(line) has \(count) fields, the header has \(header)"
    case .duplicateColumn(let path, let name):
      return "\(path): the column \"\(name)\" appears twice in the header"
    }
  }
}

/// Reads a CSV file per RFC 4180: comma-separated fields, fields optionally enclosed in double
/// quotes (a quote inside is doubled; commas and line breaks inside quotes are data), records
/// ending in CRLF or LF, the first record being the header. A UTF-8 byte-order mark is
/// skipped and blank lines are ignored. Records shorter than the header are kept (missing
/// trailing fields); longer ones are an error.
///
/// - Parameter path: The file path, or `-` for standard input.
/// - Returns: The table.
/// - Throws: ``CSVError`` naming the file and line.
/// - Complexity: O(bytes).
func readCSV(path: String) throws -> CSVTable {
  let data: Data
  do {
    if path == "-" {
      data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    }
  } catch {
    throw CSVError.unreadable(path: path, reason: (error as NSError).localizedDescription)
  }
  return try parseCSV(Array(data), path: path)
}

/// Parses CSV bytes (see ``readCSV(path:)``).
func parseCSV(_ bytes: [UInt8], path: String) throws -> CSVTable {
  var records: [[String]] = []
  var lines: [Int] = []
  var fields: [String] = []
  var field: [UInt8] = []
  var i = 0
  if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
  var line = 1
  var recordLine = 1
  var fieldWasQuoted = false
  let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"),
    lf = UInt8(ascii: "\n")
  func endField() {
    fields.append(String(decoding: field, as: UTF8.self))
    field.removeAll(keepingCapacity: true)
    fieldWasQuoted = false
  }
  func endRecord() {
    endField()
    // A blank line is one empty unquoted field: skip it.
    if !(fields.count == 1 && fields[0].isEmpty) {
      records.append(fields)
      lines.append(recordLine)
    }
    fields.removeAll(keepingCapacity: true)
  }
  var atRecordStart = true
  while i < bytes.count {
    if atRecordStart {
      recordLine = line
      atRecordStart = false
    }
    let b = bytes[i]
    if b == quote && field.isEmpty && !fieldWasQuoted {
      // Quoted field: read to the closing quote.
      let startLine = line
      i += 1
      var closed = false
      while i < bytes.count {
        let c = bytes[i]
        if c == quote {
          if i + 1 < bytes.count && bytes[i + 1] == quote {
            field.append(quote)
            i += 2
            continue
          }
          closed = true
          i += 1
          break
        }
        if c == lf { line += 1 }
        field.append(c)
        i += 1
      }
      if !closed { throw CSVError.unterminatedQuote(path: path, line: startLine) }
      fieldWasQuoted = true
      if i < bytes.count {
        let next = bytes[i]
        if next != comma && next != cr && next != lf {
          throw CSVError.stray(
            path: path, line: line, character: String(decoding: [next], as: UTF8.self))
        }
      }
      continue
    }
    switch b {
    case comma:
      endField()
    case cr:
      if i + 1 < bytes.count && bytes[i + 1] == lf { i += 1 }
      endRecord()
      line += 1
      atRecordStart = true
    case lf:
      endRecord()
      line += 1
      atRecordStart = true
    default:
      field.append(b)
    }
    i += 1
  }
  if !atRecordStart || !field.isEmpty || !fields.isEmpty { endRecord() }
  guard let header = records.first else { throw CSVError.empty(path: path) }
  var seen = Set<String>()
  for name in header {
    if !seen.insert(name).inserted { throw CSVError.duplicateColumn(path: path, name: name) }
  }
  for (k, record) in records.enumerated().dropFirst() where record.count > header.count {
    throw CSVError.tooManyFields(
      path: path, line: lines[k], count: record.count, header: header.count)
  }
  return CSVTable(header: header, rows: Array(records.dropFirst()), lineNumbers: Array(lines.dropFirst()))
}
