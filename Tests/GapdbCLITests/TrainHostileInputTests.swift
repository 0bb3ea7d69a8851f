import Foundation
import ResultsStore
import TestSupport
import Testing

@testable import GapdbCLI

/// Out-of-process tests from a hostile-newcomer pass over `gapdb train`: each bad input gets
/// one `Error:` naming the value and a hint, exit code 64 for a usage mistake and 1 for a data
/// or runtime error, and an existing store stays byte-identical (a missing one is not created).
@Suite struct TrainHostileInputTests {
  func gapdb(_ arguments: [String]) throws -> ProcessResult { try runProduct("gapdb", arguments) }

  func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

  /// 120 rows of 3 features, 3 classes, a header row.
  func writeCSV(_ dir: TemporaryDirectory) throws -> String {
    var lines = ["f0,f1,f2,label"]
    for i in 0..<120 {
      let c = i % 3
      lines.append((0..<3).map { j in j == c ? "2.0" : "0.\(i % 7)" }.joined(separator: ",") + ",\(c)")
    }
    let path = dir.path("blobs.csv")
    try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  /// A store with one finished run, and its bytes.
  func makeStore(_ dir: TemporaryDirectory, csv: String) throws -> (path: String, bytes: Data?) {
    let db = dir.path("runs.sqlite")
    let r = try gapdb([
      "train", "--db", db, "--experiment", "ok", "--csv", csv, "--holdout-fraction", "0.2", "--hidden", "4",
      "--epochs", "1", "--no-perturb", "--quiet",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    return (db, contents(db))
  }

  /// Runs `train` with the base options plus `extra` against an existing store and a missing
  /// one; expects `status`, stderr containing every fragment and a `Hint`, nothing on stdout,
  /// the existing store unchanged and the missing one not created.
  func expectRefused(
    _ extra: [String], status: Int32 = 64, mentions fragments: [String], dir: TemporaryDirectory, csv: String,
    store: (path: String, bytes: Data?), sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let base = ["train", "--experiment", "x", "--train-size", "50", "--epochs", "2", "--hidden", "32"]
    let data = ["--csv", csv]
    let arguments = extra
    let missing = dir.path("missing.sqlite")
    for db in [store.path, missing] {
      let r = try gapdb(base + ["--db", db] + data + arguments)
      #expect(r.status == status, "\(arguments): \(r.stderr)", sourceLocation: sourceLocation)
      #expect(r.stdout == "", "\(arguments)", sourceLocation: sourceLocation)
      #expect(r.stderr.hasPrefix("Error: "), "\(arguments): \(r.stderr)", sourceLocation: sourceLocation)
      #expect(r.stderr.contains("Hint: "), "\(arguments): \(r.stderr)", sourceLocation: sourceLocation)
      #expect(r.stderr.components(separatedBy: "Error: ").count == 2, "one error: \(r.stderr)", sourceLocation: sourceLocation)
      for fragment in fragments {
        #expect(r.stderr.contains(fragment), "\(arguments): \(r.stderr) lacks \(fragment)", sourceLocation: sourceLocation)
      }
    }
    #expect(contents(store.path) == store.bytes, "\(arguments) changed the store", sourceLocation: sourceLocation)
    #expect(!FileManager.default.fileExists(atPath: missing), "\(arguments) created a store", sourceLocation: sourceLocation)
  }

  // 1. --epochs: capped, and the progress arithmetic saturates.
  @Test func hugeEpochs_isRefusedAndProgressArithmeticSaturates() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let csv = try writeCSV(dir)
    let store = try makeStore(dir, csv: csv)
    for epochs in ["9223372036854775807", "1000001"] {
      try expectRefused(
        ["--holdout-fraction", "0.2", "--no-perturb", "--epochs", epochs],
        mentions: ["--epochs \(epochs) is too large", "at most 1000000"], dir: dir, csv: csv, store: store)
    }
    #expect(ProgressDisplay.totalSteps(stepsPerEpoch: 8, maxEpochs: Int.max) == Int.max)
    #expect(ProgressDisplay.totalSteps(stepsPerEpoch: 8, maxEpochs: 1_000_000) == 8_000_000)
  }

  // 2. --hidden: each width bounded in validate(); the whole network against physical memory.
  @Test func hugeHidden_isRefusedBeforeTheStoreIsTouched() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let csv = try writeCSV(dir)
    let store = try makeStore(dir, csv: csv)
    let flags = ["--holdout-fraction", "0.2", "--no-perturb"]
    for width in ["100000000", "99999999999999999", "99999999999999999999999"] {
      try expectRefused(
        flags + ["--hidden", width], mentions: ["--hidden '\(width)'", "too large", "at most 1000000 units"],
        dir: dir, csv: csv, store: store)
    }
    // 3·10⁶ + 10¹² + 3·10⁶ parameters: terabytes, more than any test machine has.
    try expectRefused(
      flags + ["--hidden", "1000000,1000000"],
      mentions: [
        "--hidden 1000000,1000000 is too large for this machine", "3-1000000-1000000-3 network",
        "1000008000003 parameters", " TB ", "physical memory",
      ],
      dir: dir, csv: csv, store: store)
  }

  // 3. and 4.: contradictions and options that cannot apply.
  @Test func contradictoryOrInapplicableOptions_areRefused() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let csv = try writeCSV(dir)
    let store = try makeStore(dir, csv: csv)
    let cases: [([String], [String])] = [
      (["--csv-test", csv, "--holdout-fraction", "0.2", "--no-perturb"], ["--csv-test contradicts --holdout-fraction 0.2"]),
      (["--holdout-fraction", "0.2", "--no-perturb", "--classes", "3"], ["--classes 3 applies to IDX data only"]),
      (
        ["--holdout-fraction", "0.2", "--no-perturb", "--path-sgd-match-first-step"],
        ["--path-sgd-match-first-step applies to --optimizer path-sgd only", "--optimizer sgd"]
      ),
      (
        ["--holdout-fraction", "0.2", "--no-perturb", "--optimizer", "momentum", "--path-sgd-match-first-step"],
        ["--optimizer momentum"]
      ),
      (["--holdout-fraction", "0.2", "--no-perturb", "--perturb-every", "2"], ["--no-perturb contradicts --perturb-every 2"]),
      (["--holdout-fraction", "0.2", "--no-perturb", "--perturb-every", "0"], ["--no-perturb contradicts --perturb-every 0"]),
    ]
    for (extra, fragments) in cases {
      try expectRefused(extra, mentions: fragments, dir: dir, csv: csv, store: store)
    }
    // The output-format pair has no hint of its own in `gapdb runs` either; same wording.
    let r = try gapdb([
      "train", "--db", store.path, "--experiment", "x", "--csv", csv, "--holdout-fraction", "0.2", "--no-perturb",
      "--json", "--format", "csv",
    ])
    #expect(r.status == 64)
    #expect(r.stderr.hasPrefix("Error: Choose one output format; got several of --format, --json.\n"))
    #expect(contents(store.path) == store.bytes)
  }

  // 5. A holdout fraction that leaves nothing to train on names the option.
  @Test func holdoutLeavingNoTrainingRows_namesTheOption() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let csv = try writeCSV(dir)
    let store = try makeStore(dir, csv: csv)
    try expectRefused(
      ["--holdout-fraction", "0.999", "--no-perturb"], status: 1,
      mentions: [
        "Error: --holdout-fraction 0.999 holds out all 120 rows of \(csv) as the test set, leaving 0 training examples\n",
        "Hint: use a smaller fraction such as 0.2",
      ],
      dir: dir, csv: csv, store: store)
  }

  // 6. Empty or blank names are usage errors.
  @Test func emptyOrBlankNames_areUsageErrors() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let csv = try writeCSV(dir)
    let store = try makeStore(dir, csv: csv)
    let flags = ["--holdout-fraction", "0.2", "--no-perturb"]
    for name in ["", "   ", "\t"] {
      try expectRefused(
        flags + ["--experiment", name], mentions: ["--experiment '\(name)' is empty"], dir: dir, csv: csv, store: store)
      try expectRefused(
        flags + ["--name", name], mentions: ["--name '\(name)' is empty"], dir: dir, csv: csv, store: store)
    }
  }

  // 7. Infinite values, schedule parts and float32 range.
  @Test func numericMessages_sayWhatIsWrong() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let csv = try writeCSV(dir)
    let store = try makeStore(dir, csv: csv)
    let flags = ["--holdout-fraction", "0.2", "--no-perturb"]
    let cases: [([String], [String])] = [
      (["--target-train-loss", "inf"], ["--target-train-loss must be a finite number ≥ 0; got inf."]),
      (["--lr", "inf"], ["--lr: learning rate inf must be a finite positive number."]),
      (["--weight-decay", "inf"], ["--weight-decay must be a finite number ≥ 0; got inf."]),
      (["--lr-schedule", "step:0.1:0"], ["--lr-schedule 'step:0.1:0': the interval '0' must be a whole number of epochs ≥ 1"]),
      (["--lr-schedule", "step:-1:5"], ["--lr-schedule 'step:-1:5': the factor '-1' must be a finite number > 0"]),
      (["--lr-schedule", "cosine:0"], ["--lr-schedule 'cosine:0': the epoch count '0' must be a whole number ≥ 1"]),
      (["--lr", "1e-300"], ["--lr: learning rate 1e-300 is outside float32's range (it rounds to 0.0 in float32"]),
      (["--lr", "1e39"], ["--lr: learning rate 1e+39 is outside float32's range (it rounds to inf in float32"]),
    ]
    for (extra, fragments) in cases {
      try expectRefused(flags + extra, mentions: fragments, dir: dir, csv: csv, store: store)
    }
  }

  // 8. A damaged store: no run is created, so the hint points at an integrity check.
  @Test func corruptStore_hintsAtIntegrityCheckNotAtAFailedRun() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let csv = try writeCSV(dir)
    let db = dir.path("corrupt.sqlite")
    #expect(try gapdb(["init", db]).status == 0)
    // Overwrite the root page of the run table with garbage.
    let (pageSize, rootPage): (Int64, Int64)
    do {
      let store = try Database(path: db, mode: .readOnly)
      pageSize = try store.scalar(sql: "PRAGMA page_size").int64Value ?? 0
      rootPage = try store.scalar(sql: "SELECT rootpage FROM sqlite_master WHERE name = 'run'").int64Value ?? 0
    }
    #expect(pageSize > 0 && rootPage > 1)
    let handle = try #require(FileHandle(forWritingAtPath: db))
    try handle.seek(toOffset: UInt64((rootPage - 1) * pageSize))
    try handle.write(contentsOf: Data(repeating: 0xFF, count: Int(pageSize)))
    try handle.close()
    let before = try Data(contentsOf: URL(fileURLWithPath: db))
    let r = try gapdb([
      "train", "--db", db, "--experiment", "x", "--csv", csv, "--holdout-fraction", "0.2", "--hidden", "4",
      "--epochs", "1", "--no-perturb", "--quiet",
    ])
    #expect(r.status == 1, "\(r.stderr)")
    // The run row is the first write, so its failure leaves the file as it was.
    #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
    #expect(r.stderr.hasPrefix("Error: training into '\(db)' failed: "), "\(r.stderr)")
    #expect(!r.stderr.contains("the run is marked failed"), "\(r.stderr)")
    #expect(r.stderr.contains("Hint: no run was created; if the store may be damaged, check it with sqlite3 "))
    #expect(r.stderr.contains("'PRAGMA integrity_check'"))
  }

  // 9. Help fits 80 columns.
  @Test func help_fitsEightyColumns() throws {
    let r = try gapdb(["train", "--help"])
    #expect(r.status == 0)
    let long = r.stdout.split(separator: "\n").filter { $0.count > 80 }
    #expect(long.isEmpty, "lines over 80 columns: \(long)")
    #expect(r.stdout.contains("at most 1,000,000"))
  }
}
