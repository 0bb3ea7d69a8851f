import ArgumentParser
import Foundation
import ResultsStore
import StatisticsSQL
import TabularOutput

/// `gapdb sql DB "SELECT …"`: run one SQL statement and print its rows.
struct SQLCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sql",
    abstract: "Run one SQL statement against a store and print its rows.",
    discussion: """
      The store is opened read-only (SQLITE_OPEN_READONLY) unless --write is given, and a \
      statement that would change it is refused before it runs. Even with --write the store \
      must exist (create one with gapdb init): a mistyped path is an error, not a new empty \
      store. One statement per call.
      No statement, several statements, a positional ?, and a missing or unknown -p \
      parameter are usage errors (exit code 64).

      Parameters: write :name in the SQL and pass -p name value (repeatable). A decimal \
      integer within 64 bits (42, -7) binds as INTEGER, a decimal real (0.5, 1e-3) or inf, \
      -inf as REAL, anything else (0x10, nan, names) as TEXT; a decimal integer beyond 64 bits \
      or a real beyond the range of a double is a usage error. Prefix a value to choose its \
      type: int:5, real:99999999999999999999999, text:0x10. --text-params binds every value \
      as TEXT. \
      A value starting with '-' would read as an option: add a leading space (-p x ' -0.5'); \
      spaces around a value are ignored. See queries/README.md.

      A string or blob value larger than 100 MiB (SQLITE_LIMIT_LENGTH) fails with "string or \
      blob too big" instead of filling memory.

      NaN is stored as NULL (see nan_columns and measure_value.value_kind); ±Inf are stored \
      and printed as inf/-inf in table, csv and tsv, and as null in json and jsonl.

      Examples:
        gapdb sql runs.sqlite "SELECT * FROM run_summary"
        gapdb sql runs.sqlite "SELECT run_id, error_gap FROM final_epoch WHERE error_gap > :g" -p g 0.05
        echo "SELECT count(*) AS n FROM run" | gapdb sql runs.sqlite - --json
        gapdb sql runs.sqlite --write "DELETE FROM run WHERE status = 'failed'"
      """)

  @Argument(help: "The gapdb store (a .sqlite file).")
  var database: String

  @Argument(help: "One SQL statement, or - to read it from standard input.")
  var sql: String

  @Option(
    name: [.customShort("p"), .customLong("param")], parsing: .upToNextOption,
    help: ArgumentHelp("A named parameter: -p name value (repeatable).", valueName: "name value"))
  var parameters: [String] = []

  @Flag(help: "Bind every -p value as TEXT instead of guessing INTEGER/REAL/TEXT.")
  var textParams = false

  @Flag(help: "Open the store for writing and allow statements that change it.")
  var write = false

  @OptionGroup var output: OutputOptions

  mutating func validate() throws {
    try validateNonEmptyPath(database, "<database>")
    try validateParameterWords(parameters)
  }

  func run() throws {
    // The statistics aggregates (kendall_tau, …) are the statistics module's to add.
    StatisticsSQLFunctions.installOnEveryConnection()
    var text = sql
    if sql == "-" {
      let data = FileHandle.standardInput.readDataToEndOfFile()
      text = String(decoding: data, as: UTF8.self)
    }
    let db = try openStore(database, readOnly: !write)
    db.limitValueLength(to: Database.commandLineMaximumValueBytes)
    try exitingWithUsageCode {
      try translatingDatabaseErrors(writablePath: write ? database : nil) {
        let statement: Statement
        do {
          statement = try db.makeStatement(sql: text)
        } catch let error as DatabaseError where error.message.hasPrefix("the SQL holds") {
          // No statement or several: the command line is wrong (usage, exit code 64).
          let shown = oneLine(text)
          throw CommandUsageError(
            error.message
              + (!shown.isEmpty
                ? ": " + shown : sql == "-" ? " (standard input is empty)" : " (the SQL is empty)"),
            hint: "pass one statement per call of `gapdb sql`.")
        }
        // A PRAGMA without an argument (`PRAGMA journal_mode`) only reports a setting, though
        // SQLite does not flag every such statement read-only; the store is opened read-only
        // without --write, so SQLite itself refuses any write such a pragma might attempt.
        if !write && !statement.isReadonly && !isArgumentlessPragma(text) {
          throw CommandError(
            "the statement would change the database: " + oneLine(text),
            hint: "pass --write to allow changes.")
        }
        try bindParameters(statement)
        let sink = StandardOutputSink()
        try writeRows(of: statement, to: output.makeWriter(sink: sink))
        sink.flush()
      }
    }
  }

  private func bindParameters(_ statement: Statement) throws {
    var given: [String: String] = [:]
    for i in stride(from: 0, to: parameters.count, by: 2) {
      var name = parameters[i]
      if let first = name.first, ":@$".contains(first) { name.removeFirst() }
      // Typed on purpose: untyped, `given[name] = parameters[i + 1]` resolved to an overload
      // that stored nil once other modules joined the build (seen after merging main).
      let value: String = parameters[i + 1]
      given[name] = value
    }
    let names = statement.parameterNames
    let declared = names.compactMap { $0.map { String($0.dropFirst()) } }
    for name in given.keys.sorted() where !declared.contains(name) {
      throw CommandUsageError(
        "no parameter :\(name) in the SQL"
          + (declared.isEmpty
            ? "" : " (its parameters: \(declared.map { ":" + $0 }.joined(separator: ", ")))"),
        hint: "write :\(name) in the SQL, or drop -p \(name).")
    }
    for (i, name) in names.enumerated() {
      guard let name else {
        throw CommandUsageError(
          "the SQL uses a positional parameter (?)",
          hint: "use named parameters: :name with -p name value.")
      }
      let key = String(name.dropFirst())
      guard let value = given[key] else {
        throw CommandUsageError("missing parameter \(name)", hint: "pass -p \(key) <value>.")
      }
      try statement.bind(textParams ? .text(value) : typedValue(value, name: key), at: i + 1)
    }
  }
}

/// SQL on one line, shortened for an error message.
func oneLine(_ sql: String) -> String {
  let line = sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
    .joined(separator: " ")
  return line.count > 80 ? String(line.prefix(80)) + "…" : line
}

/// Whether `sql` is `PRAGMA [schema.]name` with no `= value` or `(argument)`: a query of a setting.
func isArgumentlessPragma(_ sql: String) -> Bool {
  var text = Substring(sql.trimmingCharacters(in: .whitespacesAndNewlines))
  while text.last == ";" { text = Substring(text.dropLast().trimmingCharacters(in: .whitespacesAndNewlines)) }
  let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
  guard words.count == 2, words[0].lowercased() == "pragma" else { return false }
  return words[1].allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
}
