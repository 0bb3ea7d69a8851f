import GapdbCSQLite

/// A prepared SQL statement (`sqlite3_stmt`), finalized when released.
///
/// Bind values, then ``step()`` through the rows, reading columns with ``value(at:)`` or the
/// typed accessors; ``execute(_:)`` and ``fetchAll(_:)`` do all of that in one call and reset
/// the statement first, so a statement can be reused for many rows (the recorder's fast path).
///
/// Arguments are checked, never guessed: every run (the first ``step()`` after a reset, a
/// completed run, or a binding) needs every parameter bound since the previous run — by
/// ``bind(_:)`` with exactly ``parameterCount`` values, by ``bind(named:)`` with exactly the
/// statement's names, or one by one with the `bind(…, at:)`/``bind(_:named:)`` methods.
/// Anything else throws a ``DatabaseError`` (`SQLITE_RANGE`) naming the SQL and both counts,
/// instead of SQLite's silent NULLs or the previous run's values.
///
/// The statement keeps its connection's C handle alive (SQLite closes a connection only after
/// its last statement is finalized); it is not thread-safe.
public final class Statement {
  /// The C handle, for package code that reads columns without building values.
  package let handle: OpaquePointer
  /// The SQL text of this statement.
  public let sql: String
  /// The column names of the result, in order (empty for statements without rows).
  public let columnNames: [String]
  /// The number of parameters (`?`, `?NNN`, `:name`, `@name`, `$name`;
  /// `sqlite3_bind_parameter_count`: the largest index, a repeated name counted once).
  public let parameterCount: Int
  /// The binding bookkeeping, in raw memory: class stored properties pay a dynamic
  /// exclusivity check per access (measured: ~10 % of the recorder's CPU time with one per
  /// bind). Slot 0: whether the next ``step()`` starts a run (and so checks the bindings);
  /// slot 1: how many parameters are unbound; slot 1 + i: whether parameter i (1-based) was
  /// bound since the last run began.
  private let tracking: UnsafeMutablePointer<Int>
  private var atStart: Bool {
    get { tracking[0] != 0 }
    set { tracking[0] = newValue ? 1 : 0 }
  }
  private var unboundCount: Int { tracking[1] }

  init(database: Database, handle: OpaquePointer, sql: String) {
    self.handle = handle
    self.sql = sql
    let count = Int(sqlite3_column_count(handle))
    columnNames = (0..<count).map { String(cString: sqlite3_column_name(handle, Int32($0))) }
    parameterCount = Int(sqlite3_bind_parameter_count(handle))
    tracking = .allocate(capacity: parameterCount + 2)
    tracking.initialize(repeating: 0, count: parameterCount + 2)
    tracking[0] = 1
    tracking[1] = parameterCount
  }

  deinit {
    sqlite3_finalize(handle)
    tracking.deallocate()
  }

  /// Whether the statement leaves the database unchanged (`sqlite3_stmt_readonly`).
  ///
  /// `BEGIN`, `COMMIT` and `SELECT` are read-only; `INSERT`, `CREATE`, most pragmas that set
  /// a value, and `ATTACH` are not.
  public var isReadonly: Bool { sqlite3_stmt_readonly(handle) != 0 }

  /// The parameters' names in index order, with their prefix (`:name`); nil for a bare `?`.
  public var parameterNames: [String?] {
    (0..<parameterCount).map { i in
      sqlite3_bind_parameter_name(handle, Int32(i + 1)).map { String(cString: $0) }
    }
  }

  // MARK: - Binding

  /// Resets the statement so it can run again. SQLite keeps the bound values, but the next run
  /// still needs every parameter bound again (see the type's documentation).
  public func reset() { rewind() }

  /// Resets the statement and sets every parameter to NULL and unbound
  /// (`sqlite3_clear_bindings`): the next run needs each one bound.
  public func clearBindings() {
    rewind()
    sqlite3_clear_bindings(handle)
    forgetBindings()
  }

  /// Binds values to parameters 1, 2, … in order, after resetting and clearing old bindings.
  ///
  /// - Parameter values: Exactly one value per parameter (``parameterCount``).
  /// - Throws: ``DatabaseError`` with `SQLITE_RANGE`, naming the SQL and both counts, when
  ///   there are more or fewer values than parameters (nothing is bound then).
  public func bind(_ values: [DatabaseValue]) throws {
    clearBindings()
    guard values.count == parameterCount else {
      throw DatabaseError(
        extendedResultCode: SQLITE_RANGE,
        message: "\(values.count) argument\(values.count == 1 ? "" : "s") given for a statement "
          + "with \(parameterCount) parameter\(parameterCount == 1 ? "" : "s")", sql: sql)
    }
    for (i, value) in values.enumerated() {
      try bind(value, at: i + 1)
    }
  }

  /// Binds values by name, after resetting and clearing old bindings.
  ///
  /// - Parameter arguments: Exactly the statement's parameter names, each with its prefix
  ///   (`:epoch`, `@x`, `$y`) — no more, no fewer.
  /// - Throws: ``DatabaseError`` with `SQLITE_RANGE`, naming the SQL, both counts and the
  ///   missing or unknown names, when the names differ from the statement's, or when the
  ///   statement has a positional (`?`) parameter.
  public func bind(named arguments: [String: DatabaseValue]) throws {
    clearBindings()
    let names = parameterNames
    let declared = Set(names.compactMap { $0 })
    let missing = declared.subtracting(arguments.keys).sorted()
    let unknown = Set(arguments.keys).subtracting(declared).sorted()
    let positional = names.contains(nil)
    guard missing.isEmpty, unknown.isEmpty, !positional else {
      var reasons: [String] = []
      if !missing.isEmpty { reasons.append("missing \(missing.joined(separator: ", "))") }
      if !unknown.isEmpty { reasons.append("no parameter \(unknown.joined(separator: ", "))") }
      if positional { reasons.append("the statement has positional (?) parameters") }
      throw DatabaseError(
        extendedResultCode: SQLITE_RANGE,
        message: "\(arguments.count) named argument\(arguments.count == 1 ? "" : "s") given for a "
          + "statement with \(parameterCount) parameter\(parameterCount == 1 ? "" : "s") ("
          + reasons.joined(separator: "; ") + ")", sql: sql)
    }
    for (name, value) in arguments {
      try bind(value, named: name)
    }
  }

  private func rewind() {
    sqlite3_reset(handle)
    atStart = true
  }

  private func forgetBindings() {
    guard parameterCount > 0 else { return }
    (tracking + 2).update(repeating: 0, count: parameterCount)
    tracking[1] = parameterCount
  }

  @inline(__always) private func markBound(_ index: Int) {
    if index >= 1, index <= parameterCount, tracking[1 + index] == 0 {
      tracking[1 + index] = 1
      tracking[1] -= 1
    }
  }

  /// Throws unless every parameter was bound since the last run began; then starts a run.
  private func checkBindingsAtStart() throws {
    guard unboundCount > 0 else {
      forgetBindings()
      atStart = false
      return
    }
    let names = parameterNames
    let unbound = (0..<parameterCount).filter { tracking[2 + $0] == 0 }.map {
      names[$0] ?? "?\($0 + 1)"
    }
    throw DatabaseError(
      extendedResultCode: SQLITE_RANGE,
      message: "\(parameterCount - unboundCount) of the statement's \(parameterCount) "
        + "parameter\(parameterCount == 1 ? "" : "s") bound; not bound: "
        + unbound.joined(separator: ", "), sql: sql)
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
    markBound(index)
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
    markBound(index)
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
    markBound(index)
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
    markBound(index)
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
  /// - Throws: ``DatabaseError`` (the statement is reset, so it can be retried with the same
  ///   bindings); `SQLITE_RANGE` when a run starts with a parameter not bound since the
  ///   previous run.
  public func step() throws -> Bool {
    if atStart { try checkBindingsAtStart() }
    let rc = sqlite3_step(handle)
    switch rc {
    case SQLITE_ROW: return true
    case SQLITE_DONE:
      atStart = true
      return false
    default:
      let failure = error(rc)
      sqlite3_reset(handle)
      throw failure
    }
  }

  /// Resets, binds `arguments`, and runs to completion, discarding rows.
  ///
  /// - Parameter arguments: Positional values, exactly one per parameter; an empty array runs
  ///   with the values bound one by one (`bind(…, at:)`) since the previous run.
  /// - Throws: ``DatabaseError``; `SQLITE_RANGE` for a wrong number of arguments or a
  ///   parameter left unbound.
  public func execute(_ arguments: [DatabaseValue] = []) throws {
    if arguments.isEmpty { rewind() } else { try bind(arguments) }
    while try step() {}
    rewind()
  }

  /// Resets, binds `arguments`, and collects every row.
  ///
  /// - Parameter arguments: Positional values, exactly one per parameter.
  /// - Returns: The rows in order.
  /// - Throws: ``DatabaseError``; `SQLITE_RANGE` for a wrong number of arguments.
  public func fetchAll(_ arguments: [DatabaseValue] = []) throws -> [Row] {
    try bind(arguments)
    var rows: [Row] = []
    while try step() { rows.append(currentRow()) }
    rewind()
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
