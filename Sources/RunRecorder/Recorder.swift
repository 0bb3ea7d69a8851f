import Foundation
import MeasureCatalog
import ResultsStore

/// Records training runs into a gapdb store.
///
/// ```swift
/// let recorder = try Recorder(path: "runs.sqlite")
/// let run = try recorder.beginRun(RunSpec(experiment: "sweep-A", name: "lr=0.1",
///                                         hyperparameters: ["learning_rate": 0.1]))
/// try run.recordEpoch(EpochRecord(epoch: 1, step: 469,
///                                 metrics: EpochMetrics(trainLoss: 0.41, testLoss: 0.47)))
/// try run.finish(status: .finished)
/// ```
///
/// Many processes may record into one file at once: the store uses WAL, every write is one
/// `BEGIN IMMEDIATE` transaction retried on `SQLITE_BUSY`, and experiments are created with
/// `INSERT … ON CONFLICT DO NOTHING`. A `Recorder` (and its runs) must be used from one thread
/// at a time; open one `Recorder` per thread or process.
public final class Recorder {
  /// The connection, for queries the recorder does not offer.
  public let database: Database
  /// Measure ids known to exist in the catalogue (saves a statement per value).
  var knownMeasureIDs: Set<String> = []

  /// Opens a store, creating and migrating it if needed.
  ///
  /// - Parameter path: The `.sqlite` file (created if missing).
  /// - Throws: `DatabaseError` or `MigrationError` (see `Database.init(storePath:readOnly:)`).
  public convenience init(path: String) throws {
    try self.init(database: Database(storePath: path))
  }

  /// Records through an already opened, migrated store connection.
  public init(database: Database) { self.database = database }

  /// Adds measures to the catalogue, or updates the entries with the same ids.
  ///
  /// Writes id, name, description, formula, source and the five flags the descriptor derives
  /// (`needs_data`, `needs_init` and the exact-invariance flags; see
  /// ``MeasureCatalog/MeasureDescriptor``). O(n) statements in one transaction.
  ///
  /// - Parameter entries: The descriptors, e.g. `GapdbMeasures.all` (ExperimentRunner).
  /// - Throws: `RecorderError.emptyName` for an empty id; `DatabaseError`.
  public func registerMeasures(_ entries: [MeasureDescriptor]) throws {
    for entry in entries where entry.id.isEmpty {
      throw RecorderError.emptyName(field: "measure id")
    }
    try database.inTransaction {
      let upsert = try database.cachedStatement(
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
      for e in entries {
        try upsert.execute([
          .text(e.id), .text(e.name), .text(e.description), .text(e.formula), .text(e.source),
          flag(e.needsData), flag(e.needsInit), flag(e.isNodeRescalingInvariant),
          flag(e.isLayerRescalingInvariant), flag(e.isOutputScalingInvariant),
        ])
      }
    }
    knownMeasureIDs.formUnion(entries.map(\.id))
  }

  /// Begins a run: creates its experiment if needed, and stores the run, its hyperparameters
  /// and its layers in one transaction.
  ///
  /// - Parameter spec: The run's description.
  /// - Returns: The run, status `running`, heartbeat now.
  /// - Throws: `RecorderError` for empty names, a config that is not a JSON object, or layer
  ///   indices not 0, 1, 2, …; `DatabaseError`.
  public func beginRun(_ spec: RunSpec) throws -> ActiveRun {
    if spec.experiment.isEmpty { throw RecorderError.emptyName(field: "experiment") }
    for key in spec.hyperparameters.keys where key.isEmpty {
      throw RecorderError.emptyName(field: "hyperparameter key")
    }
    let indices = spec.layers.map(\.index)
    if indices != Array(0..<spec.layers.count) { throw RecorderError.badLayerIndices(indices) }
    for layer in spec.layers {
      for (field, value) in [
        ("fan_in", layer.fanIn), ("fan_out", layer.fanOut),
        ("parameter_count", layer.parameterCount),
      ] where value < (field == "parameter_count" ? 0 : 1) {
        throw RecorderError.negativeValue(
          field: "layer \(layer.index) \(field)", value: Int64(value))
      }
    }
    let isObject = try database.scalar(
      sql: "SELECT json_valid(?1) AND json_type(?1) = 'object'", arguments: [.text(spec.config)])
    guard isObject == .integer(1) else { throw RecorderError.invalidConfig(spec.config) }

    let uuid = UUID().uuidString.lowercased()
    let host = ProcessIdentity.currentHost
    let pid = Int64(ProcessInfo.processInfo.processIdentifier)
    let processStart = DatabaseValue(ProcessIdentity.currentStartToken)
    let runID: Int64 = try database.inTransaction {
      try database.cachedStatement(
        sql: """
          INSERT INTO experiment (name, created_at)
          VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
          ON CONFLICT (name) DO NOTHING
          """
      ).execute([.text(spec.experiment)])
      let experimentID = try database.scalar(
        sql: "SELECT id FROM experiment WHERE name = ?", arguments: [.text(spec.experiment)])
      try database.cachedStatement(
        sql: """
          INSERT INTO run (experiment_id, uuid, name, status, target_train_loss, started_at,
            heartbeat_at, host, pid, process_start, seed, dataset, config)
          VALUES (?, ?, ?, 'running', ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
            strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, ?, ?, ?, ?, ?)
          """
      ).execute([
        experimentID, .text(uuid), .text(spec.name), DatabaseValue(spec.targetTrainLoss),
        .text(host), .integer(pid), processStart, DatabaseValue(spec.seed),
        DatabaseValue(spec.dataset), .text(spec.config),
      ])
      let runID = database.lastInsertedRowID
      let insertHyperparameter = try database.cachedStatement(
        sql:
          "INSERT INTO hyperparameter (run_id, key, value_type, value, value_text) VALUES (?, ?, ?, ?, ?)"
      )
      for (key, value) in spec.hyperparameters.sorted(by: { $0.key < $1.key }) {
        try insertHyperparameter.execute([
          .integer(runID), .text(key), .text(value.typeName), value.storedValue, .text(value.text),
        ])
      }
      let insertLayer = try database.cachedStatement(
        sql: """
          INSERT INTO layer (run_id, layer_index, name, kind, fan_in, fan_out, parameter_count)
          VALUES (?, ?, ?, ?, ?, ?, ?)
          """)
      for layer in spec.layers {
        try insertLayer.execute([
          .integer(runID), .integer(Int64(layer.index)), .text(layer.name), .text(layer.kind),
          .integer(Int64(layer.fanIn)), .integer(Int64(layer.fanOut)),
          .integer(Int64(layer.parameterCount)),
        ])
      }
      return runID
    }
    return ActiveRun(
      recorder: self, id: runID, uuid: uuid, layerCount: spec.layers.count,
      targetTrainLoss: spec.targetTrainLoss)
  }

  /// Runs still marked `running` whose last heartbeat is older than `seconds` and whose
  /// recording process is not known to be alive: their process most likely died (killed,
  /// crashed, machine lost).
  ///
  /// A run recorded on this host (`run.host` equals ``ProcessIdentity/currentHost``) whose
  /// process is alive is never stale, however old its heartbeat (a long epoch, a paused
  /// process): see ``isRecordingProcessAlive(host:pid:processStart:startedAt:)``. Runs of other
  /// hosts follow the heartbeat rule alone.
  ///
  /// - Parameter seconds: The heartbeat age that counts as stale.
  /// - Returns: The stale runs, oldest heartbeat first.
  /// - Throws: `DatabaseError`.
  public func staleRuns(olderThanSeconds seconds: Double) throws -> [StaleRun] {
    try heartbeatCandidates(olderThanSeconds: seconds).filter { !$0.isAlive }.map(\.run)
  }

  /// Runs still marked `running` whose heartbeat is older than `seconds` but whose recording
  /// process is alive on this host: ``markStaleRuns(olderThanSeconds:as:)`` leaves them alone.
  ///
  /// - Parameter seconds: The heartbeat age.
  /// - Returns: Those runs, oldest heartbeat first.
  /// - Throws: `DatabaseError`.
  public func liveRunsWithOldHeartbeat(olderThanSeconds seconds: Double) throws -> [StaleRun] {
    try heartbeatCandidates(olderThanSeconds: seconds).filter(\.isAlive).map(\.run)
  }

  /// Marks stale runs (see ``staleRuns(olderThanSeconds:)``: old heartbeat, and no live
  /// recording process on this host) as ended, in one transaction: status `status`,
  /// `ended_at` now, `stop_reason` 'stale_heartbeat'.
  ///
  /// - Parameters:
  ///   - seconds: The heartbeat age that counts as stale.
  ///   - status: The status to give them (default `.failed`; `.running` is refused).
  /// - Returns: The runs that were marked.
  /// - Throws: `RecorderError.cannotFinishAsRunning`; `DatabaseError`.
  @discardableResult
  public func markStaleRuns(olderThanSeconds seconds: Double, as status: RunStatus = .failed)
    throws -> [StaleRun]
  {
    if status == .running { throw RecorderError.cannotFinishAsRunning }
    return try database.inTransaction {
      let stale = try heartbeatCandidates(olderThanSeconds: seconds).filter { !$0.isAlive }
      var marked: [StaleRun] = []
      let update = try database.cachedStatement(
        sql: """
          UPDATE run SET status = ?, ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
            stop_reason = 'stale_heartbeat'
          WHERE id = ? AND status = 'running'
          """)
      for candidate in stale {
        try update.execute([.text(status.rawValue), .integer(candidate.run.runID)])
        if database.changesCount == 1 { marked.append(candidate.run) }
      }
      return marked
    }
  }

  /// Whether the process that recorded a run is still alive, as far as this host can tell.
  ///
  /// - `host` is not this host, or `pid` is unknown: `false` (only the heartbeat can tell).
  /// - Otherwise ``ProcessIdentity/isRecordingProcessAlive(pid:startToken:startedAt:)``: a
  ///   process with `pid` exists and is the recording one (same start token; for runs
  ///   recorded before schema 0003, started no later than the run), not a reuse of its pid.
  ///
  /// When in doubt the answer is `true`: marking a live training failed makes it stop with
  /// an error, while a dead run left `running` only waits for a later `mark-stale`.
  ///
  /// - Parameters:
  ///   - host: `run.host`.
  ///   - pid: `run.pid`.
  ///   - processStart: `run.process_start`.
  ///   - startedAt: `run.started_at` in seconds since 1970.
  public static func isRecordingProcessAlive(
    host: String, pid: Int64?, processStart: String?, startedAt: Double?
  ) -> Bool {
    guard host == ProcessIdentity.currentHost, let pid else { return false }
    return ProcessIdentity.isRecordingProcessAlive(
      pid: pid, startToken: processStart, startedAt: startedAt)
  }

  /// Running runs with a heartbeat older than `seconds`, oldest heartbeat first, each with
  /// whether its recording process is alive on this host.
  private func heartbeatCandidates(olderThanSeconds seconds: Double) throws
    -> [(run: StaleRun, isAlive: Bool)]
  {
    try database.fetchAll(
      sql: """
        SELECT id, name, host, pid, heartbeat_at,
          (julianday('now') - julianday(heartbeat_at)) * 86400.0 AS age_s,
          process_start, (julianday(started_at) - 2440587.5) * 86400.0 AS started_unix
        FROM run
        WHERE status = 'running' AND (julianday('now') - julianday(heartbeat_at)) * 86400.0 > ?
        ORDER BY heartbeat_at, id
        """, arguments: [.real(seconds)]
    ).map { row in
      let run = Self.staleRun(row)
      let alive = Self.isRecordingProcessAlive(
        host: run.host, pid: run.pid, processStart: row[6].stringValue,
        startedAt: row[7].doubleValue)
      return (run, alive)
    }
  }

  private static func staleRun(_ row: Row) -> StaleRun {
    StaleRun(
      runID: row[0].int64Value ?? 0, name: row[1].stringValue ?? "", host: row[2].stringValue ?? "",
      pid: row[3].int64Value, heartbeatAt: row[4].stringValue ?? "",
      ageSeconds: row[5].doubleValue ?? .nan)
  }
}
