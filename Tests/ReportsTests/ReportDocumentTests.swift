import Foundation
import Testing

@testable import Reports

/// A small width-sweep experiment with hand-made numbers.
func sampleData() -> ExperimentReportData {
  var runs: [ReportRun] = []
  var width: [WidthSweepPoint] = []
  var scatter: [PlotPoint] = []
  var id: Int64 = 1
  for units in [8, 64, 512] {
    for random in [false, true] {
      let test = random ? 0.9 : 0.2 - 0.02 * log2(Double(units)) / 3
      let train = random ? (units >= 512 ? 0.0 : 0.5) : 0.05
      let norm = Double(units).squareRoot() * (random ? 10 : 2)
      runs.append(
        ReportRun(
          id: id, name: "width=\(units),label_noise=\(random ? 1 : 0)", status: "finished",
          hyperparameters: ["width": String(units), "label_noise": random ? "1" : "0"], epochs: 2,
          trainError: train, testError: test, generalizationGap: test - train))
      width.append(
        WidthSweepPoint(
          hiddenUnits: units, hasRandomLabels: random, trainError: train, testError: test,
          measures: ["frobenius_product": norm]))
      scatter.append(PlotPoint(x: norm, y: test - train, label: "run \(id)"))
      id += 1
    }
  }
  runs.append(ReportRun(id: id, name: "diverged <run>", status: "diverged", hyperparameters: [:]))
  return ExperimentReportData(
    experiment: "width & <labels>", source: "/tmp/runs.sqlite", generatedAt: "2026-11-29T10:00:00Z",
    protocolDescription: "Gap = test error − train error at the final epoch.",
    hyperparameterNames: ["width", "label_noise"], runs: runs, axisNames: ["width", "label_noise"],
    correlations: [
      CorrelationRow(
        measure: "frobenius_product", tauA: 0.6, tauB: 0.62, spearman: 0.7, psi: 0.5,
        psiByAxis: ["width": 0.0, "label_noise": 1.0], cmi: 0.41, cmiPGDL: 0.38, usedCount: 6,
        excludedCount: 1),
      CorrelationRow(
        measure: "constant|measure", tauA: nil, tauB: nil, spearman: nil, psi: nil,
        psiByAxis: ["width": nil, "label_noise": nil], cmi: 0, cmiPGDL: 0, usedCount: 6,
        excludedCount: 1),
    ],
    scatter: [MeasureScatter(measure: "frobenius_product", points: scatter)],
    trajectories: [
      RunTrajectory(
        runName: "width=8", epochs: [0, 1, 2], trainError: [0.9, 0.3, 0.1], testError: [0.9, 0.35, .nan],
        measures: ["frobenius_product": [1, 2, 3]])
    ],
    trajectoryMeasures: ["frobenius_product"], widthSweep: width,
    widthSweepMeasures: ["frobenius_product"], notes: ["1 run excluded: diverged."])
}

@Suite struct ReportDocumentTests {
  @Test func html_isSelfContainedAndEscaped() {
    let doc = ExperimentReport.makeDocument(sampleData())
    let html = doc.renderHTML()
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    #expect(html.contains("<style>"))
    // No network access: no scripts, links, images, imports or url() references. The only
    // URL is the SVG namespace name, which browsers never fetch.
    for forbidden in ["<script", "<link", "<img", "src=", "href=", "@import", "url(", "https:"] {
      #expect(!html.contains(forbidden), "found \(forbidden)")
    }
    let urls = html.components(separatedBy: "http://").dropFirst()
    #expect(urls.allSatisfy { $0.hasPrefix("www.w3.org/2000/svg\"") })
    // User text is escaped.
    #expect(html.contains("gapdb report: width &amp; &lt;labels&gt;"))
    #expect(html.contains("diverged &lt;run&gt;"))
    #expect(!html.contains("<labels>"))
  }

  @Test func html_containsCorrelationTableAndPlots() {
    let data = sampleData()
    let doc = ExperimentReport.makeDocument(data)
    let html = doc.renderHTML()
    for header in ["τ_a", "τ_b", "Spearman ρ", "Ψ", "ψ_width", "ψ_label_noise", "cmi", "cmi_pgdl", "n used", "n excluded"] {
      #expect(html.contains("<th>\(header)</th>"), "missing column \(header)")
    }
    #expect(html.contains("<td class=\"num\" style=\"background: rgba(0,114,178,0.270)\">0.600</td>"))
    #expect(html.contains("<td class=\"num\">—</td>"))  // undefined τ of a constant measure
    // Figures: 1 scatter + (1 error + 1 measure) width plots + (2 error + 1 measure) trajectories.
    #expect(doc.plots.count == 6)
    #expect(count("<svg", in: html) == 6)
    #expect(count("<figure>", in: html) == 6)
    #expect(html.contains("Error vs network size"))
    #expect(html.contains("hidden units (log₂ scale)"))
    #expect(html.contains(">random labels, test</text>"))
    // The runs table has one row per run.
    let runs = ExperimentReport.runsTable(data)
    #expect(runs.rows.count == 7)
    #expect(runs.columns == ["run", "name", "status", "width", "label_noise", "epochs", "train error", "test error", "gap"])
    #expect(runs.rows[6][5] == .undefined)
    // The trajectory's NaN test error is skipped and announced.
    #expect(html.contains("1 point not shown (non-finite)"))
  }

  @Test func widthPlots_useLogScalesAndTwoLabelSeries() throws {
    let plots = ExperimentReport.widthSweepPlots(sampleData())
    #expect(plots.count == 2)
    let measure = plots[1].0
    #expect(measure.xScale == .log2)
    #expect(measure.yScale == .log10)
    #expect(measure.series.map(\.name) == ["true labels", "random labels"])
    #expect(measure.series[0].points.map(\.x) == [8, 64, 512])
    // Random-label norms are 5× the true-label norms at every width.
    for (t, r) in zip(measure.series[0].points, measure.series[1].points) {
      #expect(abs(r.y / t.y - 5) < 1e-12)
    }
    #expect(plots[0].0.series.count == 4)
  }

  @Test func correlationCells_formatValuesAndNonFinite() {
    #expect(ReportCell.correlation(-0.12345).text == "-0.123")
    #expect(ReportCell.number(.nan, digits: 3).text == "NaN")
    #expect(ReportCell.number(-.infinity, digits: 3).text == "-inf")
    #expect(ReportCell.number(0.0412, digits: 4).text == "0.0412")
    #expect(ReportCell.number(1.5e7, digits: 3).text == "1.50e+07")
    #expect(ReportCell.undefined.text == "—")
  }

  @Test func markdown_tablesAndFigureAssets() {
    let doc = ExperimentReport.makeDocument(sampleData())
    let md = doc.renderMarkdown(assetDirectory: "report_files")
    #expect(md.assets.count == 6)
    #expect(md.assets.map(\.name).first == "figure-01.svg")
    #expect(md.assets.allSatisfy { $0.contents.hasPrefix("<svg") })
    #expect(md.text.contains("![Error vs network size](report_files/figure-02.svg)"))
    #expect(md.text.contains("| measure | τ\\_a | τ\\_b | Spearman ρ | Ψ | ψ\\_width | ψ\\_label\\_noise | cmi | cmi\\_pgdl | n used | n excluded |"))
    #expect(md.text.contains("|---|---:|---:|"))
    #expect(md.text.contains("| constant\\|measure | — |"))
    #expect(md.text.hasPrefix("# gapdb report: width & \\<labels\\>"))
  }

  @Test func emptyExperiment_stillRenders() {
    let doc = ExperimentReport.makeDocument(ExperimentReportData(experiment: "empty"))
    let html = doc.renderHTML()
    #expect(html.contains("No measure could be correlated"))
    #expect(doc.plots.isEmpty)
    #expect(html.hasSuffix("</html>\n"))
  }
}

@Suite struct LongTableTests {
  @Test func html_foldsRowsAfterTheVisibleCount_markdownListsAll() {
    let rows = (0..<25).map { [ReportCell.text("m\($0)"), .correlation(Double($0) / 25)] }
    let doc = ReportDocument(
      title: "t", blocks: [.table(ReportTable(columns: ["measure", "τ_a"], rows: rows, visibleRowCount: 20))])
    let html = doc.renderHTML()
    #expect(html.contains("<details><summary>5 more rows</summary>"))
    let folded = html.components(separatedBy: "<details>")[1]
    #expect(folded.contains(">m20</td>") && folded.contains(">m24</td>"))
    #expect(!folded.contains(">m19</td>"))
    #expect(count("<tr>", in: html) == 25 + 2)  // data rows + one header row per table
    let md = doc.renderMarkdown(assetDirectory: "f").text
    #expect(md.contains("| m24 |"))
    #expect(!md.contains("details"))
  }
}
