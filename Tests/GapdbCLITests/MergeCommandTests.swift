import Foundation
import ResultsStore
import RunRecorder
import TestSupport
import Testing

/// `gapdb merge` out of process: exit codes, the stderr summary, --dry-run, refusals.
@Suite struct MergeCommandTests {
  func gapdb(_ arguments: [String]) throws -> ProcessResult { try runProduct("gapdb", arguments) }

  /// A store with `runs` finished runs of 2 epochs (0, 1) and 2 measure values per epoch.
  func makeStore(_ path: String, runs: Int, experiment: String = "e") throws {
    let recorder = try Recorder(path: path)
    for r in 0..<runs {
      let run = try recorder.beginRun(RunSpec(experiment: experiment, name: "r\(r)", seed: Int64(r)))
      for epoch in 0...1 {
        try run.recordEpoch(
          EpochRecord(
            epoch: epoch, step: Int64(epoch), metrics: EpochMetrics(trainLoss: 1, testLoss: 2),
            measures: [MeasureRecord(measureID: "a", value: 1), MeasureRecord(measureID: "b", value: .nan)]))
      }
      try run.finish(status: .finished)
    }
  }

  @Test func merge_printsTheSummary_andIsIdempotent() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let a = dir.path("a.sqlite"), b = dir.path("b.sqlite"), out = dir.path("out.sqlite")
    try makeStore(a, runs: 2)
    try makeStore(b, runs: 1)
    let first = try gapdb(["merge", out, a, b])
    #expect(first.status == 0)
    #expect(first.stdout == "")
    #expect(
      first.stderr
        == "merged 2 of 2 inputs into \(out): 3 runs added, 0 skipped (identical), 0 duplicates skipped, "
        + "0 replaced, 0 kept; 6 epochs and 12 measure values copied; 0 inputs refused\n")
    let again = try gapdb(["merge", out, a])
    #expect(again.status == 0)
    #expect(again.stderr.contains("merged 1 of 1 input into \(out): 0 runs added, 2 skipped (identical)"))
    #expect(try Database(storePath: out, readOnly: true).scalar(sql: "SELECT count(*) FROM run") == .integer(3))
  }

  @Test func dryRun_printsThePlan_andCreatesNothing() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let a = dir.path("a.sqlite"), out = dir.path("out.sqlite")
    try makeStore(a, runs: 2)
    let result = try gapdb(["merge", out, a, dir.path("missing.sqlite"), "--dry-run", "--csv"])
    #expect(result.status == 1)
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "input,runs_added,runs_skipped,duplicates_skipped,runs_replaced,runs_kept,conflicts,epochs,values,measures_added,result")
    #expect(lines.dropFirst().first == "\(a),2,0,0,0,0,0,4,8,2,merge")
    #expect(lines.count == 3 && lines[2].hasPrefix("\(dir.path("missing.sqlite")),0,0,0,0,0,0,0,0,0,refused: cannot read"))
    #expect(result.stderr.contains("would merge 1 of 2 inputs"))
    #expect(!FileManager.default.fileExists(atPath: out))
  }

  @Test func conflict_exitsWithOne_namesTheRun_andMergesTheOtherInputs() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let a = dir.path("a.sqlite"), edited = dir.path("edited.sqlite"), b = dir.path("b.sqlite"), out = dir.path("out.sqlite")
    try makeStore(a, runs: 1)
    try makeStore(b, runs: 1)
    try FileManager.default.copyItem(atPath: a, toPath: edited)
    try Database(storePath: edited).execute(sql: "UPDATE run SET name = 'renamed'")
    let uuid = try Database(storePath: a, readOnly: true).scalar(sql: "SELECT uuid FROM run").stringValue ?? ""
    #expect(try gapdb(["merge", out, a]).status == 0)
    let result = try gapdb(["merge", out, edited, b])
    #expect(result.status == 1)
    #expect(result.stderr.contains("run \(uuid) ('renamed', id 1 in the input, 1 in the output): run.name: 'r0' (output) vs 'renamed' (input)"))
    #expect(result.stderr.contains("Hint: --on-conflict keep"))
    #expect(result.stderr.contains("merged 1 of 2 inputs"))
    #expect(try Database(storePath: out, readOnly: true).scalar(sql: "SELECT group_concat(name) FROM run") == .text("r0,r0"))
    let replaced = try gapdb(["merge", out, edited, "--on-conflict", "replace"])
    #expect(replaced.status == 0 && replaced.stderr.contains("1 replaced"))
  }

  @Test func outputThatIsAStoresCompanionFile_isRefused_andNothingIsWritten() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let a = dir.path("a.sqlite"), other = dir.path("other.sqlite")
    try makeStore(a, runs: 1)
    try makeStore(other, runs: 1)
    for out in [a + "-wal", a + "-journal", other + "-shm", other + "-wal"] {
      try? FileManager.default.removeItem(atPath: out)
      let result = try gapdb(["merge", out, a])
      #expect(result.status == 64, "\(out): \(result.stderr)")
      #expect(result.stderr.contains(out) && result.stderr.contains("destroy the store"), "\(result.stderr)")
      #expect(!FileManager.default.fileExists(atPath: out))
    }
  }

  @Test func unwritableOutput_namesTheFolder_notASQLiteCode() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let a = dir.path("a.sqlite"), out = dir.path("missing/out.sqlite")
    try makeStore(a, runs: 1)
    let result = try gapdb(["merge", out, a])
    #expect(result.status == 1)
    #expect(result.stderr.contains("the folder \(dir.path("missing")) does not exist"), "\(result.stderr)")
    #expect(!result.stderr.contains("SQLite"))
  }

  @Test func everyInputRefused_leavesNoNewOutputBehind_butKeepsAnExistingOne() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let junk = dir.path("junk.sqlite"), out = dir.path("out.sqlite")
    try Data("not a database at all, just some text bytes".utf8).write(to: URL(fileURLWithPath: junk))
    let result = try gapdb(["merge", out, junk])
    #expect(result.status == 1)
    for suffix in ["", "-wal", "-shm", "-journal"] {
      #expect(!FileManager.default.fileExists(atPath: out + suffix), "\(suffix)")
    }
    let existing = dir.path("existing.sqlite")
    try makeStore(existing, runs: 1)
    #expect(try gapdb(["merge", existing, junk]).status == 1)
    #expect(FileManager.default.fileExists(atPath: existing))
  }

  @Test func outputThatIsNoStore_isNamed() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let a = dir.path("a.sqlite"), out = dir.path("notes.sqlite")
    try makeStore(a, runs: 1)
    try Data(String(repeating: "plain text, not SQLite. ", count: 40).utf8).write(to: URL(fileURLWithPath: out))
    let result = try gapdb(["merge", out, a])
    #expect(result.status != 0)
    #expect(result.stderr.contains(out), "\(result.stderr)")
  }

  /// A WAL-mode input in a folder this user may not write (so SQLite cannot create its -shm)
  /// is read all the same; run as `nobody` when the tests run as root.
  @Test(.enabled(if: geteuid() != 0 || FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser")))
  func inputInAReadOnlyFolder_isMerged() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let inputs = dir.path("in"), outputs = dir.path("out")
    for folder in [inputs, outputs] {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    }
    let a = inputs + "/a.sqlite"
    try makeStore(a, runs: 2)
    #expect(!FileManager.default.fileExists(atPath: a + "-shm"))
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.url.path)
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: a)
    let out = outputs + "/all.sqlite"
    let gapdb = builtProductURL("gapdb").path
    let result: ProcessResult
    if geteuid() == 0 {
      try FileManager.default.setAttributes([.ownerAccountID: 65534], ofItemAtPath: outputs)
      result = try ChildProcess(
        URL(fileURLWithPath: "/usr/sbin/runuser"), ["-u", "nobody", "--", gapdb, "merge", out, a]).wait()
    } else {
      try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: inputs)
      result = try ChildProcess(URL(fileURLWithPath: gapdb), ["merge", out, a]).wait()
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: inputs)
    }
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("2 runs added"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: a + "-shm"))
  }

  @Test func usageErrors_exit64() throws {
    #expect(try gapdb(["merge", "out.sqlite"]).status == 64)
    #expect(try gapdb(["merge", "out.sqlite", "a.sqlite", "--on-conflict", "maybe"]).status == 64)
  }
}

/// `gapdb sweep --slurm N`: the printed script and the option checks (the script runs for
/// real in scripts/test-slurm.sh).
@Suite struct SweepSlurmOptionTests {
  func gapdb(_ arguments: [String]) throws -> ProcessResult { try runProduct("gapdb", arguments) }

  @Test func slurm_printsTheSubmissionScript_andTouchesNothing() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = dir.path("all.sqlite")
    let result = try gapdb(["sweep", store, "--grid", "width=4,8;seed=1,2", "--epochs", "3", "--slurm", "3", "--sbatch-option=--time=5"])
    #expect(result.status == 0)
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "#!/usr/bin/env bash")
    #expect(lines.contains("#SBATCH --array=0-2"))
    #expect(lines.contains("#SBATCH --time=5"))
    #expect(lines.contains("shards='\(store).shards'"))
    #expect(lines.contains { $0.hasPrefix("merge=$(sbatch --parsable --dependency=afterok:$array") })
    #expect(lines.contains { $0.contains("\"epochs\": 3") && $0.contains("\"width\": [4, 8]") })
    #expect(!FileManager.default.fileExists(atPath: store))
    #expect(!FileManager.default.fileExists(atPath: store + ".shards"))
  }

  @Test func slurmOptionMistakes_exit64() throws {
    let grid = ["sweep", "s.sqlite", "--grid", "width=4"]
    for extra in [["--slurm", "0"], ["--slurm", "2", "--shard", "0/2"], ["--submit"], ["--shard-dir", "x"],
                  ["--single-writer", "--jobs", "2"]] {
      let result = try gapdb(grid + extra)
      #expect(result.status == 64, "\(extra): \(result.stderr)")
    }
  }

  /// gapdb run with `variables` set in its environment.
  func gapdb(environment variables: [String], _ arguments: [String]) throws -> ProcessResult {
    try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), variables + [builtProductURL("gapdb").path] + arguments).wait()
  }

  @Test func sbatchOptions_withLineBreaksOrWithoutDashes_areRefusedNamingThem() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = dir.path("s.sqlite")
    for option in ["--time=1\necho injected", "--time=1\rx", "time=1", "-t", "--"] {
      let result = try gapdb(["sweep", store, "--grid", "width=4", "--slurm", "1", "--sbatch-option=\(option)"])
      #expect(result.status == 64, "\(option.debugDescription): \(result.stderr)")
      #expect(result.stderr.contains(option.debugDescription), "\(result.stderr)")
      #expect(result.stdout.isEmpty)
    }
    #expect(!FileManager.default.fileExists(atPath: store + ".shards"))
  }

  @Test func slurmTaskCount_isCappedAtTheConfigurations_andAbsurdCountsAreRefused() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = dir.path("s.sqlite")
    let capped = try gapdb(["sweep", store, "--grid", "width=4,8", "--slurm", "5"])
    #expect(capped.status == 0)
    #expect(capped.stdout.split(separator: "\n").contains("#SBATCH --array=0-1"))
    #expect(capped.stdout.contains("n=2\n"))
    #expect(capped.stderr.contains("--slurm 5") && capped.stderr.contains("using 2"))
    for n in ["9223372036854775807", "4000002"] {
      let result = try gapdb(["sweep", store, "--grid", "width=4", "--slurm", n])
      #expect(result.status == 64, "\(n): \(result.stderr)")
      #expect(result.stderr.contains(n))
    }
    // --jobs is passed through: each task gets that many CPUs and runs that many workers.
    let jobs = try gapdb(["sweep", store, "--grid", "width=4,8", "--slurm", "2", "--jobs", "2"])
    #expect(jobs.status == 0)
    #expect(jobs.stdout.contains("#SBATCH --cpus-per-task=2") && jobs.stdout.contains("'--jobs' '2'"))
    #expect(!FileManager.default.fileExists(atPath: store))
  }

  @Test func submitWithoutSbatch_failsBeforeWritingAnything() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let shards = dir.path("shards")
    let result = try gapdb(
      environment: ["PATH=\(dir.path("no-bin"))"],
      ["sweep", dir.path("s.sqlite"), "--grid", "width=4", "--slurm", "1", "--submit", "--shard-dir", shards])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("sbatch") && result.stderr.contains("PATH"))
    #expect(!FileManager.default.fileExists(atPath: shards))
    #expect(!FileManager.default.fileExists(atPath: dir.path("s.sqlite")))
  }

  @Test func singleWriterEnvironment_withJobs_isRefusedLikeTheFlag() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    for value in ["1", "yes"] {
      let result = try gapdb(
        environment: ["GAPDB_SINGLE_WRITER=\(value)"],
        ["sweep", dir.path("s.sqlite"), "--grid", "width=4,8", "--jobs", "2", "--epochs", "1"])
      #expect(result.status == 64, "\(result.stderr)")
      #expect(result.stderr.contains("GAPDB_SINGLE_WRITER") && result.stderr.contains("--jobs 2"))
      #expect(!FileManager.default.fileExists(atPath: dir.path("s.sqlite")))
    }
  }
}
