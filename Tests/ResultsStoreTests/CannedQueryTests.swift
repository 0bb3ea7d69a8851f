import ResultsStore
import Testing

@Suite struct CannedQueryTests {
  @Test func header_parsesTitleDescriptionParams() {
    let query = CannedQuery(
      name: "q",
      sql:
        "-- title: T\n-- description: D: with colon\n-- params: a, :b\nSELECT :a, :b\n-- params: ignored"
    )
    #expect(query.title == "T")
    #expect(query.description == "D: with colon")
    #expect(query.declaredParameters == ["a", "b"])
  }

  @Test func header_crlfLineEndings_parseLikeLF() {
    let query = CannedQuery(
      name: "q", sql: "-- title: T\r\n-- description: D\r\n-- params: a, :b\r\nSELECT :a, :b\r\n")
    #expect(query.title == "T")
    #expect(query.description == "D")
    #expect(query.declaredParameters == ["a", "b"])
  }

  @Test(arguments: CannedQuery.all.map(\.name))
  func everyQuery_preparesReadOnly_withExactlyItsDeclaredParameters(_ name: String) throws {
    let query = try #require(CannedQuery.named(name))
    let db = try Database(path: ":memory:")
    try SchemaMigrator.embedded.migrate(db)
    let statement = try db.makeStatement(sql: query.sql)
    #expect(statement.isReadonly)
    let discovered = Set(statement.parameterNames.map { $0.map { String($0.dropFirst()) } ?? "?" })
    #expect(discovered == Set(query.declaredParameters))
    #expect(!query.title.isEmpty && !query.description.isEmpty)
    #expect(
      !query.sql.uppercased().contains("CAST(:"),
      "parameters are bound typed; see queries/README.md")
  }

  @Test func runsQuery_onEmptyStore_returnsNoRows() throws {
    let db = try Database(path: ":memory:")
    try SchemaMigrator.embedded.migrate(db)
    let statement = try db.makeStatement(sql: try #require(CannedQuery.named("runs")).sql)
    try statement.bind(.real(600), named: ":stale_after_s")
    try statement.bind(.null, named: ":experiment")
    #expect(try statement.step() == false)
  }
}
