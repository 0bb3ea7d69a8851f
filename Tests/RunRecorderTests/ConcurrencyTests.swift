import Foundation
import ResultsStore
import RunRecorder
import TestSupport
import Testing

/// Cases 1–4 of shared/cases: many processes recording into one file at once, and a killed run.
/// Each test spawns `gapdb-testworker` processes (built as a dependency of this target).
@Suite(.serialized) struct ConcurrencyTests {
  let worker = builtProductURL("gapdb-testworker")

  /// Starts `count` workers with the given arguments (the start time is appended).
  func runWorkers(_ count: Int, _ arguments: (Int) -> [String]) throws -> [ProcessResult] {
    let startAt = String(Date().timeIntervalSince1970 + 1.0)
    let children = try (0..<count).map { try ChildProcess(worker, arguments($0) + [startAt]) }
    return children.map { $0.wait() }
  }

  @Test(.enabled(if: LongTests.isEnabled, Comment(rawValue: LongTests.comment))) func manyWriters_32processesAtOnce_allRunsAndRowsPresent() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("new.sqlite")
    let results = try runWorkers(32) { ["record", path, "case-1", "run \($0)", "1", "50", "0"] }
    for result in results {
      #expect(result.status == 0, "stderr: \(result.stderr)")
      #expect(!result.stderr.contains("locked"))
    }
    let db = try Database(storePath: path, readOnly: true)
    #expect(try db.scalar(sql: "SELECT count(*) FROM run") == .integer(32))
    #expect(try db.scalar(sql: "SELECT count(*) FROM layer_summary") == .integer(1600))
    #expect(
      try db.scalar(sql: "SELECT count(*) FROM run WHERE status = 'finished'") == .integer(32))
  }

  @Test func firstOpenRace_16processes_schemaCreatedOnce() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("fresh.sqlite")
    let results = try runWorkers(16) { _ in ["open", path] }
    for result in results {
      #expect(result.status == 0, "stderr: \(result.stderr)")
      #expect(result.stdout == "ok integer(\(SchemaMigrator.embedded.latestVersion))\n")
    }
    let db = try Database(storePath: path, readOnly: true)
    // One bookkeeping row per migration: each was applied by exactly one process.
    #expect(
      try db.scalar(sql: "SELECT count(*) FROM schema_migration")
        == .integer(Int64(SchemaMigrator.embedded.latestVersion)))
    #expect(try db.scalar(sql: "PRAGMA integrity_check") == .text("ok"))
    #expect(
      try db.scalar(sql: "PRAGMA user_version")
        == .integer(Int64(SchemaMigrator.embedded.latestVersion)))
  }

  @Test func getOrCreateExperiment_20processes_oneExperimentWith20Runs() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("sweep.sqlite")
    _ = try Database(storePath: path)  // the store exists; the experiment does not
    let results = try runWorkers(20) { ["record", path, "sweep-A", "run \($0)", "1", "0", "1"] }
    for result in results { #expect(result.status == 0, "stderr: \(result.stderr)") }
    let db = try Database(storePath: path, readOnly: true)
    #expect(try db.scalar(sql: "SELECT count(*) FROM experiment") == .integer(1))
    #expect(
      try db.scalar(
        sql:
          "SELECT count(*) FROM run JOIN experiment e ON e.id = experiment_id WHERE e.name = 'sweep-A'"
      )
        == .integer(20))
  }

  @Test(.enabled(if: LongTests.isEnabled, Comment(rawValue: LongTests.comment))) func fourProcesses_2000EpochsEach_loseNoRow() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("four.sqlite")
    let results = try runWorkers(4) { ["record", path, "four", "run \($0)", "2000", "1", "5"] }
    for result in results { #expect(result.status == 0, "stderr: \(result.stderr)") }
    let db = try Database(storePath: path, readOnly: true)
    #expect(try db.scalar(sql: "SELECT count(*) FROM epoch_metric") == .integer(8000))
    #expect(try db.scalar(sql: "SELECT count(*) FROM layer_summary") == .integer(8000))
    #expect(try db.scalar(sql: "SELECT count(*) FROM measure_value") == .integer(40000))
    // Every run has exactly epochs 0…1999.
    let perRun = try db.fetchAll(
      sql: "SELECT count(*), min(epoch), max(epoch), sum(epoch) FROM epoch_metric GROUP BY run_id")
    #expect(perRun.count == 4)
    for row in perRun {
      #expect(
        row.values == [.integer(2000), .integer(0), .integer(1999), .integer(1999 * 2000 / 2)])
    }
  }

  @Test func killedMidEpoch_keepsWholeEpochs_showsStaleAndCanBeMarkedFailed() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("killed.sqlite")
    let child = try ChildProcess(worker, ["hang", path, "case-4", "doomed"])
    let deadline = Date().addingTimeInterval(60)
    while !child.currentStdout.contains("in-epoch"), Date() < deadline {
      Thread.sleep(forTimeInterval: 0.02)
    }
    #expect(child.currentStdout.contains("in-epoch"))
    kill(child.process.processIdentifier, SIGKILL)
    let result = child.wait()
    #expect(result.status == SIGKILL)

    let recorder = try Recorder(path: path)
    let db = recorder.database
    #expect(try db.scalar(sql: "PRAGMA integrity_check") == .text("ok"))
    #expect(
      try db.fetchAll(sql: "SELECT epoch FROM epoch_metric ORDER BY epoch").map(\.values) == [
        [.integer(0)], [.integer(1)],
      ])
    #expect(try db.scalar(sql: "SELECT count(*) FROM layer_summary") == .integer(2))
    #expect(try db.scalar(sql: "SELECT count(*) FROM measure_value") == .integer(2))
    #expect(try db.scalar(sql: "SELECT status FROM run") == .text("running"))

    Thread.sleep(forTimeInterval: 0.05)
    let stale = try recorder.staleRuns(olderThanSeconds: 0.01)
    #expect(stale.map(\.name) == ["doomed"])
    #expect(try recorder.staleRuns(olderThanSeconds: 3600).isEmpty)
    let marked = try recorder.markStaleRuns(olderThanSeconds: 0.01)
    #expect(marked.map(\.name) == ["doomed"])
    let row = try #require(
      try db.fetchOne(sql: "SELECT status, stop_reason, ended_at IS NOT NULL FROM run"))
    #expect(row.values == [.text("failed"), .text("stale_heartbeat"), .integer(1)])
    #expect(try recorder.markStaleRuns(olderThanSeconds: 0).isEmpty)
  }
}
