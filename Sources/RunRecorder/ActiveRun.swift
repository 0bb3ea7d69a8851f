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
    let metrics = record.metrics.columns
    let lossDiverged = [record.metrics.trainLoss, record.metrics.testLoss].contains {
      guard let v = $0 else { return false }
      return v.isNaN || v == .infinity
    }
    var created = Set<String>()
    try database.inTransaction {
      try database.insertEpochMetric(
        runID: id, epoch: Int64(record.epoch), step: record.step, columns: metrics)
      for summary in record.layerSummaries {
        try database.insertLayerSummary(
          runID: id, epoch: Int64(record.epoch), layerIndex: Int64(summary.layerIndex),
          columns: Array(zip(LayerSummaryRecord.columnNames, summary.columnValues)))
      }

      if !record.measures.isEmpty {
        try insertMeasureValues(record.measures, epoch: Int64(record.epoch), created: &created)
      }

      if ContinuousClock.now - lastHeartbeatWrite >= Self.heartbeatWriteInterval {
        try touchHeartbeat()
      } else {
        try checkStillRunning()
      }
      if lossDiverged { try database.markRunDiverged(runID: id) }
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
    let reached = targetTrainLoss.map { target in lastTrainLoss.map { $0 <= target } ?? false }
    try database.inTransaction {
      guard
        try database.finishRun(
          runID: id, status: status.rawValue, stopReason: stopReason, reachedTarget: reached)
      else { throw try notRunningError() }
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
    try database.saveWeightSnapshot(runID: id, epoch: Int64(epoch), format: format, data: data)
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
      try database.insertMeasureIfMissing(id: measure.measureID)
      created.insert(measure.measureID)
    }
    do {
      try database.insertMeasureValues(count: measures.count, runID: id, epoch: epoch) { i in
        let measure = measures[i]
        return (measure.measureID, measure.value, measure.kind, measure.detail)
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

  /// Epochs refresh `heartbeat_at` at most this often (a read checks the status in between),
  /// which saves a page write per commit when epochs are short.
  static let heartbeatWriteInterval = Duration.seconds(1)

  private func checkStillRunning() throws {
    let current = try database.runStatus(runID: id)
    if current != "running" {
      throw RecorderError.runNotRunning(runID: id, status: current ?? "deleted")
    }
  }

  private func touchHeartbeat() throws {
    guard try database.touchRunHeartbeat(runID: id) else { throw try notRunningError() }
    lastHeartbeatWrite = ContinuousClock.now
  }

  private func notRunningError() throws -> RecorderError {
    RecorderError.runNotRunning(runID: id, status: try database.runStatus(runID: id) ?? "deleted")
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
}

/// `SQLITE_CONSTRAINT_PRIMARYKEY`.
private let primaryKeyConstraintFailed: Int32 = 1555
