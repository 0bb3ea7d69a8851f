/// The gapdb store's per-epoch writes: the SQL behind `ActiveRun.recordEpoch` (one
/// `epoch_metric` row, `layer_summary` rows, `measure_value` rows and minimal `measure`
/// catalogue rows). Every method runs inside the caller's transaction — the recorder commits an
/// epoch as one.

extension Database {
  /// Inserts one `epoch_metric` row; `recorded_at` is now, `nan_columns` names the columns
  /// whose value is NaN.
  ///
  /// - Parameters:
  ///   - runID: The run.
  ///   - epoch: The epoch.
  ///   - step: The optimizer step count.
  ///   - columns: (column name, value) pairs of `epoch_metric` (`train_loss`, `test_loss`, …).
  /// - Throws: `DatabaseError` (e.g. the epoch exists already, an unknown column).
  /// - Complexity: One cached statement run.
  public func insertEpochMetric(runID: Int64, epoch: Int64, step: Int64, columns: [(String, Double?)])
    throws
  {
    // The recorder always passes the same columns: keep their SQL instead of building it.
    let sql =
      columns.count == Self.epochMetricColumns.count
        && zip(columns, Self.epochMetricColumns).allSatisfy { $0.0 == $1 }
      ? Self.epochMetricSQL : Self.insertEpochMetricSQL(columns.map(\.0))
    try cachedStatement(sql: sql).execute(
      [.integer(runID), .integer(epoch), .integer(step)] + columns.map { DatabaseValue($0.1) }
        + [.text(nanColumnsJSON(columns))])
  }

  /// The `epoch_metric` value columns, in table order.
  static let epochMetricColumns = [
    "train_loss", "test_loss", "train_error", "test_error", "learning_rate", "wall_time_s",
  ]
  static let epochMetricSQL = insertEpochMetricSQL(epochMetricColumns)

  static func insertEpochMetricSQL(_ columns: [String]) -> String {
    let names = ["run_id", "epoch", "step"] + columns + ["nan_columns", "recorded_at"]
    return "INSERT INTO epoch_metric (" + names.joined(separator: ", ") + ") VALUES ("
      + Array(repeating: "?", count: names.count - 1).joined(separator: ", ")
      + ", strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
  }

  /// Inserts one `layer_summary` row; `nan_columns` names the columns whose value is NaN.
  ///
  /// - Parameters:
  ///   - runID: The run.
  ///   - epoch: The epoch.
  ///   - layerIndex: The layer (0-based, declared when the run began).
  ///   - columns: (column name, value) pairs of `layer_summary`.
  /// - Throws: `DatabaseError`.
  public func insertLayerSummary(
    runID: Int64, epoch: Int64, layerIndex: Int64, columns: [(String, Double?)]
  ) throws {
    let names = ["run_id", "epoch", "layer_index"] + columns.map(\.0) + ["nan_columns"]
    let sql =
      "INSERT INTO layer_summary (" + names.joined(separator: ", ") + ") VALUES ("
      + Array(repeating: "?", count: names.count).joined(separator: ", ") + ")"
    try cachedStatement(sql: sql).execute(
      [.integer(runID), .integer(epoch), .integer(layerIndex)] + columns.map { DatabaseValue($0.1) }
        + [.text(nanColumnsJSON(columns))])
  }

  /// Adds a minimal catalogue row (name = id, properties NULL) unless the measure exists.
  ///
  /// - Throws: `DatabaseError`.
  public func insertMeasureIfMissing(id: String) throws {
    try cachedStatement(
      sql: "INSERT INTO measure (id, name) VALUES (?1, ?1) ON CONFLICT (id) DO NOTHING"
    ).execute([.text(id)])
  }

  /// Inserts measure values of one run and epoch with multi-row `INSERT … VALUES (…), (…), …`
  /// statements: chunks of 32 rows, then 16, 8, 4, 2, 1 for the rest (100 values = 3 × 32 +
  /// 4, four statement runs instead of 100). A chunk starts the statement (cursors, reset)
  /// once: callgrind counted 12.9 k instructions per value with one row per run and 9.7 k
  /// with 32.
  ///
  /// - Parameters:
  ///   - count: The number of rows.
  ///   - runID: The run.
  ///   - epoch: The epoch (its `epoch_metric` row must exist).
  ///   - row: Row `i` (0..<count): `measure_id` (in the catalogue already), `value` (nil or NaN
  ///     → NULL), `value_kind`, `detail` (JSON text or nil).
  /// - Throws: `DatabaseError`; a repeated measure id is `SQLITE_CONSTRAINT_PRIMARYKEY` (1555).
  public func insertMeasureValues(
    count: Int, runID: Int64, epoch: Int64,
    row: (Int) -> (measureID: String, value: Double?, kind: String?, detail: String?)
  ) throws {
    var start = 0
    for (rows, sql) in Self.insertMeasureValueSQL {
      while count - start >= rows {
        let insert = try cachedStatement(sql: sql)
        try insert.bind(int64: runID, at: 1)
        try insert.bind(int64: epoch, at: 2)
        for k in 0..<rows {
          let measure = row(start + k)
          let first = 3 + 4 * k
          try insert.bind(text: measure.measureID, at: first)
          try insert.bind(double: measure.value, at: first + 1)
          try insert.bind(text: measure.kind, at: first + 2)
          try insert.bind(text: measure.detail, at: first + 3)
        }
        try insert.execute()
        start += rows
      }
    }
  }

  /// Multi-row inserts into `measure_value`, largest first: (rows, SQL). ?1 = run_id and
  /// ?2 = epoch are shared; row k binds measure_id, value, value_kind, detail at 3 + 4k….
  static let insertMeasureValueSQL: [(rows: Int, sql: String)] = [32, 16, 8, 4, 2, 1].map {
    rows in
    let tuples = (0..<rows).map { k in
      let p = 3 + 4 * k
      return "(?1, ?2, ?\(p), ?\(p + 1), ?\(p + 2), ?\(p + 3))"
    }
    return (
      rows,
      "INSERT INTO measure_value (run_id, epoch, measure_id, value, value_kind, detail) VALUES "
        + tuples.joined(separator: ", ")
    )
  }
}

/// The `nan_columns` JSON array: names of the columns whose value is NaN.
func nanColumnsJSON(_ columns: [(String, Double?)]) -> String {
  let names = columns.compactMap { name, value in value.map { $0.isNaN } == true ? name : nil }
  if names.isEmpty { return "[]" }
  return "[" + names.map { "\"\($0)\"" }.joined(separator: ",") + "]"
}
