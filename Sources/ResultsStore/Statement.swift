import GapdbCSQLite

/// A prepared SQL statement (`sqlite3_stmt`), finalized when released.
///
/// Bind values, then ``step()`` through the rows, reading columns with ``value(at:)`` or the
/// typed accessors; ``execute(_:)`` and ``fetchAll(_:)`` do all of that in one call and reset
/// the statement first, so a statement can be reused for many rows (the recorder's fast path).
///
/// The statement keeps its connection's C handle alive (SQLite closes a connection only after
/// its last statement is finalized); it is not thread-safe.
public final class Statement {
  let handle: OpaquePointer
  /// The SQL text of this statement.
  public let sql: String
  /// The column names of the result, in order (empty for statements without rows).
  public let columnNames: [String]

  init(database: Database, handle: OpaquePointer, sql: String) {
    self.handle = handle
    self.sql = sql
    let count = Int(sqlite3_column_count(handle))
    columnNames = (0..<count).map { String(cString: sqlite3_column_name(handle, Int32($0))) }
  }

  deinit { sqlite3_finalize(handle) }

  /// Whether the statement leaves the database unchanged (`sqlite3_stmt_readonly`).
  ///
  /// `BEGIN`, `COMMIT` and `SELECT` are read-only; `INSERT`, `CREATE`, most pragmas that set
  /// a value, and `ATTACH` are not.
  public var isReadonly: Bool { sqlite3_stmt_readonly(handle) != 0 }

  /// The number of parameters (`?`, `?NNN`, `:name`, `@name`, `$name`).
  public var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }

  /// The parameters' names in index order, with their prefix (`:name`); nil for a bare `?`.
  public var parameterNames: [String?] {
    (0..<parameterCount).map { i in
      sqlite3_bind_parameter_name(handle, Int32(i + 1)).map { String(cString: $0) }
    }
  }

  // MARK: - Binding

  /// Resets the statement so it can run again; bindings are kept.
  public func reset() { sqlite3_reset(handle) }

  /// Binds values to parameters 1, 2, … in order, after resetting and clearing old bindings.
  ///
  /// - Parameter values: One value per parameter (fewer leave the rest NULL).
  /// - Throws: ``DatabaseError`` with `SQLITE_RANGE` when there are more values than
  ///   parameters.
  public func bind(_ values: [DatabaseValue]) throws {
    sqlite3_reset(handle)
    sqlite3_clear_bindings(handle)
    guard values.count <= parameterCount else {
      throw DatabaseError(
        extendedResultCode: SQLITE_RANGE,
        message: "\(values.count) values given for \(parameterCount) parameters", sql: sql)
    }
    for (i, value) in values.enumerated() {
      try bind(value, at: i + 1)
    }
  }

  /// Binds one value.
  ///
  /// - Parameters:
  ///   - value: The value (`.real(.nan)` stores NULL, as SQLite does with NaN).
  ///   - index: The 1-based parameter index.
  /// - Throws: ``DatabaseError`` for a bad index.
  public func bind(_ value: DatabaseValue, at index: Int) throws {
    let i = Int32(index)
    let rc: Int32
    switch value {
    case .null: rc = sqlite3_bind_null(handle, i)
    case .integer(let v): rc = sqlite3_bind_int64(handle, i, v)
    case .real(let v): rc = sqlite3_bind_double(handle, i, v)
    case .text(let s):
      rc = sqlite3_bind_text64(handle, i, s, UInt64(s.utf8.count), transient, UInt8(SQLITE_UTF8))
    case .blob(let b):
      rc = b.withUnsafeBytes { raw in
        sqlite3_bind_blob64(
          handle, i, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), UInt64(raw.count),
          transient)
      }
    }
    guard rc == SQLITE_OK else { throw error(rc) }
  }

  /// Binds a 64-bit integer without building a ``DatabaseValue`` (the recorder's hot path).
  ///
  /// - Parameters:
  ///   - value: The integer.
  ///   - index: The 1-based parameter index.
  /// - Throws: ``DatabaseError`` for a bad index.
  public func bind(int64 value: Int64, at index: Int) throws {
    let rc = sqlite3_bind_int64(handle, Int32(index), value)
    guard rc == SQLITE_OK else { throw error(rc) }
  }

  /// Binds a double, or NULL for nil, without building a ``DatabaseValue``.
  ///
  /// - Parameters:
  ///   - value: The number (NaN is stored as NULL, as SQLite does), or nil for NULL.
  ///   - index: The 1-based parameter index.
  /// - Throws: ``DatabaseError`` for a bad index.
  public func bind(double value: Double?, at index: Int) throws {
    let rc =
      value.map { sqlite3_bind_double(handle, Int32(index), $0) }
      ?? sqlite3_bind_null(handle, Int32(index))
    guard rc == SQLITE_OK else { throw error(rc) }
  }

  /// Binds text (SQLite copies it), or NULL for nil, without building a ``DatabaseValue``.
  ///
  /// - Parameters:
  ///   - value: The text, or nil for NULL.
  ///   - index: The 1-based parameter index.
  /// - Throws: ``DatabaseError`` for a bad index.
  public func bind(text value: String?, at index: Int) throws {
    let i = Int32(index)
    let rc: Int32
    if var value {
      rc = value.withUTF8 { bytes in
        guard let base = bytes.baseAddress else {
          return sqlite3_bind_text64(handle, i, "", 0, transient, UInt8(SQLITE_UTF8))
        }
        return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
          sqlite3_bind_text64(handle, i, $0, UInt64(bytes.count), transient, UInt8(SQLITE_UTF8))
        }
      }
    } else {
      rc = sqlite3_bind_null(handle, i)
    }
    guard rc == SQLITE_OK else { throw error(rc) }
  }

  /// Binds a value to a named parameter.
  ///
  /// - Parameters:
  ///   - value: The value.
  ///   - name: The name with its prefix, e.g. `:epoch`.
  /// - Throws: ``DatabaseError`` if the statement has no such parameter.
  public func bind(_ value: DatabaseValue, named name: String) throws {
    let index = sqlite3_bind_parameter_index(handle, name)
    guard index > 0 else {
      throw DatabaseError(
        extendedResultCode: SQLITE_RANGE, message: "no parameter named \(name)", sql: sql)
    }
    try bind(value, at: Int(index))
  }

  // MARK: - Running

  /// Runs the statement one step.
  ///
  /// - Returns: true when a row is available, false when the statement is done.
  /// - Throws: ``DatabaseError`` (the statement is reset, so it can be retried).
  public func step() throws -> Bool {
    let rc = sqlite3_step(handle)
    switch rc {
    case SQLITE_ROW: return true
    case SQLITE_DONE: return false
    default:
      let failure = error(rc)
      sqlite3_reset(handle)
      throw failure
    }
  }

  /// Resets, binds `arguments`, and runs to completion, discarding rows.
  ///
  /// - Parameter arguments: Positional values (an empty array keeps the current bindings).
  /// - Throws: ``DatabaseError``.
  public func execute(_ arguments: [DatabaseValue] = []) throws {
    if arguments.isEmpty { sqlite3_reset(handle) } else { try bind(arguments) }
    while try step() {}
    sqlite3_reset(handle)
  }

  /// Resets, binds `arguments`, and collects every row.
  ///
  /// - Parameter arguments: Positional values.
  /// - Returns: The rows in order.
  /// - Throws: ``DatabaseError``.
  public func fetchAll(_ arguments: [DatabaseValue] = []) throws -> [Row] {
    try bind(arguments)
    var rows: [Row] = []
    while try step() { rows.append(currentRow()) }
    sqlite3_reset(handle)
    return rows
  }

  /// The row the last ``step()`` produced.
  public func currentRow() -> Row {
    Row(columnNames: columnNames, values: (0..<columnNames.count).map { value(at: $0) })
  }

  // MARK: - Reading columns of the current row

  /// The value of a column of the current row, typed by its storage class.
  ///
  /// - Parameter index: 0-based column index.
  /// - Returns: The value (INTEGER as `.integer`, REAL as `.real` — infinities included).
  public func value(at index: Int) -> DatabaseValue {
    let i = Int32(index)
    switch sqlite3_column_type(handle, i) {
    case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, i))
    case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, i))
    case SQLITE_TEXT:
      guard let text = sqlite3_column_text(handle, i) else { return .text("") }
      let count = Int(sqlite3_column_bytes(handle, i))
      return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
    case SQLITE_BLOB:
      let count = Int(sqlite3_column_bytes(handle, i))
      guard count > 0, let bytes = sqlite3_column_blob(handle, i) else { return .blob([]) }
      return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
    default: return .null
    }
  }

  /// A column as a double; nil for NULL or non-numeric values.
  public func double(at index: Int) -> Double? { value(at: index).doubleValue }

  /// A column as a 64-bit integer; nil unless the value is an INTEGER.
  public func int64(at index: Int) -> Int64? { value(at: index).int64Value }

  /// A column as text; nil unless the value is TEXT.
  public func string(at index: Int) -> String? { value(at: index).stringValue }

  private func error(_ rc: Int32) -> DatabaseError {
    let db = sqlite3_db_handle(handle)
    let message =
      db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
    let code = db.map { sqlite3_extended_errcode($0) } ?? rc
    return DatabaseError(
      extendedResultCode: (code & 0xFF) == (rc & 0xFF) ? code : rc, message: message, sql: sql)
  }
}

/// SQLite's `SQLITE_TRANSIENT`: copy the bound bytes (the macro does not import into Swift).
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One result row: column names and values in order.
public struct Row: Sendable, Hashable {
  /// Column names, in order (may contain duplicates, as SQL allows).
  public let columnNames: [String]
  /// Values, one per column.
  public let values: [DatabaseValue]

  /// Creates a row.
  public init(columnNames: [String], values: [DatabaseValue]) {
    self.columnNames = columnNames
    self.values = values
  }

  /// The value of the first column with this name, or nil if there is no such column.
  public subscript(_ name: String) -> DatabaseValue? {
    columnNames.firstIndex(of: name).map { values[$0] }
  }

  /// The value at a 0-based column index.
  public subscript(_ index: Int) -> DatabaseValue { values[index] }
}
