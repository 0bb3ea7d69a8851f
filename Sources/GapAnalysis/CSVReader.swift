import Foundation

/// A parsed CSV table: a header row and data rows of text fields.
public struct CSVTable: Sendable {
  /// Column names from the first record.
  public var header: [String]
  /// Data records; a record may be shorter than the header (a ragged table).
  public var rows: [[String]]
  /// 1-based line number where each data record starts (for error messages).
  public var lineNumbers: [Int]
}

/// Errors reading a CSV file.
public enum CSVError: Error, CustomStringConvertible {
  case unreadable(path: String, reason: String)
  /// The file has no bytes at all (`/dev/null`, an empty file, empty standard input).
  case empty(path: String)
  /// The file has bytes but no record: only blank lines (or a byte-order mark).
  case blank(path: String)
  /// NUL bytes: a binary file; `sqlite` when it starts with SQLite's header.
  case binary(path: String, sqlite: Bool)
  case unterminatedQuote(path: String, line: Int)
  case stray(path: String, line: Int, character: String)
  case tooManyFields(path: String, line: Int, count: Int, header: Int)
  case duplicateColumn(path: String, name: String)

  public var description: String {
    switch self {
    case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
    case .empty(let path):
      return path == "-" ? "standard input (--csv -) is empty" : "the CSV file \(path) is empty"
    case .blank(let path):
      return "\(csvName(path)) holds only blank lines: no header row"
    case .binary(let path, let sqlite):
      return sqlite
        ? "\(csvName(path)) is an SQLite database, not a CSV file"
        : "\(csvName(path)) is a binary file (it holds NUL bytes), not a CSV file"
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

  /// What to do about it.
  public var hint: String {
    switch self {
    case .unreadable:
      return "check the path given to --csv: it must name a readable CSV file (or - for standard input)."
    case .empty, .blank:
      return "the file needs a header row naming the columns, then one row per run."
    case .binary(let path, true):
      return "a gapdb store is read without --csv: gapdb correlate \(path)"
    default:
      return "the file must be CSV (RFC 4180) with a header row."
    }
  }
}

/// How messages name a CSV source: its path, or "standard input" for `-`.
private func csvName(_ path: String) -> String {
  path == "-" ? "standard input (--csv -)" : path
}

/// Reads a CSV file per RFC 4180: comma-separated fields, fields optionally enclosed in double
/// quotes (a quote inside is doubled; commas and line breaks inside quotes are data), records
/// ending in CRLF or LF, the first record being the header. A UTF-8 byte-order mark is
/// skipped and blank lines are ignored. Records shorter than the header are kept (missing
/// trailing fields); longer ones are an error.
///
/// The file is read as a stream, so character devices and pipes (`/dev/null`,
/// `<(command)`) work like regular files.
///
/// - Parameter path: The file path, or `-` for standard input.
/// - Returns: The table.
/// - Throws: ``CSVError`` naming the file and line: a missing, unreadable or directory path,
///   an empty or blank file, a binary file, malformed CSV.
/// - Complexity: O(bytes).
public func readCSV(path: String) throws -> CSVTable {
  let data: Data
  if path == "-" {
    data = FileHandle.standardInput.readDataToEndOfFile()
  } else {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw CSVError.unreadable(path: path, reason: "no such file")
    }
    if isDirectory.boolValue {
      throw CSVError.unreadable(path: path, reason: "it is a directory, not a CSV file")
    }
    // Not Data(contentsOf:): on Linux it fails on /dev/null with a misleading "permission"
    // message. open(2) gives the real cause (errno) for an unreadable file.
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else {
      throw CSVError.unreadable(path: path, reason: String(cString: strerror(errno)).lowercased())
    }
    let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    do {
      data = try handle.readToEnd() ?? Data()
    } catch {
      throw CSVError.unreadable(path: path, reason: (error as NSError).localizedDescription)
    }
  }
  let bytes = Array(data)
  if bytes.isEmpty { throw CSVError.empty(path: path) }
  if bytes.contains(0) {
    throw CSVError.binary(path: path, sqlite: bytes.starts(with: Array("SQLite format 3\0".utf8)))
  }
  return try parseCSV(bytes, path: path)
}

/// Parses CSV bytes (see ``readCSV(path:)``).
public func parseCSV(_ bytes: [UInt8], path: String) throws -> CSVTable {
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
  guard let header = records.first else {
    throw bytes.isEmpty ? CSVError.empty(path: path) : CSVError.blank(path: path)
  }
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
