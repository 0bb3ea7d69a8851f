import ArgumentParser
import Foundation
import ResultsStore
import TabularOutput

extension MergeConflictPolicy: ExpressibleByArgument {}

/// `gapdb merge OUT IN…`: combine stores (e.g. the per-shard stores of a cluster sweep).
struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Merge gapdb stores into one, idempotently (e.g. the per-shard stores of a cluster sweep).",
    discussion: """
      OUT is created if missing. From each input, in its own transaction (all or nothing), \
      copies experiments (by name), runs (identity = the run's UUID) with their \
      hyperparameters, layers, epochs, layer summaries, measure values and weight snapshots, \
      and the measure catalogue; each copied run gets a run_provenance row (source file, \
      host, source run id). Inputs are opened read-only and never modified; a store still \
      being written is read as of its last commit; stores of an older schema version are \
      read as they are; foreign files and stores of a newer gapdb are refused.

      Merging the same input again adds nothing: a run already in OUT with identical \
      content is skipped. The same UUID with different content is a conflict: by default \
      the input is refused (OUT unchanged by it) with a message naming each run and what \
      differs; --on-conflict keep|replace|newer resolves it instead (newer: the copy \
      recorded last wins, e.g. a store copied while it was still being written). A measure \
      id defined differently in OUT and an input refuses that input. A finished sweep run \
      whose configuration OUT already has finished under another UUID (the same array task \
      run twice) is skipped unless --keep-duplicates. Refused inputs are reported and the \
      others merged; the exit code is then 1.

      A summary line goes to stderr. --dry-run changes nothing and prints, per input, what \
      would be added, skipped and refused.

      Examples:
        gapdb merge all.sqlite shards/shard-*.sqlite
        gapdb merge all.sqlite shards/shard-3-of-8.sqlite --dry-run
        gapdb merge all.sqlite copy-later.sqlite --on-conflict newer
      """)

  @Argument(help: "The output store (created if missing).")
  var output: String

  @Argument(help: "The stores to merge into it (read-only).")
  var inputs: [String] = []

  @Option(help: "Same run UUID, different content: refuse (default), keep, replace or newer.")
  var onConflict: MergeConflictPolicy = .refuse

  @Flag(help: "Copy a finished sweep run even when OUT already has its configuration finished.")
  var keepDuplicates = false

  @Flag(help: "Change nothing; print what would be added, skipped and refused.")
  var dryRun = false

  @Flag(help: "OUT may be on a network filesystem: nothing else writes it, use a rollback journal there.")
  var singleWriter = false

  @OptionGroup var format: OutputOptions

  mutating func validate() throws {
    try validateNonEmptyPath(output, "<output>")
    if inputs.isEmpty { throw ValidationError("Give at least one input store after the output.") }
    for input in inputs { try validateNonEmptyPath(input, "<inputs>") }
  }

  func run() throws {
    // OUT must not be a companion file (-wal, -shm, -journal) of an existing store (an input
    // or any other), nor an input's companion: SQLite would write a whole database there.
    for suffix in ["-wal", "-shm", "-journal"] where output.hasSuffix(suffix) {
      let base = String(output.dropLast(suffix.count))
      if FileManager.default.fileExists(atPath: base) {
        try checkOutputIsNotStore(output, option: "<output>", store: base)
      }
    }
    for input in inputs where storeFileOverwritten(by: output, store: input) != "the store itself" {
      try checkOutputIsNotStore(output, option: "<output>", store: input)
    }
    // The writability check every writing command makes, naming the file or folder at fault.
    if !dryRun { try checkStoreIsWritable(output) }
    let options = MergeOptions(onConflict: onConflict, keepDuplicateConfigurations: keepDuplicates)
    let outputExisted = FileManager.default.fileExists(atPath: output)
    let summaries = try mergeInputs(options: options)
    // Every input refused: an OUT this command created holds nothing; leave no file behind.
    if !dryRun && !outputExisted && !summaries.contains(where: \.isMerged) {
      for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: output + suffix) }
    }
    try report(summaries)
  }

  /// Merges each input in turn; the output store is closed on return.
  private func mergeInputs(options: MergeOptions) throws -> [MergeInputSummary] {
    let merger: StoreMerger
    do {
      merger = try translatingDatabaseErrors(writablePath: dryRun ? nil : output) {
        if dryRun { return try StoreMerger.dryRun(outputPath: output, options: options) }
        return try StoreMerger(
          outputPath: output, options: options,
          journal: singleWriter ? .singleWriterOnSharedFileSystem : .fromEnvironment)
      }
    } catch var error as CommandError where !error.message.contains(output) {
      error.message = "the output \(output): \(error.message)"  // name the file at fault
      throw error
    }
    var summaries: [MergeInputSummary] = []
    for input in inputs {
      var summary = MergeInputSummary(path: input)
      do {
        summary = try merger.merge(inputPath: input)
      } catch let error as MergeError {
        summary.refusal = error.description
        if case .conflictingRuns(_, let conflicts) = error { summary.conflicts = conflicts }
      } catch let error as DatabaseError {
        summary.refusal = "\(input): \(error)"
      }
      if let refusal = summary.refusal, !dryRun { writeStandardError("Error: \(refusal)\n") }
      summaries.append(summary)
    }
    return summaries
  }

  /// Prints the plan (--dry-run) and the summary; throws when an input was refused.
  private func report(_ summaries: [MergeInputSummary]) throws {
    if dryRun { printPlan(summaries) }
    let merged = summaries.filter(\.isMerged)
    let refused = summaries.count - merged.count
    let verb = dryRun ? "would merge" : "merged"
    writeStandardError(
      "\(verb) \(merged.count) of \(summaries.count) input\(summaries.count == 1 ? "" : "s") into \(output): "
        + "\(merged.map(\.runsAdded).reduce(0, +)) runs added, "
        + "\(merged.map(\.runsSkippedIdentical).reduce(0, +)) skipped (identical), "
        + "\(merged.map(\.duplicateConfigurationsSkipped).reduce(0, +)) duplicates skipped, "
        + "\(merged.map(\.runsReplaced).reduce(0, +)) replaced, "
        + "\(merged.map(\.runsKeptExisting).reduce(0, +)) kept; "
        + "\(merged.map(\.epochsCopied).reduce(0, +)) epochs and \(merged.map(\.valuesCopied).reduce(0, +)) "
        + "measure values copied; \(refused) input\(refused == 1 ? "" : "s") refused\n")
    if refused > 0 {
      throw CommandError(
        "\(refused) of \(summaries.count) inputs \(dryRun ? "would be" : "were") refused "
          + "(first: \(summaries.first { !$0.isMerged }?.path ?? ""))",
        hint: "see the messages above; the other inputs \(dryRun ? "would be" : "were") merged, "
          + "and merging again after a fix adds only what is missing.")
    }
  }

  private func printPlan(_ summaries: [MergeInputSummary]) {
    let sink = StandardOutputSink()
    let writer = format.makeWriter(sink: sink)
    writer.begin(columns: [
      "input", "runs_added", "runs_skipped", "duplicates_skipped", "runs_replaced", "runs_kept",
      "conflicts", "epochs", "values", "measures_added", "result",
    ])
    for s in summaries {
      writer.write([
        .text(s.path), .integer(Int64(s.runsAdded)), .integer(Int64(s.runsSkippedIdentical)),
        .integer(Int64(s.duplicateConfigurationsSkipped)), .integer(Int64(s.runsReplaced)),
        .integer(Int64(s.runsKeptExisting)), .integer(Int64(s.conflicts.count)),
        .integer(Int64(s.epochsCopied)), .integer(Int64(s.valuesCopied)), .integer(Int64(s.measuresAdded)),
        .text(s.refusal.map { "refused: " + $0.replacingOccurrences(of: "\n", with: " ") } ?? "merge"),
      ])
    }
    writer.finish()
    sink.flush()
  }
}
