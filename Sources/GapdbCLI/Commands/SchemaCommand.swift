import ArgumentParser
import ResultsStore
import TabularOutput

/// `gapdb schema [DB]`: print the SQL schema.
struct SchemaCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "schema",
    abstract: "Print the SQL schema of a store, or of this gapdb when no store is given.",
    discussion: """
      Prints every CREATE statement (tables with their column comments, indexes, views) in \
      creation order, after a comment line with the schema version. Works on any SQLite file, \
      including one written by a newer gapdb, and never changes it.

      Examples:
        gapdb schema runs.sqlite
        gapdb schema            # the schema this gapdb creates (schema/current.sql)
      """)

  @Argument(help: "The store to describe; omit it for this tool's own schema.")
  var database: String?

  func run() throws {
    let sink = StandardOutputSink()
    defer { sink.flush() }
    guard let database else {
      let db = try Database(path: ":memory:")
      try SchemaMigrator.embedded.migrate(db)
      sink.write(try SchemaMigrator.schemaSnapshot(of: db))
      return
    }
    if !FileManagerShim.fileExists(database) {
      throw CommandError(
        "no such database: \(database)",
        hint: "check the path, or create it with `gapdb init \(database)`.")
    }
    try translatingDatabaseErrors {
      let db = try Database(path: database, mode: .readOnly)
      let version = try db.scalar(sql: "PRAGMA user_version").int64Value ?? 0
      let appID = try db.scalar(sql: "PRAGMA application_id").int64Value ?? 0
      let isGapdb = appID == Int64(SchemaMigrator.applicationID)
      sink.write(
        "-- \(database): "
          + (isGapdb
            ? "gapdb store, schema version \(version)"
            : "not a gapdb store (application_id \(appID))")
          + "\n\n")
      for row in try db.fetchAll(
        sql: "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid")
      {
        sink.write((row[0].stringValue ?? "") + ";\n\n")
      }
    }
  }
}
