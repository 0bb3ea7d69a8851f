import CorrelationStatistics
import ResultsStore
import SweepPlanning

/// Which runs, measures and hyperparameters an analysis of a store reads.
public struct RunSelection: Sendable, Equatable {
  /// The experiment whose runs to read, or `nil` for every experiment.
  public var experiment: String?
  /// An SQL condition over `run AS r` and `experiment AS e` (`--where`), or `nil`.
  public var whereClause: String?
  /// Measures to read, in output order, or `nil` for every measure.
  public var measures: [String]?
  /// The grid axes, or `nil` for the default (``defaultGridAxes(_:)`` over the selected runs).
  public var hyperparameters: [String]?

  /// Creates a selection; every part defaults to "all".
  public init(
    experiment: String? = nil, whereClause: String? = nil, measures: [String]? = nil,
    hyperparameters: [String]? = nil
  ) {
    self.experiment = experiment
    self.whereClause = whereClause
    self.measures = measures
    self.hyperparameters = hyperparameters
  }
}

/// Builds the input of `correlate DATABASE` from a gapdb store.
///
/// Runs: those of `selection.experiment` and/or matching `selection.whereClause` (SQL over
/// `run AS r` and `experiment AS e`), all runs when neither is given. Each run contributes its
/// gap and measures at one snapshot epoch; runs without that snapshot (or without a gap there)
/// are excluded from every statistic and counted. Hyperparameters come from the
/// `hyperparameter` table: the given keys, or by default ``defaultGridAxes(_:)`` over the
/// selected runs (every key that takes 2 or more values, except `seed` and keys that are
/// functions of the other varying axes, such as the trainer's `hidden_layers` given depth and
/// width) — the same default `gapdb report` uses.
///
/// - Parameters:
///   - db: An open connection to the store (read-only is enough).
///   - storePath: The same store's path (the measure values are read on `threads` connections).
///   - selection: Runs, measures and axes.
///   - snapshot: The epoch of each run.
///   - gap: Which gap.
///   - threads: Connections reading the measure values in parallel (≥ 1).
/// - Returns: The input table, with the run ids and snapshot epochs.
/// - Throws: ``AnalysisError`` for an unknown experiment, measure or hyperparameter, or a bad
///   `--where` condition; `DatabaseError` otherwise.
/// - Complexity: one pass over the selected runs' `measure_value` rows and their
///   hyperparameters.
public func loadStoreCorrelationInput(
  database db: Database, storePath path: String, selection: RunSelection, snapshot: SnapshotSelector,
  gap: GapSelector, threads: Int = 2
) throws -> CorrelationInput {
  let experiment = selection.experiment
  let whereClause = selection.whereClause
  let measures = selection.measures
  let hyperparameters = selection.hyperparameters
  var conditions: [String] = []
  var arguments: [String: DatabaseValue] = [:]
  if let experiment {
    let found = try db.scalar(
      sql: "SELECT count(*) FROM experiment WHERE name = ?", arguments: [.text(experiment)])
    if found == .integer(0) {
      let names = try db.fetchAll(sql: "SELECT name FROM experiment ORDER BY name LIMIT 20")
        .compactMap { $0[0].stringValue }
      throw AnalysisError(
        "no experiment named \"\(experiment)\" in \(path)",
        hint: names.isEmpty
          ? "the store has no experiments yet"
          : "experiments: \(names.joined(separator: ", "))")
    }
    conditions.append("e.name = :experiment")
    arguments["experiment"] = .text(experiment)
  }
  if let whereClause { conditions.append("(\(whereClause))") }
  let filter = conditions.isEmpty ? "1" : conditions.joined(separator: " AND ")
  if let measures {
    let known = Set(
      try db.fetchAll(sql: "SELECT id FROM measure").compactMap { $0[0].stringValue })
    for m in measures where !known.contains(m) {
      throw AnalysisError(
        "no measure \"\(m)\" in \(path)",
        hint: "measures: \(known.sorted().prefix(40).joined(separator: ", "))")
    }
  }
  let table: SnapshotTable
  let hyperparameterValues: HyperparameterTable
  do {
    table = try Database.readSnapshotTable(
      storePath: path, runFilter: filter, arguments: arguments, snapshot: snapshot,
      gap: gap, measureIDs: measures, threads: threads)
    hyperparameterValues = try db.readHyperparameters(
      runFilter: filter, arguments: arguments, keys: hyperparameters,
      excludingKeys: hyperparameters == nil ? ["seed"] : [])
  } catch let error as DatabaseError where whereClause != nil {
    throw AnalysisError(
      "the runs could not be selected: \(error)",
      hint: "--where takes an SQL condition over run AS r and experiment AS e, e.g. \"r.status = 'finished'\"")
  }
  var notes: [String] = []
  let runCount = table.runIDs.count
  if runCount == 0 { notes.append("no runs matched") }
  let noSnapshot = table.epochs.filter { $0 == nil }.count
  if noSnapshot > 0 {
    notes.append("\(noSnapshot) of \(runCount) runs have no snapshot at \(snapshot) and are excluded from every statistic")
  }
  let noGap = zip(table.epochs, table.gap).filter { $0.0 != nil && !$0.1.isFinite }.count
  if noGap > 0 {
    notes.append("\(noGap) of \(runCount) runs have no finite \(gap.rawValue) gap at their snapshot (NaN or not recorded) and are excluded")
  }
  // Grid axes. Hyperparameter column `k` in the snapshot table's run order (`nil` where a run
  // lacks the key); the hyperparameter table lists the selected runs by ascending id.
  func alignedToSnapshot(_ k: Int) -> [String?] {
    var column: [String?] = []
    column.reserveCapacity(runCount)
    var h = 0
    for id in table.runIDs {
      while h < hyperparameterValues.runIDs.count && hyperparameterValues.runIDs[h] < id { h += 1 }
      let present = h < hyperparameterValues.runIDs.count && hyperparameterValues.runIDs[h] == id
      column.append(present ? hyperparameterValues.values[k][h] : nil)
    }
    return column
  }
  var distinct: [String: Set<String>] = [:]
  for (k, key) in hyperparameterValues.keys.enumerated() {
    distinct[key] = Set(hyperparameterValues.values[k].compactMap { $0 })
  }
  let axes: [String]
  if let hyperparameters {
    for key in hyperparameters where distinct[key] == nil && runCount > 0 {
      let keys = try db.fetchAll(sql: "SELECT DISTINCT key FROM hyperparameter ORDER BY key LIMIT 50")
        .compactMap { $0[0].stringValue }
      throw AnalysisError(
        "no selected run has the hyperparameter \"\(key)\"",
        hint: "hyperparameters in the store: \(keys.joined(separator: ", "))")
    }
    axes = hyperparameters
  } else {
    // The shared default (as `gapdb report`): varying keys, not seed, not a function of the
    // other varying axes.
    axes = defaultGridAxes(
      hyperparameterValues.keys.enumerated().map { (name: $1, values: alignedToSnapshot($0)) },
      preferredOrder: SweepAxis.gridAxisPreference)
    if !axes.isEmpty { notes.append("grid axes: \(axes.joined(separator: ", "))") }
  }
  var grid: HyperparameterGrid? = nil
  if !axes.isEmpty {
    // Align the hyperparameter table's runs (ascending ids) with the snapshot table's.
    let keyIndex = Dictionary(
      uniqueKeysWithValues: hyperparameterValues.keys.enumerated().map { ($1, $0) })
    let axisColumns = axes.map { keyIndex[$0] }
    var rows: [[String?]] = []
    rows.reserveCapacity(runCount)
    var h = 0
    for id in table.runIDs {
      while h < hyperparameterValues.runIDs.count && hyperparameterValues.runIDs[h] < id { h += 1 }
      let present = h < hyperparameterValues.runIDs.count && hyperparameterValues.runIDs[h] == id
      rows.append(axisColumns.map { k in present ? k.flatMap { hyperparameterValues.values[$0][h] } : nil })
    }
    let g = HyperparameterGrid(axisNames: axes, values: rows)
    if g.offGridCount > 0 {
      notes.append("\(g.offGridCount) runs lack a value for some grid axis and are left out of psi, cmi and sign-error")
    }
    grid = g
  }
  var measureColumns = Array(zip(table.measureIDs, table.values)).map { (name: $0.0, values: $0.1) }
  if let measures {
    // Keep the requested order; a requested measure absent at every snapshot is all-missing.
    let byName = Dictionary(uniqueKeysWithValues: measureColumns.map { ($0.name, $0.values) })
    measureColumns = measures.map { ($0, byName[$0] ?? [Double](repeating: .nan, count: runCount)) }
  }
  return CorrelationInput(
    gap: table.gap, measures: measureColumns, grid: grid, notes: notes,
    warnings: hyperparameterValues.warnings.filter { axes.contains($0.key) }.map(\.message),
    runIDs: table.runIDs, snapshotEpochs: table.epochs)
}

/// ``loadStoreCorrelationInput(database:storePath:selection:snapshot:gap:threads:)`` on a
/// read-only connection it opens itself (for tests and benchmarks).
func loadStoreCorrelationInput(
  path: String, experiment: String?, whereClause: String?, snapshot: SnapshotSelector, gap: GapSelector,
  measures: [String]?, hyperparameters: [String]?, threads: Int = 2
) throws -> CorrelationInput {
  try loadStoreCorrelationInput(
    database: try Database(storePath: path, readOnly: true), storePath: path,
    selection: RunSelection(
      experiment: experiment, whereClause: whereClause, measures: measures, hyperparameters: hyperparameters),
    snapshot: snapshot, gap: gap, threads: threads)
}
