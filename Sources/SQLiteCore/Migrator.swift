import Foundation
import GapdbCSQLite

/// One numbered schema migration, `schema/NNNN_description.sql`.
public struct Migration: Sendable, Equatable {
  /// The number `NNNN` (1, 2, …); after it is applied, `PRAGMA user_version` equals it.
  public let version: Int
  /// The file name without `.sql`, e.g. `0001_initial`.
  public let name: String
  /// The file's text.
  public let sql: String

  /// Creates a migration.
  public init(version: Int, name: String, sql: String) {
    self.version = version
    self.name = name
    self.sql = sql
  }

  /// FNV-1a 64-bit hash of the UTF-8 text, as 16 lowercase hex digits.
  ///
  /// Not cryptographic: it detects an edited file, not a malicious one.
  public var checksum: String { fnv1a64Hex(sql) }
}

/// Errors of schema versioning.
public enum MigrationError: Error, CustomStringConvertible, Sendable, Equatable {
  /// A migration recorded as applied differs from this tool's copy of the file.
  case appliedMigrationModified(name: String, storedChecksum: String, toolChecksum: String)
  /// The file was migrated by a newer gapdb than this one.
  case databaseNewerThanTool(found: Int, supported: Int)
  /// A read-only opening found an older schema that would need migrating.
  case databaseOlderThanTool(found: Int, supported: Int)
  /// The file is an SQLite database, but not a gapdb store.
  case notAGapdbFile(path: String, applicationID: Int32)
  /// `PRAGMA user_version` and the `schema_migration` table disagree.
  case inconsistentVersion(userVersion: Int, recorded: Int)

  public var description: String {
    switch self {
    case .appliedMigrationModified(let name, let stored, let tool):
      return "migration \(name) was edited after it was applied (checksum in the file: \(stored), "
        + "in this tool: \(tool))\nHint: never edit an applied migration; add a new "
        + "schema/NNNN_*.sql file instead, and rebuild gapdb from the matching source."
    case .databaseNewerThanTool(let found, let supported):
      return "the database has schema version \(found), newer than this gapdb supports "
        + "(\(supported))\nHint: use a newer gapdb to open this file."
    case .databaseOlderThanTool(let found, let supported):
      return "the database has schema version \(found); this gapdb needs \(supported), and the "
        + "file was opened read-only\nHint: run `gapdb init <db>` to upgrade it."
    case .notAGapdbFile(let path, let id):
      return "\(path) is an SQLite database but not a gapdb store (application_id \(id))"
        + "\nHint: pass a file made by `gapdb init`, or a path that does not exist yet."
    case .inconsistentVersion(let userVersion, let recorded):
      return "PRAGMA user_version is \(userVersion) but schema_migration records up to "
        + "\(recorded)\nHint: the file was modified by hand; restore it from a copy."
    }
  }
}

/// Applies numbered migrations, each once, in its own `BEGIN IMMEDIATE` transaction — the
/// generic engine; the gapdb schema's migrations and id live in the gapdb store module
/// (`SchemaMigrator.embedded` in ResultsStore).
///
/// Bookkeeping: the `schema_migration` table (created by the first migration) holds the
/// version, name and checksum of each applied file; `PRAGMA user_version` is the last applied
/// version; `PRAGMA application_id` is ``applicationID``.
///
/// Concurrency: many processes may open a new path at once. Each migration re-reads
/// `user_version` after taking the write lock and skips work another process has done, so the
/// schema is created exactly once and every process succeeds.
public struct SchemaMigrator: Sendable {
  /// The migrations, in order; `migrations[i].version == i + 1`.
  public let migrations: [Migration]
  /// The `PRAGMA application_id` that marks a file as this application's (gapdb's is
  /// `SchemaMigrator.applicationID` in ResultsStore, "GAPD"); a file with another non-zero id is refused.
  public let applicationID: Int32

  /// Creates a migrator for the given migrations.
  ///
  /// - Parameters:
  ///   - migrations: The numbered migrations, in order, versions 1, 2, ….
  ///   - applicationID: The id written to and expected in `PRAGMA application_id`.
  public init(migrations: [Migration], applicationID: Int32) {
    self.migrations = migrations
    self.applicationID = applicationID
  }

  /// The schema version after all migrations.
  public var latestVersion: Int { migrations.count }

  /// Brings a writable database to the latest version, then verifies the checksums.
  ///
  /// - Parameter db: A writable connection.
  /// - Throws: ``MigrationError`` (not a gapdb file, newer than this tool, edited migration)
  ///   or ``DatabaseError``; a failed migration is rolled back entirely.
  public func migrate(_ db: Database) throws {
    for migration in migrations {
      if try Self.readVersion(db) >= migration.version { continue }
      try db.inTransaction(.immediate) {
        let version = try Self.readVersion(db)
        try checkIdentity(db, version: version)
        guard version < migration.version else { return }  // another process applied it
        try db.execute(sql: migration.sql)
        try db.execute(
          sql: """
            INSERT INTO schema_migration (version, name, checksum, applied_at)
            VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            """,
          arguments: [
            .integer(Int64(migration.version)), .text(migration.name), .text(migration.checksum),
          ])
        try db.execute(sql: "PRAGMA application_id = \(applicationID)")
        try db.execute(sql: "PRAGMA user_version = \(migration.version)")
      }
    }
    try verify(db)
  }

  /// Checks, without writing, that the database is a gapdb store at exactly the latest
  /// version whose applied migrations match this build's files.
  ///
  /// - Parameter db: Any connection.
  /// - Throws: ``MigrationError``: not a gapdb file, older or newer than this tool, edited
  ///   migration, inconsistent bookkeeping.
  public func verify(_ db: Database) throws {
    let version = try Self.readVersion(db)
    try checkIdentity(db, version: version)
    if version < latestVersion {
      throw MigrationError.databaseOlderThanTool(found: version, supported: latestVersion)
    }
    let applied = try db.fetchAll(
      sql: "SELECT version, name, checksum FROM schema_migration ORDER BY version")
    var recorded = 0
    for row in applied {
      let number = Int(row[0].int64Value ?? 0)
      recorded = max(recorded, number)
      guard number >= 1, number <= migrations.count else {
        throw MigrationError.databaseNewerThanTool(found: number, supported: latestVersion)
      }
      let stored = row[2].stringValue ?? ""
      let mine = migrations[number - 1]
      if stored != mine.checksum {
        throw MigrationError.appliedMigrationModified(
          name: mine.name, storedChecksum: stored, toolChecksum: mine.checksum)
      }
    }
    if recorded != version || applied.count != version {
      throw MigrationError.inconsistentVersion(userVersion: version, recorded: recorded)
    }
  }

  /// Checks, without writing, that `db` is a gapdb store (any version up to this tool's) or a
  /// blank SQLite file gapdb may adopt — the check a writable opening makes on a read-only
  /// connection before it changes anything (journal mode, pragmas, migrations).
  ///
  /// - Parameter db: Any connection (normally a read-only one).
  /// - Throws: ``MigrationError/notAGapdbFile(path:applicationID:)`` or
  ///   ``MigrationError/databaseNewerThanTool(found:supported:)``; ``DatabaseError`` when the
  ///   file is not an SQLite database at all.
  public func checkIdentity(_ db: Database) throws {
    try checkIdentity(db, version: Self.readVersion(db))
  }

  private func checkIdentity(_ db: Database, version: Int) throws {
    let id = Int32(truncatingIfNeeded: try db.scalar(sql: "PRAGMA application_id").int64Value ?? 0)
    if id == applicationID {
      if version > latestVersion {
        throw MigrationError.databaseNewerThanTool(found: version, supported: latestVersion)
      }
      return
    }
    let objects = try db.scalar(sql: "SELECT count(*) FROM sqlite_schema").int64Value ?? 0
    if id != 0 || version != 0 || objects != 0 {
      throw MigrationError.notAGapdbFile(path: db.path, applicationID: id)
    }
  }

  package static func readVersion(_ db: Database) throws -> Int {
    Int(try db.scalar(sql: "PRAGMA user_version").int64Value ?? 0)
  }

  /// The text of `schema/current.sql` for a migrated database: a header, then every
  /// `sqlite_schema` entry's SQL in creation order, each followed by `;` and a blank line.
  ///
  /// `scripts/embed_sql.py` writes the same text with Python's sqlite3; a test compares them.
  ///
  /// - Parameter db: A migrated connection.
  /// - Returns: The snapshot text.
  /// - Throws: ``DatabaseError``.
  public static func schemaSnapshot(of db: Database) throws -> String {
    let version = try readVersion(db)
    var lines = [
      "-- GENERATED by scripts/embed_sql.py from schema/NNNN_*.sql: do not edit.",
      "-- The full gapdb schema after every migration (schema version \(version)).",
      "-- Read this file; the migrator executes the numbered files.", "",
    ]
    for row in try db.fetchAll(
      sql: "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid")
    {
      lines.append((row[0].stringValue ?? "") + ";")
      lines.append("")
    }
    return lines.joined(separator: "\n")
  }
}

extension Database {
  /// Whether a writable opening of `path` must first check the file's identity on a read-only
  /// connection: the file exists, is not empty, and is not in WAL mode (header byte 18 is not
  /// 2). A WAL file is left to the normal path — switching to WAL changes nothing there, and
  /// the migrator checks the identity before any migration; a read-only probe of a WAL file
  /// would leave `-wal`/`-shm` files behind. Every gapdb store is in WAL mode, so only
  /// foreign, blank or non-SQLite files are probed.
  package static func needsIdentityProbe(_ path: String) -> Bool {
    guard let file = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? file.close() }
    guard let header = try? file.read(upToCount: 100), !header.isEmpty else { return false }
    let isWAL = header.count >= 20 && header.starts(with: Array("SQLite format 3\0".utf8))
      && header[header.startIndex + 18] == 2
    return !isWAL
  }
}

/// FNV-1a 64-bit over the UTF-8 bytes of `text`, as 16 lowercase hex digits.
func fnv1a64Hex(_ text: String) -> String {
  var hash: UInt64 = 0xcbf2_9ce4_8422_2325
  for byte in text.utf8 {
    hash ^= UInt64(byte)
    hash = hash &* 0x0000_0100_0000_01b3
  }
  let digits = String(hash, radix: 16)
  return String(repeating: "0", count: 16 - digits.count) + digits
}
