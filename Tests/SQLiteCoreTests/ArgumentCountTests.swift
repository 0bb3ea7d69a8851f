import SQLiteCore
import Testing

/// A statement run with the wrong number of arguments throws (SQLITE_RANGE, naming the SQL and
/// both counts) and writes nothing — it never binds NULL for a missing value nor reuses the
/// previous run's values.
@Suite struct ArgumentCountTests {
  func table() throws -> Database {
    let db = try Database(path: ":memory:")
    try db.execute(sql: "CREATE TABLE t (a, b)")
    return db
  }

  func rows(_ db: Database) throws -> DatabaseValue { try db.scalar(sql: "SELECT count(*) FROM t") }

  @Test func tooFewPositional_throwsNamingSQLAndCounts() throws {
    let db = try table()
    let sql = "INSERT INTO t VALUES (?, ?)"
    let error = try #require(throws: DatabaseError.self) {
      try db.execute(sql: sql, arguments: [.integer(1)])
    }
    #expect(error.resultCode == 25)  // SQLITE_RANGE
    #expect(error.message == "1 argument given for SQL with 2 parameters", "\(error)")
    #expect(error.sql == sql)
    #expect(try rows(db) == .integer(0))
    // The statement API says the same.
    let statement = try db.makeStatement(sql: sql)
    let direct = try #require(throws: DatabaseError.self) { try statement.execute([.integer(1)]) }
    #expect(direct.message == "1 argument given for a statement with 2 parameters", "\(direct)")
    #expect(throws: DatabaseError.self) { try db.fetchAll(sql: "SELECT ?, ?", arguments: [.null]) }
    #expect(throws: DatabaseError.self) { try db.scalar(sql: "SELECT ?") }
    #expect(try rows(db) == .integer(0))
  }

  @Test func tooManyPositional_throwsBeforeRunning() throws {
    let db = try table()
    let error = try #require(throws: DatabaseError.self) {
      try db.execute(sql: "INSERT INTO t VALUES (?, ?)", arguments: [.integer(1), .integer(2), .integer(3)])
    }
    #expect(error.message == "3 arguments given for SQL with 2 parameters", "\(error)")
    #expect(try rows(db) == .integer(0))
    #expect(throws: DatabaseError.self) { try db.scalar(sql: "SELECT 1", arguments: [.integer(1)]) }
  }

  @Test func multiStatementScript_countsEveryStatementsParameters() throws {
    let db = try table()
    // 1 + 2 parameters: three arguments are right, two or four are not.
    let script = "INSERT INTO t VALUES (?, 0); INSERT INTO t VALUES (?, ?);"
    #expect(throws: DatabaseError.self) {
      try db.execute(sql: script, arguments: [.integer(1), .integer(2), .integer(3), .integer(4)])
    }
    // The surplus is found before the last statement runs; the first one has run.
    #expect(try rows(db) == .integer(1))
    try db.execute(sql: "DELETE FROM t")
    let short = try #require(throws: DatabaseError.self) {
      try db.execute(sql: script, arguments: [.integer(1), .integer(2)])
    }
    #expect(short.message == "2 arguments given for SQL with 3 parameters", "\(short)")
    try db.execute(sql: "DELETE FROM t")
    try db.execute(sql: script, arguments: [.integer(1), .integer(2), .integer(3)])
    #expect(try rows(db) == .integer(2))
  }

  @Test func rerunWithoutArguments_doesNotReuseThePreviousValues() throws {
    let db = try table()
    let insert = try db.makeStatement(sql: "INSERT INTO t VALUES (?, ?)")
    try insert.execute([.integer(1), .integer(2)])
    let error = try #require(throws: DatabaseError.self) { try insert.execute() }
    #expect(error.message == "0 of the statement's 2 parameters bound; not bound: ?1, ?2", "\(error)")
    // Binding one by one is fine when every parameter is bound again …
    try insert.bind(int64: 3, at: 1)
    try insert.bind(double: 4, at: 2)
    try insert.execute()
    // … and names the one left out otherwise.
    try insert.bind(int64: 5, at: 1)
    let partial = try #require(throws: DatabaseError.self) { try insert.execute() }
    #expect(partial.message == "1 of the statement's 2 parameters bound; not bound: ?2", "\(partial)")
    #expect(
      try db.fetchAll(sql: "SELECT a, b FROM t ORDER BY rowid").map(\.values)
        == [[.integer(1), .integer(2)], [.integer(3), .real(4)]])
  }

  @Test func steppingAQueryAgainAfterItIsDone_needsNewBindings() throws {
    let db = try Database(path: ":memory:")
    let query = try db.makeStatement(sql: "SELECT ?")
    try query.bind([.integer(7)])
    #expect(try query.step())
    #expect(query.value(at: 0) == .integer(7))
    #expect(try !query.step())
    #expect(throws: DatabaseError.self) { try query.step() }
  }

  @Test func namedArguments_mustMatchTheStatementsNames() throws {
    let db = try table()
    let insert = try db.makeStatement(sql: "INSERT INTO t VALUES (:a, :b)")
    let missing = try #require(throws: DatabaseError.self) { try insert.bind(named: [":a": .integer(1)]) }
    #expect(
      missing.message == "1 named argument given for a statement with 2 parameters (missing :b)",
      "\(missing)")
    let unknown = try #require(throws: DatabaseError.self) {
      try insert.bind(named: [":a": .integer(1), ":b": .integer(2), ":c": .integer(3)])
    }
    #expect(
      unknown.message == "3 named arguments given for a statement with 2 parameters (no parameter :c)",
      "\(unknown)")
    // One named value bound by hand leaves the other unbound: running throws.
    try insert.bind(.integer(1), named: ":a")
    #expect(throws: DatabaseError.self) { try insert.execute() }
    try insert.bind(named: [":a": .integer(1), ":b": .text("x")])
    try insert.execute()
    #expect(try db.fetchAll(sql: "SELECT a, b FROM t").map(\.values) == [[.integer(1), .text("x")]])
    // A name used twice is one parameter.
    #expect(try db.makeStatement(sql: "SELECT :x + :x").parameterCount == 1)
  }
}
