import Foundation

/// Builds the experiment report document from ``ExperimentReportData``.
///
/// Sections, in order: a summary (source, protocol, run counts, notes); the correlation
/// table (τ_a, τ_b, Spearman ρ, Ψ, each ψ_<axis>, cmi, cmi_pgdl, n used, n excluded); scatter
/// plots of the top measures vs the gap; for a width sweep, the paper-style plots of
/// Neyshabur et al. 2017 (error and each measure vs hidden units on a log₂ axis, true vs
/// random labels as two series, measures on a log₁₀ axis when positive); per-epoch
/// trajectories of training/test error and of measures; the runs with their
/// hyperparameters. Sections without data are left out.
public enum ExperimentReport {
  /// The generalization-gap axis label.
  public static let gapLabel = "generalization gap (test − train error, fraction)"

  /// Makes the document.
  ///
  /// - Parameter data: The report's data.
  /// - Returns: A document to render with ``ReportDocument/renderHTML()`` or
  ///   ``ReportDocument/renderMarkdown(assetDirectory:)``.
  public static func makeDocument(_ data: ExperimentReportData) -> ReportDocument {
    var doc = ReportDocument(title: "gapdb report: \(data.experiment)")
    doc.blocks.append(.heading(level: 1, text: "gapdb report: \(data.experiment)", anchor: "top"))
    doc.blocks.append(.paragraph(summary(data)))
    if !data.notes.isEmpty { doc.blocks.append(.list(data.notes)) }

    doc.blocks.append(
      .heading(level: 2, text: "Which measure predicts the generalization gap?", anchor: "correlation"))
    if data.correlations.isEmpty {
      doc.blocks.append(.paragraph("No measure could be correlated (too few finished runs)."))
    } else {
      doc.blocks.append(.table(correlationTable(data)))
      if let lines = psiLinesTable(data) { doc.blocks.append(.table(lines)) }
    }

    if !data.scatter.isEmpty {
      doc.blocks.append(.heading(level: 2, text: "Top measures vs the gap", anchor: "scatter"))
      for s in data.scatter {
        let tau = data.correlations.first { $0.measure == s.measure }?.tauA
        let tauText = tau.map { String(format: " (τ_a = %.3f)", $0) } ?? ""
        let xScale = preferredScale(s.points.map(\.x))
        let plot = Plot(
          title: "\(s.measure) vs generalization gap\(tauText)",
          xLabel: "\(s.measure)\(xScale == .linear ? "" : " (log scale)")", yLabel: data.gapLabel,
          xScale: xScale, series: [PlotSeries(name: "", points: s.points, style: .markers)])
        doc.blocks.append(
          .figure(plot, caption: "Each point is one run: its \(data.snapshotName) \(s.measure) against its generalization gap."))
      }
    }

    if !data.widthSweep.isEmpty {
      doc.blocks.append(.heading(level: 2, text: "Width sweep: true vs random labels", anchor: "width"))
      doc.blocks.append(
        .paragraph(
          "One hidden layer of increasing size, trained on true labels and on random labels "
            + "(Neyshabur, Bhojanapalli, McAllester, Srebro 2017, \"Exploring Generalization in Deep Learning\", Fig. 1–2)."))
      for (plot, caption) in widthSweepPlots(data) {
        doc.blocks.append(.figure(plot, caption: caption))
      }
    }

    if !data.trajectories.isEmpty {
      doc.blocks.append(.heading(level: 2, text: "Per-epoch trajectories", anchor: "trajectories"))
      for (plot, caption) in trajectoryPlots(data) {
        doc.blocks.append(.figure(plot, caption: caption))
      }
    }

    doc.blocks.append(.heading(level: 2, text: "Runs and hyperparameters", anchor: "runs"))
    doc.blocks.append(.table(runsTable(data)))
    return doc
  }

  static func summary(_ data: ExperimentReportData) -> String {
    var counts: [String: Int] = [:]
    for r in data.runs { counts[r.status, default: 0] += 1 }
    let byStatus = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
      .joined(separator: ", ")
    var parts = ["Experiment '\(data.experiment)': \(data.runs.count) runs" + (byStatus.isEmpty ? "." : " (\(byStatus)).")]
    if !data.protocolDescription.isEmpty { parts.append(data.protocolDescription) }
    if !data.source.isEmpty { parts.append("Store: \(data.source).") }
    if !data.generatedAt.isEmpty { parts.append("Generated \(data.generatedAt).") }
    return parts.joined(separator: " ")
  }

  /// The correlation table: one row per measure in the data's order.
  public static func correlationTable(_ data: ExperimentReportData) -> ReportTable {
    let columns =
      ["measure", "τ_a", "τ_b", "Spearman ρ", "Ψ"] + data.axisNames.map { "ψ_\($0)" }
      + ["cmi", "cmi_pgdl", "n used", "n excluded"]
    let rows = data.correlations.map { row -> [ReportCell] in
      var cells: [ReportCell] = [.text(row.measure)]
      cells += [row.tauA, row.tauB, row.spearman, row.psi].map(correlationCell)
      cells += data.axisNames.map { correlationCell(row.psiByAxis[$0] ?? nil) }
      cells += [row.cmi, row.cmiPGDL].map { $0.map { .number($0, digits: 3) } ?? .undefined }
      cells += [.integer(row.usedCount), .integer(row.excludedCount)]
      return cells
    }
    return ReportTable(
      columns: columns, rows: rows,
      caption: "Rank correlation of each measure with the generalization gap. τ_a: Kendall "
        + "(Jiang et al. 2020, ties count 0); τ_b: Kendall with tie correction (SciPy); Ψ: granulated "
        + "Kendall (mean of ψ over hyperparameter axes, Jiang et al. eq. 4); cmi / cmi_pgdl: "
        + "conditional mutual information, paper and PGDL forms. — = undefined for this data.",
      visibleRowCount: 20)
  }

  /// The grid lines behind each ψ: per measure and axis the lines used and skipped, and why
  /// lines were skipped; `nil` without grid axes or line counts.
  public static func psiLinesTable(_ data: ExperimentReportData) -> ReportTable? {
    guard !data.axisNames.isEmpty, data.correlations.contains(where: { !$0.psiLinesByAxis.isEmpty }) else {
      return nil
    }
    let columns =
      ["measure"] + data.axisNames.flatMap { ["ψ_\($0) lines used", "ψ_\($0) lines skipped"] } + ["why skipped"]
    let rows = data.correlations.map { row -> [ReportCell] in
      var cells: [ReportCell] = [.text(row.measure)]
      var why: [String] = []
      for axis in data.axisNames {
        guard let count = row.psiLinesByAxis[axis] else {
          cells += [.undefined, .undefined]
          continue
        }
        cells += [.integer(count.used), .integer(count.skipped)]
        if !count.why.isEmpty { why.append("\(axis): \(count.why)") }
      }
      cells.append(.text(why.joined(separator: " | ")))
      return cells
    }
    return ReportTable(
      columns: columns, rows: rows,
      caption: "Grid lines behind each ψ. A line of an axis holds the runs that differ only in "
        + "that hyperparameter; ψ averages τ over the lines with 2 or more usable runs "
        + "(gapdb correlate --psi-lines complete keeps only lines with every level). Skipped: "
        + "empty (no run has that combination of the other axes), with one model, non-finite "
        + "(fewer than 2 runs with finite values), incomplete. Used lines that are tied count τ = 0.",
      visibleRowCount: 20)
  }

  static func correlationCell(_ v: Double?) -> ReportCell {
    guard let v else { return .undefined }
    return .correlation(v)
  }

  /// The runs table: id, name, status, each hyperparameter, epochs, errors and gap.
  public static func runsTable(_ data: ExperimentReportData) -> ReportTable {
    let columns =
      ["run", "name", "status"] + data.hyperparameterNames
      + ["epochs", "train error", "test error", "gap"]
    let rows = data.runs.map { r -> [ReportCell] in
      var cells: [ReportCell] = [.integer(Int(r.id)), .text(r.name), .text(r.status)]
      cells += data.hyperparameterNames.map { .text(r.hyperparameters[$0] ?? "") }
      cells.append(r.epochs.map { .integer($0) } ?? .undefined)
      cells += [r.trainError, r.testError, r.generalizationGap].map {
        $0.map { .number($0, digits: 4) } ?? .undefined
      }
      return cells
    }
    return ReportTable(columns: columns, rows: rows)
  }

  /// A log₁₀ scale when every finite value is > 0 and they span more than two decades.
  public static func preferredScale(_ values: [Double]) -> PlotScale {
    let finite = values.filter(\.isFinite)
    guard let lo = finite.min(), let hi = finite.max(), lo > 0, hi / lo > 100 else {
      return .linear
    }
    return .log10
  }

  static func widthSweepPlots(_ data: ExperimentReportData) -> [(Plot, String)] {
    let blue = Plot.palette[0]
    let orange = Plot.palette[1]
    func series(random: Bool, _ value: (WidthSweepPoint) -> Double?) -> [PlotPoint] {
      data.widthSweep.filter { $0.hasRandomLabels == random }
        .sorted { $0.hiddenUnits < $1.hiddenUnits }
        .compactMap { p in value(p).map { PlotPoint(x: Double(p.hiddenUnits), y: $0, label: "\(p.hiddenUnits) units") } }
    }
    var plots: [(Plot, String)] = []
    let errorPlot = Plot(
      title: "Error vs network size", xLabel: "hidden units (log₂ scale)",
      yLabel: "error (fraction)", xScale: .log2,
      series: [
        PlotSeries(name: "true labels, test", points: series(random: false) { $0.testError }, style: .lineAndMarkers, color: blue),
        PlotSeries(name: "true labels, train", points: series(random: false) { $0.trainError }, style: .lineAndMarkers, isDashed: true, color: blue),
        PlotSeries(name: "random labels, test", points: series(random: true) { $0.testError }, style: .lineAndMarkers, color: orange),
        PlotSeries(name: "random labels, train", points: series(random: true) { $0.trainError }, style: .lineAndMarkers, isDashed: true, color: orange),
      ])
    plots.append(
      (errorPlot, "Training (dashed) and test (solid) error of one-hidden-layer networks as the hidden layer grows."))
    for measure in data.widthSweepMeasures {
      let truePts = series(random: false) { $0.measures[measure] }
      let randomPts = series(random: true) { $0.measures[measure] }
      let yScale = (truePts + randomPts).allSatisfy({ !$0.y.isFinite || $0.y > 0 }) ? PlotScale.log10 : .linear
      let plot = Plot(
        title: "\(measure) vs network size", xLabel: "hidden units (log₂ scale)",
        yLabel: "\(measure)\(yScale == .linear ? "" : " (log scale)")", xScale: .log2, yScale: yScale,
        series: [
          PlotSeries(name: "true labels", points: truePts, style: .lineAndMarkers, color: blue),
          PlotSeries(name: "random labels", points: randomPts, style: .lineAndMarkers, color: orange),
        ])
      plots.append(
        (plot, "A measure that explains generalization should grow with network size for random labels and stay low for true labels."))
    }
    return plots
  }

  static func trajectoryPlots(_ data: ExperimentReportData) -> [(Plot, String)] {
    func series(_ value: (RunTrajectory) -> [Double]) -> [PlotSeries] {
      data.trajectories.map { t in
        let ys = value(t)
        let pts = zip(t.epochs, ys).map { PlotPoint(x: Double($0), y: $1, label: t.runName) }
        return PlotSeries(name: t.runName, points: pts, style: .line)
      }
    }
    var plots: [(Plot, String)] = []
    plots.append(
      (Plot(title: "Test error per epoch", xLabel: "epoch", yLabel: "test error (fraction)", series: series(\.testError), hasIntegerX: true),
       "Test error over training (epoch 0 = initialization)."))
    plots.append(
      (Plot(title: "Training error per epoch", xLabel: "epoch", yLabel: "training error (fraction)", series: series(\.trainError), hasIntegerX: true),
       "Training error over training."))
    for measure in data.trajectoryMeasures {
      let s = series { $0.measures[measure] ?? [] }.map {
        PlotSeries(name: $0.name, points: $0.points, style: .lineAndMarkers)
      }
      let scale = preferredScale(s.flatMap { $0.points.map(\.y) })
      plots.append(
        (Plot(title: "\(measure) per epoch", xLabel: "epoch", yLabel: "\(measure)\(scale == .linear ? "" : " (log scale)")", yScale: scale, series: s, hasIntegerX: true),
         "\(measure) over training, one line per run; gaps in a line are epochs where it was not measured or not finite."))
    }
    return plots
  }
}
