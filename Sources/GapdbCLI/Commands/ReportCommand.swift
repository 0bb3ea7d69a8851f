import ArgumentParser
import CorrelationStatistics
import Foundation
import GapAnalysis
import ResultsStore
import TabularOutput

extension ReportFormat: ExpressibleByArgument {}

/// `gapdb report`: the correlation report of a store's experiments, as HTML or Markdown.
public struct ReportCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Write an experiment's report: runs, correlation table and plots.",
    discussion: """
      The report holds, per experiment: the runs and their hyperparameters; the
      correlation table of every measure with the generalization gap (τ_a, τ_b,
      Spearman ρ, Ψ and ψ per hyperparameter axis, cmi, cmi_pgdl, runs used and
      excluded), ranked by |τ_a|; scatter plots of the top measures against the
      gap; per-epoch trajectories of training and test error and of the top
      measures; and, for a width sweep, the plots of Neyshabur et al. 2017 (error
      and measures against hidden units on log scales, true vs random labels).

      The table is `gapdb correlate`'s, over the finished runs (the rest are
      counted as excluded), with the same selection options: by default each
      run's last recorded epoch (--at), gap = test error − training error
      (--gap), every measure (--measures), and Ψ and CMI over the
      hyperparameters that vary, except seed and keys the other axes determine
      (e.g. the trainer's hidden_layers text when depth and width vary;
      --hyperparameters, --psi-lines). --where narrows the finished runs further.
      The scatter and width plots use the same snapshot and gap; the runs table
      shows each run's final epoch.

      HTML is one self-contained file (inline CSS and SVG, no scripts, no network
      access). Markdown writes the .md file and its figures as SVG files in
      <name>_files/ beside it. The format follows --out's extension (.html/.htm,
      .md/.markdown); any other extension needs an explicit --format (exit 64
      without it: the report is never PDF or plain text). The store is opened
      read-only; --out (and a Markdown report's figure files) may not be the store
      or its -wal, -shm or -journal file, under any spelling (links, ..).

      Examples:
        gapdb report runs.sqlite --out report.html
        gapdb report runs.sqlite --out report.md --experiment preset-width
        gapdb report runs.sqlite --out notes/report.txt --format markdown
        gapdb report runs.sqlite --out report.html --at train-loss=0.05 --gap loss
      """)

  @Argument(help: "The store (.sqlite file).")
  var store: String

  @Option(help: "The report file to write.")
  var out: String

  @Option(help: "html or markdown (default: from --out's extension: .html/.htm or .md/.markdown).")
  var format: ReportFormat?

  @Option(help: "Report only this experiment (repeatable; default: every experiment).")
  var experiment: [String] = []

  @Option(
    name: .customLong("where"),
    help: "An SQL condition on the run table (alias r) narrowing the finished runs correlated.")
  var whereClause: String?

  @Option(
    help: ArgumentHelp(
      "The snapshot per run: final, epoch=N, train-loss=X, best-test-error (as gapdb correlate --at).",
      discussion: """
        final: the last recorded epoch (default). epoch=N: epoch N. train-loss=X: the first \
        epoch whose training loss is <= X. best-test-error: the epoch with the lowest test \
        error (earliest on ties). Runs without that snapshot are excluded and counted.
        """))
  var at: SnapshotSelector = .final

  @Option(help: "Which gap: error (test error - train error) or loss (test loss - train loss).")
  var gap: GapSelector = .error

  @Option(help: "Comma-separated measures for the correlation table (default: all).")
  var measures: String?

  @Option(
    help: "Comma-separated hyperparameters forming the grid for psi and cmi (default: as gapdb correlate).")
  var hyperparameters: String?

  @Option(
    help: "Lines psi averages on an incomplete grid: all (default) or complete (as gapdb correlate --psi-lines).")
  var psiLines: PsiLines = .all

  public init() {}

  public func validate() throws {
    try validateNonEmptyPath(store, "<store>")
    if let measures, list(measures)?.isEmpty == true {
      throw ValidationError(
        "--measures '\(measures)' names no measure; give comma-separated measure names, or leave it out for all.")
    }
    if let hyperparameters, list(hyperparameters)?.isEmpty == true {
      throw ValidationError(
        "--hyperparameters '\(hyperparameters)' names no hyperparameter; give comma-separated keys, or leave it out for the default.")
    }
    try validateNonEmptyPath(out, "--out")
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), isDirectory.boolValue {
      throw ValidationError(
        "--out '\(out)' is a folder, not a file. "
          + "Hint: name the report file inside it, e.g. --out \((out as NSString).appendingPathComponent("report.html")).")
    }
    if let what = storeFileOverwritten(by: out, store: store) {
      throw ValidationError(
        "--out '\(out)' is \(what); writing the report there would destroy the store. "
          + "Hint: give the report its own name, e.g. --out report.html.")
    }
    if format == nil, ReportFormat(path: out) == nil {
      throw ValidationError(
        "--out '\(out)': cannot tell the report format from the extension (only html or markdown are written). "
          + "Hint: name the file .html, .htm or .md, or give --format html|markdown explicitly.")
    }
  }

  public func run() throws {
    let chosenFormat = format ?? ReportFormat(path: out) ?? .html  // validate() refused the rest
    let result = try writeExperimentReport(
      storePath: store, experiments: experiment, outputPath: out, format: chosenFormat,
      selection: selection)
    writeStandardError(
      "Wrote \(chosenFormat.rawValue) report of \(result.experiments.joined(separator: ", ")) to \(out)"
        + (result.files.count > 1 ? " (+\(result.files.count - 1) figure files)" : "") + "\n")
  }

  /// The correlation table's selection: correlate's options, correlate's defaults.
  var selection: ReportSelection {
    var options = EvaluationOptions()
    options.threads = 2
    options.psiLines = psiLines
    return ReportSelection(
      whereClause: whereClause, measures: list(measures), hyperparameters: list(hyperparameters),
      snapshot: at, gap: gap, options: options)
  }

  private func list(_ text: String?) -> [String]? {
    guard let text else { return nil }
    return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }
}
