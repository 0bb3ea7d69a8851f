import Foundation
import ResultsStore
import RunRecorder
import SweepPlanning
import TestSupport
import Testing

@testable import GapdbCLI
@testable import Sweeps

/// Begins a run carrying a sweep key, optionally ends it.
func beginSweepRun(
  _ recorder: Recorder, experiment: String, key: String, status: RunStatus?, epochs: Int = 2
) throws -> Int64 {
  let config = "{\"sweep_key\": \"\(key)\", \"stopping\": {\"max_epochs\": \(epochs)}}"
  let run = try recorder.beginRun(RunSpec(experiment: experiment, name: key, config: config))
  if let status { try run.finish(status: status) }
  return run.id
}

@Suite struct SweepLedgerTests {
  @Test func decide_followsStoredStatuses() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("s.sqlite"))
    let finished = try beginSweepRun(recorder, experiment: "e", key: "k-finished", status: .finished)
    let diverged = try beginSweepRun(recorder, experiment: "e", key: "k-diverged", status: .diverged)
    _ = try beginSweepRun(recorder, experiment: "e", key: "k-failed", status: .failed)
    // A failed attempt followed by a finished one: done.
    _ = try beginSweepRun(recorder, experiment: "e", key: "k-retried", status: .failed)
    let retried = try beginSweepRun(recorder, experiment: "e", key: "k-retried", status: .finished)
    // Another experiment's run with the same key does not count.
    _ = try beginSweepRun(recorder, experiment: "other", key: "k-other", status: .finished)

    let ledger = try SweepLedger.read(database: recorder.database, experiment: "e")
    #expect(ledger.decide(key: "k-finished").decision == .done(runID: finished))
    #expect(ledger.decide(key: "k-diverged").decision == .done(runID: diverged))
    #expect(ledger.decide(key: "k-failed").decision == .train(previousFailures: 1))
    #expect(ledger.decide(key: "k-retried").decision == .done(runID: retried))
    #expect(ledger.decide(key: "k-new").decision == .train(previousFailures: 0))
    #expect(ledger.decide(key: "k-other").decision == .train(previousFailures: 0))
  }

  @Test func runningRuns_liveAreSkipped_deadAreMarkedFailedAndRetrained() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("s.sqlite"))
    let live = try beginSweepRun(recorder, experiment: "e", key: "k-live", status: nil)
    let dead = try beginSweepRun(recorder, experiment: "e", key: "k-dead", status: nil)
    let ours = try beginSweepRun(recorder, experiment: "e", key: "k-ours", status: nil)
    // A process that has exited: its pid no longer exists.
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/true")
    try p.run()
    p.waitUntilExit()
    try recorder.database.execute(
      sql: "UPDATE run SET pid = ?1 WHERE id = ?2", arguments: [.integer(Int64(p.processIdentifier)), .integer(dead)])
    // pid 1 (init) is alive; as recorder, with its own start token (or none where /proc is missing).
    try recorder.database.execute(
      sql: "UPDATE run SET pid = 1, process_start = ?2 WHERE id = ?1",
      arguments: [.integer(live), DatabaseValue(ProcessIdentity.startToken(of: 1))])

    let ledger = try SweepLedger.read(database: recorder.database, experiment: "e")
    #expect(ledger.decide(key: "k-live").decision == .inProgressElsewhere(runID: live))
    let deadDecision = ledger.decide(key: "k-dead")
    #expect(deadDecision.decision == .train(previousFailures: 1))
    #expect(deadDecision.crashed == [dead])
    // A running row of this very process cannot be alive at the start of a sweep.
    #expect(ledger.decide(key: "k-ours").crashed == [ours])

    try SweepLedger.markCrashed([dead, ours], database: recorder.database)
    let rows = try recorder.database.fetchAll(
      sql: "SELECT id, status, stop_reason FROM run WHERE id IN (?1, ?2, ?3) ORDER BY id",
      arguments: [.integer(live), .integer(dead), .integer(ours)])
    #expect(rows.map { $0[1].stringValue } == ["running", "failed", "failed"])
    #expect(rows.map { $0[2].stringValue } == [nil, "process_died", "process_died"])
  }

  /// On this host the process decides, not the heartbeat: a live process with an old heartbeat
  /// (a long epoch) is alive; a pid now held by another process (other start token) is not.
  @Test func thisHost_liveProcessWithOldHeartbeat_isAlive_reusedPidIsNot() throws {
    let sleeper = Process()
    sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
    sleeper.arguments = ["30"]
    try sleeper.run()
    defer { sleeper.terminate() }
    let pid = Int64(sleeper.processIdentifier)
    let token = ProcessIdentity.startToken(of: sleeper.processIdentifier)
    let live = SweepLedger.StoredRun(
      id: 1, status: "running", host: "here", pid: pid, heartbeatAgeSeconds: 5000, processStart: token)
    let reused = SweepLedger.StoredRun(
      id: 2, status: "running", host: "here", pid: pid, heartbeatAgeSeconds: 5, processStart: "another-boot:1")
    #expect(SweepLedger.isAlive(live, thisHost: "here"))
    #expect(token == nil || !SweepLedger.isAlive(reused, thisHost: "here"))
  }

  /// Other hosts: the heartbeat decides.
  @Test func staleHeartbeat_countsAsDeadOnAnotherHost() {
    let old = SweepLedger.StoredRun(id: 1, status: "running", host: "elsewhere", pid: 1, heartbeatAgeSeconds: 901)
    let fresh = SweepLedger.StoredRun(id: 2, status: "running", host: "elsewhere", pid: 1, heartbeatAgeSeconds: 5)
    #expect(!SweepLedger.isAlive(old, thisHost: "here"))
    #expect(SweepLedger.isAlive(fresh, thisHost: "here"))
  }
}

@Suite struct SweepProgressTests {
  @Test func snapshot_countsEndedAndActiveRuns() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("s.sqlite"))
    let before = try beginSweepRun(recorder, experiment: "e", key: "old", status: .finished)
    _ = try beginSweepRun(recorder, experiment: "e", key: "a", status: .finished, epochs: 4)
    _ = try beginSweepRun(recorder, experiment: "e", key: "b", status: .failed, epochs: 4)
    let run = try recorder.beginRun(
      RunSpec(experiment: "e", name: "width=64", config: "{\"sweep_key\": \"c\", \"stopping\": {\"max_epochs\": 4}}"))
    try run.recordEpoch(EpochRecord(epoch: 0, step: 0, metrics: EpochMetrics(trainLoss: 2.3)))
    try run.recordEpoch(EpochRecord(epoch: 1, step: 10, metrics: EpochMetrics(trainLoss: 0.4123)))
    // Costs per epoch: a 1, b 1, c 2 (a wider network), d 4 (not started yet).
    let work = SweepWorkPlan(entries: ["a": (4, 1), "b": (4, 1), "c": (4, 2), "d": (4, 4)])
    let snap = try SweepProgressMonitor.snapshot(
      database: recorder.database, experiment: "e", firstNewRunID: before + 1, skippedCount: 1,
      plannedCount: 4, work: work)
    #expect(snap.endedCount == 2)
    #expect(snap.failedCount == 1)
    #expect(snap.active.count == 1)
    #expect(snap.active.first?.epoch == 1)
    // a and b ended without recording an epoch: their 4 + 4 units leave the plan (4·1 + 4·1 +
    // 4·2 + 4·4 = 32 → 24); c trained 1 epoch of cost 2: 2 of 24 units done.
    #expect(snap.workDone == 2)
    #expect(snap.workPlanned == 24)
    // 2 units in 90 s → 45 s each; 22 left → 990 s.
    #expect(
      snap.line(elapsedSeconds: 90)
        == "sweep [#...................] 3/5 runs (1 failed) · #\(run.id) width=64 e1/4 loss 0.412 · ETA 16m30s")
  }

  @Test func workPlan_weightsWideRunsAndEarlyStops() throws {
    // Widths 16 and 1024 on 1000 examples, 10 epochs each: cost per epoch ∝ examples ×
    // (parameters + 50 000): (785·16 + 17·10 + 50 000) = 62 730 vs (785·1024 + 1025·10 + 50 000)
    // = 864 090 per example.
    let spec = SweepSpecification(
      name: "w", fixed: [.trainSize: .integer(1000), .epochs: .integer(10)],
      axes: [.width: [.integer(16), .integer(1024)]])
    let configurations = try spec.configurations()
    let plan = SweepWorkPlan(configurations)
    let costs = configurations.map { plan.entries[$0.key]!.costPerEpoch }
    #expect(costs == [62_730_000, 864_090_000])
    // The narrow run is done in 10 s: its 10 · 62.73 M units say nothing like "half done".
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("p.sqlite"))
    let run = try recorder.beginRun(
      RunSpec(experiment: "w", name: "width=16", config: "{\"sweep_key\": \"\(configurations[0].key)\", \"stopping\": {\"max_epochs\": 10}}"))
    for e in 0...10 { try run.recordEpoch(EpochRecord(epoch: e, step: Int64(e), metrics: EpochMetrics(trainLoss: 1))) }
    try run.finish(status: .finished)
    let snap = try SweepProgressMonitor.snapshot(
      database: recorder.database, experiment: "w", firstNewRunID: run.id, skippedCount: 0, plannedCount: 2, work: plan)
    // ETA = 10 s / 627.3 M · 8 640.9 M = 137.7 s, not the 10 s a per-run average gives.
    #expect(snap.line(elapsedSeconds: 10).hasSuffix("ETA 2m18s"))
  }

  @Test func formatDuration_examples() {
    #expect(formatDuration(5) == "5s")
    #expect(formatDuration(95) == "1m35s")
    #expect(formatDuration(4000) == "1h06m")
    #expect(formatDuration(.nan) == "?")
  }
}
