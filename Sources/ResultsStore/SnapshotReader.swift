import CorrelationStatistics
import Dispatch
import Foundation
import GapdbCSQLite
import Synchronization

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

/// Hyperparameters of runs, column by column: `values[k][r]` is key `keys[k]` of run
/// `runIDs[r]`, `nil` when the run lacks that key.
public struct HyperparameterTable: Sendable {
  /// Run ids, ascending (runs without any selected key are absent).
  public var runIDs: [Int64]
  /// Keys in order of first appearance.
  public var keys: [String]
  /// `values[k][r]`, the level key of the value (`CorrelationStatistics.GridLevel`): exact,
  /// so distinct values never share a key.
  public var values: [[String?]]
  /// Where the stored values lost information the grid cannot recover, one sentence each
  /// naming the key and the values: two recorded texts of one REAL key that differ as
  /// decimals but are the same 64-bit real (one level), and text values that read as
  /// numbers next to numbers (distinct levels).
  public var warnings: [(key: String, message: String)] = []
}

extension Database {
  /// Reads every selected run's gap and measures at its snapshot, on `threads` connections
  /// in parallel (each reads a contiguous range of run ids).
  ///
  /// Per range, one query reads each run's snapshot epoch and gap, and one streamed query
  /// joins the snapshots to `measure_value` through its primary key (run_id, epoch,
  /// measure_id), so only snapshot rows are touched. Rows are decoded straight from SQLite's
  /// buffers (no per-row objects); memory is O(runs × measures) doubles.
  ///
  /// - Parameters:
  ///   - storePath: The store (opened read-only, once per thread).
  ///   - runFilter: An SQL condition over `run AS r` joined to `experiment AS e` selecting the
  ///     runs (e.g. `e.name = :experiment`); `1` for all runs.
  ///   - arguments: Named arguments for `runFilter` (keys without `:`).
  ///   - snapshot: Which epoch per run.
  ///   - gap: Error gap or loss gap.
  ///   - measureIDs: Measures to read (`nil` = every measure present at the snapshots).
  ///   - threads: Connections reading in parallel (≥ 1).
  /// - Returns: The table, runs ascending by id, measures ascending by id.
  /// - Throws: ``DatabaseError`` (e.g. a bad `runFilter`).
  /// - Complexity: O(runs · log + snapshot rows), one pass over the snapshot rows.
  public static func readSnapshotTable(
    storePath: String, runFilter: String, arguments: [String: DatabaseValue] = [:],
    snapshot: SnapshotSelector, gap: GapSelector, measureIDs: [String]? = nil, threads: Int = 2
  ) throws -> SnapshotTable {
    let db = try Database(path: storePath, mode: .readOnly)
    let runStatement = try db.makeStatement(
      sql: """
        SELECT r.id FROM run AS r JOIN experiment AS e ON e.id = r.experiment_id
        WHERE (\(runFilter)) ORDER BY r.id
        """)
    try db.bindNamed(runStatement, arguments)
    var runIDs: [Int64] = []
    while try runStatement.step() { runIDs.append(sqlite3_column_int64(runStatement.handle, 0)) }
    let parts = max(1, min(threads, runIDs.count / 2_000 + 1))
    if parts == 1 {
      return try db.readSnapshotPart(
        runFilter: runFilter, arguments: arguments, range: nil, runIDs: runIDs,
        snapshot: snapshot, gap: gap, measureIDs: measureIDs)
    }
    let bounds = (0...parts).map { $0 * runIDs.count / parts }
    let allRunIDs = runIDs
    let results = Mutex([Result<SnapshotTable, Error>?](repeating: nil, count: parts))
    DispatchQueue.concurrentPerform(iterations: parts) { k in
      let ids = Array(allRunIDs[bounds[k]..<bounds[k + 1]])
      let outcome = Result<SnapshotTable, Error> {
        let connection = try Database(path: storePath, mode: .readOnly)
        return try connection.readSnapshotPart(
          runFilter: runFilter, arguments: arguments, range: ids.first.flatMap { lo in ids.last.map { lo...$0 } },
          runIDs: ids, snapshot: snapshot, gap: gap, measureIDs: measureIDs)
      }
      results.withLock { $0[k] = outcome }
    }
    let tables = try results.withLock { try $0.map { try $0!.get() } }
    // Merge: union of measures, runs concatenated in id order.
    let names = Array(Set(tables.flatMap(\.measureIDs))).sorted()
    var values = [[Double]](repeating: [], count: names.count)
    for (m, name) in names.enumerated() {
      values[m].reserveCapacity(runIDs.count)
      for t in tables {
        if let i = t.measureIDs.firstIndex(of: name) {
          values[m] += t.values[i]
        } else {
          values[m] += [Double](repeating: .nan, count: t.runIDs.count)
        }
      }
    }
    return SnapshotTable(
      runIDs: tables.flatMap(\.runIDs), epochs: tables.flatMap(\.epochs),
      gap: tables.flatMap(\.gap), measureIDs: names, values: values)
  }

  /// Reads the snapshot rows of `runIDs` (ascending; `range` bounds them, `nil` = all).
  func readSnapshotPart(
    runFilter: String, arguments: [String: DatabaseValue], range: ClosedRange<Int64>?,
    runIDs: [Int64], snapshot: SnapshotSelector, gap: GapSelector, measureIDs: [String]?
  ) throws -> SnapshotTable {
    var runIndex: [Int64: Int] = [:]
    runIndex.reserveCapacity(runIDs.count)
    for (i, id) in runIDs.enumerated() { runIndex[id] = i }
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
    let rangeFilter = range == nil ? "" : " AND r.id BETWEEN :gapdb_lo AND :gapdb_hi"
    let snap = """
      WITH snap AS MATERIALIZED (
        SELECT r.id AS run_id, \(epochSQL) AS epoch
        FROM run AS r JOIN experiment AS e ON e.id = r.experiment_id
        WHERE (\(runFilter))\(rangeFilter)
      )
      """
    var all = arguments
    switch snapshot {
    case .epoch(let n): all["gapdb_epoch"] = .integer(Int64(n))
    case .trainLoss(let x): all["gapdb_target"] = .real(x)
    default: break
    }
    for (k, id) in (measureIDs ?? []).enumerated() { all["gapdb_m\(k)"] = .text(id) }
    if let range {
      all["gapdb_lo"] = .integer(range.lowerBound)
      all["gapdb_hi"] = .integer(range.upperBound)
    }
    // Snapshot epoch and gap per run.
    var epochs = [Int64?](repeating: nil, count: runIDs.count)
    var gaps = [Double](repeating: .nan, count: runIDs.count)
    let gapStatement = try makeStatement(
      sql: snap + """
        SELECT s.run_id, s.epoch, \(gapSQL)
        FROM snap AS s LEFT JOIN epoch_metric AS m ON m.run_id = s.run_id AND m.epoch = s.epoch
        """)
    try bindNamed(gapStatement, all)
    let g = gapStatement.handle
    while try gapStatement.step() {
      guard let r = runIndex[sqlite3_column_int64(g, 0)] else { continue }
      if sqlite3_column_type(g, 1) != SQLITE_NULL { epochs[r] = sqlite3_column_int64(g, 1) }
      if sqlite3_column_type(g, 2) != SQLITE_NULL { gaps[r] = sqlite3_column_double(g, 2) }
    }
    // Measure values at the snapshots.
    let statement = try makeStatement(
      sql: snap + """
        SELECT s.run_id, v.measure_id, v.value
        FROM snap AS s
        JOIN measure_value AS v ON v.run_id = s.run_id AND v.epoch = s.epoch\(measureFilter)
        """)
    try bindNamed(statement, all)
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
      }
      guard let text = sqlite3_column_text(h, 1) else { continue }
      let length = Int(sqlite3_column_bytes(h, 1))
      // Rows of one run usually come in the same measure order: try the next known name
      // before building a String.
      var m = -1
      if expectedName < nameBytes.count, nameBytes[expectedName].count == length,
        memcmp(nameBytes[expectedName], text, length) == 0
      {
        m = expectedName
      } else {
        let name = String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self)
        if let known = nameIndex[name] {
          m = known
        } else {
          m = names.count
          names.append(name)
          nameBytes.append(Array(UnsafeBufferPointer(start: text, count: length)))
          nameIndex[name] = m
          columns.append([Double](repeating: .nan, count: runIDs.count))
        }
      }
      expectedName = m + 1
      if sqlite3_column_type(h, 2) != SQLITE_NULL {
        columns[m][lastRunIndex] = sqlite3_column_double(h, 2)
      }
    }
    let order = names.indices.sorted { names[$0] < names[$1] }
    return SnapshotTable(
      runIDs: runIDs, epochs: epochs, gap: gaps, measureIDs: order.map { names[$0] },
      values: order.map { columns[$0] })
  }

  /// Each selected run's hyperparameters as exact level keys, column by column.
  ///
  /// Keys (`CorrelationStatistics.GridLevel`) come from the stored value and its type, not
  /// from `value_text`: an INTEGER is its exact 64-bit value; a REAL is its double (an
  /// integer-valued REAL within ±2^63 equals that INTEGER: `2.0` and `2` are one level;
  /// other distinct doubles stay distinct); a NULL REAL is `nan`; a BOOLEAN is `true` or
  /// `false`; a TEXT is its exact text (quoted when it reads as a number, so the text "1"
  /// is not the number 1). Values are never compared through a lossy conversion; where the
  /// store already merged distinct values (REAL texts equal as doubles), the table's
  /// ``HyperparameterTable/warnings`` say so.
  ///
  /// - Parameters:
  ///   - runFilter: As in ``readSnapshotTable(storePath:runFilter:arguments:snapshot:gap:measureIDs:threads:)``.
  ///   - arguments: Named arguments for `runFilter`.
  ///   - keys: Only these keys (`nil` = all).
  ///   - excludingKeys: Leave these keys out (e.g. `seed`, which is not a grid axis).
  /// - Returns: The table; runs ascending by id.
  /// - Throws: ``DatabaseError``.
  /// - Complexity: O(rows); each distinct key and value becomes a String once (up to 64
  ///   distinct values per key are cached).
  public func readHyperparameters(
    runFilter: String, arguments: [String: DatabaseValue] = [:], keys: [String]? = nil,
    excludingKeys: [String] = []
  ) throws -> HyperparameterTable {
    var all = arguments
    var keyFilter = ""
    if let keys {
      keyFilter += " AND h.key IN (" + keys.indices.map { ":gapdb_k\($0)" }.joined(separator: ", ") + ")"
      for (i, k) in keys.enumerated() { all["gapdb_k\(i)"] = .text(k) }
    }
    if !excludingKeys.isEmpty {
      keyFilter += " AND h.key NOT IN (" + excludingKeys.indices.map { ":gapdb_x\($0)" }.joined(separator: ", ") + ")"
      for (i, k) in excludingKeys.enumerated() { all["gapdb_x\(i)"] = .text(k) }
    }
    // Type codes: 0 integer, 1 real, 2 boolean, 3 text.
    let statement = try makeStatement(
      sql: """
        SELECT h.run_id, h.key,
          CASE h.value_type WHEN 'integer' THEN 0 WHEN 'real' THEN 1 WHEN 'boolean' THEN 2 ELSE 3 END,
          h.value, h.value_text
        FROM hyperparameter AS h
        WHERE h.run_id IN (
          SELECT r.id FROM run AS r JOIN experiment AS e ON e.id = r.experiment_id
          WHERE (\(runFilter)))\(keyFilter)
        ORDER BY h.run_id, h.key
        """)
    try bindNamed(statement, all)
    let h = statement.handle
    var table = HyperparameterTable(runIDs: [], keys: [], values: [])
    var keyIndex: [String: Int] = [:]
    var keyBytes: [[UInt8]] = []
    // Per key, the distinct values seen so far (few per key in a sweep): type, the value's
    // bits (integer, boolean, real), the recorded text, and the level key.
    struct CachedValue {
      var type: Int32
      var bits: UInt64
      var text: [UInt8]
      var level: String
    }
    var valueCache: [[CachedValue]] = []
    // Per key: the first recorded text (as an exact decimal) of each REAL level, and the
    // warnings already given.
    var realTexts: [[String: (recorded: String, exact: String?)]] = []
    var warned: [Set<String>] = []
    // Per key: TEXT values that read as numbers, and whether INTEGER/REAL values occur too.
    var numericTexts: [[String]] = []
    var hasNumber: [Bool] = []
    var expectedKey = 0
    while try statement.step() {
      let runID = sqlite3_column_int64(h, 0)
      if table.runIDs.last != runID {
        table.runIDs.append(runID)
        for k in table.values.indices { table.values[k].append(nil) }
        expectedKey = 0
      }
      let run = table.runIDs.count - 1
      guard let kp = sqlite3_column_text(h, 1) else { continue }
      let kn = Int(sqlite3_column_bytes(h, 1))
      var k: Int
      if expectedKey < keyBytes.count, keyBytes[expectedKey].count == kn,
        memcmp(keyBytes[expectedKey], kp, kn) == 0
      {
        k = expectedKey
      } else {
        let name = String(decoding: UnsafeBufferPointer(start: kp, count: kn), as: UTF8.self)
        if let known = keyIndex[name] {
          k = known
        } else {
          k = table.keys.count
          keyIndex[name] = k
          table.keys.append(name)
          keyBytes.append(Array(UnsafeBufferPointer(start: kp, count: kn)))
          valueCache.append([])
          realTexts.append([:])
          warned.append([])
          numericTexts.append([])
          hasNumber.append(false)
          table.values.append([String?](repeating: nil, count: table.runIDs.count))
        }
      }
      expectedKey = k + 1
      let type = sqlite3_column_int(h, 2)
      let isNull = sqlite3_column_type(h, 3) == SQLITE_NULL
      let bits: UInt64
      switch type {
      case 0, 2: bits = UInt64(bitPattern: sqlite3_column_int64(h, 3))
      case 1: bits = isNull ? Double.nan.bitPattern : sqlite3_column_double(h, 3).bitPattern
      default: bits = 0
      }
      // TEXT values are matched by their text (column 3), REAL ones by value and recorded
      // text (for the merge warning), INTEGER and BOOLEAN ones by value alone.
      let textColumn: Int32 = type == 3 ? 3 : 4
      let needsText = type == 1 || type == 3
      let vp = needsText ? sqlite3_column_text(h, textColumn) : nil
      let vn = needsText ? Int(sqlite3_column_bytes(h, textColumn)) : 0
      let textBuffer = UnsafeBufferPointer(start: vp, count: vp == nil ? 0 : vn)
      var level: String? = nil
      for entry in valueCache[k]
      where entry.type == type && entry.bits == bits && entry.text.count == textBuffer.count
        && (textBuffer.isEmpty || memcmp(entry.text, textBuffer.baseAddress!, textBuffer.count) == 0)
      {
        level = entry.level
        break
      }
      if level == nil {
        let text = String(decoding: textBuffer, as: UTF8.self)
        let key = table.keys[k]
        let decoded: String
        switch type {
        case 0: decoded = GridLevel.key(integer: Int64(bitPattern: bits))
        case 2: decoded = bits != 0 ? "true" : "false"
        case 1:
          let value = Double(bitPattern: bits)
          decoded = GridLevel.key(real: value)
          // The recorded text as an exact decimal: a second text of the same level that is a
          // different decimal was merged by the REAL type (e.g. 2^70 and 2^70+1).
          if value.isFinite {
            let exact = GridLevel.numberKey(text)
            if let first = realTexts[k][decoded] {
              if let exact, let firstExact = first.exact, exact != firstExact,
                warned[k].insert(decoded).inserted, warned[k].count <= 5
              {
                table.warnings.append(
                  (key,
                  "hyperparameter \"\(key)\": the recorded values \(first.recorded) and \(text) differ but are stored as the same 64-bit real \(value.description), so they form one level"))
              }
            } else {
              realTexts[k][decoded] = (text, exact)
            }
          }
        default:
          decoded = GridLevel.key(text: text)
          if numericTexts[k].count < 3, GridLevel.numberKey(text) != nil, !numericTexts[k].contains(text) {
            numericTexts[k].append(text)
          }
        }
        if type == 0 || type == 1 { hasNumber[k] = true }
        if valueCache[k].count < 64 {
          valueCache[k].append(CachedValue(type: type, bits: bits, text: Array(textBuffer), level: decoded))
        }
        level = decoded
      }
      table.values[k][run] = level
    }
    for k in table.keys.indices where hasNumber[k] && !numericTexts[k].isEmpty {
      let texts = numericTexts[k].map { "\"\($0)\"" }.joined(separator: ", ")
      table.warnings.append(
        (table.keys[k],
        "hyperparameter \"\(table.keys[k])\" has numbers and also text values that read as numbers (\(texts)): text and number are distinct levels"))
    }
    return table
  }

  fileprivate func bindNamed(_ statement: Statement, _ arguments: [String: DatabaseValue]) throws {
    let wanted = Set(statement.parameterNames.compactMap { $0 })
    for (name, value) in arguments where wanted.contains(":" + name) {
      try statement.bind(value, named: ":" + name)
    }
  }
}
