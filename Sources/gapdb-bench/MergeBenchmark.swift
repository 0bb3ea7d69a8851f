import ArgumentParser
import Foundation
import ResultsStore
import RunRecorder

/// `gapdb-bench merge`: `gapdb merge` throughput beside a hand-written `ATTACH … INSERT …
/// SELECT` merge of the same stores.
struct MergeBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Measure gapdb merge (StoreMerger) beside a hand-written ATTACH … INSERT … SELECT merge.",
    discussion: """
      Workload: S input stores × R runs × E epochs × V measure values (default 100 × 10 × \
      100 × 100 = 10 M values, 100 k epochs). One store is recorded with the recorder (10 \
      hyperparameters, 2 layers, one layer summary per layer and epoch, V values per epoch); \
      the others are copies with fresh run UUIDs. Not timed.

      Timed, into a new output store each: (1) StoreMerger, one input after another, each \
      in its own transaction (the work of `gapdb merge OUT IN…`: identity checks, conflict \
      and duplicate checks, provenance); (2) the baseline: on the same kind of connection, \
      for each input ATTACH it, then in one transaction INSERT … SELECT every table with \
      run ids shifted past the output's largest id, then DETACH — what a user would write by \
      hand, with no checks. The two alternate for --repeats rounds; medians are reported. \
      Build with -c release.

      Example:
        swift run -c release gapdb-bench merge
      """)

  @Option(help: "Input stores.") var stores = 100
  @Option(help: "Runs per store.") var runs = 10
  @Option(help: "Epochs per run.") var epochs = 100
  @Option(help: "Measure values per epoch.") var values = 100
  @Option(help: "Rounds of both measurements (medians reported).") var repeats = 3
  @Option(help: "Scratch folder (created and deleted).")
  var dir = FileManager.default.temporaryDirectory.appendingPathComponent("gapdb-bench-merge").path

  mutating func validate() throws {
    if stores < 1 || runs < 1 || epochs < 1 || values < 0 || repeats < 1 {
      throw ValidationError("--stores, --runs, --epochs, --repeats must be ≥ 1 and --values ≥ 0.")
    }
  }

  func run() throws {
    try? FileManager.default.removeItem(atPath: dir)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let total = stores * runs * epochs * values
    say("workload: \(stores) stores × \(runs) runs × \(epochs) epochs × \(values) values = \(total) values")
    let inputs = try makeInputs()
    var mine: [(wall: Double, cpu: Double)] = []
    var baseline: [(wall: Double, cpu: Double)] = []
    for round in 0..<repeats {
      let a = try timed("gapdb merge (StoreMerger)", round: round, total: total) { out in
        let merger = try StoreMerger(outputPath: out)
        for input in inputs { _ = try merger.merge(inputPath: input) }
      }
      let b = try timed("ATTACH … INSERT … SELECT", round: round, total: total) { out in
        try handWrittenMerge(into: out, inputs: inputs)
      }
      mine.append(a)
      baseline.append(b)
    }
    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    let m = median(mine.map(\.wall)), b = median(baseline.map(\.wall))
    let mc = median(mine.map(\.cpu)), bc = median(baseline.map(\.cpu))
    say(
      String(
        format: "median wall: gapdb merge %.2f s (%.0f values/s), baseline %.2f s (%.0f values/s): ratio %.2f (target ≤ 1.5)",
        m, Double(total) / m, b, Double(total) / b, m / b))
    say(
      String(
        format: "median CPU:  gapdb merge %.2f s, baseline %.2f s: ratio %.2f (CPU time depends less on machine load)",
        mc, bc, mc / bc))
  }

  /// Records the first store, then copies it with new run UUIDs.
  private func makeInputs() throws -> [String] {
    let first = (dir as NSString).appendingPathComponent("in-0.sqlite")
    let recorder = try Recorder(path: first)
    let records: [[MeasureRecord]] = (0..<epochs).map { epoch in
      (0..<values).map { MeasureRecord(measureID: "m\($0)", value: Double(epoch + 1) * 0.001 * Double($0 + 1)) }
    }
    for r in 0..<runs {
      var hyperparameters: [String: HyperparameterValue] = [:]
      for k in 0..<10 { hyperparameters["h\(k)"] = .real(0.1 * Double(k + r)) }
      let run = try recorder.beginRun(
        RunSpec(
          experiment: "bench", name: "run\(r)", hyperparameters: hyperparameters,
          layers: [LayerInfo(index: 0, name: "fc1", fanIn: 784, fanOut: 64), LayerInfo(index: 1, name: "fc2", fanIn: 64, fanOut: 10)]))
      for epoch in 0..<epochs {
        let x = Double(epoch)
        let summaries = (0..<2).map { i -> LayerSummaryRecord in
          var s = LayerSummaryRecord(layerIndex: i)
          s.frobeniusNorm = 1 + x
          s.spectralNorm = 0.5 + x
          return s
        }
        try run.recordEpoch(
          EpochRecord(
            epoch: epoch, step: Int64(epoch) * 100,
            metrics: EpochMetrics(trainLoss: 1 / (1 + x), testLoss: 1.1 / (1 + x), trainError: 0.1, testError: 0.2),
            layerSummaries: summaries, measures: records[epoch]))
      }
      try run.finish(status: .finished)
    }
    _ = try recorder.database.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
    var paths = [first]
    for s in 1..<stores {
      let path = (dir as NSString).appendingPathComponent("in-\(s).sqlite")
      try FileManager.default.copyItem(atPath: first, toPath: path)
      let db = try Database(storePath: path)
      try db.execute(sql: "UPDATE run SET uuid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))")
      paths.append(path)
    }
    say("inputs ready: \(paths.count) stores of \(fileSize(first) / 1_048_576) MiB")
    return paths
  }

  private func timed(_ name: String, round: Int, total: Int, _ body: (String) throws -> Void) throws
    -> (wall: Double, cpu: Double)
  {
    let out = (dir as NSString).appendingPathComponent("out-\(round)-\(name.prefix(5)).sqlite")
    let cpuStart = cpuSeconds()
    let start = ContinuousClock.now
    try body(out)
    let elapsed = ContinuousClock.now - start
    let cpu = cpuSeconds() - cpuStart
    let s = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    let stored = try Database(storePath: out, readOnly: true).scalar(sql: "SELECT count(*) FROM measure_value")
    guard stored == .integer(Int64(total)) else { throw ValidationError("\(name): expected \(total) values, found \(stored)") }
    say(
      String(
        format: "%@ round %d: %.2f s = %.0f values/s (CPU %.2f s); output %d MiB", name, round, s, Double(total) / s, cpu,
        fileSize(out) / 1_048_576))
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: out + suffix) }
    return (s, cpu)
  }

  /// The baseline: ATTACH, one transaction of INSERT … SELECT per table, DETACH.
  private func handWrittenMerge(into out: String, inputs: [String]) throws {
    let db = try Database(storePath: out)
    for input in inputs {
      try db.execute(sql: "ATTACH DATABASE ?1 AS src", arguments: [.text(input)])
      try db.inTransaction {
        let offset = try db.scalar(sql: "SELECT coalesce(max(id), 0) FROM main.run")
        try db.execute(
          sql: """
            INSERT OR IGNORE INTO main.experiment (name, description, created_at)
              SELECT name, description, created_at FROM src.experiment;
            INSERT OR IGNORE INTO main.measure SELECT * FROM src.measure;
            INSERT INTO main.run (id, experiment_id, uuid, name, status, stop_reason, target_train_loss,
                reached_target, started_at, ended_at, heartbeat_at, host, pid, seed, dataset, config)
              SELECT r.id + ?1, (SELECT m.id FROM main.experiment m WHERE m.name = e.name), r.uuid, r.name,
                r.status, r.stop_reason, r.target_train_loss, r.reached_target, r.started_at, r.ended_at,
                r.heartbeat_at, r.host, r.pid, r.seed, r.dataset, r.config
              FROM src.run r JOIN src.experiment e ON e.id = r.experiment_id;
            """, arguments: [offset])
        for (table, columns) in [
          ("hyperparameter", "key, value_type, value, value_text"),
          ("layer", "layer_index, name, kind, fan_in, fan_out, parameter_count"),
          ("epoch_metric", "epoch, step, train_loss, test_loss, train_error, test_error, learning_rate, wall_time_s, nan_columns, recorded_at"),
          ("layer_summary", (["epoch", "layer_index"] + LayerSummaryRecord.columnNames + ["nan_columns"]).joined(separator: ", ")),
          ("measure_value", "epoch, measure_id, value, value_kind, detail"),
          ("weight_snapshot", "epoch, format, data"),
        ] {
          try db.execute(
            sql: "INSERT INTO main.\(table) (run_id, \(columns)) SELECT run_id + ?1, \(columns) FROM src.\(table)",
            arguments: [offset])
        }
      }
      try db.execute(sql: "DETACH DATABASE src")
    }
  }
}

private func fileSize(_ path: String) -> Int {
  ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
}

private func cpuSeconds() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
    + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
}
