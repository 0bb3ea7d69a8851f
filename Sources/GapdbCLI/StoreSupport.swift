import Foundation
import ResultsStore
import TabularOutput

extension Cell {
  /// The cell for a value read from SQLite (storage class kept; ±Inf stay infinities).
  init(_ value: DatabaseValue) {
    switch value {
    case .null: self = .null
    case .integer(let v): self = .integer(v)
    case .real(let v): self = .real(v)
    case .text(let v): self = .text(v)
    case .blob(let v): self = .blob(v)
    }
  }
}

/// Opens a gapdb store for a command, turning failures into one clear error with a hint.
///
/// - Parameters:
///   - path: The store path given on the command line.
///   - readOnly: Open with `SQLITE_OPEN_READONLY` (the file must exist).
/// - Returns: The connection.
/// - Throws: ``CommandError`` naming the path (a directory, a missing file for a read-only
///   opening, an SQLite failure); `MigrationError` (its text has a hint).
func openStore(_ path: String, readOnly: Bool) throws -> Database {
  var isDirectory: ObjCBool = false
  let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
  if exists && isDirectory.boolValue {
    throw CommandError(
      "\(path) is a directory, not a gapdb store",
      hint: "pass the path of a .sqlite file, e.g. \((path as NSString).appendingPathComponent("runs.sqlite")).")
  }
  if readOnly && !exists {
    throw CommandError(
      "no such database: \(path)", hint: "create it with `gapdb init \(path)`, or check the path.")
  }
  do {
    return try Database(storePath: path, readOnly: readOnly)
  } catch let error as DatabaseError {
    // Database's own opening errors already start with "cannot open <path>: ".
    let prefix = "cannot open \(path): "
    throw CommandError(
      error.message.hasPrefix(prefix) ? error.message : prefix + error.message,
      hint: "check that the path is a gapdb store and that you may read (and write) it.")
  }
}

/// Runs `body`, turning a `DatabaseError` into a ``CommandError`` with SQLite's message and a
/// hint fitting the failure.
func translatingDatabaseErrors<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as DatabaseError {
    throw CommandError(error.message, hint: hint(for: error))
  }
}

private func hint(for error: DatabaseError) -> String {
  let message = error.message
  if message.hasPrefix("no such table") || message.hasPrefix("no such column") {
    return "list the tables, views and columns with `gapdb schema <db>`."
  }
  if message.contains("syntax error") || message.hasPrefix("incomplete input") {
    return "check the SQL near the quoted text; string literals use single quotes."
  }
  if message.contains("readonly") || message.contains("read-only") {
    return "pass --write to allow changes."
  }
  if message.hasSuffix("it is a directory, not an SQLite file") {
    return "pass the path of a .sqlite file, not a folder."
  }
  if message.contains("string or blob too big") {
    return "gapdb caps one value at \(Database.commandLineMaximumValueBytes / 1_048_576) MiB; "
      + "select a part (substr, length) instead of the whole value."
  }
  if error.isBusy {
    return "another process holds a lock for too long; retry when it is done."
  }
  if error.isConstraintViolation {
    return "the change breaks a constraint of the schema (see `gapdb schema <db>`)."
  }
  return "SQLite result code \(error.extendedResultCode)."
}

/// Writes every row of a prepared, bound statement through `writer`.
///
/// - Returns: The number of rows written.
@discardableResult
func writeRows(of statement: Statement, to writer: RowWriter) throws -> Int {
  writer.begin(columns: statement.columnNames)
  var count = 0
  let width = statement.columnNames.count
  while try statement.step() {
    writer.write((0..<width).map { Cell(statement.value(at: $0)) })
    count += 1
  }
  writer.finish()
  return count
}

/// Runs `body`, which writes or creates `path`, turning a file-system failure into one
/// ``CommandError`` naming the path, the cause (missing folder, permission, …) and a hint.
///
/// - Parameters:
///   - path: The file or directory being written.
///   - body: The writing work.
/// - Returns: What `body` returned.
/// - Throws: ``CommandError`` (errors that already are ``CommandError`` pass through).
func writingFile<T>(_ path: String, _ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as CommandError {
    throw error
  } catch {
    let folder = (path as NSString).deletingLastPathComponent
    var isDirectory: ObjCBool = false
    let reason: String
    if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
      reason = "the folder \(folder) does not exist"
    } else if !folder.isEmpty, !isDirectory.boolValue {
      reason = "\(folder) is not a folder"
    } else if !FileManager.default.isWritableFile(atPath: folder.isEmpty ? "." : folder) {
      reason = "permission denied in the folder \(folder.isEmpty ? "." : folder)"
    } else if let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError,
      posix.domain == NSPOSIXErrorDomain
    {
      reason = String(cString: strerror(Int32(posix.code)))
    } else {
      reason = (error as NSError).localizedDescription
    }
    throw CommandError(
      "cannot write \(path): \(reason)",
      hint: "choose a path in an existing folder you may write to (create it with mkdir -p).")
  }
}
