import ArgumentParser
import Foundation
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
      counted as excluded): each run's last recorded epoch, gap = test error −
      training error, and Ψ and CMI over the hyperparameters that vary, except
      seed and keys the other axes determine (e.g. the trainer's hidden_layers
      text when depth and width vary).

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
      """)

  @Argument(help: "The store (.sqlite file).")
  var store: String

  @Option(help: "The report file to write.")
  var out: String

  @Option(help: "html or markdown (default: from --out's extension: .html/.htm or .md/.markdown).")
  var format: ReportFormat?

  @Option(help: "Report only this experiment (repeatable; default: every experiment).")
  var experiment: [String] = []

  public init() {}

  public func validate() throws {
    try validateNonEmptyPath(store, "<store>")
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
      storePath: store, experiments: experiment, outputPath: out, format: chosenFormat)
    writeStandardError(
      "Wrote \(chosenFormat.rawValue) report of \(result.experiments.joined(separator: ", ")) to \(out)"
        + (result.files.count > 1 ? " (+\(result.files.count - 1) figure files)" : "") + "\n")
  }
}
