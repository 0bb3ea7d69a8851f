import ArgumentParser
import TabularOutput

extension OutputFormat: ExpressibleByArgument {}

/// The output options every row-printing command shares.
///
/// `--format table|csv|tsv|json|jsonl` (default `table`), with the shortcuts `--csv`,
/// `--tsv`, `--json` and `--jsonl`, and `--no-headers` for table, CSV and TSV. JSON and JSON
/// Lines write NaN and ±Inf as `null`, because JSON has no spelling for them.
public struct OutputOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Output format: table (aligned, default), csv, tsv, json (array of objects), jsonl.",
      discussion: "JSON has no NaN or Infinity: json and jsonl write null for them."))
  var format: OutputFormat?

  @Flag(help: "Shortcut for --format csv.") var csv = false
  @Flag(help: "Shortcut for --format tsv.") var tsv = false
  @Flag(help: "Shortcut for --format json (NaN/±Inf are written as null).") var json = false
  @Flag(help: "Shortcut for --format jsonl (one JSON object per line).") var jsonl = false
  @Flag(help: "Omit the header line (table, csv, tsv).") var noHeaders = false

  public init() {}

  public mutating func validate() throws {
    let chosen = [format != nil, csv, tsv, json, jsonl].filter { $0 }.count
    if chosen > 1 {
      throw ValidationError(
        "Choose one output format; got several of --format, --csv, --tsv, --json, --jsonl.")
    }
  }

  /// The format selected by the flags.
  public var resolvedFormat: OutputFormat {
    if let format { return format }
    if csv { return .csv }
    if tsv { return .tsv }
    if json { return .json }
    if jsonl { return .jsonl }
    return .table
  }

  /// A writer to standard output in the selected format.
  public func makeWriter(sink: TextSink) -> RowWriter {
    RowWriter(format: resolvedFormat, includeHeaders: !noHeaders, sink: sink)
  }
}

/// An error with a message that names the bad value and a hint; printed as
/// `Error: <message>` then `Hint: <hint>`, exit code 1.
public struct CommandError: Error, CustomStringConvertible {
  /// What went wrong, with the offending value.
  public var message: String
  /// What to do about it.
  public var hint: String?

  /// Creates an error.
  public init(_ message: String, hint: String? = nil) {
    self.message = message
    self.hint = hint
  }

  public var description: String {
    guard let hint else { return message }
    return message + "\nHint: " + hint
  }
}
