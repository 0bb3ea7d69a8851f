/// The gapdb store's reads and writes for sweeps (the ledger that decides what to train or
/// resume, the progress display, the executor's clean-up of dead workers). A sweep run is a
/// run whose `config` JSON has a `sweep_key`.

/// One sweep run as the ledger reads it.
public struct SweepRunRow: Sendable, Equatable {
  public var id: Int64
  public var status: String
  public var host: String
  public var pid: Int64?
  /// `config.sweep_key`.
  public var sweepKey: String
  /// Seconds since the last heartbeat; nil when `heartbeat_at` is NULL.
  public var heartbeatAgeSeconds: Double?
  /// `run.process_start`.
  public var processStart: String?
  /// `run.started_at` in seconds since 1970.
  public var startedAtUnix: Double?

  /// Creates a row; the arguments are the properties of the same names.
  public init(
    id: Int64, status: String, host: String, pid: Int64?, sweepKey: String,
    heartbeatAgeSeconds: Double?, processStart: String?, startedAtUnix: Double?
  ) {
    self.id = id
    self.status = status
    self.host = host
    self.pid = pid
    self.sweepKey = sweepKey
    self.heartbeatAgeSeconds = heartbeatAgeSeconds
    self.processStart = processStart
    self.startedAtUnix = startedAtUnix
  }
}

/// One sweep run as the progress display reads it: its last recorded epoch.
public struct SweepProgressRow: Sendable, Equatable {
  public var id: Int64
  public var name: String
  public var status: String
  /// `config.stopping.max_epochs`, if recorded.
  public var maxEpochs: Int64?
  /// The last recorded epoch, nil before the first.
  public var lastEpoch: Int64?
  /// The train loss at ``lastEpoch`` (nil when none or NULL).
  public var lastTrainLoss: Double?
  /// `config.sweep_key`.
  public var sweepKey: String?

  /// Creates a row; the arguments are the properties of the same names.
  public init(
    id: Int64, name: String, status: String, maxEpochs: Int64?, lastEpoch: Int64?,
    lastTrainLoss: Double?, sweepKey: String?
  ) {
    self.id = id
    self.name = name
    self.status = status
    self.maxEpochs = maxEpochs
    self.lastEpoch = lastEpoch
    self.lastTrainLoss = lastTrainLoss
    self.sweepKey = sweepKey
  }
}

extension Database {
  /// The sweep runs of an experiment, ascending by id.
  ///
  /// - Parameter experiment: The experiment name.
  /// - Throws: `DatabaseError`.
  public func sweepRuns(experiment: String) throws -> [SweepRunRow] {
    try fetchAll(
      sql: """
        SELECT r.id, r.status, r.host, r.pid, json_extract(r.config, '$.sweep_key'),
          (julianday('now') - julianday(r.heartbeat_at)) * 86400.0, r.process_start,
          (julianday(r.started_at) - 2440587.5) * 86400.0
        FROM run AS r JOIN experiment AS e ON e.id = r.experiment_id
        WHERE e.name = ?1 AND json_extract(r.config, '$.sweep_key') IS NOT NULL
        ORDER BY r.id
        """, arguments: [.text(experiment)]
    ).compactMap { row in
      guard let key = row[4].stringValue else { return nil }
      return SweepRunRow(
        id: row[0].int64Value ?? 0, status: row[1].stringValue ?? "", host: row[2].stringValue ?? "",
        pid: row[3].int64Value, sweepKey: key, heartbeatAgeSeconds: row[5].doubleValue,
        processStart: row[6].stringValue, startedAtUnix: row[7].doubleValue)
    }
  }

  /// The sweep runs of an experiment from run id `firstRunID` on, with their last epoch,
  /// ascending by id. The epoch cap is read from either config layout (`max_epochs` at the top
  /// level since the one run configuration, `stopping.max_epochs` in stores recorded before it).
  ///
  /// - Parameters:
  ///   - experiment: The experiment name.
  ///   - firstRunID: The smallest run id to include.
  /// - Throws: `DatabaseError`.
  public func sweepProgressRows(experiment: String, firstRunID: Int64) throws -> [SweepProgressRow] {
    try fetchAll(
      sql: """
        SELECT r.id, r.name, r.status,
          coalesce(json_extract(r.config, '$.max_epochs'), json_extract(r.config, '$.stopping.max_epochs')),
          m.epoch, m.train_loss,
          json_extract(r.config, '$.sweep_key')
        FROM run AS r JOIN experiment AS e ON e.id = r.experiment_id
        LEFT JOIN epoch_metric AS m ON m.run_id = r.id
          AND m.epoch = (SELECT max(epoch) FROM epoch_metric WHERE run_id = r.id)
        WHERE e.name = ?1 AND r.id >= ?2 AND json_extract(r.config, '$.sweep_key') IS NOT NULL
        ORDER BY r.id
        """, arguments: [.text(experiment), .integer(firstRunID)]
    ).map { row in
      SweepProgressRow(
        id: row[0].int64Value ?? 0, name: row[1].stringValue ?? "", status: row[2].stringValue ?? "",
        maxEpochs: row[3].int64Value, lastEpoch: row[4].int64Value, lastTrainLoss: row[5].doubleValue,
        sweepKey: row[6].stringValue)
    }
  }

  /// The id the next inserted run will most likely get (`max(run.id) + 1`, 1 for an empty
  /// store): sweeps use it to tell their new runs from earlier ones.
  ///
  /// - Throws: `DatabaseError`.
  public func nextRunID() throws -> Int64 {
    try scalar(sql: "SELECT coalesce(max(id), 0) + 1 FROM run").int64Value ?? 1
  }

  /// The ids of `running` runs recorded by process `pid` on `host`, ascending.
  ///
  /// - Throws: `DatabaseError`.
  public func runningRunIDs(host: String, pid: Int64) throws -> [Int64] {
    try fetchAll(
      sql: "SELECT id FROM run WHERE status = 'running' AND host = ?1 AND pid = ?2 ORDER BY id",
      arguments: [.text(host), .integer(pid)]
    ).compactMap { $0[0].int64Value }
  }

  /// Marks runs whose process died as `failed` (stop reason `process_died`, ended now), in one
  /// transaction; runs that meanwhile left `running` are not touched.
  ///
  /// - Parameter ids: The run ids (none: nothing happens).
  /// - Returns: How many runs were marked.
  /// - Throws: `DatabaseError`.
  @discardableResult
  public func markRunsProcessDied(_ ids: [Int64]) throws -> Int {
    guard !ids.isEmpty else { return 0 }
    return try inTransaction {
      let update = try cachedStatement(
        sql: """
          UPDATE run SET status = 'failed', stop_reason = 'process_died',
            ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
          WHERE id = ?1 AND status = 'running'
          """)
      var marked = 0
      for id in ids {
        try update.execute([.integer(id)])
        marked += changesCount
      }
      return marked
    }
  }
}
