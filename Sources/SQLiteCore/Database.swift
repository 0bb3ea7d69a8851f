import Foundation
import GapdbCSQLite
import Synchronization

/// One SQLite connection (the generic layer: no gapdb schema here; see ResultsStore for that).
///
/// Every connection gets, in this order: extended result codes, a busy timeout
/// (``busyTimeoutMilliseconds``), `PRAGMA foreign_keys = ON`, and for writable connections
/// `PRAGMA journal_mode = WAL` and `PRAGMA synchronous = NORMAL` (durable across process
/// crashes; a power loss may drop the last commits, never corrupt the file). Then every hook
/// registered with ``registerConnectionSetup(name:_:)`` runs — that is where SQL functions
/// such as statistics aggregates are added.
///
/// A `Database` is not thread-safe and not `Sendable`: use it from one thread or task at a
/// time, or open one connection per thread (SQLite's WAL mode lets several connections and
/// processes read while one writes).
///
/// Lock contention: SQLite waits up to ``busyTimeoutMilliseconds`` for a lock; on top of that,
/// ``inTransaction(_:_:)`` and ``retryingOnBusy(_:)`` retry `SQLITE_BUSY` with exponential
/// backoff and jitter until ``busyRetryLimitSeconds`` have passed.
public final class Database {
  /// How to open the file.
  public enum OpenMode: Sendable {
    /// `SQLITE_OPEN_READONLY`: every write fails; the file must exist.
    case readOnly
    /// Read and write an existing file.
    case readWrite
    /// Read and write, creating the file if it does not exist.
    case readWriteCreate
  }

  /// The kinds of `BEGIN`.
  public enum TransactionKind: String, Sendable {
    /// `BEGIN DEFERRED`: locks are taken by the first read or write.
    case deferred = "DEFERRED"
    /// `BEGIN IMMEDIATE`: takes the write lock at once (no deadlock on upgrade).
    case immediate = "IMMEDIATE"
    /// `BEGIN EXCLUSIVE`.
    case exclusive = "EXCLUSIVE"
  }

  /// The C handle, for package code that calls SQLite directly (merge backups, fast column
  /// reads, SQL-function registration).
  package let handle: OpaquePointer
  /// The path given at opening (`:memory:` for an in-memory database).
  public let path: String
  /// Whether the connection was opened read-only.
  public let isReadOnly: Bool
  /// Whether a writable opening chose the rollback journal (a single writer on a shared
  /// filesystem) instead of WAL.
  public private(set) var usesRollbackJournal = false
  /// How long SQLite itself waits for a lock before reporting `SQLITE_BUSY`.
  public let busyTimeoutMilliseconds: Int32
  /// How long ``retryingOnBusy(_:)`` keeps retrying after `SQLITE_BUSY`, in seconds.
  public var busyRetryLimitSeconds: Double = 120
  private var statementCache: [String: Statement] = [:]
  private var traceBox: TraceBox?

  /// Opens a connection and configures it (see the type's documentation).
  ///
  /// Shared filesystems: before a writable opening of a file, `fileSystem` tells where it
  /// lives. On a network or cluster filesystem (NFS, SMB/CIFS, Lustre, GPFS, BeeGFS, FUSE, …;
  /// see ``FileSystemKind/sharedMagicNumbers``) WAL mode is unsafe, so the opening is refused
  /// with ``NetworkFileSystemError`` — unless `journal` is
  /// ``StoreJournalPolicy/singleWriterOnSharedFileSystem``, which opens it with a rollback
  /// journal (`DELETE`, `synchronous = FULL`) instead. Read-only openings are never refused.
  ///
  /// - Parameters:
  ///   - path: A file path, or `:memory:`.
  ///   - mode: Read-only, read-write, or read-write-create (default).
  ///   - busyTimeoutMilliseconds: SQLite's own wait for locks (default 5 s).
  ///   - journal: What to do on a shared filesystem (default: from `GAPDB_SINGLE_WRITER`).
  ///   - fileSystem: How the filesystem is found (default `statfs(2)`; tests inject one).
  /// - Throws: ``NetworkFileSystemError``; ``DatabaseError`` if the file cannot be opened (a
  ///   directory, say) or configured (the handle is closed), or whatever a connection-setup
  ///   hook throws.
  public convenience init(
    path: String, mode: OpenMode = .readWriteCreate, busyTimeoutMilliseconds: Int32 = 5_000,
    journal: StoreJournalPolicy = .fromEnvironment, fileSystem: FileSystemProbe = .system
  ) throws {
    try self.init(
      path: path, mode: mode, busyTimeoutMilliseconds: busyTimeoutMilliseconds, journal: journal,
      fileSystem: fileSystem, uriFilenames: false)
  }

  /// The designated opener; `uriFilenames` adds `SQLITE_OPEN_URI` (the merger attaches its
  /// inputs as `file:…?mode=ro` URIs; its output path is made to not look like a URI).
  package init(
    path: String, mode: OpenMode, busyTimeoutMilliseconds: Int32, journal: StoreJournalPolicy,
    fileSystem: FileSystemProbe, uriFilenames: Bool
  ) throws {
    _ = sqliteGlobalSetup
    var flags: Int32 = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
    if uriFilenames { flags |= SQLITE_OPEN_URI }
    switch mode {
    case .readOnly: flags |= SQLITE_OPEN_READONLY
    case .readWrite: flags |= SQLITE_OPEN_READWRITE
    case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
    }
    // SQLite opens a directory lazily and then reports "disk I/O error": say what it is.
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
      throw DatabaseError(
        extendedResultCode: SQLITE_CANTOPEN,
        message: "cannot open \(path): it is a directory, not an SQLite file")
    }
    var useRollbackJournal = false
    if mode != .readOnly, path != ":memory:", !path.isEmpty, let kind = fileSystem.kind(path),
      kind.isShared
    {
      guard journal == .singleWriterOnSharedFileSystem else {
        throw NetworkFileSystemError(path: path, fileSystem: kind)
      }
      useRollbackJournal = true
    }
    var opened: OpaquePointer?
    let rc = sqlite3_open_v2(path, &opened, flags, nil)
    guard rc == SQLITE_OK, let opened else {
      let message = opened.map { String(cString: sqlite3_errmsg($0)) }
      sqlite3_close_v2(opened)
      throw DatabaseError(
        extendedResultCode: rc, message: "cannot open \(path): \(message ?? "unknown error")")
    }
    handle = opened
    self.path = path
    isReadOnly = mode == .readOnly
    self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
    // From here on, a throw runs deinit, which closes the handle.
    try check(sqlite3_extended_result_codes(handle, 1))
    try check(sqlite3_busy_timeout(handle, busyTimeoutMilliseconds))
    try execute(sql: "PRAGMA foreign_keys = ON")
    if !isReadOnly && path != ":memory:" {
      let wanted = useRollbackJournal ? "delete" : "wal"
      try retryingOnBusy {
        let mode = try fetchOne(sql: "PRAGMA journal_mode = \(wanted.uppercased())")?.values.first
        guard case .text(let name)? = mode, name.lowercased() == wanted else {
          throw DatabaseError(
            extendedResultCode: SQLITE_BUSY,
            message: "could not switch \(path) to \(wanted.uppercased()) journal mode "
              + "(got \(String(describing: mode)))")
        }
      }
      try execute(sql: useRollbackJournal ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
    }
    usesRollbackJournal = useRollbackJournal
    for hook in connectionSetupHooks.withLock({ $0 }) {
      try hook.body(self)
    }
  }

  deinit {
    statementCache.removeAll()
    if traceBox != nil { sqlite3_trace_v2(handle, 0, nil, nil) }
    sqlite3_close_v2(handle)
  }

  // MARK: - Connection setup hooks

  /// Registers a hook that runs at the end of every connection's setup, in registration order.
  ///
  /// This is the single place where SQL functions and other per-connection settings are added;
  /// the layer registers none itself. The owner of a function registers it — e.g. the
  /// statistics aggregates (`kendall_tau`, …) by `StatisticsSQLFunctions.installOnEveryConnection()`
  /// in the StatisticsSQL module, called by the front ends that want them (the CLI, tests).
  /// Registering a name again replaces the earlier hook.
  ///
  /// - Parameters:
  ///   - name: A unique name for the hook.
  ///   - body: Called with each new connection; an error aborts the opening.
  public static func registerConnectionSetup(
    name: String, _ body: @escaping @Sendable (Database) throws -> Void
  ) {
    connectionSetupHooks.withLock { hooks in
      if let i = hooks.firstIndex(where: { $0.name == name }) {
        hooks[i] = ConnectionSetupHook(name: name, body: body)
      } else {
        hooks.append(ConnectionSetupHook(name: name, body: body))
      }
    }
  }

  // MARK: - Executing SQL

  /// Executes one or more statements, discarding any rows.
  ///
  /// SQLite splits the text (`sqlite3_prepare_v3` over the tail), so semicolons inside
  /// strings, comments or triggers are fine. Positional `arguments` are consumed in order by
  /// the statements' parameters.
  ///
  /// The number of arguments must equal the statements' parameters in total. A statement that
  /// would run short throws before it runs; surplus arguments throw before the last statement
  /// runs when the rest of the text is blank — after it when a comment follows, so wrap a
  /// multi-statement script in ``inTransaction(_:_:)`` when its arguments come from a user.
  ///
  /// - Parameters:
  ///   - sql: SQL text.
  ///   - arguments: Values for `?`/`:name` parameters, in order of appearance.
  /// - Throws: ``DatabaseError`` naming the statement that failed; `SQLITE_RANGE` naming the
  ///   SQL and both counts when the arguments do not match the parameters.
  public func execute(sql: String, arguments: [DatabaseValue] = []) throws {
    var remaining = arguments[...]
    var parameters = 0
    func mismatch(_ text: String, atLeast: Bool) -> DatabaseError {
      DatabaseError(
        extendedResultCode: SQLITE_RANGE,
        message: "\(arguments.count) argument\(arguments.count == 1 ? "" : "s") given for SQL "
          + "with \(atLeast ? "at least " : "")\(parameters) parameter"
          + "\(parameters == 1 ? "" : "s")",
        sql: text)
    }
    try forEachStatement(in: sql) { statement, isLast in
      let count = statement.parameterCount
      parameters += count
      guard remaining.count >= count else { throw mismatch(sql, atLeast: !isLast) }
      if isLast, remaining.count > count { throw mismatch(sql, atLeast: false) }
      try statement.execute(Array(remaining.prefix(count)))
      remaining = remaining.dropFirst(count)
    }
    if !remaining.isEmpty { throw mismatch(sql, atLeast: false) }
  }

  /// Calls `body` with each statement of `sql`, prepared in turn, and whether only whitespace
  /// follows it (a trailing comment makes that false even for the last statement).
  package func forEachStatement(in sql: String, _ body: (Statement, Bool) throws -> Void) throws {
    let bytes = Array(sql.utf8CString)
    try bytes.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      let end = base + (buffer.count - 1)
      var start = base
      while start < end {
        var prepared: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let rc = sqlite3_prepare_v3(handle, start, Int32(end - start), 0, &prepared, &tail)
        let consumed = tail ?? end
        let text = String(
          decoding: UnsafeRawBufferPointer(start: start, count: consumed - start), as: UTF8.self)
        guard rc == SQLITE_OK else {
          sqlite3_finalize(prepared)
          throw makeError(rc, sql: text)
        }
        start = consumed
        guard let prepared else { continue }  // only whitespace or comments
        let statement = Statement(database: self, handle: prepared, sql: text)
        let restIsBlank = UnsafeBufferPointer(start: consumed, count: end - consumed).allSatisfy {
          $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09
        }
        try body(statement, restIsBlank)
      }
    }
  }

  /// Prepares exactly one statement.
  ///
  /// - Parameter sql: One SQL statement; trailing whitespace and comments are allowed.
  /// - Returns: The prepared statement.
  /// - Throws: ``DatabaseError`` on a syntax error, an empty text, or a second statement.
  public func makeStatement(sql: String) throws -> Statement {
    var found: Statement?
    try forEachStatement(in: sql) { statement, _ in
      if found != nil {
        throw DatabaseError(
          extendedResultCode: SQLITE_MISUSE,
          message: "the SQL holds more than one statement", sql: sql)
      }
      found = statement
    }
    guard let found else {
      throw DatabaseError(
        extendedResultCode: SQLITE_MISUSE, message: "the SQL holds no statement", sql: sql)
    }
    return found
  }

  /// A prepared statement kept for reuse by this connection (reset before it is returned).
  ///
  /// - Parameter sql: One SQL statement.
  /// - Returns: The cached statement, prepared on first use.
  /// - Throws: ``DatabaseError`` as ``makeStatement(sql:)``.
  public func cachedStatement(sql: String) throws -> Statement {
    if let statement = statementCache[sql] {
      statement.reset()
      return statement
    }
    let statement = try makeStatement(sql: sql)
    statementCache[sql] = statement
    return statement
  }

  /// Runs a query and returns all its rows.
  ///
  /// - Parameters:
  ///   - sql: One statement.
  ///   - arguments: Positional parameter values.
  /// - Returns: The rows, in order.
  /// - Throws: ``DatabaseError``.
  public func fetchAll(sql: String, arguments: [DatabaseValue] = []) throws -> [Row] {
    try makeStatement(sql: sql).fetchAll(arguments)
  }

  /// Runs a query and returns its first row, or nil when it has none.
  ///
  /// - Parameters:
  ///   - sql: One statement.
  ///   - arguments: Positional parameter values.
  /// - Returns: The first row, if any.
  /// - Throws: ``DatabaseError``.
  public func fetchOne(sql: String, arguments: [DatabaseValue] = []) throws -> Row? {
    let statement = try makeStatement(sql: sql)
    try statement.bind(arguments)
    guard try statement.step() else { return nil }
    return statement.currentRow()
  }

  /// The first column of the first row, or `.null` when there is no row.
  ///
  /// - Parameters:
  ///   - sql: One statement.
  ///   - arguments: Positional parameter values.
  /// - Returns: The value.
  /// - Throws: ``DatabaseError``.
  public func scalar(sql: String, arguments: [DatabaseValue] = []) throws -> DatabaseValue {
    try fetchOne(sql: sql, arguments: arguments)?.values.first ?? .null
  }

  /// The rowid of the last successful INSERT on this connection.
  public var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

  /// Rows changed by the last INSERT, UPDATE or DELETE.
  public var changesCount: Int { Int(sqlite3_changes64(handle)) }

  /// Whether a transaction is open on this connection.
  public var isInsideTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

  // MARK: - Transactions

  /// Runs `body` inside one transaction: COMMIT if it returns, ROLLBACK if it throws.
  ///
  /// `BEGIN` and `COMMIT` are retried on `SQLITE_BUSY` (see ``retryingOnBusy(_:)``); with the
  /// default `.immediate` kind the write lock is held from the start, so the body itself never
  /// meets `SQLITE_BUSY` from another writer.
  ///
  /// - Parameters:
  ///   - kind: The `BEGIN` kind (default `.immediate`).
  ///   - body: The work; its result is returned.
  /// - Returns: What `body` returned.
  /// - Throws: What `body` threw (after the rollback), or ``DatabaseError``.
  public func inTransaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T)
    throws -> T
  {
    let begin = try cachedStatement(sql: "BEGIN \(kind.rawValue)")
    try retryingOnBusy { try begin.execute() }
    do {
      let result = try body()
      let commit = try cachedStatement(sql: "COMMIT")
      try retryingOnBusy { try commit.execute() }
      return result
    } catch {
      if isInsideTransaction {
        try? cachedStatement(sql: "ROLLBACK").execute()
      }
      throw error
    }
  }

  /// Runs `body`, retrying while it throws a busy ``DatabaseError``.
  ///
  /// Backoff starts at 1 ms and doubles up to 200 ms, each wait randomized by ±50 % so that
  /// processes started together spread out; it stops after ``busyRetryLimitSeconds``.
  ///
  /// - Parameter body: Work that is safe to repeat after `SQLITE_BUSY`.
  /// - Returns: What `body` returned.
  /// - Throws: The last error once the limit has passed, or any non-busy error at once.
  public func retryingOnBusy<T>(_ body: () throws -> T) throws -> T {
    let start = ContinuousClock.now
    var delay = 0.001
    while true {
      do {
        return try body()
      } catch let error as DatabaseError where error.isBusy {
        let elapsed = ContinuousClock.now - start
        if elapsed > .seconds(busyRetryLimitSeconds) { throw error }
        let jittered = delay * Double.random(in: 0.5...1.5)
        Thread.sleep(forTimeInterval: jittered)
        delay = min(delay * 2, 0.2)
      }
    }
  }

  // MARK: - Tracing

  /// Calls `handler` with the text of every statement as it starts running
  /// (`sqlite3_trace_v2` with `SQLITE_TRACE_STMT`); nil removes the handler.
  ///
  /// Meant for tests that assert which SQL ran (one `BEGIN`/`COMMIT` per epoch, a `ROLLBACK`
  /// after a failure).
  ///
  /// - Parameter handler: Receives the unexpanded SQL (parameters not substituted).
  public func trace(_ handler: ((String) -> Void)?) {
    guard let handler else {
      sqlite3_trace_v2(handle, 0, nil, nil)
      traceBox = nil
      return
    }
    let box = TraceBox(handler)
    traceBox = box
    let context = Unmanaged.passUnretained(box).toOpaque()
    sqlite3_trace_v2(
      handle, UInt32(SQLITE_TRACE_STMT),
      { _, context, _, text in
        guard let context, let text else { return 0 }
        let box = Unmanaged<TraceBox>.fromOpaque(context).takeUnretainedValue()
        box.handler(String(cString: text.assumingMemoryBound(to: CChar.self)))
        return 0
      }, context)
  }

  // MARK: - Errors

  package func check(_ rc: Int32, sql: String? = nil) throws {
    guard rc == SQLITE_OK else { throw makeError(rc, sql: sql) }
  }

  package func makeError(_ rc: Int32, sql: String?) -> DatabaseError {
    let current = sqlite3_extended_errcode(handle)
    let message =
      (current & 0xFF) == (rc & 0xFF)
      ? String(cString: sqlite3_errmsg(handle)) : String(cString: sqlite3_errstr(rc))
    return DatabaseError(extendedResultCode: rc, message: message, sql: sql)
  }
}

private final class TraceBox {
  let handler: (String) -> Void
  init(_ handler: @escaping (String) -> Void) { self.handler = handler }
}

private struct ConnectionSetupHook: Sendable {
  let name: String
  let body: @Sendable (Database) throws -> Void
}

// Empty until a front end registers hooks (e.g. the statistics SQL functions).
private let connectionSetupHooks = Mutex<[ConnectionSetupHook]>([])

/// Process-wide SQLite settings, applied once before the first connection opens: memory
/// statistics off (nothing here reads them; they cost a global mutex per allocation).
private let sqliteGlobalSetup: Int32 = gapdb_sqlite3_disable_memstatus()
