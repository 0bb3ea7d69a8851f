import ArgumentParser
import Foundation
import Reports
import ResultsStore
import RunRecorder
import TabularOutput
import TestSupport
import Testing

@testable import GapAnalysis
@testable import GapdbCLI

/// A store where the train-loss snapshot differs from the final epoch, and the loss gap from
/// the error gap. Runs on a width × lr grid, epochs 0…3; the first epoch with training loss
/// ≤ 0.05 (the snapshot) is:
///
/// | run | width | lr  | train loss per epoch     | snapshot | loss gap there |
/// |-----|-------|-----|--------------------------|----------|----------------|
/// | a   | 16    | 0.1 | 1, 0.04, 0.03, 0.02      | 1        | 0.1            |
/// | b   | 16    | 0.2 | 1, 0.5, 0.05, 0.01       | 2        | 0.2            |
/// | c   | 64    | 0.1 | 1, 0.3, 0.2, 0.04        | 3        | 0.3            |
/// | d   | 64    | 0.2 | 1, 0.02, 0.01, 0.01      | 1        | 0.4            |
/// | e   | 256   | 0.1 | 1, 0.5, 0.4, 0.3         | none     | (excluded)     |
///
/// At the snapshot, test loss = train loss + loss gap and the error gap is 0.5 − loss gap (the
/// reverse order); at every other epoch the loss gap is 0.5 and the error gap 0.2. Measures at
/// the snapshot: `m_up` = 10 · loss gap, `m_down` = −loss gap, `m_mixed` = 1, 3, 2, 4 for
/// a…d; at other epochs each is the negated snapshot value (so any other epoch ranks them
/// differently). Hand-derived at train-loss=0.05 with the loss gap (4 runs):
/// τ_a(m_up) = 1, τ_a(m_down) = −1; m_mixed has 5 concordant pairs and 1 discordant (b, c):
/// τ_a = 4/6 = 2/3, Spearman ρ = 1 − 6·2/(4·15) = 0.8; n_used 4, n_excluded 1 (run e).
func makeSnapshotStore(at path: String) throws {
  let recorder = try Recorder(path: path)
  let runs: [(String, Int64, Double, [Double], Int?, Double, Double)] = [
    ("a", 16, 0.1, [1, 0.04, 0.03, 0.02], 1, 0.1, 1),
    ("b", 16, 0.2, [1, 0.5, 0.05, 0.01], 2, 0.2, 3),
    ("c", 64, 0.1, [1, 0.3, 0.2, 0.04], 3, 0.3, 2),
    ("d", 64, 0.2, [1, 0.02, 0.01, 0.01], 1, 0.4, 4),
    ("e", 256, 0.1, [1, 0.5, 0.4, 0.3], nil, 0.5, 5),
  ]
  for (name, width, lr, trainLoss, snapshot, lossGap, mixed) in runs {
    let run = try recorder.beginRun(
      RunSpec(
        experiment: "snap", name: name,
        hyperparameters: ["width": .integer(width), "lr": .real(lr), "seed": 1], config: "{}"))
    for epoch in 0...3 {
      let atSnapshot = epoch == snapshot
      let sign = atSnapshot ? 1.0 : -1.0
      try run.recordEpoch(
        EpochRecord(
          epoch: epoch, step: Int64(epoch),
          metrics: EpochMetrics(
            trainLoss: trainLoss[epoch], testLoss: trainLoss[epoch] + (atSnapshot ? lossGap : 0.5),
            trainError: 0, testError: atSnapshot ? 0.5 - lossGap : 0.2),
          measures: [
            MeasureRecord(measureID: "m_up", value: sign * 10 * lossGap),
            MeasureRecord(measureID: "m_down", value: sign * -lossGap),
            MeasureRecord(measureID: "m_mixed", value: sign * mixed),
          ]))
    }
    try run.finish(status: .finished)
  }
}

@Suite struct ReportSelectionTests {
  /// `gapdb correlate DB OPTIONS`'s table, row by measure, column by name: the cells the
  /// command prints (compared as cells, not through a JSON parser, whose decimal conversion
  /// is not always correctly rounded on Linux).
  func correlateRows(_ path: String, _ options: [String]) throws -> [String: [String: Any]] {
    let command = try #require(
      try GapdbCommand.parseAsRoot(["correlate", path] + options) as? CorrelateCommand)
    let result = try command.analysis()
    var rows: [String: [String: Any]] = [:]
    for cells in result.rows {
      var row: [String: Any] = [:]
      for (column, cell) in zip(result.columns, cells) {
        switch cell {
        case .real(let v): row[column] = v
        case .integer(let v): row[column] = Int(v)
        case .text(let v): row[column] = v
        default: row[column] = NSNull()
        }
      }
      rows[row["measure"] as? String ?? ""] = row
    }
    return rows
  }

  @Test func report_atTrainLossWithLossGap_matchesCorrelate() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("s.sqlite")
    try makeSnapshotStore(at: path)
    let options = ["--at", "train-loss=0.05", "--gap", "loss"]
    let correlate = try correlateRows(path, options)

    // Hand-derived values (see makeSnapshotStore).
    #expect(correlate["m_up"]?["tau_a"] as? Double == 1)
    #expect(correlate["m_down"]?["tau_a"] as? Double == -1)
    let mixedTau = try #require(correlate["m_mixed"]?["tau_a"] as? Double)
    #expect(abs(mixedTau - 2.0 / 3.0) < 1e-12)
    let mixedRho = try #require(correlate["m_mixed"]?["spearman"] as? Double)
    #expect(abs(mixedRho - 0.8) < 1e-12)
    #expect(correlate["m_mixed"]?["n_used"] as? Int == 4)
    #expect(correlate["m_mixed"]?["n_excluded"] as? Int == 1)

    // The report: the same options, the same table.
    let md = dir.path("r.md")
    let report = try ReportCommand.parse([path, "--out", md] + options)
    try report.run()
    let loader = StoreReportLoader(database: try Database(storePath: path, readOnly: true), storePath: path)
    let data = try loader.load(experiment: "snap", source: path, selection: report.selection)
    #expect(Set(data.correlations.map(\.measure)) == Set(correlate.keys))
    #expect(data.axisNames == ["width", "lr"])
    for row in data.correlations {
      let c = try #require(correlate[row.measure])
      func same(_ a: Double?, _ key: String) {
        #expect(a == c[key] as? Double, "\(row.measure) \(key): report \(String(describing: a)) vs correlate \(String(describing: c[key]))")
      }
      same(row.tauA, "tau_a")
      same(row.tauB, "tau_b")
      same(row.spearman, "spearman")
      same(row.psi, "psi")
      for axis in data.axisNames { same(row.psiByAxis[axis] ?? nil, "psi_" + axis) }
      same(row.cmi, "cmi")
      same(row.cmiPGDL, "cmi_pgdl")
      #expect(row.usedCount == c["n_used"] as? Int)
      #expect(row.excludedCount == c["n_excluded"] as? Int)
      for axis in data.axisNames {
        #expect(row.psiLinesByAxis[axis]?.used == c["lines_used_" + axis] as? Int)
        #expect(row.psiLinesByAxis[axis]?.skipped == c["lines_skipped_" + axis] as? Int)
      }
    }
    // Same order (by |τ_a|, ties in input order).
    #expect(data.correlations.map(\.measure).prefix(2).sorted() == ["m_down", "m_up"])
    #expect(data.correlations.last?.measure == "m_mixed")
    // The scatter shows the snapshot's values against the loss gap: m_up = 10 · gap.
    let scatter = try #require(data.scatter.first { $0.measure == "m_up" })
    #expect(zip(scatter.points.map(\.y), [0.1, 0.2, 0.3, 0.4]).allSatisfy { abs($0 - $1) < 1e-12 })
    #expect(zip(scatter.points.map(\.x), [1.0, 2, 3, 4]).allSatisfy { abs($0 - $1) < 1e-12 })
    #expect(scatter.points.count == 4)
    // The written report says what it computed.
    let text = try String(contentsOfFile: md, encoding: .utf8)
    #expect(text.contains("train-loss=0.05"))
    #expect(text.contains("--gap loss"))
    #expect(text.contains("test loss − training loss"))
    #expect(text.contains("| m\\_mixed | 0.667 | 0.667 | 0.800 |"))  // Markdown escapes _
  }

  @Test func report_defaultsAreCorrelateDefaults_andFinalEpochDiffers() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("s.sqlite")
    try makeSnapshotStore(at: path)
    // At the final epoch (3) only run c is at its snapshot: the error gap is 0.2 for a, b, d,
    // e and 0.2 for c too (0.5 − 0.3), all tied: τ undefined for every measure.
    let report = try ReportCommand.parse([path, "--out", dir.path("r.html")])
    let loader = StoreReportLoader(database: try Database(storePath: path, readOnly: true), storePath: path)
    let data = try loader.load(experiment: "snap", source: path, selection: report.selection)
    let correlate = try correlateRows(path, [])
    for row in data.correlations {
      #expect(row.tauA == nil)
      #expect(correlate[row.measure]?["tau_a"] is NSNull)
      #expect(row.usedCount == correlate[row.measure]?["n_used"] as? Int)
    }
  }

  @Test func report_selectionOptions_reachTheTable() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("s.sqlite")
    try makeSnapshotStore(at: path)
    let options = [
      "--at", "train-loss=0.05", "--gap", "loss", "--measures", "m_mixed,m_up", "--hyperparameters", "lr",
      "--where", "r.name != 'd'", "--psi-lines", "complete",
    ]
    let report = try ReportCommand.parse([path, "--out", dir.path("r.html")] + options)
    let loader = StoreReportLoader(database: try Database(storePath: path, readOnly: true), storePath: path)
    let data = try loader.load(experiment: "snap", source: path, selection: report.selection)
    #expect(data.correlations.map(\.measure) == ["m_up", "m_mixed"])
    #expect(data.axisNames == ["lr"])
    // Without d: a, b, c at gaps 0.1, 0.2, 0.3; m_mixed 1, 3, 2: 2 concordant, 1 discordant.
    let mixed = try #require(data.correlations.first { $0.measure == "m_mixed" })
    #expect(abs((mixed.tauA ?? .nan) - 1.0 / 3.0) < 1e-12)
    #expect(mixed.usedCount == 3)
    #expect(mixed.excludedCount == 2)  // e (no snapshot) and d (not matching --where)
    #expect(data.notes.contains("1 finished run excluded from the statistics (not matching --where)."))
    let correlate = try correlateRows(
      path, options.filter { $0 != "--where" && $0 != "r.name != 'd'" }
        + ["--where", "r.status = 'finished' AND (r.name != 'd')"])
    #expect(correlate["m_mixed"]?["tau_a"] as? Double == mixed.tauA)
    #expect(correlate["m_mixed"]?["psi"] as? Double == mixed.psi)
  }
}
