import CorrelationStatistics
import ResultsStore
import SweepPlanning

/// Builds the input of `correlate DATABASE` from a gapdb store.
///
/// Runs: those of `experiment` and/or matching `whereClause` (SQL over `run AS r` and
/// `experiment AS e`), all runs when neither is given. Each run contributes its gap and
/// measures at one snapshot epoch; runs without that snapshot (or without a gap there) are
/// excluded from every statistic and counted. Hyperparameters come from the `hyperparameter`
/// table: the given keys, or by default ``defaultGridAxes(_:)`` over the selected runs (every
/// key that takes 2 or more values, except `seed` and keys that are functions of the other
/// varying axes, such as the trainer's `hidden_layers` given depth and width) — the same
/// default `gapdb report` uses.
///
/// - Throws: ``CommandError`` for a missing store, an unknown experiment, measure or
///   hyperparameter, or a bad `--where` condition.
func loadStoreCorrelationInput(
  path: String, experiment: String?, whereClause: String?, snapshot: Snapshot, gap: GapKind,
  measures: [String]?, hyperparameters: [String]?, threads: Int = 2
) throws -> CorrelationInput {
  let db = try openStore(path, readOnly: true)
  var conditions: [String] = []
  var arguments: [String: DatabaseValue] = [:]
  if let experiment {
    let found = try db.scalar(
      sql: "SELECT count(*) FROM experiment WHERE name = ?", arguments: [.text(experiment)])
    if found == .integer(0) {
      let names = try db.fetchAll(sql: "SELECT name FROM experiment ORDER BY name LIMIT 20")
        .compactMap { $0[0].stringValue }
      throw CommandError(
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
      throw CommandError(
        "no measure \"\(m)\" in \(path)",
        hint: "measures: \(known.sorted().prefix(40).joined(separator: ", "))")
    }
  }
  let selector: SnapshotSelector
  switch snapshot {
  case .final: selector = .final
  case .epoch(let n): selector = .epoch(n)
  case .trainLoss(let x): selector = .trainLoss(x)
  case .bestTestError: selector = .bestTestError
  }
  let table: SnapshotTable
  let hyperparameterValues: HyperparameterTable
  do {
    table = try Database.readSnapshotTable(
      storePath: path, runFilter: filter, arguments: arguments, snapshot: selector,
      gap: gap == .error ? .error : .loss, measureIDs: measures, threads: threads)
    hyperparameterValues = try db.readHyperparameters(
      runFilter: filter, arguments: arguments, keys: hyperparameters,
      excludingKeys: hyperparameters == nil ? ["seed"] : [])
  } catch let error as DatabaseError where whereClause != nil {
    throw CommandError(
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
      throw CommandError(
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
    warnings: hyperparameterValues.warnings.filter { axes.contains($0.key) }.map(\.message))
}
