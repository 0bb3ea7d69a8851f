import ArgumentParser
import ResultsStore
import TabularOutput

/// `gapdb init DB`: create a store, or upgrade an existing one to this tool's schema.
struct InitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init",
    abstract: "Create a gapdb store, or upgrade an existing one to the current schema.",
    discussion: """
      Creates the SQLite file if it does not exist, switches it to WAL mode and applies every \
      pending migration of schema/ (each once, in its own transaction). Running it again is \
      harmless. Fails if the file is not a gapdb store, was written by a newer gapdb, or holds \
      an applied migration that differs from this tool's copy. Prints a note on stderr.

      Examples:
        gapdb init runs.sqlite
      """)

  @Argument(help: "The store to create or upgrade (a .sqlite file).")
  var database: String

  func run() throws {
    let oldVersion: Int64 =
      {
        guard let before = try? Database(path: database, mode: .readOnly) else { return 0 }
        return (try? before.scalar(sql: "PRAGMA user_version").int64Value) ?? 0
      }() ?? 0
    _ = try openStore(database, readOnly: false, creating: true)
    let latest = SchemaMigrator.embedded.latestVersion
    if oldVersion == Int64(latest) {
      writeStandardError("\(database): up to date (schema version \(latest))\n")
    } else {
      writeStandardError("\(database): schema version \(oldVersion) -> \(latest)\n")
    }
  }
}
