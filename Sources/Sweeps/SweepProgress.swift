import Foundation
import SweepPlanning
import ResultsStore
import Synchronization
import TabularOutput

/// One overall progress line for a sweep, read from the store.
///
/// The line shows a bar filled with the epochs trained so far, runs done out of runs planned,
/// each training run's epoch and latest training loss, and an ETA:
/// `sweep [########............] 12/35 runs · #41 width=256 e4/20 loss 0.412 · ETA 4m12s`.
/// It is computed from the store, so it is the same whether runs train in this process or in
/// `--jobs N` worker processes.
///
/// Progress is counted in *work units*: a run's epochs weighted by its expected cost per epoch
/// (``SweepWorkPlan``), so a 1024-unit run counts for more than a 16-unit one. A run that ended
/// counts the epochs it actually trained and the work it skipped (stopping early at the loss
/// target, diverging, failing) leaves the plan. The ETA is the measured wall time per work unit
/// so far times the work left; runs still to come that stop early make it pessimistic.
public struct SweepProgressSnapshot: Equatable {
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
  /// Work units trained so far by this invocation's runs (epochs × cost per epoch).
  var workDone: Double
  /// Work units planned: ended runs' actual work plus the epoch caps of the rest.
  var workPlanned: Double

  public static func == (a: SweepProgressSnapshot, b: SweepProgressSnapshot) -> Bool {
    a.line(elapsedSeconds: 0) == b.line(elapsedSeconds: 0)
  }

  /// The text of the progress line.
  public func line(elapsedSeconds: Double) -> String {
    let total = skippedCount + plannedCount
    let done = skippedCount + endedCount
    // The bar fills with epochs trained (finer than runs), the count says runs.
    let fraction = workPlanned > 0 ? workDone / workPlanned : 1
    // Clamped in Double before converting: a NaN or huge ratio must not trap.
    let filled = fraction.isNaN ? 0 : Int(max(0, min(20, (fraction * 20).rounded(.down))))
    let bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 20 - filled) + "]"
    var parts = ["sweep \(bar) \(done)/\(total) runs"]
    if failedCount > 0 { parts[0] += " (\(failedCount) failed)" }
    for a in active.prefix(4) {
      let loss = a.trainLoss.map { String(format: "loss %.3f", $0) } ?? "starting"
      parts.append("#\(a.id) \(a.name) e\(a.epoch)/\(a.epochs) \(loss)")
    }
    if workDone > 0, elapsedSeconds > 0, workPlanned > workDone {
      let eta = elapsedSeconds / workDone * (workPlanned - workDone)
      parts.append("ETA \(formatDuration(eta))")
    }
    return parts.joined(separator: " · ")
  }
}

/// The expected cost of each planned configuration, for progress and ETA.
///
/// The cost of one epoch is taken as proportional to training examples × (weights + biases +
/// ``overheadParameters``): the multiply-adds of forward and backward passes grow with the
/// parameter count, and the fixed term stands for the per-example work that does not (data
/// movement, loss, the measures' share). Only ratios between runs matter.
public struct SweepWorkPlan: Sendable {
  /// Per sweep key: epoch cap and relative cost of one epoch.
  var entries: [String: (epochs: Int, costPerEpoch: Double)]
  /// Parameter-count equivalent of the per-example work that does not grow with the network.
  static let overheadParameters = 50_000.0
  /// Input features assumed for the cost (Fashion-MNIST's 28×28; only ratios matter).
  static let inputFeatures = 784
  /// Classes assumed for the cost.
  static let classes = 10

  init(entries: [String: (epochs: Int, costPerEpoch: Double)]) { self.entries = entries }

  /// The plan of some sweep configurations.
  public init(_ configurations: [SweepConfiguration]) {
    var entries: [String: (epochs: Int, costPerEpoch: Double)] = [:]
    for c in configurations {
      let widths = [Self.inputFeatures] + c.hiddenLayout + [Self.classes]
      var parameters = 0.0
      // In Double: widths come from the user and (a + 1)·b may exceed Int.max.
      for (a, b) in zip(widths, widths.dropFirst()) { parameters += (Double(a) + 1) * Double(b) }
      let examples = Double(c.trainSize ?? 60_000)
      entries[c.key] = (c.epochs, examples * (parameters + Self.overheadParameters))
    }
    self.entries = entries
  }

  /// The mean cost per epoch (for runs whose key is not in the plan).
  var meanCostPerEpoch: Double {
    entries.isEmpty ? 1 : entries.values.map(\.costPerEpoch).reduce(0, +) / Double(entries.count)
  }

  /// Total planned work units.
  var totalWork: Double { entries.values.map { Double($0.epochs) * $0.costPerEpoch }.reduce(0, +) }
}

/// `95` → `1m35s`, `4000` → `1h06m`.
public func formatDuration(_ seconds: Double) -> String {
  // Beyond 100,000 hours the figure means nothing (and Int(seconds) could trap).
  guard seconds.isFinite, seconds >= 0, seconds < 360_000_000 else { return "?" }
  let s = Int(seconds.rounded())
  if s < 60 { return "\(s)s" }
  if s < 3600 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
  return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m"
}

/// Polls the store on a background thread and redraws the progress line on stderr.
///
/// On a terminal the line is redrawn in place (`\r`, erase line) once a second; otherwise a
/// line is printed each time a run ends, so logs stay readable.
public final class SweepProgressMonitor: Sendable {
  private let storePath: String
  private let experiment: String
  private let firstNewRunID: Int64
  private let skippedCount: Int
  private let plannedCount: Int
  private let work: SweepWorkPlan
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
  ///   - work: Epoch caps and costs of the planned configurations (for the bar and the ETA).
  public init(
    storePath: String, experiment: String, firstNewRunID: Int64, skippedCount: Int,
    plannedCount: Int, work: SweepWorkPlan, isTerminal: Bool = standardErrorIsTerminal
  ) {
    self.storePath = storePath
    self.experiment = experiment
    self.firstNewRunID = firstNewRunID
    self.skippedCount = skippedCount
    self.plannedCount = plannedCount
    self.work = work
    self.isTerminal = isTerminal
  }

  /// Reads the current progress from the store.
  public static func snapshot(
    database: Database, experiment: String, firstNewRunID: Int64, skippedCount: Int,
    plannedCount: Int, work: SweepWorkPlan
  ) throws -> SweepProgressSnapshot {
    let rows = try database.sweepProgressRows(experiment: experiment, firstRunID: firstNewRunID)
    var snap = SweepProgressSnapshot(
      skippedCount: skippedCount, plannedCount: plannedCount, endedCount: 0, failedCount: 0,
      active: [], workDone: 0, workPlanned: work.totalWork)
    let meanCost = work.meanCostPerEpoch
    for row in rows {
      let status = row.status
      let planned = row.sweepKey.flatMap { work.entries[$0] }
      let cost = planned?.costPerEpoch ?? meanCost
      let cap = Int(row.maxEpochs ?? Int64(planned?.epochs ?? 0))
      let epoch = Int(row.lastEpoch ?? 0)
      snap.workDone += Double(epoch) * cost
      if status == "running" {
        snap.active.append((row.id, row.name, epoch, cap, row.lastTrainLoss))
      } else {
        snap.endedCount += 1
        if status == "failed" { snap.failedCount += 1 }
        // The epochs it did not train (early stop, divergence, failure) leave the plan.
        snap.workPlanned -= max(0, Double(planned?.epochs ?? cap) - Double(epoch)) * cost
      }
    }
    snap.endedCount = min(snap.endedCount, plannedCount)
    return snap
  }

  /// Starts polling on a background thread.
  public func start(interval: Double = 1.0) {
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
  public func stop() {
    state.withLock { $0.stop = true }
    let deadline = Date().addingTimeInterval(5)
    while !finished.withLock({ $0 }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
  }

  private func snapshotNow(_ database: Database) throws -> SweepProgressSnapshot {
    try Self.snapshot(
      database: database, experiment: experiment, firstNewRunID: firstNewRunID,
      skippedCount: skippedCount, plannedCount: plannedCount, work: work)
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
