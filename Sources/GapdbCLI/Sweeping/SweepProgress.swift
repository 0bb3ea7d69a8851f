import Foundation
import ResultsStore
import Synchronization
import TabularOutput

/// One overall progress line for a sweep, read from the store.
///
/// The line shows a bar filled with the epochs trained so far, runs done out of runs planned,
/// each training run's epoch and latest training loss, and an ETA:
/// `sweep [########............] 12/35 runs · #41 width=256 e4/20 loss 0.412 · ETA 4m12s`.
/// It is computed from the store, so it is the same whether runs train in this process or in
/// `--jobs N` worker processes. The ETA assumes every remaining epoch costs the mean epoch time
/// so far (runs that reach their loss target early make it pessimistic).
struct SweepProgressSnapshot: Equatable {
  /// Runs already done before this invocation started (skipped).
  var skippedCount: Int
  /// Runs this invocation planned to train.
  var plannedCount: Int
  /// Planned runs that ended (finished, diverged or failed).
  var endedCount: Int
  /// Planned runs that failed.
  var failedCount: Int
  /// (run id, name, epoch, epoch cap, train loss) of runs in progress.
  var active: [(id: Int64, name: String, epoch: Int, epochs: Int, trainLoss: Double?)]
  /// Epochs trained so far by this invocation's runs, and the planned epoch total.
  var epochsDone: Int
  /// See ``epochsDone``.
  var epochsPlanned: Int

  static func == (a: SweepProgressSnapshot, b: SweepProgressSnapshot) -> Bool {
    a.line(elapsedSeconds: 0) == b.line(elapsedSeconds: 0)
  }

  /// The text of the progress line.
  func line(elapsedSeconds: Double) -> String {
    let total = skippedCount + plannedCount
    let done = skippedCount + endedCount
    // The bar fills with epochs trained (finer than runs), the count says runs.
    let fraction = epochsPlanned > 0 ? Double(epochsDone) / Double(epochsPlanned) : 1
    let filled = max(0, min(20, Int((fraction * 20).rounded(.down))))
    let bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 20 - filled) + "]"
    var parts = ["sweep \(bar) \(done)/\(total) runs"]
    if failedCount > 0 { parts[0] += " (\(failedCount) failed)" }
    for a in active.prefix(4) {
      let loss = a.trainLoss.map { String(format: "loss %.3f", $0) } ?? "starting"
      parts.append("#\(a.id) \(a.name) e\(a.epoch)/\(a.epochs) \(loss)")
    }
    if epochsDone > 0, elapsedSeconds > 0, epochsPlanned > epochsDone {
      let eta = elapsedSeconds / Double(epochsDone) * Double(epochsPlanned - epochsDone)
      parts.append("ETA \(formatDuration(eta))")
    }
    return parts.joined(separator: " · ")
  }
}

/// `95` → `1m35s`, `4000` → `1h06m`.
func formatDuration(_ seconds: Double) -> String {
  guard seconds.isFinite, seconds >= 0 else { return "?" }
  let s = Int(seconds.rounded())
  if s < 60 { return "\(s)s" }
  if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
  return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m"
}

/// Polls the store on a background thread and redraws the progress line on stderr.
///
/// On a terminal the line is redrawn in place (`\r`, erase line) once a second; otherwise a
/// line is printed each time a run ends, so logs stay readable.
final class SweepProgressMonitor: Sendable {
  private let storePath: String
  private let experiment: String
  private let firstNewRunID: Int64
  private let skippedCount: Int
  private let plannedCount: Int
  private let epochsPerRun: Int
  private let isTerminal: Bool
  private let state = Mutex<(stop: Bool, lastLine: String, lastEnded: Int)>((false, "", -1))
  private let finished = Mutex<Bool>(false)
  private let start = Date()

  /// - Parameters:
  ///   - storePath: The store.
  ///   - experiment: The sweep's experiment.
  ///   - firstNewRunID: Runs with an id ≥ this were started by this invocation.
  ///   - skippedCount: Configurations skipped as done.
  ///   - plannedCount: Configurations to train.
  ///   - epochsPerRun: The mean epoch cap of the planned configurations (for the ETA).
  init(
    storePath: String, experiment: String, firstNewRunID: Int64, skippedCount: Int,
    plannedCount: Int, epochsPerRun: Int, isTerminal: Bool = standardErrorIsTerminal
  ) {
    self.storePath = storePath
    self.experiment = experiment
    self.firstNewRunID = firstNewRunID
    self.skippedCount = skippedCount
    self.plannedCount = plannedCount
    self.epochsPerRun = epochsPerRun
    self.isTerminal = isTerminal
  }

  /// Reads the current progress from the store.
  static func snapshot(
    database: Database, experiment: String, firstNewRunID: Int64, skippedCount: Int,
    plannedCount: Int, epochsPerRun: Int
  ) throws -> SweepProgressSnapshot {
    let rows = try database.fetchAll(
      sql: """
        SELECT r.id, r.name, r.status, json_extract(r.config, '$.stopping.max_epochs'), m.epoch, m.train_loss
        FROM run AS r JOIN experiment AS e ON e.id = r.experiment_id
        LEFT JOIN epoch_metric AS m ON m.run_id = r.id
          AND m.epoch = (SELECT max(epoch) FROM epoch_metric WHERE run_id = r.id)
        WHERE e.name = ?1 AND r.id >= ?2 AND json_extract(r.config, '$.sweep_key') IS NOT NULL
        ORDER BY r.id
        """, arguments: [DatabaseValue(experiment), DatabaseValue(firstNewRunID)])
    var snap = SweepProgressSnapshot(
      skippedCount: skippedCount, plannedCount: plannedCount, endedCount: 0, failedCount: 0,
      active: [], epochsDone: 0, epochsPlanned: plannedCount * epochsPerRun)
    for row in rows {
      let status = row[2].stringValue ?? ""
      let cap = Int(row[3].int64Value ?? Int64(epochsPerRun))
      let epoch = Int(row[4].int64Value ?? 0)
      if status == "running" {
        snap.active.append((row[0].int64Value ?? 0, row[1].stringValue ?? "", epoch, cap, row[5].doubleValue))
        snap.epochsDone += epoch
      } else {
        snap.endedCount += 1
        if status == "failed" { snap.failedCount += 1 }
        snap.epochsDone += epochsPerRun  // an ended run used up its share of the plan
      }
    }
    snap.endedCount = min(snap.endedCount, plannedCount)
    return snap
  }

  /// Starts polling on a background thread.
  func start(interval: Double = 1.0) {
    let thread = Thread { [self] in
      // The monitor thread owns its own read-only connection (a Database is not Sendable).
      var database: Database?
      while !state.withLock({ $0.stop }) {
        do {
          if database == nil { database = try Database(storePath: storePath, readOnly: true) }
          if let database { draw(try snapshotNow(database)) }
        } catch {
          database = nil  // the store may not exist yet; try again
        }
        Thread.sleep(forTimeInterval: interval)
      }
      if let database, let snap = try? snapshotNow(database) { draw(snap, final: true) }
      finished.withLock { $0 = true }
    }
    thread.start()
  }

  /// Stops polling, prints the final line and waits for the thread to end.
  func stop() {
    state.withLock { $0.stop = true }
    let deadline = Date().addingTimeInterval(5)
    while !finished.withLock({ $0 }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
  }

  private func snapshotNow(_ database: Database) throws -> SweepProgressSnapshot {
    try Self.snapshot(
      database: database, experiment: experiment, firstNewRunID: firstNewRunID,
      skippedCount: skippedCount, plannedCount: plannedCount, epochsPerRun: epochsPerRun)
  }

  private func draw(_ snap: SweepProgressSnapshot, final: Bool = false) {
    let line = snap.line(elapsedSeconds: Date().timeIntervalSince(start))
    let text: String? = state.withLock { s in
      if isTerminal {
        guard line != s.lastLine || final else { return nil }
        s.lastLine = line
        let clipped = line.count > 150 ? String(line.prefix(149)) + "…" : line
        return "\r\u{1B}[K" + clipped + (final ? "\n" : "")
      }
      guard snap.endedCount != s.lastEnded else { return nil }
      s.lastEnded = snap.endedCount
      return line + "\n"
    }
    if let text { writeStandardError(text) }
  }
}
