import Foundation
import SQLiteCore
import StatisticsSQL
import Testing
import TestSupport

@Suite struct StatisticsFunctionsTests {
  func open() throws -> Database {
    let db = try Database(path: ":memory:")
    try StatisticsSQLFunctions.register(on: db)
    try db.execute(sql: "CREATE TABLE t (grp TEXT, x ANY, y ANY)")
    return db
  }

  /// The functions come from the statistics module's connection-setup hook (the SQLite layer
  /// registers none): once installed, every new connection has them. (Hand value: three
  /// concordant pairs, no ties → τ_b = 1.)
  @Test func installOnEveryConnection_addsTheFunctionsThroughTheSetupHook() throws {
    StatisticsSQLFunctions.installOnEveryConnection()
    let sql = "SELECT kendall_tau(column1, column2) FROM (VALUES (1, 1), (2, 2), (3, 3))"
    #expect(try Database(path: ":memory:").scalar(sql: sql) == .real(1))
  }

  func insert(_ db: Database, _ group: String, _ xs: [DatabaseValue], _ ys: [DatabaseValue]) throws {
    for (x, y) in zip(xs, ys) {
      try db.execute(sql: "INSERT INTO t VALUES (?, ?, ?)", arguments: [.text(group), x, y])
    }
  }

  func real(_ values: [Double]) -> [DatabaseValue] { values.map { .real($0) } }

  func near(_ value: DatabaseValue, _ expected: Double, _ tolerance: Double = 1e-12) -> Bool {
    guard case .real(let v) = value else { return false }
    return abs(v - expected) <= tolerance
  }

  @Test func aggregates_specWorkedExample_matchHandValues() throws {
    let db = try open()
    try insert(db, "a", real([1, 2, 3, 4, 5]), real([0.10, 0.30, 0.20, 0.40, 0.40]))
    let row = try #require(
      try db.fetchOne(
        sql: "SELECT kendall_tau_a(x, y), kendall_tau(x, y), spearman_rho(x, y), pearson_r(x, y) FROM t"))
    #expect(near(row[0], 0.7))
    #expect(near(row[1], 7 / (90.0).squareRoot()))
    #expect(near(row[2], 0.8720815992723809))  // scipy.stats.spearmanr
    #expect(near(row[3], 0.8488746876271654))  // scipy.stats.pearsonr
  }

  @Test func aggregates_groupBy_andSkippedValues() throws {
    let db = try open()
    try insert(db, "good", real([1, 2, 3]), real([0.1, 0.2, 0.3]))
    // NULL, ±Inf and text rows are skipped: the kept pairs are perfectly anti-ordered.
    try insert(
      db, "skips", [.real(1), .null, .real(.infinity), .text("abc"), .real(2), .real(3)],
      [.real(0.9), .real(0.5), .real(0.1), .real(0.2), .real(0.8), .real(-.infinity)])
    try insert(db, "constant", real([2, 2, 2]), real([0.1, 0.2, 0.3]))
    try insert(db, "single", real([1]), real([0.1]))
    let rows = try db.fetchAll(
      sql: "SELECT grp, kendall_tau(x, y), kendall_tau_a(x, y), spearman_rho(x, y), pearson_r(x, y) FROM t GROUP BY grp ORDER BY grp")
    let byGroup = Dictionary(uniqueKeysWithValues: rows.map { ($0[0].stringValue ?? "", $0) })
    #expect(near(try #require(byGroup["good"])[1], 1))
    #expect(near(try #require(byGroup["skips"])[2], -1))
    for name in ["constant", "single"] {
      let row = try #require(byGroup[name])
      #expect(row.values.dropFirst().allSatisfy { $0 == .null }, "\(name): undefined is NULL, not 0")
    }
    #expect(try db.scalar(sql: "SELECT kendall_tau(x, y) FROM t WHERE 0") == .null)
  }

  @Test func aggregates_randomReferenceCase_matchSciPy() throws {
    struct Case: Decodable {
      let name: String
      let x: [Double?]
      let y: [Double?]
      let tau_b: Double?
      let spearman: Double?
    }
    struct File: Decodable { let cases: [Case] }
    let data = try Data(contentsOf: fixtureURL("statistics/correlations.json"))
    // Cases with non-finite values hold strings; decode only the all-numeric ones.
    let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    let cases = (json?["cases"] as? [[String: Any]]) ?? []
    var checked = 0
    for c in cases {
      guard let name = c["name"] as? String, name.hasPrefix("random") || name.hasPrefix("tied"),
        let x = c["x"] as? [Double], let y = c["y"] as? [Double],
        let tauB = c["tau_b"] as? Double, let rho = c["spearman"] as? Double
      else { continue }
      let db = try open()
      try insert(db, name, real(x), real(y))
      let row = try #require(try db.fetchOne(sql: "SELECT kendall_tau(x, y), spearman_rho(x, y) FROM t"))
      #expect(near(row[0], tauB, 1e-9), "\(name)")
      #expect(near(row[1], rho, 1e-9), "\(name)")
      checked += 1
    }
    #expect(checked == 6)
  }

  @Test func aggregates_existOnFileConnections_onceInstalled() throws {
    StatisticsSQLFunctions.installOnEveryConnection()
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let db = try Database(path: dir.path("s.sqlite"))
    #expect(near(try db.scalar(sql: "SELECT kendall_tau_a(column1, column2) FROM (VALUES (1, 2), (2, 3), (3, 1))"), -1.0 / 3))
  }
}
