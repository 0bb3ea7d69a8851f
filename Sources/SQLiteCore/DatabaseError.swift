import GapdbCSQLite

/// An error reported by SQLite: the result codes, SQLite's message and the SQL being run.
///
/// `description` reads
/// `SQLite error 19: NOT NULL constraint failed: epoch_metric.run_id - while executing `INSERT …``.
/// Bound values are never printed (they may be large or private).
public struct DatabaseError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The primary result code (`SQLITE_BUSY` = 5, `SQLITE_CONSTRAINT` = 19, …).
  public var resultCode: Int32 { extendedResultCode & 0xFF }
  /// The extended result code (`SQLITE_CONSTRAINT_FOREIGNKEY` = 787, …).
  public let extendedResultCode: Int32
  /// SQLite's message (`sqlite3_errmsg`), or the generic text of the code.
  public let message: String
  /// The SQL that failed, if any.
  public let sql: String?

  /// Creates an error.
  ///
  /// - Parameters:
  ///   - extendedResultCode: An extended (or primary) SQLite result code.
  ///   - message: What went wrong; defaults to `sqlite3_errstr` of the code.
  ///   - sql: The SQL text being executed.
  public init(extendedResultCode: Int32, message: String? = nil, sql: String? = nil) {
    self.extendedResultCode = extendedResultCode
    self.message = message ?? String(cString: sqlite3_errstr(extendedResultCode))
    self.sql = sql
  }

  /// Whether another connection held a lock (`SQLITE_BUSY` or `SQLITE_LOCKED`).
  public var isBusy: Bool { resultCode == SQLITE_BUSY || resultCode == SQLITE_LOCKED }

  /// Whether SQLite refused to write (`SQLITE_READONLY` and its extended codes): a read-only
  /// connection, or a file, folder, `-wal`/`-shm` file or file system this process may not
  /// write, or a store moved or deleted while open.
  public var isReadOnly: Bool { resultCode == SQLITE_READONLY }

  /// Whether a constraint (NOT NULL, CHECK, UNIQUE, FOREIGN KEY) failed.
  public var isConstraintViolation: Bool { resultCode == SQLITE_CONSTRAINT }

  public var description: String {
    var text = "SQLite error \(resultCode): \(message)"
    if let sql {
      let oneLine = sql.split(whereSeparator: \.isNewline)
        .map { $0.drop(while: { $0 == " " || $0 == "\t" }) }
        .filter { !$0.isEmpty }
        .joined(separator: " ")
      let shown = oneLine.count > 200 ? String(oneLine.prefix(200)) + "…" : oneLine
      text += " - while executing `\(shown)`"
    }
    return text
  }
}
