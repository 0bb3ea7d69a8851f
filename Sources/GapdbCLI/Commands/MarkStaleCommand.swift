import ArgumentParser
import ResultsStore
import RunRecorder
import TabularOutput

/// `gapdb mark-stale DB`: end runs whose process died.
struct MarkStaleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mark-stale",
    abstract: "Mark running runs without a recent heartbeat as failed (their process died).",
    discussion: """
      A run is stale when its status is still running but its last heartbeat (written at \
      every recorded epoch and by heartbeat()) is older than --older-than seconds: its \
      process was killed or crashed. A run recorded on this host whose process is still \
      alive is never stale, whatever its heartbeat's age: the recorder stores the host, the \
      pid and the process's start time (Linux /proc), so a pid the kernel has since given to \
      another process does not count. Runs of other hosts follow the heartbeat rule alone. \
      In one transaction, each stale run gets --status (default failed), ended_at = now and \
      stop_reason = 'stale_heartbeat'. Its recorded epochs stay as they are. Prints the runs \
      it marked (id, name, host, pid, heartbeat_at, age_s); with --dry-run, prints them \
      without changing anything. Live runs left alone are named on stderr. The store must \
      exist (see gapdb init).

      Examples:
        gapdb mark-stale runs.sqlite
        gapdb mark-stale runs.sqlite --older-than 3600 --dry-run
      """)

  @Argument(help: "The gapdb store (a .sqlite file).")
  var database: String

  @Option(help: "Seconds without a heartbeat after which a running run counts as stale.")
  var olderThan: Double = 600

  @Option(help: "The status to give stale runs: failed, finished or diverged.")
  var status: EndStatus = .failed

  @Flag(help: "Only list the stale runs; change nothing.")
  var dryRun = false

  @OptionGroup var output: OutputOptions

  enum EndStatus: String, ExpressibleByArgument, CaseIterable {
    case failed, finished, diverged
  }

  mutating func validate() throws {
    if !(olderThan >= 0) || olderThan.isInfinite {
      throw ValidationError(
        "--older-than must be a finite number of seconds ≥ 0; got \(olderThan).")
    }
  }

  func run() throws {
    let db = try openStore(database, readOnly: dryRun)
    let recorder = Recorder(database: db)
    let runs = try translatingDatabaseErrors(writablePath: dryRun ? nil : database) {
      dryRun
        ? try recorder.staleRuns(olderThanSeconds: olderThan)
        : try recorder.markStaleRuns(
          olderThanSeconds: olderThan, as: RunStatus(rawValue: status.rawValue) ?? .failed)
    }
    let sink = StandardOutputSink()
    let writer = output.makeWriter(sink: sink)
    writer.begin(columns: ["id", "name", "host", "pid", "heartbeat_at", "age_s"])
    for run in runs {
      writer.write([
        .integer(run.runID), .text(run.name), .text(run.host), run.pid.map(Cell.integer) ?? .null,
        .text(run.heartbeatAt), .real(run.ageSeconds),
      ])
    }
    writer.finish()
    sink.flush()
    let verb = dryRun ? "would mark" : "marked"
    writeStandardError(
      "\(verb) \(runs.count) stale run\(runs.count == 1 ? "" : "s") \(status.rawValue)\n")
    let live = try translatingDatabaseErrors {
      try recorder.liveRunsWithOldHeartbeat(olderThanSeconds: olderThan)
    }
    if !live.isEmpty {
      let list = live.map { "\($0.runID) (pid \($0.pid.map(String.init) ?? "?"))" }
        .joined(separator: ", ")
      writeStandardError(
        "left \(live.count) run\(live.count == 1 ? "" : "s") alone whose process is alive on this "
          + "host: \(list)\n")
    }
  }
}
