import GapdbCSQLite

extension Database {
  /// The largest string or blob, in bytes, a command-line connection lets one SQL value
  /// reach: 100 MiB. gapdb's own values are far smaller (the largest are per-layer weight
  /// summaries); the cap stops ad-hoc SQL such as `SELECT randomblob(1000000000)` from
  /// growing the process to gigabytes. SQLite's own default is 1 GB.
  public static let commandLineMaximumValueBytes: Int32 = 100 * 1024 * 1024

  /// Sets `SQLITE_LIMIT_LENGTH` on this connection (`sqlite3_limit`): a string, blob or row
  /// larger than `bytes` makes the statement fail with `SQLITE_TOOBIG`
  /// ("string or blob too big") instead of being built.
  ///
  /// - Parameter bytes: The new maximum length in bytes (SQLite keeps it at most its
  ///   compile-time `SQLITE_MAX_LENGTH`).
  /// - Returns: The limit now in force, as reported back by SQLite.
  @discardableResult
  public func limitValueLength(to bytes: Int32) -> Int32 {
    sqlite3_limit(handle, SQLITE_LIMIT_LENGTH, bytes)
    return sqlite3_limit(handle, SQLITE_LIMIT_LENGTH, -1)
  }
}
