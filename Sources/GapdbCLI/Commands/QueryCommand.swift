import ArgumentParser
import ResultsStore
import StatisticsSQL
import TabularOutput

/// `gapdb query`: run one of the canned queries shipped in `queries/`.
struct QueryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "query",
    abstract: "Run a canned query (queries/*.sql, built into gapdb) against a store.",
    discussion: """
      Parameters are bound with -p NAME VALUE, typed as in `gapdb sql`: a decimal integer \
      within 64 bits binds as INTEGER, a decimal real (or inf/-inf) as REAL, anything else \
      (0x10, nan) as TEXT; int:, real: and text: prefixes choose the type (text:0x10) \
      (--text-params binds every value as TEXT). Parameters marked optional in --list \
      (NAME?) are NULL when not given, which the query reads as "all" or as the default its \
      description states (runs: stale_after_s = 600, as `gapdb runs`); the others are \
      required. An unknown query name, a missing required or an unknown parameter, and a \
      parameter given twice are usage errors (exit code 64). \
      The store is opened read-only. See queries/README.md.

      Examples:
        gapdb query --list
        gapdb query learning_curves runs.db -p run_id 3
        gapdb query final_measures_vs_gap runs.db -p experiment width-sweep -p measure spec_prod --csv
        gapdb query width_sweep runs.db -p experiment width-sweep
        gapdb query runs runs.db -p stale_after_s 3600
      """)

  @Flag(help: "List the canned queries with their titles and parameters.")
  var list = false

  @Argument(help: "The query's name (see --list).")
  var name: String?

  @Argument(help: "The gapdb store.")
  var database: String?

  @Option(
    name: [.customShort("p"), .customLong("param")], parsing: .upToNextOption,
    help: ArgumentHelp("A parameter: -p NAME VALUE (repeatable).", valueName: "name value"))
  var parameters: [String] = []

  @Flag(help: "Bind every -p value as TEXT.")
  var textParams = false

  @OptionGroup var output: OutputOptions

  init() {}

  mutating func validate() throws {
    if list { return }
    guard name != nil, database != nil else {
      throw ValidationError("Give a query name and a store, e.g. `gapdb query learning_curves runs.db -p run_id 1`, or --list.")
    }
    if let database { try validateNonEmptyPath(database, "<database>") }
    try validateParameterWords(parameters)
  }

  func run() throws {
    // The statistics aggregates (kendall_tau, …) are the statistics module's to add.
    StatisticsSQLFunctions.installOnEveryConnection()
    let sink = StandardOutputSink()
    defer { sink.flush() }
    if list {
      let writer = output.makeWriter(sink: sink)
      writer.begin(columns: ["name", "title", "params", "description"])
      for q in CannedQuery.all {
        writer.write([
          .text(q.name), .text(q.title),
          .text(q.declaredParameters.map { q.optionalParameters.contains($0) ? $0 + "?" : $0 }
            .joined(separator: ", ")),
          .text(q.description),
        ])
      }
      writer.finish()
      return
    }
    guard let name, let database else { return }
    // An unknown name is a mistake on the command line (usage, exit code 64), found before
    // the store is opened.
    let query = try exitingWithUsageCode { () throws -> CannedQuery in
      guard let query = CannedQuery.named(name) else {
        throw CommandUsageError(
          "no canned query named \"\(name)\"",
          hint: "available: \(CannedQuery.all.map(\.name).joined(separator: ", ")) (gapdb query --list).")
      }
      return query
    }
    let db = try openStore(database, readOnly: true)
    try exitingWithUsageCode {
      try translatingDatabaseErrors {
        try runCannedQuery(
          query, on: db, parameters: parameters, textParameters: textParams,
          writer: output.makeWriter(sink: sink))
      }
    }
  }
}

/// Binds `-p` values and streams a canned query's rows to `writer`.
///
/// - Parameters:
///   - query: The query.
///   - db: An open store.
///   - parameters: Alternating names and values (`-p` words).
///   - textParameters: Bind every value as TEXT instead of typed (``typedValue(_:name:)``).
///   - writer: Where the rows go.
/// - Throws: ``CommandUsageError`` (exit code 64) for an unknown or missing parameter;
///   `DatabaseError` from SQLite.
func runCannedQuery(
  _ query: CannedQuery, on db: Database, parameters: [String], textParameters: Bool = false,
  writer: RowWriter
) throws {
  let statement = try db.makeStatement(sql: query.sql)
  let actual = statement.parameterNames.compactMap { $0 }.map { String($0.dropFirst()) }
  let optional = query.optionalParameters
  let usage = actual.map { optional.contains($0) ? "[-p \($0) VALUE]" : "-p \($0) VALUE" }
    .joined(separator: " ")
  var given: [String: DatabaseValue] = [:]
  var k = 0
  while k + 1 < parameters.count {
    let key = parameters[k].hasPrefix(":") ? String(parameters[k].dropFirst()) : parameters[k]
    guard actual.contains(key) else {
      throw CommandUsageError(
        "the query \(query.name) has no parameter \"\(key)\"",
        hint: actual.isEmpty ? "it takes no parameters" : "its parameters: \(usage)")
    }
    given[key] = textParameters ? .text(parameters[k + 1]) : try typedValue(parameters[k + 1], name: key)
    k += 2
  }
  for key in actual {
    if let value = given[key] {
      try statement.bind(value, named: ":" + key)
    } else if optional.contains(key) {
      try statement.bind(.null, named: ":" + key)
    } else {
      throw CommandUsageError(
        "the query \(query.name) needs the parameter \"\(key)\"", hint: "usage: gapdb query \(query.name) STORE \(usage)")
    }
  }
  try writeRows(of: statement, to: writer)
}
