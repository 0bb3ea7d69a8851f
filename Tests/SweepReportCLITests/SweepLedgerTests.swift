import Foundation
import ResultsStore
import RunRecorder
import SweepPlanning
import TestSupport
import Testing

@testable import GapdbCLI

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
    // pid 1 (init) is alive.
    try recorder.database.execute(sql: "UPDATE run SET pid = 1 WHERE id = ?1", arguments: [.integer(live)])

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

  @Test func staleHeartbeat_countsAsDeadOnAnyHost() {
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
    let snap = try SweepProgressMonitor.snapshot(
      database: recorder.database, experiment: "e", firstNewRunID: before + 1, skippedCount: 1,
      plannedCount: 4, epochsPerRun: 4)
    #expect(snap.endedCount == 2)
    #expect(snap.failedCount == 1)
    #expect(snap.active.count == 1)
    #expect(snap.active.first?.epoch == 1)
    // 2 ended runs count 4 epochs each, the active one 1: 9 of 16 planned.
    #expect(snap.epochsDone == 9)
    #expect(snap.epochsPlanned == 16)
    // 9 epochs in 90 s → 10 s each; 7 left → 70 s.
    #expect(
      snap.line(elapsedSeconds: 90)
        == "sweep [###########.........] 3/5 runs (1 failed) · #\(run.id) width=64 e1/4 loss 0.412 · ETA 1m10s")
  }

  @Test func formatDuration_examples() {
    #expect(formatDuration(5) == "5s")
    #expect(formatDuration(95) == "1m35s")
    #expect(formatDuration(4000) == "1h06m")
    #expect(formatDuration(.nan) == "?")
  }
}
