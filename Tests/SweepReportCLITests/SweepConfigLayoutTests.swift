import Foundation
import ResultsStore
import RunRecorder
import TestSupport
import Testing

@testable import GapdbCLI
@testable import Sweeps

/// Stores hold two `run.config` layouts: the nested one of earlier gapdb versions
/// (`stopping.max_epochs`) and the one configuration type's flat one (`max_epochs`). The sweep
/// reads both.
@Suite struct SweepConfigLayoutTests {
  @Test func progress_readsTheEpochCapOfBothLayouts() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("s.sqlite"))
    _ = try beginSweepRun(recorder, experiment: "e", key: "k-old", status: nil, epochs: 7)
    let new = try recorder.beginRun(
      RunSpec(experiment: "e", name: "k-new", config: "{\"max_epochs\": 9, \"sweep_key\": \"k-new\"}"))
    let snap = try SweepProgressMonitor.snapshot(
      database: recorder.database, experiment: "e", firstNewRunID: 1, skippedCount: 0, plannedCount: 2,
      work: SweepWorkPlan(entries: [:]))
    #expect(snap.active.map(\.epochs) == [7, 9])
    #expect(snap.active.map(\.id) == [1, new.id])
  }

  @Test func ledger_findsSweepKeysOfBothLayouts() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("s.sqlite"))
    let old = try beginSweepRun(recorder, experiment: "e", key: "k-old", status: .finished)
    let run = try recorder.beginRun(
      RunSpec(experiment: "e", name: "k-new", config: "{\"config_format\": 2, \"max_epochs\": 9, \"sweep_key\": \"k-new\"}"))
    try run.finish(status: .finished)
    let ledger = try SweepLedger.read(database: recorder.database, experiment: "e")
    #expect(ledger.decide(key: "k-old").decision == .done(runID: old))
    #expect(ledger.decide(key: "k-new").decision == .done(runID: run.id))
  }
}
