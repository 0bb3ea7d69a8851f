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
  /// The connection. `package`, not public: clients record through the recorder's API, and
  /// this package's tools and tests (gapdb-bench, the test suites) may still query it.
  package let database: Database
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
    try database.upsertMeasures(
      entries.map { e in
        MeasureCatalogRow(
          id: e.id, name: e.name, description: e.description, formula: e.formula, source: e.source,
          needsData: e.needsData, needsInit: e.needsInit,
          isNodeRescalingInvariant: e.isNodeRescalingInvariant,
          isLayerRescalingInvariant: e.isLayerRescalingInvariant,
          isOutputScalingInvariant: e.isOutputScalingInvariant)
      })
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
    guard try database.isJSONObject(spec.config) else {
      throw RecorderError.invalidConfig(spec.config)
    }

    let uuid = UUID().uuidString.lowercased()
    let runID = try database.insertRun(
      NewRunRow(
        experiment: spec.experiment, uuid: uuid, name: spec.name,
        targetTrainLoss: spec.targetTrainLoss, host: ProcessIdentity.currentHost,
        pid: Int64(ProcessInfo.processInfo.processIdentifier),
        processStart: ProcessIdentity.currentStartToken, seed: spec.seed, dataset: spec.dataset,
        config: spec.config,
        hyperparameters: spec.hyperparameters.sorted(by: { $0.key < $1.key }).map { key, value in
          NewRunRow.Hyperparameter(
            key: key, valueType: value.typeName, value: value.storedValue, valueText: value.text)
        },
        layers: spec.layers.map {
          NewRunRow.Layer(
            index: Int64($0.index), name: $0.name, kind: $0.kind, fanIn: Int64($0.fanIn),
            fanOut: Int64($0.fanOut), parameterCount: Int64($0.parameterCount))
        }))
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
      for candidate in stale where try database.markRunStale(runID: candidate.run.runID, status: status.rawValue) {
        marked.append(candidate.run)
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
    try database.runsWithOldHeartbeat(olderThanSeconds: seconds).map { row in
      let run = StaleRun(
        runID: row.runID, name: row.name, host: row.host, pid: row.pid,
        heartbeatAt: row.heartbeatAt, ageSeconds: row.ageSeconds)
      let alive = Self.isRecordingProcessAlive(
        host: row.host, pid: row.pid, processStart: row.processStart,
        startedAt: row.startedAtUnix)
      return (run, alive)
    }
  }
}
