import GapdbCSQLite

/// Which epoch of each run a cross-run analysis reads (Jiang et al. compare one checkpoint per
/// run; see measures-spec.md §4).
public enum SnapshotSelector: Sendable, Equatable {
  /// The last recorded epoch.
  case final
  /// Exactly this epoch (runs that did not record it have no snapshot).
  case epoch(Int)
  /// The first epoch whose training loss (nats) is ≤ the target; Jiang et al. use 0.01.
  /// A NaN training loss never qualifies.
  case trainLoss(Double)
  /// The epoch with the lowest test error, the earliest one on ties.
  case bestTestError
}

/// Which generalization gap to read.
public enum GapSelector: String, Sendable, CaseIterable {
  /// `test_error − train_error` (fractions).
  case error
  /// `test_loss − train_loss` (nats).
  case loss
}

/// Runs × measures at one snapshot per run, read from the long-form `measure_value` table.
///
/// Layout: `values[m][r]` is measure `measureIDs[m]` of run `runIDs[r]` (measure-major, so
/// each measure is one contiguous column for the statistics). A value is NaN when the run has
/// no snapshot, lacks the measure, or stored it as `nan` or `undefined`; ±Inf are kept.
public struct SnapshotTable: Sendable {
  /// The selected runs, ascending by id.
  public var runIDs: [Int64]
  /// The snapshot epoch of each run, `nil` when the run has none (e.g. never reached the
  /// training-loss target).
  public var epochs: [Int64?]
  /// The gap at each run's snapshot; NaN when missing (no snapshot, metric not recorded, or
  /// NaN).
  public var gap: [Double]
  /// Measure ids, ascending.
  public var measureIDs: [String]
  /// `values[m][r]`, see the type's documentation.
  public var values: [[Double]]
}

extension Database {
  /// Reads every selected run's gap and measures at its snapshot, in one streamed query.
  ///
  /// The query joins the snapshot epoch of each run to `epoch_metric` (for the gap) and to
  /// `measure_value` through its primary key (run_id, epoch, measure_id), so it touches only
  /// the snapshot rows; rows are decoded straight from SQLite's buffers (no per-row objects),
  /// and memory is O(runs × measures) doubles.
  ///
  /// - Parameters:
  ///   - runFilter: An SQL condition over `run AS r` joined to `experiment AS e` selecting the
  ///     runs (e.g. `e.name = :experiment`); `1` for all runs.
  ///   - arguments: Named arguments for `runFilter` (keys without `:`).
  ///   - snapshot: Which epoch per run.
  ///   - gap: Error gap or loss gap.
  ///   - measureIDs: Measures to read (`nil` = every measure present at the snapshots).
  /// - Returns: The table.
  /// - Throws: ``DatabaseError`` (e.g. a bad `runFilter`).
  /// - Complexity: O(runs · log + snapshot rows), one pass.
  public func readSnapshotTable(
    runFilter: String, arguments: [String: DatabaseValue] = [:], snapshot: SnapshotSelector,
    gap: GapSelector, measureIDs: [String]? = nil
  ) throws -> SnapshotTable {
    // 1. The runs, in id order.
    let runsSQL = """
      SELECT r.id FROM run AS r JOIN experiment AS e ON e.id = r.experiment_id
      WHERE (\(runFilter)) ORDER BY r.id
      """
    let runStatement = try makeStatement(sql: runsSQL)
    try bindNamed(runStatement, arguments)
    var runIDs: [Int64] = []
    while try runStatement.step() { runIDs.append(sqlite3_column_int64(runStatement.handle, 0)) }
    var runIndex: [Int64: Int] = [:]
    runIndex.reserveCapacity(runIDs.count)
    for (i, id) in runIDs.enumerated() { runIndex[id] = i }

    // 2. Snapshot epoch, gap and measure values in one pass.
    let epochSQL: String
    switch snapshot {
    case .final:
      epochSQL = "(SELECT max(m.epoch) FROM epoch_metric AS m WHERE m.run_id = r.id)"
    case .epoch:
      epochSQL = "(SELECT m.epoch FROM epoch_metric AS m WHERE m.run_id = r.id AND m.epoch = :gapdb_epoch)"
    case .trainLoss:
      epochSQL = "(SELECT min(m.epoch) FROM epoch_metric AS m WHERE m.run_id = r.id AND m.train_loss <= :gapdb_target)"
    case .bestTestError:
      epochSQL = """
        (SELECT m.epoch FROM epoch_metric AS m WHERE m.run_id = r.id AND m.test_error IS NOT NULL
         ORDER BY m.test_error, m.epoch LIMIT 1)
        """
    }
    let gapSQL = gap == .error ? "m.test_error - m.train_error" : "m.test_loss - m.train_loss"
    var measureFilter = ""
    if let measureIDs {
      measureFilter =
        " AND v.measure_id IN (" + measureIDs.indices.map { ":gapdb_m\($0)" }.joined(separator: ", ") + ")"
    }
    let sql = """
      WITH snap AS (
        SELECT r.id AS run_id, \(epochSQL) AS epoch
        FROM run AS r JOIN experiment AS e ON e.id = r.experiment_id
        WHERE (\(runFilter))
      )
      SELECT s.run_id, s.epoch, \(gapSQL), v.measure_id, v.value, v.value_kind
      FROM snap AS s
      LEFT JOIN epoch_metric AS m ON m.run_id = s.run_id AND m.epoch = s.epoch
      LEFT JOIN measure_value AS v ON v.run_id = s.run_id AND v.epoch = s.epoch\(measureFilter)
      """
    let statement = try makeStatement(sql: sql)
    var all = arguments
    switch snapshot {
    case .epoch(let n): all["gapdb_epoch"] = .integer(Int64(n))
    case .trainLoss(let x): all["gapdb_target"] = .real(x)
    default: break
    }
    for (k, id) in (measureIDs ?? []).enumerated() { all["gapdb_m\(k)"] = .text(id) }
    try bindNamed(statement, all)

    var epochs = [Int64?](repeating: nil, count: runIDs.count)
    var gaps = [Double](repeating: .nan, count: runIDs.count)
    var names: [String] = []
    var nameBytes: [[UInt8]] = []
    var nameIndex: [String: Int] = [:]
    var columns: [[Double]] = []
    var lastRun: Int64 = .min
    var lastRunIndex = -1
    var expectedName = 0
    let h = statement.handle
    while try statement.step() {
      let runID = sqlite3_column_int64(h, 0)
      if runID != lastRun {
        guard let r = runIndex[runID] else { continue }
        lastRun = runID
        lastRunIndex = r
        expectedName = 0
        if sqlite3_column_type(h, 1) != SQLITE_NULL { epochs[r] = sqlite3_column_int64(h, 1) }
        if sqlite3_column_type(h, 2) != SQLITE_NULL { gaps[r] = sqlite3_column_double(h, 2) }
      }
      guard sqlite3_column_type(h, 3) != SQLITE_NULL, let text = sqlite3_column_text(h, 3) else {
        continue
      }
      let length = Int(sqlite3_column_bytes(h, 3))
      let bytes = UnsafeBufferPointer(start: text, count: length)
      // Rows of one run usually come in the same measure order: try the next known name
      // before building a String.
      var m = -1
      if expectedName < nameBytes.count && nameBytes[expectedName].elementsEqual(bytes) {
        m = expectedName
      } else {
        let name = String(decoding: bytes, as: UTF8.self)
        if let known = nameIndex[name] {
          m = known
        } else {
          m = names.count
          names.append(name)
          nameBytes.append(Array(bytes))
          nameIndex[name] = m
          columns.append([Double](repeating: .nan, count: runIDs.count))
        }
      }
      expectedName = m + 1
      if sqlite3_column_type(h, 4) != SQLITE_NULL {
        columns[m][lastRunIndex] = sqlite3_column_double(h, 4)
      }
    }
    // Measures ascending by id.
    let order = names.indices.sorted { names[$0] < names[$1] }
    return SnapshotTable(
      runIDs: runIDs, epochs: epochs, gap: gaps, measureIDs: order.map { names[$0] },
      values: order.map { columns[$0] })
  }

  /// Each selected run's hyperparameters as canonical text (`value_text`; reals in shortest
  /// round-trip form so `0.10` and `0.1` agree).
  ///
  /// - Parameters:
  ///   - runFilter: As in ``readSnapshotTable(runFilter:arguments:snapshot:gap:measureIDs:)``.
  ///   - arguments: Named arguments for `runFilter`.
  /// - Returns: For each run id, key → value text.
  /// - Throws: ``DatabaseError``.
  public func readHyperparameters(
    runFilter: String, arguments: [String: DatabaseValue] = [:]
  ) throws -> [Int64: [String: String]] {
    let statement = try makeStatement(
      sql: """
        SELECT h.run_id, h.key, h.value_type, h.value, h.value_text
        FROM hyperparameter AS h
        WHERE h.run_id IN (
          SELECT r.id FROM run AS r JOIN experiment AS e ON e.id = r.experiment_id
          WHERE (\(runFilter)))
        """)
    try bindNamed(statement, arguments)
    var result: [Int64: [String: String]] = [:]
    var interned: [String: String] = [:]
    while try statement.step() {
      let runID = statement.int64(at: 0) ?? 0
      let key = statement.string(at: 1) ?? ""
      var text = statement.string(at: 4) ?? ""
      if statement.string(at: 2) == "real", let v = statement.double(at: 3), v.isFinite {
        text = (v == 0 ? 0.0 : v).description
      }
      if let existing = interned[text] { text = existing } else { interned[text] = text }
      result[runID, default: [:]][key] = text
    }
    return result
  }

  private func bindNamed(_ statement: Statement, _ arguments: [String: DatabaseValue]) throws {
    let wanted = Set(statement.parameterNames.compactMap { $0 })
    for (name, value) in arguments where wanted.contains(":" + name) {
      try statement.bind(value, named: ":" + name)
    }
  }
}
