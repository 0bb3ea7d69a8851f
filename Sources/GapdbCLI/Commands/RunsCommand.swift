import ArgumentParser
import ResultsStore
import RunRecorder
import TabularOutput

/// `gapdb runs DB`: one line per run (backed by `queries/runs.sql`).
struct RunsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "runs",
    abstract: "List the runs of a store: state, final metrics and hyperparameters.",
    discussion: """
      One line per run, from the canned query queries/runs.sql. Columns: id, experiment, name, \
      state, epoch (last recorded), step, train_loss, test_loss (nats), train_error, \
      test_error (fractions), error_gap (test_error - train_error), nan_columns (which of the \
      final metrics were NaN), hyperparameters (a JSON object; reals in the shortest text \
      that reads back to the same double), heartbeat_at, host and pid (the recording \
      process).

      state is the stored status (running, finished, failed, diverged), except that a \
      running run whose last heartbeat is older than --stale-after seconds is shown as \
      stale: its process most likely died. A run whose recording process is still alive on \
      this host (same pid and process start time) is never stale. `gapdb mark-stale` marks \
      stale runs failed.

      Examples:
        gapdb runs runs.sqlite
        gapdb runs runs.sqlite --experiment sweep-A --json
        gapdb runs runs.sqlite --state stale
      """)

  @Argument(help: "The gapdb store (a .sqlite file).")
  var database: String

  @Option(help: "Only runs of this experiment.")
  var experiment: String?

  @Option(help: "Only runs in this state: running, stale, finished, failed or diverged.")
  var state: RunState?

  @Option(help: "Seconds without a heartbeat after which a running run shows as stale.")
  var staleAfter: Double = 600

  @OptionGroup var output: OutputOptions

  enum RunState: String, ExpressibleByArgument, CaseIterable {
    case running, stale, finished, failed, diverged
  }

  mutating func validate() throws {
    try validateNonEmptyPath(database, "<database>")
    if !(staleAfter >= 0) || staleAfter.isInfinite {
      throw ValidationError(
        "--stale-after must be a finite number of seconds ≥ 0; got \(staleAfter).")
    }
  }

  func run() throws {
    let db = try openStore(database, readOnly: true)
    guard let query = CannedQuery.named("runs") else {
      throw CommandError("the canned query runs is missing from this build", hint: "rebuild gapdb.")
    }
    try translatingDatabaseErrors {
      let statement = try db.makeStatement(sql: query.sql)
      try statement.bind(.real(staleAfter), named: ":stale_after_s")
      try statement.bind(DatabaseValue(experiment), named: ":experiment")
      let sink = StandardOutputSink()
      let writer = output.makeWriter(sink: sink)
      writer.begin(columns: statement.columnNames)
      let stateColumn = statement.columnNames.firstIndex(of: "state") ?? 3
      // The SQL judges by the heartbeat alone; a live process on this host is not stale.
      let alive = Set(
        try Recorder(database: db).liveRunsWithOldHeartbeat(olderThanSeconds: staleAfter).map(\.runID))
      while try statement.step() {
        var row = (0..<statement.columnNames.count).map { Cell(statement.value(at: $0)) }
        if row[stateColumn] == .text("stale"), case .integer(let id) = row[0], alive.contains(id) {
          row[stateColumn] = .text("running")
        }
        if let state, row[stateColumn] != .text(state.rawValue) { continue }
        writer.write(row)
      }
      writer.finish()
      sink.flush()
      // An empty list is a success, but an experiment name the store has never seen is most
      // likely a typo: say so on standard error (stdout stays valid for scripts).
      if let experiment, try !db.experimentExists(named: experiment) {
        let names = try db.experimentNames(limit: 20)
        writeStandardError(
          "note: no experiment named \"\(experiment)\" in \(database) ("
            + (names.isEmpty
              ? "the store has no experiments yet" : "experiments: \(names.joined(separator: ", "))")
            + ")\n")
      }
    }
  }
}
