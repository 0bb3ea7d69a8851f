import Foundation
import ResultsStore
import RunRecorder
import SweepPlanning
import TestSupport
import Testing

@testable import Sweeps

@Suite struct SweepResumePlanTests {
  /// Three configurations (width 16, 32, 64): the first has a finished run, the second a
  /// failed one, the third none. Expected by hand: skip 16 (done), train 32 again after 1
  /// failure, train 64; 1 skipped, nothing crashed.
  @Test func plan_skipsDone_retrainsFailed_trainsNew() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let configurations = try SweepSpecification.parseGrid("width=16,32,64;epochs=1").configurations()
    #expect(configurations.count == 3)
    let recorder = try Recorder(path: dir.path("s.sqlite"))
    let done = try beginSweepRun(recorder, experiment: "e", key: configurations[0].key, status: .finished)
    _ = try beginSweepRun(recorder, experiment: "e", key: configurations[1].key, status: .failed)
    let ledger = try SweepLedger.read(database: recorder.database, experiment: "e")
    let plan = SweepResumePlan(configurations: configurations, ledger: ledger)
    #expect(plan.entries.map(\.action) == [.skipDone(runID: done), .train(previousFailures: 1), .train(previousFailures: 0)])
    #expect(plan.entries.map(\.action.text) == ["skip: done (run \(done))", "train (again after 1 failed)", "train"])
    #expect(plan.toTrain.map(\.key) == [configurations[1].key, configurations[2].key])
    #expect(plan.skippedCount == 1)
    #expect(plan.crashedRunIDs.isEmpty)
    // The next run id: two runs recorded so far (ids 1, 2).
    #expect(try SweepProgressMonitor.nextRunID(database: recorder.database) == 3)
  }
}
