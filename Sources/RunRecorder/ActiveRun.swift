import ResultsStore

/// A run being recorded, returned by ``Recorder/beginRun(_:)``.
///
/// Each ``recordEpoch(_:)`` is one transaction with reused prepared statements: the epoch's
/// metrics row, its layer summaries and its measure values are all stored, or (on any error)
/// none of them. Recorded epochs also refresh the heartbeat (at most once a second); call
/// ``heartbeat()`` during long epochs so the run is not taken for dead.
///
/// Divergence: when an epoch's train or test loss is NaN or +Inf, that epoch is recorded and
/// the run is marked `diverged` (stop reason `non_finite_loss`) in the same transaction.
/// Later ``recordEpoch(_:)`` calls throw ``RecorderError/runNotRunning(runID:status:)``;
/// ``finish(status:stopReason:)`` keeps the status `diverged`.
public final class ActiveRun {
  /// The run's `run.id`.
  public let id: Int64
  /// The run's UUID (lowercase).
  public let uuid: String
  /// The status as this process last wrote it.
  public private(set) var status: RunStatus = .running
  /// The last recorded epoch, if any.
  public private(set) var lastEpoch: Int?
  /// Whether a NaN or +Inf loss marked the run diverged.
  public var hasDiverged: Bool { status == .diverged }

  private let recorder: Recorder
  private let layerCount: Int
  private let targetTrainLoss: Double?
  private var lastTrainLoss: Double?
  private var lastHeartbeatWrite = ContinuousClock.now
  private var database: Database { recorder.database }

  init(recorder: Recorder, id: Int64, uuid: String, layerCount: Int, targetTrainLoss: Double?) {
    self.recorder = recorder
    self.id = id
    self.uuid = uuid
    self.layerCount = layerCount
    self.targetTrainLoss = targetTrainLoss
  }

  /// Records one epoch in one transaction.
  ///
  /// Unknown measure ids get a minimal catalogue row (name = id, properties NULL) in the same
  /// transaction; register measures with ``Recorder/registerMeasures(_:)`` to describe them.
  ///
  /// - Parameter record: The epoch's metrics, layer summaries and measure values.
  /// - Throws: ``RecorderError`` for a bad record (epoch not after the last one, negative
  ///   step, error outside [0, 1], undeclared or repeated layer, repeated measure, run no
  ///   longer running); `DatabaseError`. Nothing is written when it throws.
  public func recordEpoch(_ record: EpochRecord) throws {
    try validate(record)
    let runID = DatabaseValue.integer(id)
    let epoch = DatabaseValue.integer(Int64(record.epoch))
    let metrics = record.metrics.columns
    let lossDiverged = [record.metrics.trainLoss, record.metrics.testLoss].contains {
      guard let v = $0 else { return false }
      return v.isNaN || v == .infinity
    }
    var created = Set<String>()
    try database.inTransaction {
      let insertEpoch = try database.cachedStatement(
        sql: """
          INSERT INTO epoch_metric (run_id, epoch, step, train_loss, test_loss, train_error,
            test_error, learning_rate, wall_time_s, nan_columns, recorded_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
          """)
      try insertEpoch.bind([runID, epoch, .integer(record.step)])
      for (i, column) in metrics.enumerated() {
        try insertEpoch.bind(DatabaseValue(column.1), at: 4 + i)
      }
      try insertEpoch.bind(.text(nanColumns(metrics)), at: 4 + metrics.count)
      try insertEpoch.execute()

      if !record.layerSummaries.isEmpty {
        let insertSummary = try database.cachedStatement(sql: Self.insertLayerSummarySQL)
        for summary in record.layerSummaries {
          let columns = Array(zip(LayerSummaryRecord.columnNames, summary.columnValues))
          try insertSummary.bind([runID, epoch, .integer(Int64(summary.layerIndex))])
          for (i, column) in columns.enumerated() {
            try insertSummary.bind(DatabaseValue(column.1), at: 4 + i)
          }
          try insertSummary.bind(.text(nanColumns(columns)), at: 4 + columns.count)
          try insertSummary.execute()
        }
      }

      if !record.measures.isEmpty {
        try insertMeasureValues(record.measures, epoch: Int64(record.epoch), created: &created)
      }

      if ContinuousClock.now - lastHeartbeatWrite >= Self.heartbeatWriteInterval {
        try touchHeartbeat()
      } else {
        try checkStillRunning()
      }
      if lossDiverged {
        try database.cachedStatement(
          sql: """
            UPDATE run SET status = 'diverged', stop_reason = 'non_finite_loss',
              ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
            WHERE id = ?
            """
        ).execute([runID])
      }
    }
    // Only after the commit: a rolled-back catalogue row must be created again next time.
    recorder.knownMeasureIDs.formUnion(created)
    lastEpoch = record.epoch
    if let loss = record.metrics.trainLoss { lastTrainLoss = loss }
    if lossDiverged { status = .diverged }
  }

  /// Refreshes the run's heartbeat (`run.heartbeat_at` = now).
  ///
  /// - Throws: ``RecorderError/runNotRunning(runID:status:)`` if the run has ended (e.g. it was
  ///   marked failed as stale); `DatabaseError`.
  public func heartbeat() throws {
    try database.inTransaction { try touchHeartbeat() }
  }

  /// Ends the run.
  ///
  /// Sets `status`, `ended_at` and `stop_reason`; if the run has a training-loss target,
  /// `reached_target` says whether the last recorded train loss is at or below it. On a run
  /// the recorder already marked diverged this does nothing (the status stays `diverged`).
  ///
  /// - Parameters:
  ///   - status: `.finished`, `.failed` or `.diverged`.
  ///   - stopReason: Why it ended, snake_case, e.g. `target_train_loss_reached`, `max_epochs`.
  /// - Throws: ``RecorderError/cannotFinishAsRunning``; ``RecorderError/runNotRunning(runID:status:)``
  ///   if another process (e.g. `gapdb mark-stale`) ended it; `DatabaseError`.
  public func finish(status: RunStatus, stopReason: String? = nil) throws {
    if status == .running { throw RecorderError.cannotFinishAsRunning }
    if self.status == .diverged { return }
    var reached: DatabaseValue = .null
    if let target = targetTrainLoss {
      reached = .integer((lastTrainLoss.map { $0 <= target } ?? false) ? 1 : 0)
    }
    try database.inTransaction {
      try database.cachedStatement(
        sql: """
          UPDATE run SET status = ?, stop_reason = ?, reached_target = ?,
            ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
            heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
          WHERE id = ? AND status = 'running'
          """
      ).execute([.text(status.rawValue), DatabaseValue(stopReason), reached, .integer(id)])
      if database.changesCount == 0 { throw try notRunningError() }
    }
    self.status = status
  }

  /// Stores a weight snapshot for an epoch (replacing an earlier one for the same epoch).
  ///
  /// - Parameters:
  ///   - epoch: The epoch whose end the weights belong to (0 = initial weights).
  ///   - format: How `data` is encoded, e.g. `npz`.
  ///   - data: The encoded weights.
  /// - Throws: ``RecorderError/negativeValue(field:value:)``; `DatabaseError`.
  public func saveWeightSnapshot(epoch: Int, format: String, data: [UInt8]) throws {
    if epoch < 0 { throw RecorderError.negativeValue(field: "epoch", value: Int64(epoch)) }
    if format.isEmpty { throw RecorderError.emptyName(field: "format") }
    try database.inTransaction {
      try database.cachedStatement(
        sql:
          "INSERT OR REPLACE INTO weight_snapshot (run_id, epoch, format, data) VALUES (?, ?, ?, ?)"
      ).execute([.integer(id), .integer(Int64(epoch)), .text(format), .blob(data)])
    }
  }

  // MARK: - Helpers

  /// Inserts the epoch's measure values with multi-row `INSERT … VALUES (…), (…), …`
  /// statements: chunks of 32 rows, then 16, 8, 4, 2, 1 for the rest (100 values = 3 × 32 +
  /// 4, four statement runs instead of 100). A chunk starts the statement (cursors, reset)
  /// once: callgrind counted 12.9 k instructions per value with one row per run and 9.7 k
  /// with 32. Unknown ids first get a minimal catalogue row. A primary-key clash (an id
  /// repeated in the record) is reported as ``RecorderError/duplicateMeasure(id:)``.
  private func insertMeasureValues(
    _ measures: [MeasureRecord], epoch: Int64, created: inout Set<String>
  ) throws {
    // `created` joins knownMeasureIDs only after the commit (a rollback undoes the rows).
    // Both are sets: with an array, n new ids cost n²/2 comparisons (40,000 new ids took
    // 3.2 s). Here each id costs two hash lookups and, when new, one prepared-statement run.
    for measure in measures
    where !recorder.knownMeasureIDs.contains(measure.measureID)
      && !created.contains(measure.measureID)
    {
      try database.cachedStatement(
        sql: "INSERT INTO measure (id, name) VALUES (?1, ?1) ON CONFLICT (id) DO NOTHING"
      ).execute([.text(measure.measureID)])
      created.insert(measure.measureID)
    }
    var start = 0
    do {
      for (rows, sql) in Self.insertMeasureValueSQL {
        while measures.count - start >= rows {
          let insert = try database.cachedStatement(sql: sql)
          try insert.bind(int64: id, at: 1)
          try insert.bind(int64: epoch, at: 2)
          for k in 0..<rows {
            let measure = measures[start + k]
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
    } catch let error as DatabaseError where error.extendedResultCode == primaryKeyConstraintFailed {
      // Each epoch is new (its epoch_metric row was inserted first), so a primary-key clash
      // is a measure id repeated within this record; find the first one.
      var seen = Set<String>()
      for measure in measures where !seen.insert(measure.measureID).inserted {
        throw RecorderError.duplicateMeasure(id: measure.measureID)
      }
      throw error
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

  /// Epochs refresh `heartbeat_at` at most this often (a read checks the status in between),
  /// which saves a page write per commit when epochs are short.
  static let heartbeatWriteInterval = Duration.seconds(1)

  private func checkStillRunning() throws {
    let status = try database.cachedStatement(sql: "SELECT status FROM run WHERE id = ?")
    try status.bind([.integer(id)])
    let current = try status.step() ? status.value(at: 0) : .null
    status.reset()
    if current != .text("running") {
      throw RecorderError.runNotRunning(runID: id, status: current.stringValue ?? "deleted")
    }
  }

  private func touchHeartbeat() throws {
    try database.cachedStatement(
      sql: """
        UPDATE run SET heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        WHERE id = ? AND status = 'running'
        """
    ).execute([.integer(id)])
    if database.changesCount == 0 { throw try notRunningError() }
    lastHeartbeatWrite = ContinuousClock.now
  }

  private func notRunningError() throws -> RecorderError {
    let current = try database.scalar(
      sql: "SELECT status FROM run WHERE id = ?", arguments: [.integer(id)])
    return RecorderError.runNotRunning(runID: id, status: current.stringValue ?? "deleted")
  }

  private func validate(_ record: EpochRecord) throws {
    if status != .running { throw RecorderError.runNotRunning(runID: id, status: status.rawValue) }
    if record.epoch < 0 {
      throw RecorderError.negativeValue(field: "epoch", value: Int64(record.epoch))
    }
    if let lastEpoch, record.epoch <= lastEpoch {
      throw RecorderError.epochOutOfOrder(previous: lastEpoch, got: record.epoch)
    }
    if record.step < 0 { throw RecorderError.negativeValue(field: "step", value: record.step) }
    for (name, value) in [
      ("train_error", record.metrics.trainError), ("test_error", record.metrics.testError),
    ] {
      if let value, !value.isNaN, !(0...1).contains(value) {
        throw RecorderError.fractionOutOfRange(field: name, value: value)
      }
    }
    var seenLayers = Set<Int>()
    for summary in record.layerSummaries {
      guard (0..<layerCount).contains(summary.layerIndex) else {
        throw RecorderError.unknownLayer(index: summary.layerIndex, declared: Array(0..<layerCount))
      }
      guard seenLayers.insert(summary.layerIndex).inserted else {
        throw RecorderError.duplicateLayerSummary(layerIndex: summary.layerIndex)
      }
      if let f = summary.nearZeroFraction, !f.isNaN, !(0...1).contains(f) {
        throw RecorderError.fractionOutOfRange(field: "near_zero_fraction", value: f)
      }
    }
    for measure in record.measures where measure.measureID.isEmpty {
      throw RecorderError.emptyName(field: "measure id")
    }
    // Repeated measure ids are caught by the primary key during the insert (cheaper than a
    // Set here at 100 values per epoch) and reported as duplicateMeasure.
  }

  private static let insertLayerSummarySQL: String = {
    let names = LayerSummaryRecord.columnNames
    let columns = (["run_id", "epoch", "layer_index"] + names + ["nan_columns"])
    return "INSERT INTO layer_summary (" + columns.joined(separator: ", ") + ") VALUES ("
      + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
  }()
}

/// `SQLITE_CONSTRAINT_PRIMARYKEY`.
private let primaryKeyConstraintFailed: Int32 = 1555

/// The `nan_columns` JSON array: names of the columns whose value is NaN.
func nanColumns(_ columns: [(String, Double?)]) -> String {
  let names = columns.compactMap { name, value in value.map { $0.isNaN } == true ? name : nil }
  if names.isEmpty { return "[]" }
  return "[" + names.map { "\"\($0)\"" }.joined(separator: ",") + "]"
}
