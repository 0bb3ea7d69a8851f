import ArgumentParser
import CorrelationStatistics
import Foundation
import GapAnalysis
import ResultsStore
import TabularOutput

/// `gapdb correlate`: which complexity measure predicts the generalization gap?
struct CorrelateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "correlate",
    abstract: "Rank complexity measures by how well they predict the generalization gap.",
    discussion: """
      One row per measure: Kendall's tau_a (Jiang et al.'s tau), tau_b (SciPy's), Spearman's \
      rho, Pearson's r, the granulated Kendall Psi with one psi_<axis> per hyperparameter \
      (and the grid lines each psi used and skipped, see --psi-lines), the conditional mutual information in the paper form (cmi, minimum over conditioning \
      sets of size <= 2, with the minimizing set) and the PGDL scoring program's form \
      (cmi_pgdl), and the runs used and excluded. A good measure has positive tau with the \
      gap. NaN/Inf values and missing measures exclude that run from that measure only, and \
      are counted in n_excluded. Undefined values (n < 2, constant input) are empty/null, \
      with the reason in the note column.

      Input is either a gapdb store (one snapshot per run) or a CSV table (--csv FILE: one \
      row per run, a gap column, hyperparameter columns, and every other numeric column is \
      a measure; a column named "seed" is never a measure). A column without numbers (model \
      names) is skipped with a note; a non-number among numbers is an error naming its line \
      (--ignore-columns leaves such a column out). Because --csv names the input here, write \
      CSV output with --format csv.

      Grid levels are exact: numbers compare by value, never through a 64-bit float (1, 1.0 \
      and 1e0 are one level; 2^70 and 2^70+1 written out are two), anything else is text \
      compared exactly (0x10 is text). A warning names the column and values wherever a \
      conversion merged distinct values (measure or gap decimals equal as 64-bit floats, \
      REAL hyperparameters recorded as different decimals).

      Examples:
        gapdb correlate runs.db --experiment width-sweep
        gapdb correlate runs.db --experiment grid --at train-loss=0.01 --gap loss --measures spec_prod,fro_prod
        gapdb correlate runs.db --where "json_extract(r.config, '$.dataset') = 'mnist'" --at best-test-error
        gapdb correlate --csv models.csv --gap-column gen_gap --hyperparameters lr,depth,width
        gapdb correlate --csv models.csv --gap-column gen_gap --hyperparameters lr,depth --bootstrap 1000 --seed 7 --format json
      """)

  @Argument(help: "The gapdb store to read (omit when using --csv).")
  var database: String?

  @Option(
    name: .customLong("csv"),
    help: ArgumentHelp(
      "Read the runs from this CSV file (RFC 4180, header row; '-' = stdin) instead of a store.",
      valueName: "file"))
  var csvPath: String?

  @Option(help: "With --csv: the column holding the generalization gap.")
  var gapColumn: String?

  @Option(
    help: ArgumentHelp(
      "Comma-separated hyperparameters forming the grid for psi and cmi.",
      discussion: """
        Store default: every hyperparameter that varies, except seed and except one that is a \
        function of the other varying axes (it splits no configuration, e.g. hidden_layers \
        given depth and width); sweep axes (depth, width, learning_rate, ...) are kept first. \
        gapdb report uses the same default. CSV: none.
        """))
  var hyperparameters: String?

  @Option(help: "With --csv: comma-separated columns that are neither measures nor axes.")
  var ignoreColumns: String?

  @Option(help: "Store: the experiment whose runs to correlate.")
  var experiment: String?

  @Option(
    name: .customLong("where"),
    help: "Store: an SQL condition on the run table (alias r) selecting the runs.")
  var whereClause: String?

  @Option(
    help: ArgumentHelp(
      "Store: the snapshot per run: final, epoch=N, train-loss=X, best-test-error.",
      discussion: """
        final: the last recorded epoch (default). epoch=N: epoch N. train-loss=X: the first \
        epoch whose training loss is <= X (Jiang et al.'s protocol, e.g. 0.01). \
        best-test-error: the epoch with the lowest test error (earliest on ties). Runs \
        without that snapshot are excluded and counted.
        """))
  var at: SnapshotSelector = .final

  @Option(help: "Store: which gap: error (test error - train error) or loss (test loss - train loss).")
  var gap: GapSelector = .error

  @Option(help: "Comma-separated measures to report (default: all).")
  var measures: String?

  @Option(help: "Row order: \(CorrelationSort.allCases.map(\.rawValue).joined(separator: ", ")).")
  var sort: CorrelationSort = .absTauA

  @Option(help: "Seeds in psi and cmi: average (per configuration, default) or keep (every run).")
  var seeds: SeedHandling = .average

  @Option(
    help: ArgumentHelp(
      "Lines psi averages on an incomplete grid: all (every line with 2 or more usable models, default) or complete.",
      discussion: """
        A line of axis i holds the models that differ only in hyperparameter i. complete keeps \
        only lines with a usable model (finite measure and gap) at every level of the axis, the \
        strict form of Jiang et al.'s psi; all also averages lines with missing levels. Either \
        way lines_used_<axis> and lines_skipped_<axis> count the lines, and lines_why \
        says why lines were left out: empty (no run has that combination of the other axes), \
        with one model, non-finite (fewer than 2 models with finite values), incomplete.
        """))
  var psiLines: PsiLines = .all

  @Option(help: "Bootstrap resamples for confidence intervals on tau (0 = none).")
  var bootstrap: Int = 0

  @Option(help: "Seed of the bootstrap's random generator. (default: 0)", transform: parseSeed)
  var seed: UInt64 = 0

  @Option(help: "Confidence level of the bootstrap intervals.")
  var confidence: Double = 0.95

  @Option(
    help: ArgumentHelp(
      "Test-set size n: adds the robust sign-error (Dziugaite et al. 2020) with Hoeffding weights.",
      valueName: "n"))
  var testSize: Int?

  @Option(help: "Threads used to evaluate measures in parallel.")
  var threads: Int = 2

  @OptionGroup var output: CorrelateOutputOptions

  init() {}

  mutating func validate() throws {
    if (database == nil) == (csvPath == nil) {
      throw ValidationError("Give either a store (DATABASE) or --csv FILE, not both or neither.")
    }
    if let database { try validateNonEmptyPath(database, "<database>") }
    if let csvPath { try validateNonEmptyPath(csvPath, "--csv") }
    if csvPath != nil {
      if gapColumn == nil {
        throw ValidationError("--csv needs --gap-column naming the generalization-gap column.")
      }
      if gapColumn?.trimmingCharacters(in: .whitespaces).isEmpty == true {
        throw ValidationError("--gap-column is empty; name the CSV column holding the gap.")
      }
      if experiment != nil || whereClause != nil {
        throw ValidationError("--experiment and --where select runs in a store, not in --csv input.")
      }
    } else {
      if gapColumn != nil || ignoreColumns != nil {
        throw ValidationError("--gap-column and --ignore-columns apply to --csv input only; use --gap error|loss.")
      }
    }
    if let measures, list(measures)?.isEmpty == true {
      throw ValidationError(
        "--measures '\(measures)' names no measure; give comma-separated measure names, or leave it out for all.")
    }
    if bootstrap < 0 { throw ValidationError("--bootstrap must be 0 or more, got \(bootstrap).") }
    if !(confidence > 0 && confidence < 1) {
      throw ValidationError("--confidence must be between 0 and 1, got \(confidence).")
    }
    if let testSize, testSize <= 0 {
      throw ValidationError("--test-size must be positive, got \(testSize).")
    }
    if threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads).") }
  }

  func run() throws {
    let result = try analysis()
    for note in result.input.notes { writeStandardError("note: \(note)\n") }
    for warning in result.input.warnings { writeStandardError("warning: \(warning)\n") }
    let sink = StandardOutputSink()
    writeCorrelationReport(result, sink: sink)
    sink.flush()
  }

  /// Reads the input (the store or the CSV file) and evaluates every measure: the library
  /// call behind this command.
  func analysis() throws -> AnalysisResult {
    if let csvPath {
      var ignored = Set(list(ignoreColumns) ?? [])
      ignored.insert("seed")
      let input = try csvCorrelationInput(
        path: csvPath, gapColumn: gapColumn ?? "", hyperparameters: list(hyperparameters) ?? [],
        measureNames: list(measures), ignored: ignored)
      return analyze(input, options: evaluationOptions, sort: sort)
    }
    let path = database ?? ""
    return try analyze(
      database: try openStore(path, readOnly: true), storePath: path,
      selection: RunSelection(
        experiment: experiment, whereClause: whereClause, measures: list(measures),
        hyperparameters: list(hyperparameters)),
      snapshot: at, gap: gap, options: evaluationOptions, sort: sort)
  }

  /// The evaluation options of the command line.
  var evaluationOptions: EvaluationOptions {
    var options = EvaluationOptions()
    options.seeds = seeds
    options.psiLines = psiLines
    options.bootstrapResamples = bootstrap
    options.bootstrapSeed = seed
    options.confidenceLevel = confidence
    options.signErrorTestSetSize = testSize
    options.threads = threads
    return options
  }

  /// Writes the table of an analysis in the chosen format (separate from `run` so tests can
  /// capture it).
  func writeCorrelationReport(_ result: AnalysisResult, sink: TextSink) {
    let writer = output.makeWriter(sink: sink)
    writer.begin(columns: result.columns)
    for row in result.rows { writer.write(row) }
    writer.finish()
  }

  private func list(_ text: String?) -> [String]? {
    guard let text else { return nil }
    return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }

}

/// The output options of `correlate`: those of ``OutputOptions`` except the `--csv` shortcut,
/// because `--csv FILE` names the input table there (write CSV with `--format csv`).
struct CorrelateOutputOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Output format: table (aligned, default), csv, tsv, json (array of objects), jsonl.",
      discussion: "JSON has no NaN or Infinity: json and jsonl write null for them."))
  var format: OutputFormat?

  @Flag(help: "Shortcut for --format tsv.") var tsv = false
  @Flag(help: "Shortcut for --format json.") var json = false
  @Flag(help: "Shortcut for --format jsonl (one JSON object per line).") var jsonl = false
  @Flag(help: "Omit the header line (table, csv, tsv).") var noHeaders = false

  init() {}

  mutating func validate() throws {
    if [format != nil, tsv, json, jsonl].filter({ $0 }).count > 1 {
      throw ValidationError("Choose one output format; got several of --format, --tsv, --json, --jsonl.")
    }
  }

  /// The selected format.
  var resolvedFormat: OutputFormat {
    format ?? (tsv ? .tsv : json ? .json : jsonl ? .jsonl : .table)
  }

  /// A writer in the selected format.
  func makeWriter(sink: TextSink) -> RowWriter {
    RowWriter(format: resolvedFormat, includeHeaders: !noHeaders, sink: sink)
  }
}

// The library's enums, read from the command line (`correlate`, `report`).
extension SeedHandling: ExpressibleByArgument {}
extension PsiLines: ExpressibleByArgument {}
extension GapSelector: ExpressibleByArgument {}
extension CorrelationSort: ExpressibleByArgument {}

/// `--at`: `final`, `epoch=N`, `train-loss=X`, `best-test-error` (``SnapshotSelector/init(parsing:)``).
extension SnapshotSelector: ExpressibleByArgument {
  public init?(argument: String) { self.init(parsing: argument) }
  public static var allValueStrings: [String] { textForms }
  public var defaultValueDescription: String { description }
}
