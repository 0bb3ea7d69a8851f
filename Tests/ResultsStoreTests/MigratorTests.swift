import Foundation
import ResultsStore
import TestSupport
import Testing

@Suite struct MigratorTests {
  /// The `.sql` files of a repository folder, sorted by name (without `current.sql`).
  func sqlFiles(_ folder: String) throws -> [(name: String, text: String)] {
    let url = repositoryRoot.appendingPathComponent(folder)
    let names = try FileManager.default.contentsOfDirectory(atPath: url.path)
      .filter { $0.hasSuffix(".sql") && $0 != "current.sql" }.sorted()
    return try names.map {
      (
        String($0.dropLast(4)),
        try String(contentsOf: url.appendingPathComponent($0), encoding: .utf8)
      )
    }
  }

  @Test func embeddedSQL_matchesSchemaAndQueryFiles() throws {
    let migrations = try sqlFiles("schema")
    #expect(
      migrations.map(\.name) == SchemaMigrator.embedded.migrations.map(\.name),
      "run python3 scripts/embed_sql.py")
    #expect(
      migrations.map(\.text) == SchemaMigrator.embedded.migrations.map(\.sql),
      "run python3 scripts/embed_sql.py")
    let queries = try sqlFiles("queries")
    #expect(queries.map(\.name) == CannedQuery.all.map(\.name), "run python3 scripts/embed_sql.py")
    #expect(queries.map(\.text) == CannedQuery.all.map(\.sql), "run python3 scripts/embed_sql.py")
  }

  @Test func currentSchemaSnapshot_isUpToDate() throws {
    let db = try Database(path: ":memory:")
    try SchemaMigrator.embedded.migrate(db)
    let committed = try String(
      contentsOf: repositoryRoot.appendingPathComponent("schema/current.sql"), encoding: .utf8)
    #expect(
      try SchemaMigrator.schemaSnapshot(of: db) == committed, "run python3 scripts/embed_sql.py")
  }

  @Test func migrate_emptyFile_passesIntegrityAndForeignKeyChecks() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let db = try Database(storePath: dir.path("a.sqlite"))
    #expect(try db.scalar(sql: "PRAGMA integrity_check") == .text("ok"))
    #expect(try db.fetchAll(sql: "PRAGMA foreign_key_check").isEmpty)
    #expect(
      try db.scalar(sql: "PRAGMA user_version")
        == .integer(Int64(SchemaMigrator.embedded.latestVersion)))
    #expect(try db.scalar(sql: "PRAGMA application_id") == .integer(0x4741_5044))
    #expect(try db.scalar(sql: "PRAGMA journal_mode") == .text("wal"))
    #expect(try db.scalar(sql: "PRAGMA foreign_keys") == .integer(1))
    let applied = Int64(SchemaMigrator.embedded.latestVersion)
    #expect(try db.scalar(sql: "SELECT count(*) FROM schema_migration") == .integer(applied))
    // Opening again applies nothing and still verifies.
    let again = try Database(storePath: dir.path("a.sqlite"))
    #expect(try again.scalar(sql: "SELECT count(*) FROM schema_migration") == .integer(applied))
    let readOnly = try Database(storePath: dir.path("a.sqlite"), readOnly: true)
    #expect(readOnly.isReadOnly)
  }

  @Test func migrator_appliedFileEdited_throws() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    _ = try Database(storePath: dir.path("a.sqlite"))
    var edited = SchemaMigrator.embedded.migrations
    edited[0] = Migration(version: 1, name: edited[0].name, sql: edited[0].sql + "\n-- edited\n")
    let db = try Database(path: dir.path("a.sqlite"))
    #expect {
      try SchemaMigrator(migrations: edited).migrate(db)
    } throws: { error in
      guard case MigrationError.appliedMigrationModified(let name, _, _) = error else {
        return false
      }
      return name == "0001_initial"
    }
  }

  @Test func migrator_databaseNewerThanTool_throws() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("a.sqlite")
    do {
      let db = try Database(storePath: path)
      try db.execute(sql: "PRAGMA user_version = 99")
    }
    let latest = SchemaMigrator.embedded.latestVersion
    for readOnly in [false, true] {
      #expect(throws: MigrationError.databaseNewerThanTool(found: 99, supported: latest)) {
        _ = try Database(storePath: path, readOnly: readOnly)
      }
    }
  }

  @Test func migrator_foreignSQLiteFile_throwsNotAGapdbFile() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("other.sqlite")
    do {
      let db = try Database(path: path)
      try db.execute(sql: "CREATE TABLE t(x)")
    }
    #expect(throws: MigrationError.notAGapdbFile(path: path, applicationID: 0)) {
      _ = try Database(storePath: path)
    }
  }

  @Test func migrator_failingMigration_rollsBackEntirely() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("a.sqlite")
    let latest = SchemaMigrator.embedded.latestVersion
    let broken =
      SchemaMigrator.embedded.migrations + [
        Migration(
          version: latest + 1, name: "9999_broken",
          sql: "CREATE TABLE extra (x INTEGER) STRICT;\nSELECT no_such_function();")
      ]
    let db = try Database(path: path)
    #expect(throws: DatabaseError.self) { try SchemaMigrator(migrations: broken).migrate(db) }
    #expect(try db.scalar(sql: "PRAGMA user_version") == .integer(Int64(latest)))
    #expect(
      try db.scalar(sql: "SELECT count(*) FROM sqlite_schema WHERE name = 'extra'") == .integer(0))
  }

  @Test func readOnlyOpen_olderSchema_throwsOlderThanTool() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("a.sqlite")
    _ = try Database(storePath: path)
    let latest = SchemaMigrator.embedded.latestVersion
    let withNext =
      SchemaMigrator.embedded.migrations + [
        Migration(
          version: latest + 1, name: "9999_next", sql: "CREATE TABLE extra (x INTEGER) STRICT;")
      ]
    let db = try Database(path: path, mode: .readOnly)
    #expect(
      throws: MigrationError.databaseOlderThanTool(found: latest, supported: latest + 1)
    ) {
      try SchemaMigrator(migrations: withNext).verify(db)
    }
    // A writable opening upgrades it.
    let writable = try Database(path: path)
    try SchemaMigrator(migrations: withNext).migrate(writable)
    #expect(try writable.scalar(sql: "PRAGMA user_version") == .integer(Int64(latest + 1)))
  }
}
