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
    let host = ProcessInfo.processInfo.hostName
    let pid = Int64(ProcessInfo.processInfo.processIdentifier)
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
            heartbeat_at, host, pid, seed, dataset, config)
          VALUES (?, ?, ?, 'running', ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
            strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, ?, ?, ?, ?)
          """
      ).execute([
        experimentID, .text(uuid), .text(spec.name), DatabaseValue(spec.targetTrainLoss),
        .text(host), .integer(pid), DatabaseValue(spec.seed), DatabaseValue(spec.dataset),
        .text(spec.config),
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

  /// Runs still marked `running` whose last heartbeat is older than `seconds`: their process
  /// most likely died (killed, crashed, machine lost).
  ///
  /// - Parameter seconds: The heartbeat age that counts as stale.
  /// - Returns: The stale runs, oldest heartbeat first.
  /// - Throws: `DatabaseError`.
  public func staleRuns(olderThanSeconds seconds: Double) throws -> [StaleRun] {
    try database.fetchAll(
      sql: """
        SELECT id, name, host, pid, heartbeat_at,
          (julianday('now') - julianday(heartbeat_at)) * 86400.0 AS age_s
        FROM run
        WHERE status = 'running' AND (julianday('now') - julianday(heartbeat_at)) * 86400.0 > ?
        ORDER BY heartbeat_at, id
        """, arguments: [.real(seconds)]
    ).map(Self.staleRun)
  }

  /// Marks stale runs (see ``staleRuns(olderThanSeconds:)``) as ended, in one transaction:
  /// status `status`, `ended_at` now, `stop_reason` 'stale_heartbeat'.
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
      try database.fetchAll(
        sql: """
          UPDATE run SET status = ?, ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
            stop_reason = 'stale_heartbeat'
          WHERE status = 'running' AND (julianday('now') - julianday(heartbeat_at)) * 86400.0 > ?
          RETURNING id, name, host, pid, heartbeat_at,
            (julianday('now') - julianday(heartbeat_at)) * 86400.0
          """, arguments: [.text(status.rawValue), .real(seconds)]
      ).map(Self.staleRun).sorted { ($0.heartbeatAt, $0.runID) < ($1.heartbeatAt, $1.runID) }
    }
  }

  private static func staleRun(_ row: Row) -> StaleRun {
    StaleRun(
      runID: row[0].int64Value ?? 0, name: row[1].stringValue ?? "", host: row[2].stringValue ?? "",
      pid: row[3].int64Value, heartbeatAt: row[4].stringValue ?? "",
      ageSeconds: row[5].doubleValue ?? .nan)
  }
}
