import Foundation
import ResultsStore
import TestSupport
import Testing

/// Migration 0002 rebuilds `measure_value` without its foreign key to the catalogue; triggers
/// on `measure` keep the old cascades.
@Suite struct MeasureValueMigrationTests {
  @Test func upgradeFromVersion1_keepsEveryValueAndKind() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("v1.sqlite")
    let v1 = try makeVersion1Store(path)
    #expect(try v1.scalar(sql: "PRAGMA user_version") == .integer(1))
    let db = try Database(storePath: path)
    #expect(
      try db.scalar(sql: "PRAGMA user_version")
        == .integer(Int64(SchemaMigrator.embedded.latestVersion)))
    #expect(try db.scalar(sql: "PRAGMA integrity_check") == .text("ok"))
    #expect(try db.fetchAll(sql: "PRAGMA foreign_key_check").isEmpty)
    let rows = try db.fetchAll(
      sql: "SELECT epoch, measure_id, value, value_kind, detail FROM measure_value ORDER BY epoch, measure_id")
    #expect(rows.map(\.values) == [
      [.integer(0), .text("a"), .real(0.1), .text("finite"), .null],
      [.integer(0), .text("b"), .null, .text("nan"), .null],
      [.integer(3), .text("a"), .real(.infinity), .text("+inf"), .null],
      [.integer(3), .text("b"), .real(-.infinity), .text("-inf"), .text(#"{"k":1}"#)],
      [.integer(3), .text("c"), .null, .text("undefined"), .text(#"{"reason":"single unit"}"#)],
    ])
    // The recreated view still pairs the last epoch's values with the gap (0.375 − 0.125).
    let final = try db.fetchAll(
      sql: "SELECT measure_id, error_gap FROM final_measure_value ORDER BY measure_id")
    #expect(final.map(\.values) == [
      [.text("a"), .real(0.25)], [.text("b"), .real(0.25)], [.text("c"), .real(0.25)],
    ])
    // The value_kind CHECK is still there.
    #expect(throws: DatabaseError.self) {
      try db.execute(
        sql: "INSERT INTO measure_value (run_id, epoch, measure_id, value, value_kind) VALUES (7, 0, 'c', NULL, 'finite')")
    }
  }

  /// A store at schema version 1 (written by this build's first migration only) holding one
  /// run, two epochs and values of every kind.
  func makeVersion1Store(_ path: String) throws -> Database {
    let db = try Database(path: path)
    try SchemaMigrator(migrations: [SchemaMigrator.embedded.migrations[0]]).migrate(db)
    try db.execute(sql: "INSERT INTO measure (id, name) VALUES ('c', 'C')")
    try db.execute(
      sql: """
        INSERT INTO experiment (id, name, created_at) VALUES (1, 'e', '2026-01-01T00:00:00.000Z');
        INSERT INTO run (id, experiment_id, uuid, name, started_at, heartbeat_at, host)
          VALUES (7, 1, '00000000-0000-0000-0000-000000000007', 'r', '2026-01-01T00:00:00.000Z',
                  '2026-01-01T00:00:00.000Z', 'h');
        INSERT INTO epoch_metric (run_id, epoch, step, test_error, train_error, recorded_at)
          VALUES (7, 0, 0, 0.5, 0.25, 'x'), (7, 3, 30, 0.375, 0.125, 'x');
        INSERT INTO measure (id, name) VALUES ('a', 'A'), ('b', 'B');
        INSERT INTO measure_value (run_id, epoch, measure_id, value, value_kind, detail) VALUES
          (7, 0, 'a', 0.1, 'finite', NULL),
          (7, 0, 'b', NULL, 'nan', NULL),
          (7, 3, 'a', 9e999, '+inf', NULL),
          (7, 3, 'b', -9e999, '-inf', '{"k":1}'),
          (7, 3, 'c', NULL, 'undefined', '{"reason":"single unit"}');
        """)
    return db
  }

  @Test func catalogueTriggers_cascadeDeleteAndRename_epochForeignKeyStays() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("v1.sqlite")
    _ = try makeVersion1Store(path)
    let db = try Database(storePath: path)
    func ids() throws -> [DatabaseValue] {
      try db.fetchAll(sql: "SELECT measure_id FROM measure_value ORDER BY epoch, measure_id")
        .map { $0[0] }
    }
    try db.execute(sql: "UPDATE measure SET id = 'a2' WHERE id = 'a'")
    #expect(try ids() == [.text("a2"), .text("b"), .text("a2"), .text("b"), .text("c")])
    try db.execute(sql: "DELETE FROM measure WHERE id = 'b'")
    #expect(try ids() == [.text("a2"), .text("a2"), .text("c")])
    // A value still needs its epoch (foreign key to epoch_metric) …
    #expect(throws: DatabaseError.self) {
      try db.execute(
        sql: "INSERT INTO measure_value (run_id, epoch, measure_id, value, value_kind) VALUES (7, 1, 'c', 1, 'finite')")
    }
    // … and deleting the epoch deletes its values.
    try db.execute(sql: "DELETE FROM epoch_metric WHERE epoch = 3")
    #expect(try ids() == [.text("a2")])
    // The documented trade-off: a hand-written value of an uncatalogued id is accepted now,
    // and the documented query finds it.
    try db.execute(
      sql: "INSERT INTO measure_value (run_id, epoch, measure_id, value, value_kind) VALUES (7, 0, 'zz', 1, 'finite')")
    #expect(
      try db.scalar(
        sql: "SELECT group_concat(measure_id) FROM measure_value WHERE measure_id NOT IN (SELECT id FROM measure)")
        == .text("zz"))
  }
}
