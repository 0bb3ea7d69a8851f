import Foundation
@_exported import SQLiteCore

// The gapdb schema on top of the generic SQLite layer: its id, its migrations (embedded from
// `schema/NNNN_*.sql`), and the one way to open a gapdb store.
//
// `@_exported`: every user of the gapdb store also uses the connection types (`Database`,
// `Row`, `DatabaseValue`, …) — the CLI's `sql`/`query`/`schema` commands are SQLite-only on
// purpose — so importing ResultsStore brings SQLiteCore along, as before the split.

extension SchemaMigrator {
  /// `PRAGMA application_id` of every gapdb store: the ASCII bytes "GAPD".
  public static let applicationID: Int32 = 0x4741_5044

  /// The migrations of this build, from the embedded `schema/` files.
  public static let embedded = SchemaMigrator(
    migrations: EmbeddedSQL.migrations.enumerated().map { index, file in
      Migration(version: index + 1, name: file.name, sql: file.sql)
    })

  /// Creates a migrator for gapdb stores (application id "GAPD") with the given migrations;
  /// tests use this to simulate edited or future migrations.
  ///
  /// - Parameter migrations: The numbered migrations, in order.
  public init(migrations: [Migration]) {
    self.init(migrations: migrations, applicationID: Self.applicationID)
  }
}

extension Database {
  /// Opens a gapdb store.
  ///
  /// Writable (default): creates the file if needed, switches it to WAL, and applies pending
  /// migrations (safe when many processes do it at once). An existing, non-empty file not yet
  /// in WAL mode is first opened read-only and its identity checked (`application_id`,
  /// `user_version`, no foreign tables), so a file that is not a gapdb store is refused
  /// byte-identical — no WAL switch, no `-wal`/`-shm` files. Read-only: the file must exist
  /// and already be at this tool's schema version.
  ///
  /// A writable opening on a network or shared filesystem is refused, or uses a rollback
  /// journal, as `journal` says (see ``init(path:mode:busyTimeoutMilliseconds:journal:fileSystem:)``).
  ///
  /// - Parameters:
  ///   - storePath: The `.sqlite` file.
  ///   - readOnly: Open with `SQLITE_OPEN_READONLY` and never migrate.
  ///   - journal: What to do on a shared filesystem (default: from `GAPDB_SINGLE_WRITER`).
  ///   - fileSystem: How the filesystem is found (default `statfs(2)`).
  /// - Throws: ``NetworkFileSystemError``, ``DatabaseError`` (cannot open) or
  ///   ``MigrationError`` (not a gapdb file, newer than this tool, edited migration, too old
  ///   for a read-only opening).
  public convenience init(
    storePath: String, readOnly: Bool = false, journal: StoreJournalPolicy = .fromEnvironment,
    fileSystem: FileSystemProbe = .system
  ) throws {
    try self.init(
      storePath: storePath, readOnly: readOnly, journal: journal, fileSystem: fileSystem,
      uriFilenames: false)
  }

  package convenience init(
    storePath: String, readOnly: Bool, journal: StoreJournalPolicy, fileSystem: FileSystemProbe,
    uriFilenames: Bool
  ) throws {
    if !readOnly, storePath != ":memory:", let kind = fileSystem.kind(storePath), kind.isShared,
      journal != .singleWriterOnSharedFileSystem
    {
      throw NetworkFileSystemError(path: storePath, fileSystem: kind)
    }
    if !readOnly, storePath != ":memory:", Self.needsIdentityProbe(storePath) {
      let probe = try Database(path: storePath, mode: .readOnly)
      try SchemaMigrator.embedded.checkIdentity(probe)
    }
    try self.init(
      path: storePath, mode: readOnly ? .readOnly : .readWriteCreate, busyTimeoutMilliseconds: 5_000,
      journal: journal, fileSystem: fileSystem, uriFilenames: uriFilenames)
    if readOnly {
      try SchemaMigrator.embedded.verify(self)
    } else {
      try SchemaMigrator.embedded.migrate(self)
    }
  }
}

