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
/// Only `creating` openings (`gapdb init`, `train`) may make a new store: for every other
/// command a missing or 0-byte file is refused (a typo in the path must not silently make an
/// empty store). A writable opening first checks that this user may write the store, its
/// `-wal`/`-shm` files and its folder (``checkStoreIsWritable(_:)``).
///
/// - Parameters:
///   - path: The store path given on the command line.
///   - readOnly: Open with `SQLITE_OPEN_READONLY` (the file must exist).
///   - creating: Create (and migrate) the store when the file does not exist; only for a
///     writable opening.
/// - Returns: The connection.
/// - Throws: ``CommandError`` naming the path (a directory, a missing or empty file, a store
///   this user cannot write, an SQLite failure); `MigrationError` (its text has a hint).
func openStore(_ path: String, readOnly: Bool, creating: Bool = false) throws -> Database {
  if path.isEmpty {
    try exitingWithUsageCode {
      throw CommandUsageError(
        "the store path is an empty string", hint: "give the path of a .sqlite file.")
    }
  }
  var isDirectory: ObjCBool = false
  let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
  if exists && isDirectory.boolValue {
    throw CommandError(
      "\(path) is a directory, not a gapdb store",
      hint: "pass the path of a .sqlite file, e.g. \((path as NSString).appendingPathComponent("runs.sqlite")).")
  }
  let mayCreate = creating && !readOnly
  if !mayCreate && !exists {
    throw CommandError(
      "no such database: \(path)", hint: "create it with `gapdb init \(path)`, or check the path.")
  }
  if !mayCreate && fileSize(path) == 0 {
    // SQLite reads a 0-byte file as an empty database; "schema version 0" would puzzle.
    throw CommandError(
      "\(path) is an empty file (0 bytes), not a gapdb store",
      hint: "make it a store with `gapdb init \(path)`, or check the path.")
  }
  if !readOnly { try checkStoreIsWritable(path) }
  do {
    return try Database(storePath: path, readOnly: readOnly)
  } catch MigrationError.notAGapdbFile(_, let applicationID) where !mayCreate {
    // The library's hint offers "a path that does not exist yet", which only commands that
    // create a store accept.
    throw CommandError(
      "\(path) is an SQLite database but not a gapdb store (application_id \(applicationID))",
      hint: "pass a file made by `gapdb init` (this command does not create stores); to query any SQLite file, use sqlite3.")
  } catch let error as DatabaseError where !readOnly && error.isReadOnly {
    throw readOnlyStoreError(error, path: path)
  } catch let error as DatabaseError
    where readOnly && error.message.contains("readonly database") && !folderIsWritable(of: path)
  {
    // A WAL-mode store needs its -shm file: SQLite must create it beside the store, even to
    // read, unless it already exists.
    throw CommandError(
      "cannot read \(path): SQLite must create \(path)-shm beside this WAL-mode store, "
        + "but the folder \(folder(of: path)) is read-only for you",
      hint: "copy the store to a folder you may write to (cp \(path) /tmp/) and read the copy.")
  } catch let error as DatabaseError {
    // Database's own opening errors already start with "cannot open <path>: ".
    let prefix = "cannot open \(path): "
    throw CommandError(
      error.message.hasPrefix(prefix) ? error.message : prefix + error.message,
      hint: "check that the path is a gapdb store and that you may read (and write) it.")
  }
}

/// The size of the file at `path` in bytes, or `nil` if it cannot be read (missing, say).
func fileSize(_ path: String) -> UInt64? {
  (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? UInt64
}

/// The folder holding `path` (`.` for a bare file name).
func folder(of path: String) -> String {
  let folder = (path as NSString).deletingLastPathComponent
  return folder.isEmpty ? "." : folder
}

/// Whether the current user may create files in the folder holding `path`.
func folderIsWritable(of path: String) -> Bool {
  FileManager.default.isWritableFile(atPath: folder(of: path))
}

/// Runs `body`, turning a `DatabaseError` into a ``CommandError`` with SQLite's message and a
/// hint fitting the failure.
///
/// - Parameters:
///   - writablePath: The store's path when it was opened for writing (`gapdb sql --write`,
///     `mark-stale`): an `SQLITE_READONLY` error then comes from the file system, and the
///     error says which file or folder is read-only (``readOnlyStoreError(_:path:)``) instead
///     of suggesting `--write`.
///   - body: The work.
func translatingDatabaseErrors<T>(writablePath: String? = nil, _ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as DatabaseError {
    if let path = writablePath, error.isReadOnly {
      throw readOnlyStoreError(error, path: path)
    }
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

/// Whether two paths name the same existing file (same device and inode, so links and
/// different spellings such as `./runs.sqlite` count); `false` when either does not exist.
func isSameFile(_ a: String, _ b: String) -> Bool {
  var sa = stat()
  var sb = stat()
  guard !a.isEmpty, !b.isEmpty, stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
}
