import Foundation
import SQLiteCore
import Testing

@Suite struct StatementTests {
  func memory() throws -> Database { try Database(path: ":memory:") }

  @Test func specialDoubles_roundTripExceptNaN() throws {
    let db = try memory()
    try db.execute(sql: "CREATE TABLE t (x REAL) STRICT")
    let values: [Double] = [
      .infinity, -.infinity, 0.1 + 0x1p-50, 1e-300, .leastNonzeroMagnitude,
      .greatestFiniteMagnitude,
    ]
    for v in values { try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [.real(v)]) }
    let back = try db.fetchAll(sql: "SELECT x FROM t ORDER BY rowid").map { $0[0] }
    #expect(back.count == values.count)
    for (stored, original) in zip(back, values) {
      #expect(stored.doubleValue?.bitPattern == original.bitPattern, "\(original)")
    }
    // SQLite stores a REAL with an integral value compactly and loses the sign of −0.0.
    try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [.real(-0.0)])
    #expect(
      try db.scalar(sql: "SELECT x FROM t ORDER BY rowid DESC LIMIT 1").doubleValue?.bitPattern == 0
    )
    // SQLite stores a bound NaN as NULL: this is why the schema records NaN separately.
    try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [.real(.nan)])
    #expect(try db.scalar(sql: "SELECT x FROM t ORDER BY rowid DESC LIMIT 1") == .null)
  }

  @Test func integersTextBlobs_roundTrip() throws {
    let db = try memory()
    let row = try #require(
      try db.fetchOne(
        sql: "SELECT ?, ?, ?, ?, ?",
        arguments: [
          .integer(.max), .integer(.min), .text("é 学 \u{0}x"), .blob([0, 255, 1]), .blob([]),
        ]))
    #expect(
      row.values == [
        .integer(.max), .integer(.min), .text("é 学 \u{0}x"), .blob([0, 255, 1]), .blob([]),
      ])
  }

  @Test func namedParameters_discoveredAndBound() throws {
    let db = try memory()
    let statement = try db.makeStatement(sql: "SELECT :a + @b AS s, $c AS c")
    #expect(statement.parameterNames == [":a", "@b", "$c"])
    try statement.bind(.integer(2), named: ":a")
    try statement.bind(.real(0.5), named: "@b")
    try statement.bind(.text("x"), named: "$c")
    #expect(try statement.step())
    #expect(statement.currentRow().values == [.real(2.5), .text("x")])
    #expect(throws: DatabaseError.self) { try statement.bind(.null, named: ":zz") }
  }

  @Test func readonlyFlag_distinguishesReadsFromWrites() throws {
    let db = try memory()
    try db.execute(sql: "CREATE TABLE t (x)")
    #expect(try db.makeStatement(sql: "SELECT * FROM t").isReadonly)
    #expect(try !db.makeStatement(sql: "INSERT INTO t VALUES (1)").isReadonly)
    #expect(try !db.makeStatement(sql: "DROP TABLE t").isReadonly)
  }

  @Test func makeStatement_twoStatements_throws_commentsAllowed() throws {
    let db = try memory()
    #expect(throws: DatabaseError.self) { _ = try db.makeStatement(sql: "SELECT 1; SELECT 2") }
    #expect(throws: DatabaseError.self) { _ = try db.makeStatement(sql: "  -- nothing\n") }
    _ = try db.makeStatement(sql: "SELECT 1; -- trailing comment\n")
  }

  @Test func execute_scriptWithSemicolonsInStringsAndComments() throws {
    let db = try memory()
    try db.execute(
      sql:
        "CREATE TABLE t (x TEXT); -- a; comment\nINSERT INTO t VALUES ('a;b'); INSERT INTO t VALUES (?)",
      arguments: [.text("c")])
    #expect(
      try db.fetchAll(sql: "SELECT x FROM t ORDER BY rowid").map(\.values) == [
        [.text("a;b")], [.text("c")],
      ])
  }

  @Test func databaseError_carriesCodesMessageAndSQL() throws {
    let db = try memory()
    try db.execute(sql: "CREATE TABLE t (x INTEGER NOT NULL)")
    do {
      try db.execute(sql: "INSERT INTO t VALUES (NULL)")
      Issue.record("expected a constraint error")
    } catch let error as DatabaseError {
      #expect(error.resultCode == 19)
      #expect(error.extendedResultCode == 1299)  // SQLITE_CONSTRAINT_NOTNULL
      #expect(error.message == "NOT NULL constraint failed: t.x")
      #expect(
        error.description
          == "SQLite error 19: NOT NULL constraint failed: t.x - while executing `INSERT INTO t VALUES (NULL)`"
      )
      #expect(error.isConstraintViolation)
    }
  }

  @Test func inTransaction_throwingBody_rollsBack() throws {
    let db = try memory()
    try db.execute(sql: "CREATE TABLE t (x)")
    struct Boom: Error {}
    #expect(throws: Boom.self) {
      try db.inTransaction {
        try db.execute(sql: "INSERT INTO t VALUES (1)")
        throw Boom()
      }
    }
    #expect(!db.isInsideTransaction)
    #expect(try db.scalar(sql: "SELECT count(*) FROM t") == .integer(0))
  }

  @Test func readOnlyConnection_refusesWrites() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gapdb-ro-\(UUID().uuidString).sqlite"
    ).path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    do { try Database(path: dir).execute(sql: "CREATE TABLE t (x)") }
    let db = try Database(path: dir, mode: .readOnly)
    #expect(throws: DatabaseError.self) { try db.execute(sql: "INSERT INTO t VALUES (1)") }
  }

  @Test func connectionSetupHook_runsOnEveryNewConnection() throws {
    Database.registerConnectionSetup(name: "statement-tests-cache-size") { db in
      try db.execute(sql: "PRAGMA cache_size = -3210")
    }
    let db = try memory()
    #expect(try db.scalar(sql: "PRAGMA cache_size") == .integer(-3210))
  }

  @Test func busyWriter_secondConnectionRetriesUntilLockReleased() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gapdb-busy-\(UUID().uuidString).sqlite"
    ).path
    defer {
      for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) }
    }
    let first = try Database(path: path)
    try first.execute(sql: "CREATE TABLE t (x)")
    let second = try Database(path: path, busyTimeoutMilliseconds: 1)
    second.busyRetryLimitSeconds = 0.05
    try first.execute(sql: "BEGIN IMMEDIATE")
    // With a 1 ms busy timeout and a 50 ms retry budget, the writer lock is never released.
    #expect(throws: DatabaseError.self) {
      try second.inTransaction { try second.execute(sql: "INSERT INTO t VALUES (1)") }
    }
    try first.execute(sql: "COMMIT")
    try second.inTransaction { try second.execute(sql: "INSERT INTO t VALUES (2)") }
    #expect(try first.scalar(sql: "SELECT x FROM t") == .integer(2))
  }
}
