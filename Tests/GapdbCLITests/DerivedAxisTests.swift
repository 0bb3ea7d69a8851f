import Foundation
import ResultsStore
import RunRecorder
import Testing
import TestSupport

@testable import GapAnalysis
@testable import GapdbCLI

/// A complete depth × width × learning_rate grid (2 × 2 × 2, two seeds each) recorded the way
/// `gapdb train` records it: with the derived `hidden_layers` text ("64,64" for depth 2,
/// width 64) beside depth and width.
@Suite struct DerivedAxisTests {
  /// Gap of configuration c (0…7), seed s (0, 1): 0.01·(c+1) + 0.001·s — distinct and, after
  /// averaging seeds, ordered by c.
  static func gap(_ c: Int, _ s: Int) -> Double { 0.01 * Double(c + 1) + 0.001 * Double(s) }

  static func makeStore(_ dir: TemporaryDirectory) throws -> String {
    let path = dir.path("derived.sqlite")
    let recorder = try Recorder(path: path)
    var c = 0
    for depth in [1, 2] {
      for width in [64, 256] {
        for lr in [0.1, 0.01] {
          for s in 0..<2 {
            let layers = Array(repeating: String(width), count: depth).joined(separator: ",")
            let run = try recorder.beginRun(
              RunSpec(
                experiment: "demo-grid", name: "c\(c)-s\(s)",
                hyperparameters: [
                  "depth": .integer(Int64(depth)), "width": .integer(Int64(width)),
                  "learning_rate": .real(lr), "hidden_layers": .text(layers),
                  "seed": .integer(Int64(s)),
                ]))
            let g = gap(c, s)
            try run.recordEpoch(
              EpochRecord(
                epoch: 1, step: 10,
                metrics: EpochMetrics(trainLoss: 0.1, testLoss: 0.1 + g, trainError: 0, testError: g),
                measures: [
                  // A perfect measure (μ = gap) and a constant one, like margin_sample_count.
                  MeasureRecord(measureID: "perfect", value: g),
                  MeasureRecord(measureID: "margin_sample_count", value: 1000),
                ]))
            try run.finish(status: .finished)
          }
          c += 1
        }
      }
    }
    return path
  }

  @Test func derivedHiddenLayers_isNotAnAxis_gridIsComplete() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = try Self.makeStore(dir)
    let input = try correlationInput(storePath: path, experiment: "demo-grid")
    // Before the fix: depth, hidden_layers, learning_rate, width (32 cells for 8 configurations).
    #expect(input.grid?.axisNames == ["depth", "width", "learning_rate"])
    #expect(input.notes.contains("grid axes: depth, width, learning_rate"))
    #expect(input.grid?.configurationCount == 8 && input.grid?.cellCount == 8)

    let rows = try correlateJSON([path, "--experiment", "demo-grid"])
    let perfect = try #require(row(rows, "perfect"))
    // μ = gap: τ = 1, every ψ = 1 (each line is concordant), and the normalized CMI is
    // I(V_μ; V_g | S)/H(V_g | S) = 1 for every conditioning set in both forms.
    #expect(near(perfect["tau_a"], 1))
    for key in ["psi", "psi_depth", "psi_width", "psi_learning_rate", "cmi", "cmi_pgdl"] {
      #expect(near(perfect[key], 1), "\(key): \(String(describing: perfect[key]))")
    }
    #expect(perfect["psi_hidden_layers"] == nil)
    #expect((perfect["note"] as? String ?? "").isEmpty)

    // Item 2 end to end: a measure constant over every run is undefined everywhere, with why.
    let constant = try #require(row(rows, "margin_sample_count"))
    for key in ["tau_a", "psi", "psi_depth", "cmi", "cmi_pgdl"] {
      #expect(constant[key] is NSNull, "\(key): \(String(describing: constant[key]))")
    }
    let note = constant["note"] as? String ?? ""
    for part in ["tau: the measure is constant", "psi: the measure is constant",
      "cmi: the measure is constant", "cmi_pgdl: the measure is constant"]
    {
      #expect(note.contains(part), "\(note)")
    }
  }

  @Test func report_usesTheSameDefaultAxesAsCorrelate() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = try Self.makeStore(dir)
    let loader = StoreReportLoader(database: try Database(storePath: path, readOnly: true), storePath: path)
    let data = try loader.load(experiment: "demo-grid", source: path)
    #expect(data.axisNames == ["depth", "width", "learning_rate"])
    #expect(data.axisNames == (try correlationInput(storePath: path, experiment: "demo-grid").grid?.axisNames))
    let perfect = try #require(data.correlations.first { $0.measure == "perfect" })
    #expect(perfect.cmiPGDL.map { abs($0 - 1) < 1e-9 } == true)
  }
}
