import Foundation
import ResultsStore
import TestSupport
import Testing

@testable import RunRecorder

/// `markStaleRuns` never ends a run whose recording process is alive on this host, and tells a
/// reused pid from the original process.
@Suite struct StaleRunLivenessTests {
  /// The pid of a process that has exited (and been reaped).
  func deadPID() throws -> Int64 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return Int64(process.processIdentifier)
  }

  /// This process's start token, read here from /proc independently of ProcessIdentity:
  /// the boot id, ':', and the 22nd field of /proc/self/stat.
  func ownStartToken() throws -> String {
    let boot = try String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let stat = try String(contentsOfFile: "/proc/\(getpid())/stat", encoding: .utf8)
    let afterName = stat[stat.index(after: try #require(stat.lastIndex(of: ")")))...]
    let fields = afterName.split(separator: " ")  // fields[0] is field 3
    return "\(boot):\(fields[22 - 3])"
  }

  @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/stat")))
  func markStale_sparesLiveProcessesOnThisHost_marksTheRest() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("live.sqlite"))
    let db = recorder.database
    var runs: [String: ActiveRun] = [:]
    for name in ["live", "dead-pid", "other-host", "reused-pid", "old-live", "old-reused"] {
      runs[name] = try recorder.beginRun(RunSpec(experiment: "e", name: name))
    }
    // beginRun recorded this process: host, pid and start token.
    let row = try #require(try db.fetchOne(sql: "SELECT host, pid, process_start FROM run WHERE name = 'live'"))
    #expect(row.values == [.text(ProcessInfo.processInfo.hostName), .integer(Int64(getpid())), .text(try ownStartToken())])

    try db.execute(sql: "UPDATE run SET pid = ? WHERE name = 'dead-pid'", arguments: [.integer(try deadPID())])
    try db.execute(sql: "UPDATE run SET host = 'elsewhere.example' WHERE name = 'other-host'")
    // Same pid, another process start: the pid was given to this process after the recorder died.
    try db.execute(sql: "UPDATE run SET process_start = 'another-boot:12345' WHERE name = 'reused-pid'")
    // Runs from before schema 0003 (no start token): the run's start time decides.
    try db.execute(sql: "UPDATE run SET process_start = NULL WHERE name IN ('old-live', 'old-reused')")
    try db.execute(sql: "UPDATE run SET started_at = '2000-01-01T00:00:00.000Z' WHERE name = 'old-reused'")
    try db.execute(sql: "UPDATE run SET heartbeat_at = '2000-01-01T00:00:00.000Z'")

    let spared = ["live", "old-live"]
    let ended = ["dead-pid", "other-host", "reused-pid", "old-reused"]
    #expect(try recorder.staleRuns(olderThanSeconds: 0).map(\.name) == ended)
    #expect(try recorder.liveRunsWithOldHeartbeat(olderThanSeconds: 0).map(\.name) == spared)
    #expect(try recorder.markStaleRuns(olderThanSeconds: 0).map(\.name) == ended)
    let statuses = try db.fetchAll(sql: "SELECT name, status FROM run ORDER BY id").map(\.values)
    #expect(
      statuses == [
        [.text("live"), .text("running")], [.text("dead-pid"), .text("failed")],
        [.text("other-host"), .text("failed")], [.text("reused-pid"), .text("failed")],
        [.text("old-live"), .text("running")], [.text("old-reused"), .text("failed")],
      ])
    // The live runs go on recording.
    for name in spared {
      let run = try #require(runs[name])
      try run.recordEpoch(EpochRecord(epoch: 0, step: 0))
      try run.finish(status: .finished)
    }
  }

  @Test func isAlive_pidsThatAreNoProcess() throws {
    #expect(ProcessIdentity.isAlive(Int64(getpid())))
    #expect(!ProcessIdentity.isAlive(try deadPID()))
    for pid: Int64 in [0, -1, Int64(Int32.max) + 1] { #expect(!ProcessIdentity.isAlive(pid)) }
  }
}
