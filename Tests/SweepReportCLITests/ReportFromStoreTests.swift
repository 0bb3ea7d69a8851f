import Foundation
import Reports
import ResultsStore
import RunRecorder
import TestSupport
import Testing

@testable import GapAnalysis
@testable import GapdbCLI

/// A width-sweep store with hand-made numbers: widths 16, 64, 256 × label noise 0/1, epochs
/// 0…2, plus one diverged run. Final gaps (test − train error):
///   w16/true 0.10, w64/true 0.08, w256/true 0.06, w16/random 0.40, w64/random 0.50,
///   w256/random 0.60.
/// `m_good` = 10 × gap (same order: τ_a = 1), `m_bad` = −gap (τ_a = −1), `m_const` = 1
/// (τ undefined).
func makeWidthStore(at path: String) throws {
  let recorder = try Recorder(path: path)
  let cases: [(Int, Double, Double, Double)] = [
    (16, 0, 0.05, 0.15), (64, 0, 0.04, 0.12), (256, 0, 0.03, 0.09),
    (16, 1, 0.40, 0.80), (64, 1, 0.40, 0.90), (256, 1, 0.30, 0.90),
  ]
  for (width, noise, train, test) in cases {
    let run = try recorder.beginRun(
      RunSpec(
        experiment: "widths", name: "width=\(width),label_noise=\(noise == 1 ? 1 : 0)",
        hyperparameters: ["depth": 1, "width": .integer(Int64(width)), "label_noise": .real(noise), "seed": 1],
        config: "{\"sweep_key\": \"k\(width)-\(noise)\", \"epochs\": 2}"))
    let gap = test - train
    for epoch in 0...2 {
      let f = Double(2 - epoch)
      try run.recordEpoch(
        EpochRecord(
          epoch: epoch, step: Int64(epoch * 10),
          metrics: EpochMetrics(trainLoss: 1 + f, testLoss: 1.5 + f, trainError: train + 0.1 * f, testError: test + 0.02 * f),
          measures: [
            MeasureRecord(measureID: "m_good", value: 10 * gap + f),
            MeasureRecord(measureID: "m_bad", value: -gap),
            MeasureRecord(measureID: "m_const", value: 1),
            MeasureRecord(measureID: "fro_prod_over_margin", value: Double(width) * (noise == 1 ? 5 : 1)),
          ]))
    }
    try run.finish(status: .finished)
  }
  let bad = try recorder.beginRun(
    RunSpec(
      experiment: "widths", name: "diverged", hyperparameters: ["depth": 1, "width": 1024, "label_noise": 0.0, "seed": 1],
      config: "{\"sweep_key\": \"kdiv\", \"epochs\": 2}"))
  try bad.recordEpoch(
    EpochRecord(
      epoch: 0, step: 0, metrics: EpochMetrics(trainLoss: .nan, testLoss: .nan, trainError: 0.9, testError: 0.9),
      measures: [MeasureRecord(measureID: "m_good", value: 100)]))
  try bad.finish(status: .diverged)
}

@Suite struct ReportFromStoreTests {
  @Test func loader_correlationTableMatchesHandValues() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("w.sqlite")
    try makeWidthStore(at: path)
    let loader = StoreReportLoader(database: try Database(storePath: path, readOnly: true), storePath: path)
    #expect(try loader.experimentNames() == ["widths"])
    let data = try loader.load(experiment: "widths", source: path)
    #expect(data.runs.count == 7)
    #expect(data.axisNames == ["width", "label_noise"])  // sweep order
    let byName = Dictionary(uniqueKeysWithValues: data.correlations.map { ($0.measure, $0) })
    let good = try #require(byName["m_good"])
    #expect(good.tauA == 1)
    #expect(good.spearman == 1)
    #expect(good.usedCount == 6)
    #expect(good.excludedCount == 1)  // the diverged run
    #expect(byName["m_bad"]?.tauA == -1)
    #expect(byName["m_const"]?.tauA == nil)
    // Ranked by |τ_a|: the ±1 measures first, the undefined one last.
    #expect(data.correlations.last?.measure == "m_const")
    // Each ψ: along label_noise (width fixed) the gap always grows with m_good: ψ = 1.
    #expect(good.psiByAxis["label_noise"] == 1)
    // The lines behind each ψ: a complete 3 × 2 grid, 3 lines along label_noise (one per
    // width) and 2 along width, all used.
    #expect(good.psiLinesByAxis["label_noise"] == PsiLineCount(used: 3, skipped: 0))
    #expect(good.psiLinesByAxis["width"] == PsiLineCount(used: 2, skipped: 0))
    // Scatter of the top measures: 6 finished runs each.
    #expect(data.scatter.first?.points.count == 6)
    // Width sweep: 6 points, 3 with random labels, and the paper's measure.
    #expect(data.widthSweep.count == 6)
    #expect(data.widthSweep.filter(\.hasRandomLabels).count == 3)
    // The paper's measure first, then the best-ranked plottable ones (m_bad is negative,
    // m_const is constant but positive).
    #expect(data.widthSweepMeasures.first == "fro_prod_over_margin")
    #expect(data.widthSweepMeasures.contains("m_good"))
    #expect(!data.widthSweepMeasures.contains("m_bad"))
    #expect(data.widthSweepMeasures.count <= 4)
    // Trajectories with 3 epochs each.
    #expect(data.trajectories.first?.epochs == [0, 1, 2])
    #expect(data.notes.contains { $0.contains("1 diverged run excluded") })
    // Constant hyperparameters leave the runs table for one note; legends name only what varies.
    #expect(data.hyperparameterNames == ["width", "label_noise"])
    #expect(data.notes.contains("Same for every run: depth = 1, seed = 1."))
    #expect(data.notes.contains { $0.hasPrefix("No perturbation (flatness) measures were recorded") })
    #expect(data.trajectories.first?.runName == "width=16, label_noise=0.0")
  }

  @Test func reportCommand_writesHTMLAndMarkdown() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("w.sqlite")
    try makeWidthStore(at: path)
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    let html = dir.path("r.html")
    try ReportCommand.parse([path, "--out", html]).run()
    let text = try String(contentsOfFile: html, encoding: .utf8)
    #expect(text.contains("<th>ψ_label_noise</th>"))
    #expect(text.contains("<th>ψ_width lines used</th>"))
    #expect(text.contains(">m_good</td>"))
    #expect(text.contains("Error vs network size"))
    #expect(text.components(separatedBy: "<svg").count - 1 >= 6)
    let md = dir.path("r.md")
    try ReportCommand.parse([path, "--out", md]).run()
    let mdText = try String(contentsOfFile: md, encoding: .utf8)
    #expect(mdText.contains("| m\\_good | 1.000 |"))
    #expect(FileManager.default.fileExists(atPath: dir.path("r_files/figure-01.svg")))
    // The store is opened read-only and left as it was.
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
  }

  @Test func reportCommand_formatFromExtension_refusesUnknown() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("w.sqlite")
    try makeWidthStore(at: path)
    // .pdf (or no extension) without --format: exit 64, a hint, and no file written.
    for name in ["r.pdf", "report"] {
      let refused = try runProduct("gapdb", ["report", path, "--out", dir.path(name)])
      #expect(refused.status == 64, "\(name): \(refused.stderr)")
      #expect(refused.stderr.contains("--out '\(dir.path(name))'"))
      #expect(refused.stderr.contains("--format html|markdown"))
      #expect(!FileManager.default.fileExists(atPath: dir.path(name)))
    }
    // .htm is HTML; an explicit --format overrides any extension.
    let htm = try runProduct("gapdb", ["report", path, "--out", dir.path("r.HTM")])
    #expect(htm.status == 0, "\(htm.stderr)")
    #expect(try String(contentsOfFile: dir.path("r.HTM"), encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
    let txt = try runProduct("gapdb", ["report", path, "--out", dir.path("r.txt"), "--format", "markdown"])
    #expect(txt.status == 0, "\(txt.stderr)")
    #expect(try String(contentsOfFile: dir.path("r.txt"), encoding: .utf8).contains("| m\\_good |"))
  }

  /// Issue 11: `--out <folder>` said "NSCocoaErrorDomain error 512"; `--out ""` exited 1.
  @Test func reportCommand_outFolderOrEmpty_isAUsageError() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("w.sqlite")
    try makeWidthStore(at: path)
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    let folder = try runProduct("gapdb", ["report", path, "--out", dir.url.path, "--format", "html"])
    #expect(folder.status == 64, "\(folder.stderr)")
    #expect(folder.stderr.contains("--out '\(dir.url.path)' is a folder, not a file"), "\(folder.stderr)")
    #expect(!folder.stderr.contains("NSCocoaErrorDomain"))
    let empty = try runProduct("gapdb", ["report", path, "--out", "", "--format", "html"])
    #expect(empty.status == 64, "\(empty.stderr)")
    #expect(empty.stderr.contains("--out is an empty string"), "\(empty.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["w.sqlite"])
  }

  @Test func reportCommand_badInputs_clearErrors() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("w.sqlite")
    try makeWidthStore(at: path)
    #expect {
      try ReportCommand.parse([path, "--out", dir.path("r.html"), "--experiment", "nope"]).run()
    } throws: { error in
      "\(error)".contains("No experiment named 'nope'") && "\(error)".contains("widths")
    }
    #expect {
      try ReportCommand.parse([dir.path("missing.sqlite"), "--out", dir.path("r.html")]).run()
    } throws: { error in
      "\(error)".contains("No store at")
    }
    #expect(!FileManager.default.fileExists(atPath: dir.path("missing.sqlite")))
  }
}
