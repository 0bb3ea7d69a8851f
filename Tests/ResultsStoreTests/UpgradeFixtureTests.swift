import Foundation
import ResultsStore
import TestSupport
import Testing

/// A store written by each released schema version opens and upgrades to the current one.
/// Fixtures: Tests/Fixtures/store/schema-vN.sqlite (one run with two epochs; made with
/// `gapdb init` and the recorder when version N was current).
@Suite struct UpgradeFixtureTests {
  @Test(arguments: [1])
  func releasedVersionFixture_upgradesToCurrent_keepingData(_ version: Int) throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let copy = dir.path("v\(version).sqlite")
    try FileManager.default.copyItem(
      at: fixtureURL("store/schema-v\(version).sqlite"), to: URL(fileURLWithPath: copy))
    let db = try Database(storePath: copy)
    #expect(
      try db.scalar(sql: "PRAGMA user_version")
        == .integer(Int64(SchemaMigrator.embedded.latestVersion)))
    #expect(try db.scalar(sql: "PRAGMA integrity_check") == .text("ok"))
    #expect(try db.fetchAll(sql: "PRAGMA foreign_key_check").isEmpty)
    #expect(try db.scalar(sql: "SELECT count(*) FROM epoch_metric") == .integer(2))
    #expect(try db.scalar(sql: "SELECT name FROM run") == .text("fixture"))
  }
}
