import Foundation
import ResultsStore
import RunRecorder
import TestSupport
import Testing

/// Guards against accidents with the store's files: a writing command on a missing store, an
/// output file that is the store or one of its companion files, a store this user may not
/// write, and `mark-stale` on a live run. Each runs the real binary and compares the store's
/// bytes before and after.
@Suite struct StoreGuardTests {
  func gapdb(_ arguments: [String]) throws -> ProcessResult { try runProduct("gapdb", arguments) }

  /// Issue 11: `gapdb sql` on a foreign SQLite file must not suggest "a path that does not
  /// exist yet" (sql refuses those); `PRAGMA journal_mode` (a read) is allowed without --write
  /// and changes nothing, while `PRAGMA journal_mode = WAL` is still refused.
  @Test func sql_foreignFileHintAndReadOnlyPragmas() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let foreign = dir.path("foreign.sqlite")
    do {
      let db = try Database(path: foreign, mode: .readWriteCreate)
      try db.execute(sql: "CREATE TABLE t (x); INSERT INTO t VALUES (1)")
    }
    let r = try gapdb(["sql", foreign, "SELECT 1"])
    #expect(r.status == 1)
    #expect(r.stderr.contains("not a gapdb store") && !r.stderr.contains("does not exist yet"), "\(r.stderr)")
    #expect(r.stderr.contains("this command does not create stores"))
    let store = dir.path("s.sqlite")
    #expect(try gapdb(["init", store]).status == 0)
    let before = FileManager.default.contents(atPath: store)
    let mode = try gapdb(["sql", store, "PRAGMA journal_mode", "--csv", "--no-headers"])
    #expect(mode.status == 0, "\(mode.stderr)")
    #expect(["wal\n", "delete\n"].contains(mode.stdout), "\(mode.stdout)")
    let change = try gapdb(["sql", store, "PRAGMA journal_mode = DELETE"])
    #expect(change.status == 1)
    #expect(change.stderr.contains("would change the database"))
    #expect(FileManager.default.contents(atPath: store) == before)
  }

  func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

  func copyFixture(to path: String) throws {
    let fixture = try FixtureStore()
    defer { fixture.directory.remove() }
    try FileManager.default.copyItem(atPath: fixture.path, toPath: path)
  }

  // MARK: - No accidental stores

  @Test func writingCommands_onAMissingStore_refusedAndNothingCreated() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let missing = dir.path("tpyo.sqlite")
    for arguments in [
      ["sql", missing, "--write", "CREATE TABLE t (x)"],
      ["sql", missing, "--write", "SELECT 1"],
      ["mark-stale", missing],
      ["mark-stale", missing, "--dry-run"],
    ] {
      let result = try gapdb(arguments)
      #expect(result.status == 1, "gapdb \(arguments): \(result.stderr)")
      #expect(
        result.stderr
          == "Error: no such database: \(missing)\n"
          + "Hint: create it with `gapdb init \(missing)`, or check the path.\n",
        "gapdb \(arguments)")
      for suffix in ["", "-wal", "-shm", "-journal"] {
        #expect(!FileManager.default.fileExists(atPath: missing + suffix), "gapdb \(arguments)")
      }
    }
    // A 0-byte file is not adopted as a new store either, and stays 0 bytes.
    let empty = dir.path("empty.sqlite")
    #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
    for arguments in [["sql", empty, "--write", "CREATE TABLE t (x)"], ["mark-stale", empty]] {
      let result = try gapdb(arguments)
      #expect(result.status == 1, "gapdb \(arguments): \(result.stderr)")
      #expect(
        result.stderr
          == "Error: \(empty) is an empty file (0 bytes), not a gapdb store\n"
          + "Hint: make it a store with `gapdb init \(empty)`, or check the path.\n")
      #expect(contents(empty) == Data())
      #expect(!FileManager.default.fileExists(atPath: empty + "-wal"))
    }
    // gapdb init is the way to make one; then --write works.
    #expect(try gapdb(["init", missing]).status == 0)
    let created = try gapdb(["sql", missing, "--write", "CREATE TABLE t (x)"])
    #expect(created.status == 0, "\(created.stderr)")
  }

  @Test func creatingCommands_inAMissingFolder_sayTheFolderIsMissing() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let folder = dir.path("no/such")
    let store = folder + "/runs.sqlite"
    let result = try gapdb(["init", store])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(
      result.stderr
        == "Error: cannot create the store \(store): the folder \(folder) does not exist\n"
        + "Hint: choose a folder you may write to, or create it (mkdir -p).\n")
    #expect(!FileManager.default.fileExists(atPath: dir.path("no")))
  }

  // MARK: - Output files

  @Test func reportOut_storeCompanionFiles_refusedUnderAnySpelling() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = dir.path("runs.sqlite")
    try copyFixture(to: store)
    try FileManager.default.createDirectory(atPath: dir.path("sub"), withIntermediateDirectories: false)
    // Keep a writer open so that runs.sqlite-wal and -shm exist (a hard link needs a file).
    let writer = try Database(storePath: store)
    try writer.execute(sql: "PRAGMA wal_autocheckpoint = 0")
    try writer.execute(sql: "UPDATE experiment SET name = name")
    let wal = store + "-wal"
    #expect(FileManager.default.fileExists(atPath: wal))
    let walLink = dir.path("wal-link.html")
    try FileManager.default.createSymbolicLink(atPath: walLink, withDestinationPath: "runs.sqlite-wal")
    let journalLink = dir.path("journal-link.md")  // dangling: there is no -journal file
    try FileManager.default.createSymbolicLink(atPath: journalLink, withDestinationPath: store + "-journal")
    let hard = dir.path("hard.html")
    #expect(link(wal, hard) == 0)
    let hardStore = dir.path("hard-store.html")
    #expect(link(store, hardStore) == 0)
    let before = [contents(store), contents(wal), contents(store + "-shm")]
    let cases: [(out: String, what: String)] = [
      (wal, "the store's write-ahead log (\(store)-wal)"),
      (store + "-shm", "the store's shared-memory index (\(store)-shm)"),
      (store + "-journal", "the store's rollback journal (\(store)-journal)"),
      (dir.path("sub") + "/../runs.sqlite-wal", "the store's write-ahead log (\(store)-wal)"),
      (walLink, "the store's write-ahead log (\(store)-wal)"),
      (journalLink, "the store's rollback journal (\(store)-journal)"),
      (hard, "the store's write-ahead log (\(store)-wal)"),
      (hardStore, "the store itself"),
    ]
    for (out, what) in cases {
      let result = try gapdb(["report", store, "--out", out, "--format", "html"])
      #expect(result.status == 64, "--out \(out): \(result.stderr)")
      #expect(
        result.stderr.hasPrefix(
          "Error: --out '\(out)' is \(what); writing the report there would destroy the store. "
            + "Hint: give the report its own name, e.g. --out report.html.\n"),
        "--out \(out): \(result.stderr)")
      #expect([contents(store), contents(wal), contents(store + "-shm")] == before, "--out \(out)")
    }
    // The demo checks its --out before training anything.
    let demo = try gapdb(["demo", "--store", store, "--out", walLink])
    #expect(demo.status == 64, "\(demo.stderr)")
    #expect(demo.stderr.hasPrefix("Error: --out '\(walLink)' is the store's write-ahead log"))
    #expect([contents(store), contents(wal), contents(store + "-shm")] == before)
    withExtendedLifetime(writer) {}
  }

  @Test func markdownReport_figureFolderIsTheStore_refused() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    // report.md puts its figures in report_files/: here that is the store's own name.
    let store = dir.path("report_files")
    try copyFixture(to: store)
    let before = contents(store)
    let result = try gapdb(["report", store, "--out", dir.path("report.md")])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(
      result.stderr
        == "Error: cannot write \(store): it is the store itself\n"
        + "Hint: give the report its own name, e.g. --out report.html.\n")
    #expect(contents(store) == before)
    #expect(!FileManager.default.fileExists(atPath: dir.path("report.md")))
  }

  // MARK: - Read-only stores (run as an unprivileged user: as root, every file is writable)

  func gapdbUnprivileged(_ arguments: [String]) throws -> ProcessResult {
    let gapdb = builtProductURL("gapdb").path
    if geteuid() == 0 {
      return try ChildProcess(
        URL(fileURLWithPath: "/usr/sbin/runuser"), ["-u", "nobody", "--", gapdb] + arguments
      ).wait()
    }
    return try ChildProcess(URL(fileURLWithPath: gapdb), arguments).wait()
  }

  static let canDropRoot =
    geteuid() != 0 || FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser")

  /// Every writing command, on `store`, with a tiny CSV for the ones that train.
  func writingCommands(_ store: String, csv: String) -> [[String]] {
    [
      [
        "train", "--db", store, "--experiment", "e", "--csv", csv, "--holdout-fraction", "0.2", "--hidden", "4", "--epochs", "1",
        "--no-perturb", "--quiet",
      ],
      ["sweep", store, "--grid", "width=4", "--train-size", "10", "--epochs", "1", "--quiet"],
      ["sql", store, "--write", "DELETE FROM run"],
      ["init", store],
      ["mark-stale", store],
    ]
  }

  func writeCSV(_ dir: TemporaryDirectory) throws -> String {
    var lines = ["f0,f1,label"]
    for i in 0..<40 { lines.append("\(i % 2 == 0 ? "1.0" : "0.0"),0.\(i % 7),\(i % 2)") }
    let path = dir.path("tiny.csv")
    try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test(.enabled(if: canDropRoot))
  func writingCommands_readOnlyStoreFile_sayTheFileIsReadOnly() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let folder = dir.path("mine")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    let store = folder + "/runs.sqlite"
    try copyFixture(to: store)
    try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: store)
    if geteuid() == 0 {
      // The folder belongs to nobody (who may create -wal/-shm there); the file stays root's.
      try FileManager.default.setAttributes([.ownerAccountID: 65534], ofItemAtPath: folder)
    }
    let csv = try writeCSV(dir)
    let before = contents(store)
    for arguments in writingCommands(store, csv: csv) {
      let result = try gapdbUnprivileged(arguments)
      #expect(result.status == 1, "gapdb \(arguments): \(result.stderr)")
      #expect(
        result.stderr
          == "Error: cannot write to the store \(store): \(store) is read-only for you (file permissions)\n"
          + "Hint: check the permissions (ls -l \(store) \(folder)), or work on a copy "
          + "(cp \(store) /tmp/ and pass the copy).\n",
        "gapdb \(arguments)")
      #expect(contents(store) == before, "gapdb \(arguments)")
    }
  }

  @Test(.enabled(if: canDropRoot))
  func writingCommands_storeInAReadOnlyFolder_sayTheWALCannotBeCreated() throws {
    let dir = try TemporaryDirectory()
    defer {
      try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path("locked"))
      dir.remove()
    }
    let folder = dir.path("locked")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    let store = folder + "/runs.sqlite"
    try copyFixture(to: store)
    try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: store)
    // Root's folder is read-only for nobody as it is (0755); a non-root user locks their own.
    if geteuid() != 0 {
      try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder)
    }
    let csv = try writeCSV(dir)
    let before = contents(store)
    for arguments in writingCommands(store, csv: csv) {
      let result = try gapdbUnprivileged(arguments)
      #expect(result.status == 1, "gapdb \(arguments): \(result.stderr)")
      #expect(
        result.stderr
          == "Error: cannot write to the store \(store): SQLite must create \(store)-wal and "
          + "\(store)-shm beside the store, but the folder \(folder) is read-only for you\n"
          + "Hint: check the permissions (ls -l \(store) \(folder)), or work on a copy "
          + "(cp \(store) /tmp/ and pass the copy).\n",
        "gapdb \(arguments)")
      #expect(contents(store) == before, "gapdb \(arguments)")
    }
  }

  // MARK: - mark-stale and live processes

  @Test func markStale_liveRecordingProcess_leftAloneThenMarkedOnceDead() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = dir.path("live.sqlite")
    let child = try ChildProcess(builtProductURL("gapdb-testworker"), ["live", store, "e", "training"])
    defer { if child.process.isRunning { kill(child.process.processIdentifier, SIGKILL) } }
    let deadline = Date().addingTimeInterval(60)
    while !child.currentStdout.contains("recording"), Date() < deadline {
      Thread.sleep(forTimeInterval: 0.02)
    }
    #expect(child.currentStdout.contains("recording 1"))
    let pid = child.process.processIdentifier
    Thread.sleep(forTimeInterval: 0.05)  // the heartbeat is now older than 0 s

    for arguments in [["mark-stale", store, "--older-than", "0", "--dry-run"], ["mark-stale", store, "--older-than", "0"]] {
      let result = try gapdb(arguments + ["--csv"])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout == "id,name,host,pid,heartbeat_at,age_s\n")
      let verb = arguments.contains("--dry-run") ? "would mark" : "marked"
      #expect(
        result.stderr
          == "\(verb) 0 stale runs failed\nleft 1 run alone whose process is alive on this host: 1 (pid \(pid))\n")
    }
    let status = try gapdb(["sql", store, "SELECT status FROM run", "--csv", "--no-headers"])
    #expect(status.stdout == "running\n")
    // gapdb runs does not call it stale either, and names its host and pid.
    let runs = try gapdb(["runs", store, "--stale-after", "0", "--tsv"])
    let table = runs.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
    let header = try #require(table.first)
    let state = try #require(header.firstIndex(of: "state"))
    let host = try #require(header.firstIndex(of: "host"))
    let pidColumn = try #require(header.firstIndex(of: "pid"))
    #expect(table.count == 2)
    #expect(table.last.map { [String($0[state]), String($0[host]), String($0[pidColumn])] }
      == ["running", ProcessInfo.processInfo.hostName, String(pid)])

    // The training goes on: it records its next epoch and finishes.
    try "go\n".write(toFile: store + ".go", atomically: true, encoding: .utf8)
    let finished = child.wait()
    #expect(finished.status == 0, "\(finished.stderr)")
    #expect(finished.stdout.contains("ok 1"))
    let final = try gapdb(["sql", store, "SELECT status, count(*) FROM run JOIN epoch_metric ON run_id = id", "--csv", "--no-headers"])
    #expect(final.stdout == "finished,2\n")
  }

  @Test func markStale_deadRecordingProcess_isMarked() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = dir.path("dead.sqlite")
    let child = try ChildProcess(builtProductURL("gapdb-testworker"), ["live", store, "e", "doomed"])
    let deadline = Date().addingTimeInterval(60)
    while !child.currentStdout.contains("recording"), Date() < deadline {
      Thread.sleep(forTimeInterval: 0.02)
    }
    kill(child.process.processIdentifier, SIGKILL)
    _ = child.wait()
    let result = try gapdb(["mark-stale", store, "--older-than", "0", "--csv", "--no-headers"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.hasPrefix("1,doomed,"))
    #expect(result.stderr == "marked 1 stale run failed\n")
  }
}
