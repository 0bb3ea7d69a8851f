/// The gapdb store's run lifecycle: the SQL behind `RunRecorder`'s `Recorder.beginRun`,
/// `ActiveRun.heartbeat`/`finish`/`saveWeightSnapshot` and the stale-run sweep, so that the
/// recorder validates and maps its record types while the tables, the `strftime`/`julianday`
/// dialect and the transactions live here (a second backend re-implements this file's API).
///
/// Timestamps are ISO-8601 UTC text with milliseconds (`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`).
/// Each method is one `BEGIN IMMEDIATE` transaction unless it says it runs inside the caller's.

/// A run to insert: its `run` row, hyperparameter rows and layer rows.
public struct NewRunRow: Sendable {
  /// One `hyperparameter` row (`value_type`, `value`, `value_text` as the schema defines them).
  public struct Hyperparameter: Sendable {
    public var key: String
    public var valueType: String
    public var value: DatabaseValue
    public var valueText: String
    public init(key: String, valueType: String, value: DatabaseValue, valueText: String) {
      self.key = key
      self.valueType = valueType
      self.value = value
      self.valueText = valueText
    }
  }

  /// One `layer` row.
  public struct Layer: Sendable {
    public var index: Int64
    public var name: String
    public var kind: String
    public var fanIn: Int64
    public var fanOut: Int64
    public var parameterCount: Int64
    public init(index: Int64, name: String, kind: String, fanIn: Int64, fanOut: Int64, parameterCount: Int64) {
      self.index = index
      self.name = name
      self.kind = kind
      self.fanIn = fanIn
      self.fanOut = fanOut
      self.parameterCount = parameterCount
    }
  }

  public var experiment: String
  public var uuid: String
  public var name: String
  public var targetTrainLoss: Double?
  public var host: String
  public var pid: Int64
  public var processStart: String?
  public var seed: Int64?
  public var dataset: String?
  /// A JSON object (checked by the caller with ``Database/isJSONObject(_:)``).
  public var config: String
  /// Inserted in this order.
  public var hyperparameters: [Hyperparameter]
  /// Inserted in this order.
  public var layers: [Layer]

  /// Creates a row set; the arguments are the columns of the same names.
  public init(
    experiment: String, uuid: String, name: String, targetTrainLoss: Double?, host: String,
    pid: Int64, processStart: String?, seed: Int64?, dataset: String?, config: String,
    hyperparameters: [Hyperparameter], layers: [Layer]
  ) {
    self.experiment = experiment
    self.uuid = uuid
    self.name = name
    self.targetTrainLoss = targetTrainLoss
    self.host = host
    self.pid = pid
    self.processStart = processStart
    self.seed = seed
    self.dataset = dataset
    self.config = config
    self.hyperparameters = hyperparameters
    self.layers = layers
  }
}

/// A `running` run whose heartbeat is old, as the stale-run sweep reads it.
public struct HeartbeatCandidateRow: Sendable, Equatable {
  public var runID: Int64
  public var name: String
  public var host: String
  public var pid: Int64?
  /// `run.heartbeat_at`, ISO-8601 UTC.
  public var heartbeatAt: String
  /// Seconds since the last heartbeat.
  public var ageSeconds: Double
  /// `run.process_start` (the recording process's start token), if recorded.
  public var processStart: String?
  /// `run.started_at` in seconds since 1970.
  public var startedAtUnix: Double?

  /// Creates a row; the arguments are the properties of the same names.
  public init(
    runID: Int64, name: String, host: String, pid: Int64?, heartbeatAt: String,
    ageSeconds: Double, processStart: String?, startedAtUnix: Double?
  ) {
    self.runID = runID
    self.name = name
    self.host = host
    self.pid = pid
    self.heartbeatAt = heartbeatAt
    self.ageSeconds = ageSeconds
    self.processStart = processStart
    self.startedAtUnix = startedAtUnix
  }
}

extension Database {
  /// Whether `text` is a JSON object (`json_valid(text) AND json_type(text) = 'object'`).
  ///
  /// - Throws: `DatabaseError`.
  public func isJSONObject(_ text: String) throws -> Bool {
    try scalar(
      sql: "SELECT json_valid(?1) AND json_type(?1) = 'object'", arguments: [.text(text)])
      == .integer(1)
  }

  /// Inserts a run with status `running` (started and heartbeat now), creating its experiment
  /// if needed (`ON CONFLICT DO NOTHING`, safe when many processes do it at once), with its
  /// hyperparameters and layers, in one transaction.
  ///
  /// - Parameter row: The rows to insert.
  /// - Returns: The new `run.id`.
  /// - Throws: `DatabaseError` (e.g. a repeated hyperparameter key); nothing is written then.
  public func insertRun(_ row: NewRunRow) throws -> Int64 {
    try inTransaction {
      try cachedStatement(
        sql: """
          INSERT INTO experiment (name, created_at)
          VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
          ON CONFLICT (name) DO NOTHING
          """
      ).execute([.text(row.experiment)])
      let experimentID = try scalar(
        sql: "SELECT id FROM experiment WHERE name = ?", arguments: [.text(row.experiment)])
      try cachedStatement(
        sql: """
          INSERT INTO run (experiment_id, uuid, name, status, target_train_loss, started_at,
            heartbeat_at, host, pid, process_start, seed, dataset, config)
          VALUES (?, ?, ?, 'running', ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
            strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, ?, ?, ?, ?, ?)
          """
      ).execute([
        experimentID, .text(row.uuid), .text(row.name), DatabaseValue(row.targetTrainLoss),
        .text(row.host), .integer(row.pid), DatabaseValue(row.processStart),
        DatabaseValue(row.seed), DatabaseValue(row.dataset), .text(row.config),
      ])
      let runID = lastInsertedRowID
      let insertHyperparameter = try cachedStatement(
        sql:
          "INSERT INTO hyperparameter (run_id, key, value_type, value, value_text) VALUES (?, ?, ?, ?, ?)"
      )
      for h in row.hyperparameters {
        try insertHyperparameter.execute([
          .integer(runID), .text(h.key), .text(h.valueType), h.value, .text(h.valueText),
        ])
      }
      let insertLayer = try cachedStatement(
        sql: """
          INSERT INTO layer (run_id, layer_index, name, kind, fan_in, fan_out, parameter_count)
          VALUES (?, ?, ?, ?, ?, ?, ?)
          """)
      for layer in row.layers {
        try insertLayer.execute([
          .integer(runID), .integer(layer.index), .text(layer.name), .text(layer.kind),
          .integer(layer.fanIn), .integer(layer.fanOut), .integer(layer.parameterCount),
        ])
      }
      return runID
    }
  }

  /// `run.status` of a run, or nil when there is no such run. Runs inside the caller's
  /// transaction, if any (a cached statement: cheap enough for every epoch).
  ///
  /// - Throws: `DatabaseError`.
  public func runStatus(runID: Int64) throws -> String? {
    let status = try cachedStatement(sql: "SELECT status FROM run WHERE id = ?")
    try status.bind([.integer(runID)])
    let current = try status.step() ? status.value(at: 0) : .null
    status.reset()
    return current.stringValue
  }

  /// Sets `heartbeat_at` to now on a `running` run, inside the caller's transaction.
  ///
  /// - Returns: false when the run is not `running` (or does not exist): nothing changed.
  /// - Throws: `DatabaseError`.
  public func touchRunHeartbeat(runID: Int64) throws -> Bool {
    try cachedStatement(
      sql: """
        UPDATE run SET heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        WHERE id = ? AND status = 'running'
        """
    ).execute([.integer(runID)])
    return changesCount == 1
  }

  /// Marks a run `diverged` (stop reason `non_finite_loss`, ended now), inside the caller's
  /// transaction.
  ///
  /// - Throws: `DatabaseError`.
  public func markRunDiverged(runID: Int64) throws {
    try cachedStatement(
      sql: """
        UPDATE run SET status = 'diverged', stop_reason = 'non_finite_loss',
          ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        WHERE id = ?
        """
    ).execute([.integer(runID)])
  }

  /// Ends a `running` run: `status`, `stop_reason`, `reached_target`, `ended_at` and
  /// `heartbeat_at` now, inside the caller's transaction.
  ///
  /// - Parameters:
  ///   - runID: The run.
  ///   - status: The final status text (`finished`, `failed`, `diverged`).
  ///   - stopReason: Why it ended, or nil.
  ///   - reachedTarget: Whether the train-loss target was reached; nil when the run has none.
  /// - Returns: false when the run was not `running`: nothing changed.
  /// - Throws: `DatabaseError`.
  public func finishRun(runID: Int64, status: String, stopReason: String?, reachedTarget: Bool?)
    throws -> Bool
  {
    try cachedStatement(
      sql: """
        UPDATE run SET status = ?, stop_reason = ?, reached_target = ?,
          ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
          heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        WHERE id = ? AND status = 'running'
        """
    ).execute([
      .text(status), DatabaseValue(stopReason), reachedTarget.map { .integer($0 ? 1 : 0) } ?? .null,
      .integer(runID),
    ])
    return changesCount == 1
  }

  /// Stores a weight snapshot, replacing an earlier one of the same run and epoch, in one
  /// transaction.
  ///
  /// - Throws: `DatabaseError`.
  public func saveWeightSnapshot(runID: Int64, epoch: Int64, format: String, data: [UInt8]) throws {
    try inTransaction {
      try cachedStatement(
        sql:
          "INSERT OR REPLACE INTO weight_snapshot (run_id, epoch, format, data) VALUES (?, ?, ?, ?)"
      ).execute([.integer(runID), .integer(epoch), .text(format), .blob(data)])
    }
  }

  /// Runs still `running` whose heartbeat is older than `seconds`, oldest heartbeat first
  /// (then by id). Runs inside the caller's transaction, if any.
  ///
  /// - Parameter seconds: The heartbeat age, in seconds.
  /// - Returns: The runs with what is needed to decide whether their process lives.
  /// - Throws: `DatabaseError`.
  public func runsWithOldHeartbeat(olderThanSeconds seconds: Double) throws -> [HeartbeatCandidateRow] {
    try fetchAll(
      sql: """
        SELECT id, name, host, pid, heartbeat_at,
          (julianday('now') - julianday(heartbeat_at)) * 86400.0 AS age_s,
          process_start, (julianday(started_at) - 2440587.5) * 86400.0 AS started_unix
        FROM run
        WHERE status = 'running' AND (julianday('now') - julianday(heartbeat_at)) * 86400.0 > ?
        ORDER BY heartbeat_at, id
        """, arguments: [.real(seconds)]
    ).map { row in
      HeartbeatCandidateRow(
        runID: row[0].int64Value ?? 0, name: row[1].stringValue ?? "",
        host: row[2].stringValue ?? "", pid: row[3].int64Value,
        heartbeatAt: row[4].stringValue ?? "", ageSeconds: row[5].doubleValue ?? .nan,
        processStart: row[6].stringValue, startedAtUnix: row[7].doubleValue)
    }
  }

  /// Ends a `running` run as stale: `status`, `ended_at` now, `stop_reason`
  /// `stale_heartbeat`, inside the caller's transaction.
  ///
  /// - Returns: false when the run was no longer `running`: nothing changed.
  /// - Throws: `DatabaseError`.
  public func markRunStale(runID: Int64, status: String) throws -> Bool {
    try cachedStatement(
      sql: """
        UPDATE run SET status = ?, ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
          stop_reason = 'stale_heartbeat'
        WHERE id = ? AND status = 'running'
        """
    ).execute([.text(status), .integer(runID)])
    return changesCount == 1
  }
}

/// One `measure` catalogue row.
public struct MeasureCatalogRow: Sendable, Equatable {
  public var id: String
  public var name: String
  public var description: String
  public var formula: String
  public var source: String
  public var needsData: Bool
  public var needsInit: Bool
  public var isNodeRescalingInvariant: Bool
  public var isLayerRescalingInvariant: Bool
  public var isOutputScalingInvariant: Bool

  /// Creates a row; the arguments are the columns of the same (snake_case) names.
  public init(
    id: String, name: String, description: String, formula: String, source: String,
    needsData: Bool, needsInit: Bool, isNodeRescalingInvariant: Bool,
    isLayerRescalingInvariant: Bool, isOutputScalingInvariant: Bool
  ) {
    self.id = id
    self.name = name
    self.description = description
    self.formula = formula
    self.source = source
    self.needsData = needsData
    self.needsInit = needsInit
    self.isNodeRescalingInvariant = isNodeRescalingInvariant
    self.isLayerRescalingInvariant = isLayerRescalingInvariant
    self.isOutputScalingInvariant = isOutputScalingInvariant
  }
}

extension Database {
  /// Adds catalogue rows, or updates the rows with the same ids, in one transaction.
  ///
  /// - Parameter rows: The rows (O(n) statement runs).
  /// - Throws: `DatabaseError`; nothing is written then.
  public func upsertMeasures(_ rows: [MeasureCatalogRow]) throws {
    try inTransaction {
      let upsert = try cachedStatement(
        sql: """
          INSERT INTO measure (id, name, description, formula, source, needs_data, needs_init,
            is_node_rescaling_invariant, is_layer_rescaling_invariant, is_output_scaling_invariant)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description,
            formula = excluded.formula, source = excluded.source, needs_data = excluded.needs_data,
            needs_init = excluded.needs_init,
            is_node_rescaling_invariant = excluded.is_node_rescaling_invariant,
            is_layer_rescaling_invariant = excluded.is_layer_rescaling_invariant,
            is_output_scaling_invariant = excluded.is_output_scaling_invariant
          """)
      func flag(_ b: Bool) -> DatabaseValue { .integer(b ? 1 : 0) }
      for e in rows {
        try upsert.execute([
          .text(e.id), .text(e.name), .text(e.description), .text(e.formula), .text(e.source),
          flag(e.needsData), flag(e.needsInit), flag(e.isNodeRescalingInvariant),
          flag(e.isLayerRescalingInvariant), flag(e.isOutputScalingInvariant),
        ])
      }
    }
  }
}
