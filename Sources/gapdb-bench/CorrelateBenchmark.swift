import ArgumentParser
import CorrelationStatistics
import Foundation
import GapAnalysis
import ResultsStore

/// `gapdb-bench correlate`: `gapdb correlate` end to end over a store on disk, side by side
/// with pandas + SciPy.
///
/// Builds (untimed) a store of R runs × K measures at one epoch, on a 5 × 5 × 4 × 4 grid of
/// lr × depth × width × batch_size with the remaining runs as seeds; the gap is U(0, 1) and
/// measure j is (j/K)·gap + U(0, 1), the model of `bench_correlation.py`. Then times, per
/// repeat, opening the store, reading every run's gap and measures at the final epoch (one
/// query over the long-form `measure_value`), reading the hyperparameters, computing τ_a,
/// τ_b, ρ, r, Ψ with ψ per axis and both CMI forms for every measure, and writing the report.
/// In the same run it times pandas + SciPy reading the same store (long form, pivoted) and
/// computing `scipy.stats.kendalltau` per measure, and runs the team's baseline script
/// `bench_correlation.py` (its own store layouts, same shape) for reference.
struct CorrelateBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "correlate",
    abstract: "Time gapdb correlate over a store on disk against pandas + SciPy.",
    discussion: """
      Examples:
        gapdb-bench correlate --runs 100000 --measures 40
        gapdb-bench correlate --runs 30000 --python /work/baseline-scratch/venv/bin/python
        gapdb-bench correlate --runs 1000 --no-baseline
      """)

  @Option(help: "Runs in the store.") var runs = 100_000
  @Option(help: "Measures per run.") var measures = 40
  @Option(help: "Timed repeats (after one warm-up).") var repeats = 3
  @Option(help: "Store path (default: a temporary file, removed afterwards).") var store: String?
  @Option(help: "Python with pandas and scipy.") var python = "/work/baseline-scratch/venv/bin/python"
  @Option(help: "Folder of the team's baseline scripts.") var baselineDir = "../shared/baselines"
  @Flag(help: "Skip the Python baselines.") var noBaseline = false
  @Flag(help: "Skip the team script bench_correlation.py (still time pandas on our store).")
  var noBaselineScript = false

  func run() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("gapdb-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = store ?? directory.appendingPathComponent("corr.sqlite").path
    if FileManager.default.fileExists(atPath: path) {
      print("using the existing store \(path)")
    } else {
      let t0 = Date()
      try buildStore(path: path)
      let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
      print(String(format: "built %@: %d runs x %d measures in %.1f s (%.0f MB, untimed)",
        path, runs, measures, Date().timeIntervalSince(t0), Double(size) / 1e6))
    }
    // gapdb, in process: the same functions `gapdb correlate` runs.
    var phases: [String: [Double]] = [:]
    var check: (Double?, Double?) = (nil, nil)
    for rep in 0...repeats {
      let timings = try timeCorrelate(path: path)
      if rep > 0 { for (k, v) in timings.phases { phases[k, default: []].append(v) } }
      check = timings.check
    }
    print("gapdb correlate (median of \(repeats); release build expected):")
    for name in [
      "read", "read_values", "read_hyperparameters", "compute_full", "total_full",
      "compute_tau_only", "total_tau_only",
    ] {
      print(String(format: "  %-18@ %9.1f ms", name as NSString, median(phases[name] ?? []) * 1e3))
    }
    print(String(format: "  check: tau_b(m00) = %.4f, tau_b(m%02d) = %.4f", check.0 ?? .nan, measures - 1, check.1 ?? .nan))
    guard !noBaseline else { return }
    guard FileManager.default.isExecutableFile(atPath: python) else {
      print("baseline skipped: no Python at \(python) (pass --python)")
      return
    }
    // pandas + SciPy on this very store.
    let script = directory.appendingPathComponent("pandas_on_store.py")
    try pandasOnStoreScript.write(to: script, atomically: true, encoding: .utf8)
    let pandasOutput = try runProcess(python, [script.path, path, String(repeats)])
    print("pandas + SciPy on the same store (median of \(repeats)):")
    print(pandasOutput.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
    let pandasTotal = pandasOutput.split(separator: "\n").first { $0.hasPrefix("total") }
      .flatMap { Double($0.split(separator: " ").last ?? "") }
    if let pandasTotal {
      let ours = median(phases["total_full"] ?? []) * 1e3
      let oursTau = median(phases["total_tau_only"] ?? []) * 1e3
      print(String(format: "speedup end to end: %.1fx (gapdb full report) / %.1fx (gapdb tau-only)",
        pandasTotal / ours, pandasTotal / oursTau))
    }
    guard !noBaselineScript else { return }
    let scriptPath = URL(fileURLWithPath: baselineDir).appendingPathComponent("bench_correlation.py").path
    guard FileManager.default.fileExists(atPath: scriptPath) else {
      print("bench_correlation.py not found in \(baselineDir) (pass --baseline-dir)")
      return
    }
    print("team baseline bench_correlation.py (its own layouts, same shape):")
    let out = try runProcess(python, [
      scriptPath, "--db", directory.appendingPathComponent("baseline.db").path, "--sizes",
      String(runs), "--k", String(measures), "--repeats", String(repeats), "--out",
      directory.appendingPathComponent("baseline.json").path,
    ])
    print(out.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
  }

  struct Timings {
    var phases: [String: Double]
    var check: (Double?, Double?)
  }

  func timeCorrelate(path: String) throws -> Timings {
    let clock = ContinuousClock()
    let start = clock.now
    let input = try correlationInput(storePath: path, experiment: "bench")
    let afterRead = clock.now
    var options = EvaluationOptions()
    options.threads = 2
    let full = evaluateMeasures(input.measures, gap: input.gap, grid: input.grid, options: options)
    let report = renderCorrelationReport(full, axes: input.grid?.axisNames ?? [])
    let afterFull = clock.now
    let tauOnly = evaluateMeasures(input.measures, gap: input.gap, grid: nil, options: options)
    let afterTau = clock.now
    // Phase detail: the two store reads alone.
    let values = try Database.readSnapshotTable(
      storePath: path, runFilter: "e.name = 'bench'", snapshot: .final, gap: .error)
    let afterValues = clock.now
    let hyper = try Database(storePath: path, readOnly: true).readHyperparameters(
      runFilter: "e.name = 'bench'")
    let afterHyper = clock.now
    precondition(values.runIDs.count == runs && hyper.runIDs.count == runs)
    precondition(!report.isEmpty && tauOnly.count == measures)
    func seconds(_ d: Duration) -> Double {
      Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
    let read = seconds(afterRead - start)
    return Timings(
      phases: [
        "read": read, "compute_full": seconds(afterFull - afterRead),
        "total_full": seconds(afterFull - start), "compute_tau_only": seconds(afterTau - afterFull),
        "total_tau_only": read + seconds(afterTau - afterFull),
        "read_values": seconds(afterValues - afterTau), "read_hyperparameters": seconds(afterHyper - afterValues),
      ],
      check: (full.first { $0.name == "m00" }?.correlations.kendallTauB,
              full.first { $0.name == String(format: "m%02d", measures - 1) }?.correlations.kendallTauB))
  }

  /// Writes the synthetic store with plain SQL in one transaction (the recorder's per-epoch
  /// transactions would take minutes for 4 M values, and the build is not what is measured).
  func buildStore(path: String) throws {
    let db = try Database(storePath: path)
    var rng = BenchRandom(seed: 0)
    let lrs = ["0.1", "0.05", "0.01", "0.005", "0.001"]
    let depths = ["1", "2", "3", "4", "5"]
    let widths = ["128", "256", "512", "1024"]
    let batches = ["32", "64", "128", "256"]
    try db.inTransaction {
      try db.execute(sql: "INSERT INTO experiment (id, name, created_at) VALUES (1, 'bench', '2026-11-29T00:00:00.000Z')")
      let insertMeasure = try db.makeStatement(sql: "INSERT INTO measure (id, name) VALUES (?, ?)")
      let names = (0..<measures).map { String(format: "m%02d", $0) }
      for name in names { try insertMeasure.execute([.text(name), .text(name)]) }
      let insertRun = try db.makeStatement(sql: """
        INSERT INTO run (id, experiment_id, uuid, name, status, started_at, ended_at, heartbeat_at, host, seed)
        VALUES (?, 1, ?, ?, 'finished', '2026-11-29T00:00:00.000Z', '2026-11-29T00:00:01.000Z',
                '2026-11-29T00:00:01.000Z', 'bench', ?)
        """)
      let insertHyper = try db.makeStatement(sql: "INSERT INTO hyperparameter VALUES (?, ?, ?, ?, ?)")
      let insertEpoch = try db.makeStatement(sql: """
        INSERT INTO epoch_metric (run_id, epoch, step, train_loss, test_loss, train_error, test_error, recorded_at)
        VALUES (?, 1, 100, 0.01, ?, 0, ?, '2026-11-29T00:00:01.000Z')
        """)
      let insertValue = try db.makeStatement(sql: "INSERT INTO measure_value (run_id, epoch, measure_id, value, value_kind) VALUES (?, 1, ?, ?, 'finite')")
      for r in 0..<runs {
        let id = Int64(r + 1)
        let config = r % 400
        let seed = Int64(r / 400)
        let uuid = String(format: "00000000-0000-4000-8000-%012d", r)
        try insertRun.execute([.integer(id), .text(uuid), .text("run \(r)"), .integer(seed)])
        let axes: [(String, String, String)] = [
          ("lr", "real", lrs[config % 5]), ("depth", "integer", depths[(config / 5) % 5]),
          ("width", "integer", widths[(config / 25) % 4]), ("batch_size", "integer", batches[(config / 100) % 4]),
        ]
        for (key, type, text) in axes {
          let value: DatabaseValue = type == "real" ? .real(Double(text) ?? 0) : .integer(Int64(text) ?? 0)
          try insertHyper.execute([.integer(id), .text(key), .text(type), value, .text(text)])
        }
        try insertHyper.execute([.integer(id), .text("seed"), .text("integer"), .integer(seed), .text(String(seed))])
        let gap = rng.uniform()
        try insertEpoch.execute([.integer(id), .real(gap + 0.01), .real(gap)])
        for (j, name) in names.enumerated() {
          let v = Double(j) / Double(measures) * gap + rng.uniform()
          try insertValue.execute([.integer(id), .text(name), .real(v)])
        }
      }
    }
    try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
  }
}

private func runProcess(_ executable: String, _ arguments: [String]) throws -> String {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  let pipe = Pipe()
  process.standardOutput = pipe
  try process.run()
  let data = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return String(decoding: data, as: UTF8.self)
}

/// pandas + SciPy on a gapdb store: read the final-epoch measures (long form) and gaps, pivot
/// to runs × measures, then `kendalltau` per measure. Prints median seconds per phase.
private let pandasOnStoreScript = #"""
import sqlite3, sys, time, statistics
import numpy as np, pandas as pd
from scipy import stats
path, repeats = sys.argv[1], int(sys.argv[2])
SQL_VALUES = """SELECT v.run_id, v.measure_id, v.value FROM measure_value v
JOIN (SELECT run_id, max(epoch) AS epoch FROM epoch_metric GROUP BY run_id) f
  ON f.run_id = v.run_id AND f.epoch = v.epoch"""
SQL_GAPS = """SELECT m.run_id, m.test_error - m.train_error AS gap FROM epoch_metric m
JOIN (SELECT run_id, max(epoch) AS epoch FROM epoch_metric GROUP BY run_id) f
  ON f.run_id = m.run_id AND f.epoch = m.epoch ORDER BY m.run_id"""
samples = {"read": [], "kendall": [], "total": []}
for rep in range(repeats + 1):
    t0 = time.perf_counter()
    con = sqlite3.connect(path)
    df = pd.read_sql_query(SQL_VALUES, con)
    gaps = pd.read_sql_query(SQL_GAPS, con).set_index("run_id")["gap"]
    con.close()
    wide = df.pivot(index="run_id", columns="measure_id", values="value").sort_index()
    X, g = wide.to_numpy(dtype=np.float64), gaps.reindex(wide.index).to_numpy()
    t1 = time.perf_counter()
    taus = [stats.kendalltau(X[:, j], g).statistic for j in range(X.shape[1])]
    t2 = time.perf_counter()
    if rep > 0:
        samples["read"].append(t1 - t0); samples["kendall"].append(t2 - t1); samples["total"].append(t2 - t0)
for k in ("read", "kendall", "total"):
    print("%s %.1f" % (k, statistics.median(samples[k]) * 1e3))
print("check tau_b(first) %.4f tau_b(last) %.4f" % (taus[0], taus[-1]))
"""#
