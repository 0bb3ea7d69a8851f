import Foundation
import ResultsStore
import RunRecorder
import SweepPlanning

/// What a store already holds for a sweep's configurations, for resuming.
///
/// Every run a sweep starts carries its configuration key (``SweepConfiguration/key``) in
/// `run.config` as `"sweep_key"`. The key holds every grid and fixed setting but not the data
/// folder (`--data-dir`), so a stored run counts for a configuration only when it also was
/// trained on the same data: its `config` fields ``dataIdentityKeys`` (data source and
/// scaling, the same for every configuration of a sweep; training subset size and label noise
/// are in the key) equal the sweep's, compared as JSON; a run whose config
/// lacks a field (stores of earlier layouts) matches on that field, so older stores stay
/// resumable. Rerunning a sweep then:
/// - skips a configuration with a `finished` or `diverged` run (diverging is a result: the
///   same seed would diverge again);
/// - skips a configuration whose run is `running` in a live process (another sweep or shard
///   is training it);
/// - marks a `running` run whose process is gone as `failed` (stop reason `process_died`)
///   and trains the configuration again; likewise reruns configurations whose runs `failed`.
///
/// On this host, a process counts as gone when no process with its pid exists, or the process
/// with that pid is another one (its start time differs: see
/// `ProcessIdentity.isRecordingProcessAlive`); a live one is never taken for dead, however old
/// its heartbeat (a long epoch). On other hosts, when its heartbeat is older than
/// ``staleAfterSeconds``.
public struct SweepLedger {
  /// A stored run of a sweep configuration.
  public struct StoredRun: Equatable {
    var id: Int64
    var status: String
    var host: String
    var pid: Int64?
    var heartbeatAgeSeconds: Double
    /// `run.process_start` (schema 0003), if recorded.
    var processStart: String? = nil
    /// `run.started_at` in seconds since 1970.
    var startedAt: Double? = nil
  }

  /// What to do with one configuration.
  public enum Decision: Equatable {
    /// A finished or diverged run exists.
    case done(runID: Int64)
    /// A live process is training it.
    case inProgressElsewhere(runID: Int64)
    /// Train it (first time, or again after failed/crashed runs).
    case train(previousFailures: Int)
  }

  /// Heartbeat age after which a `running` run counts as crashed on any host (seconds).
  public static let staleAfterSeconds = 900.0

  /// Stored runs by sweep key, oldest first.
  public var runsByKey: [String: [StoredRun]]

  /// A ledger of the given runs (empty for a store that does not exist yet).
  public init(runsByKey: [String: [StoredRun]]) { self.runsByKey = runsByKey }

  /// The `run.config` fields that say which data a run was trained on and that the sweep key
  /// does not hold (the data folder and the input scaling are no grid axes).
  static let dataIdentityKeys = ["data_source", "scaling"]

  /// Reads the runs of `experiment` that carry a sweep key and were trained on the same data
  /// as `configJSON` (a run's config JSON; `nil` = any data).
  ///
  /// - Throws: `DatabaseError`.
  public static func read(database: Database, experiment: String, configJSON: String? = nil) throws -> SweepLedger {
    var byKey: [String: [StoredRun]] = [:]
    let sameData = Self.dataIdentityKeys.map { key in
      "(?2 IS NULL OR json_type(r.config, '$.\(key)') IS NULL "
        + "OR json_extract(r.config, '$.\(key)') IS json_extract(?2, '$.\(key)'))"
    }.joined(separator: " AND ")
    for row in try database.fetchAll(
      sql: """
        SELECT r.id, r.status, r.host, r.pid, json_extract(r.config, '$.sweep_key'),
          (julianday('now') - julianday(r.heartbeat_at)) * 86400.0, r.process_start,
          (julianday(r.started_at) - 2440587.5) * 86400.0
        FROM run AS r JOIN experiment AS e ON e.id = r.experiment_id
        WHERE e.name = ?1 AND json_extract(r.config, '$.sweep_key') IS NOT NULL AND \(sameData)
        ORDER BY r.id
        """, arguments: [DatabaseValue(experiment), configJSON.map { DatabaseValue($0) } ?? .null])
    {
      guard let key = row[4].stringValue else { continue }
      byKey[key, default: []].append(
        StoredRun(
          id: row[0].int64Value ?? 0, status: row[1].stringValue ?? "", host: row[2].stringValue ?? "",
          pid: row[3].int64Value, heartbeatAgeSeconds: row[5].doubleValue ?? .infinity,
          processStart: row[6].stringValue, startedAt: row[7].doubleValue))
    }
    return SweepLedger(runsByKey: byKey)
  }

  /// Whether a `running` run's process is still alive.
  public static func isAlive(_ run: StoredRun, thisHost: String = ProcessIdentity.currentHost) -> Bool {
    guard run.host == thisHost, let pid = run.pid else {
      return run.heartbeatAgeSeconds <= staleAfterSeconds  // another host: the heartbeat decides
    }
    if pid == Int64(ProcessInfo.processInfo.processIdentifier) { return false }  // an earlier run of this very process cannot still be training
    return ProcessIdentity.isRecordingProcessAlive(
      pid: pid, startToken: run.processStart, startedAt: run.startedAt)
  }

  /// The decision for one configuration key, and the ids of crashed runs to mark failed.
  public func decide(key: String, isAlive: (StoredRun) -> Bool = { SweepLedger.isAlive($0) })
    -> (decision: Decision, crashed: [Int64])
  {
    let runs = runsByKey[key] ?? []
    if let done = runs.last(where: { $0.status == "finished" || $0.status == "diverged" }) {
      return (.done(runID: done.id), [])
    }
    var crashed: [Int64] = []
    for run in runs where run.status == "running" {
      if isAlive(run) { return (.inProgressElsewhere(runID: run.id), []) }
      crashed.append(run.id)
    }
    let failures = runs.filter { $0.status == "failed" }.count + crashed.count
    return (.train(previousFailures: failures), crashed)
  }

  /// Marks runs whose process died as `failed` (stop reason `process_died`), in one
  /// transaction; runs that meanwhile left `running` are not touched.
  public static func markCrashed(_ ids: [Int64], database: Database) throws {
    guard !ids.isEmpty else { return }
    try database.inTransaction {
      let update = try database.makeStatement(
        sql: """
          UPDATE run SET status = 'failed', stop_reason = 'process_died',
            ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
          WHERE id = ?1 AND status = 'running'
          """)
      for id in ids {
        update.reset()
        try update.execute([DatabaseValue(id)])
      }
    }
  }
}
