import ArgumentParser
import Foundation
import ResultsStore
import RunRecorder

/// `gapdb-bench record`: recorder throughput, beside Python sqlite3 on the same workload.
struct RecordBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "record",
    abstract: "Measure recorder throughput (values/second) beside Python sqlite3 executemany.",
    discussion: """
      Workload: R runs × E epochs × V measure values. Each run is begun with 10 \
      hyperparameters; each epoch is one recordEpoch call (metrics row + V measure values, one \
      commit), then the run is finished. Timed: everything from the first beginRun to the last \
      finish. Values are generated before the timer starts.

      In the same invocation it runs scripts/bench/record_executemany.py (same schema, same \
      rows, executemany per epoch and in one transaction) and, if found, the team's shared \
      baseline bench_sqlite_raw.py (--baseline-dir, default ../shared/baselines next to the \
      repository); a missing script is reported as skipped. Build with -c release.

      Example:
        swift run -c release gapdb-bench record --runs 200 --epochs 100 --values 100
      """)

  @Option(help: "Runs to record.") var runs = 200
  @Option(help: "Epochs per run.") var epochs = 100
  @Option(help: "Measure values per epoch.") var values = 100
  @Option(help: "Repetitions of the gapdb measurement (the median is reported).") var repeats = 3
  @Option(help: "Scratch database path (deleted before and after).")
  var db = FileManager.default.temporaryDirectory.appendingPathComponent(
    "gapdb-bench-record.sqlite"
  ).path
  @Option(help: "Folder with the shared Python baselines (bench_sqlite_raw.py).")
  var baselineDir: String?
  @Option(help: "The Python interpreter for the baselines.") var python = "python3"
  @Flag(help: "Skip the Python baselines.") var skipPython = false

  mutating func validate() throws {
    if runs < 1 || epochs < 1 || values < 0 || repeats < 1 {
      throw ValidationError("--runs, --epochs and --repeats must be ≥ 1 and --values ≥ 0.")
    }
  }

  func run() throws {
    let total = runs * epochs * values
    say(
      "workload: \(runs) runs × \(epochs) epochs × \(values) values = \(total) values, one commit per epoch"
    )
    let records: [[MeasureRecord]] = (0..<epochs).map { epoch in
      (0..<values).map {
        MeasureRecord(measureID: "m\($0)", value: Double(epoch + 1) * 0.001 * Double($0 + 1))
      }
    }
    var seconds: [Double] = []
    var cpuSeconds: [Double] = []
    for repetition in 0..<repeats {
      removeDatabase(db)
      let recorder = try Recorder(path: db)
      let cpuStart = processCPUSeconds()
      let start = ContinuousClock.now
      for r in 0..<runs {
        var hyperparameters: [String: HyperparameterValue] = [:]
        for k in 0..<10 { hyperparameters["h\(k)"] = .real(0.1 * Double(k)) }
        let run = try recorder.beginRun(
          RunSpec(experiment: "bench", name: "run\(r)", hyperparameters: hyperparameters))
        for epoch in 0..<epochs {
          let x = Double(epoch)
          try run.recordEpoch(
            EpochRecord(
              epoch: epoch, step: Int64(epoch) * 100,
              metrics: EpochMetrics(
                trainLoss: 1 / (1 + x), testLoss: 1.1 / (1 + x), trainError: 0.1, testError: 0.2),
              measures: records[epoch]))
        }
        try run.finish(status: .finished)
      }
      let elapsed = ContinuousClock.now - start
      let cpu = processCPUSeconds() - cpuStart
      let s = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
      let stored = try recorder.database.scalar(sql: "SELECT count(*) FROM measure_value")
      guard stored == .integer(Int64(total)) else {
        throw ValidationError("expected \(total) stored values, found \(stored)")
      }
      seconds.append(s)
      cpuSeconds.append(cpu)
      say(
        String(
          format:
            "gapdb recorder   rep %d: %.3f s = %.0f values/s (CPU %.3f s = %.0f values per CPU-second)",
          repetition, s, Double(total) / s, cpu, Double(total) / cpu))
    }
    removeDatabase(db)
    let median = seconds.sorted()[seconds.count / 2]
    let cpuMedian = cpuSeconds.sorted()[cpuSeconds.count / 2]
    say(
      String(
        format:
          "gapdb recorder   median %.3f s = %.0f values/s wall, %.0f values per CPU-second (target ≥ 500000)",
        median, Double(total) / median, Double(total) / cpuMedian))
    say("(wall-clock rates depend on machine load; values per CPU-second do much less)")

    guard !skipPython else { return }
    runPythonBaselines()
  }

  private func runPythonBaselines() {
    let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    let script = root.appendingPathComponent("scripts/bench/record_executemany.py")
    let schema = root.appendingPathComponent("schema/current.sql")
    if FileManager.default.fileExists(atPath: script.path) {
      say("python sqlite3 executemany, same schema and rows (scripts/bench/record_executemany.py):")
      runPython([
        script.path, "--schema", schema.path, "--db", db + ".py", "--runs", String(runs),
        "--epochs",
        String(epochs), "--values", String(values),
      ])
    } else {
      say(
        "python same-workload baseline skipped: \(script.path) not found (run from the repository root)"
      )
    }
    let dir =
      baselineDir.map { URL(fileURLWithPath: $0) }
      ?? root.deletingLastPathComponent().appendingPathComponent("shared/baselines")
    let shared = dir.appendingPathComponent("bench_sqlite_raw.py")
    if FileManager.default.fileExists(atPath: shared.path) {
      say(
        "shared baseline \(shared.path) (narrow metrics table, epoch_pk_normal = one commit per epoch):"
      )
      runPython([
        shared.path, "--db", db + ".raw", "--runs", String(runs), "--epochs", String(epochs),
        "--metrics", String(values), "--variants", "epoch_pk_normal,bulk_pk", "--repeats", "1",
        "--read-repeats", "0", "--commit-latency", "0", "--out",
        FileManager.default.temporaryDirectory.appendingPathComponent("gapdb-bench-raw.json").path,
      ])
    } else {
      say("shared baseline skipped: \(shared.path) not found (pass --baseline-dir)")
    }
  }

  private func runPython(_ arguments: [String]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python] + arguments
    do {
      try process.run()
      process.waitUntilExit()
      if process.terminationStatus != 0 {
        say("  (exited with status \(process.terminationStatus))")
      }
    } catch {
      say("  skipped: cannot run \(python): \(error)")
    }
  }
}

/// User + system CPU time of this process so far, in seconds (getrusage).
private func processCPUSeconds() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
    + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
}

/// Writes a line to stdout at once (unbuffered), so it stays in order with the Python output.

private func removeDatabase(_ path: String) {
  for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}
