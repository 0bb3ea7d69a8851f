import Foundation

/// What ``StoreMerger`` does with a run (same UUID) that is already in the output with
/// different content.
public enum MergeConflictPolicy: String, Sendable, CaseIterable {
  /// Refuse the whole input (its transaction is rolled back), naming each such run and what
  /// differs. The default.
  case refuse
  /// Keep the output's run; the input's copy is not merged.
  case keep
  /// Replace the output's run (and all its rows) by the input's copy; the run keeps its id in
  /// the output.
  case replace
  /// Keep whichever copy was recorded last (the later of `heartbeat_at` and `ended_at`; the
  /// output's copy on a tie). Suits a store copied while it was still being written and
  /// copied again later.
  case newer
}

/// Settings of a merge.
public struct MergeOptions: Sendable {
  /// Same UUID, different content: see ``MergeConflictPolicy``.
  public var onConflict: MergeConflictPolicy = .refuse
  /// Copy a finished or diverged sweep run even when the output already holds a finished or
  /// diverged run of the same experiment and sweep configuration (`run.config.sweep_key`)
  /// trained on the same data (equal `run.config.data_source` and `run.config.data`, a
  /// missing field matching only a missing one) under another UUID — the same array task run twice. Default `false`: such a duplicate is
  /// skipped and counted, so a configuration is never counted twice in the statistics.
  public var keepDuplicateConfigurations = false
  /// The host name written to `run_provenance.source_host`.
  public var host: String = ProcessInfo.processInfo.hostName

  /// Creates options (defaults: refuse conflicts, skip duplicated configurations).
  public init(
    onConflict: MergeConflictPolicy = .refuse, keepDuplicateConfigurations: Bool = false,
    host: String = ProcessInfo.processInfo.hostName
  ) {
    self.onConflict = onConflict
    self.keepDuplicateConfigurations = keepDuplicateConfigurations
    self.host = host
  }
}

/// A run whose UUID is in both stores with different content.
public struct MergeRunConflict: Sendable, Equatable, CustomStringConvertible {
  /// The run's UUID.
  public var uuid: String
  /// The run's name (in the input).
  public var name: String
  /// Its id in the input.
  public var inputRunID: Int64
  /// Its id in the output.
  public var outputRunID: Int64
  /// What differs, one item per table: `run.status: 'running' (output) vs 'finished' (input)`,
  /// `epoch_metric: 4 rows differ (first at epoch 3)`.
  public var differences: [String]

  public var description: String {
    "run \(uuid) ('\(name)', id \(inputRunID) in the input, \(outputRunID) in the output): "
      + differences.joined(separator: "; ")
  }
}

/// What merging one input did (or, in a dry run, would do).
public struct MergeInputSummary: Sendable, Equatable {
  /// The input's path as given.
  public var path: String
  /// The input's schema version.
  public var schemaVersion: Int = 0
  /// Runs copied (new UUIDs).
  public var runsAdded = 0
  /// Runs already in the output with identical content (nothing copied).
  public var runsSkippedIdentical = 0
  /// Conflicting runs replaced by the input's copy (`replace`, `newer`).
  public var runsReplaced = 0
  /// Conflicting runs whose output copy was kept (`keep`, `newer`).
  public var runsKeptExisting = 0
  /// Finished sweep runs skipped because the output already has that configuration finished.
  public var duplicateConfigurationsSkipped = 0
  /// Experiments created in the output.
  public var experimentsAdded = 0
  /// Catalogue entries created in the output.
  public var measuresAdded = 0
  /// Catalogue entries of the output that were automatic (name = id, no properties) and got
  /// the input's full definition.
  public var measuresCompleted = 0
  /// `epoch_metric` rows copied.
  public var epochsCopied = 0
  /// `measure_value` rows copied.
  public var valuesCopied = 0
  /// Conflicting runs (with ``MergeConflictPolicy/refuse`` the input was refused).
  public var conflicts: [MergeRunConflict] = []
  /// Why the input was refused (conflicts, catalogue conflict, not a store, …); `nil` when merged.
  public var refusal: String?

  /// Creates an empty summary for `path`.
  public init(path: String) { self.path = path }

  /// Whether the input was merged (not refused).
  public var isMerged: Bool { refusal == nil }
}

/// An input `gapdb merge` cannot merge at all.
public enum MergeError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The input is the output file itself.
  case inputIsOutput(path: String)
  /// The input does not exist, is a directory or is empty.
  case unreadableInput(path: String, reason: String)
  /// An SQLite file that is not a gapdb store.
  case notAGapdbStore(path: String, applicationID: Int32)
  /// SQLite's `quick_check` found the input damaged (e.g. a copy taken while a checkpoint
  /// was rewriting it).
  case damagedInput(path: String, detail: String)
  /// A store written by a newer gapdb.
  case inputNewerThanTool(path: String, found: Int, supported: Int)
  /// An applied migration of the input differs from this tool's file.
  case inputMigrationModified(path: String, name: String)
  /// Runs with the same UUID and different content (policy `refuse`).
  case conflictingRuns(path: String, conflicts: [MergeRunConflict])
  /// A catalogue id defined differently in the two stores.
  case conflictingMeasure(path: String, id: String, output: String, input: String)

  public var description: String {
    switch self {
    case .inputIsOutput(let path):
      return "\(path) is the output store itself\nHint: list only other stores as inputs."
    case .unreadableInput(let path, let reason):
      return "cannot read \(path): \(reason)\nHint: check the path; inputs are gapdb stores (.sqlite files)."
    case .notAGapdbStore(let path, let id):
      return "\(path) is not a gapdb store (application_id \(id))\n"
        + "Hint: inputs must be stores written by gapdb (gapdb init, train, sweep)."
    case .damagedInput(let path, let detail):
      return "\(path) is damaged (SQLite quick_check: \(detail)); nothing of it was merged\n"
        + "Hint: copy the store again once no process writes it (a copy taken while SQLite "
        + "checkpoints its -wal file can be torn), or merge the original file directly."
    case .inputNewerThanTool(let path, let found, let supported):
      return "\(path) has schema version \(found), newer than this gapdb supports (\(supported))\n"
        + "Hint: merge with a newer gapdb."
    case .inputMigrationModified(let path, let name):
      return "\(path) has migration \(name) applied from a different file than this gapdb's\n"
        + "Hint: merge with the gapdb build that wrote it."
    case .conflictingRuns(let path, let conflicts):
      let listed = conflicts.prefix(5).map { "  " + $0.description }.joined(separator: "\n")
      let more = conflicts.count > 5 ? "\n  … and \(conflicts.count - 5) more" : ""
      return "\(path): \(conflicts.count) run\(conflicts.count == 1 ? " is" : "s are") already in the "
        + "output with different content; the input was not merged:\n\(listed)\(more)\n"
        + "Hint: --on-conflict keep (keep the output's copy), replace (take the input's) or "
        + "newer (the copy recorded last; e.g. a store copied while still being written)."
    case .conflictingMeasure(let path, let id, let output, let input):
      return "\(path): measure '\(id)' is defined differently: output \(output); input \(input); "
        + "the input was not merged\nHint: catalogue ids must mean one thing; rename the id in one "
        + "store (gapdb sql --write \"UPDATE measure SET id = '\(id)_v2' WHERE id = '\(id)'\")."
    }
  }
}
