import Foundation
import ResultsStore
import TestSupport
import Testing

/// Out-of-process tests of `gapdb train` on small CSV data (fast) and bad inputs.
@Suite struct TrainCommandTests {
  func gapdb(_ arguments: [String]) throws -> ProcessResult { try runProduct("gapdb", arguments) }

  /// 120 examples of 3 features, 3 classes, class c centered at 2c on feature c; a header row.
  func writeCSV(_ dir: TemporaryDirectory) throws -> String {
    var rng = SplitMix64(seed: 9)
    var lines = ["f0,f1,f2,label"]
    for i in 0..<120 {
      let c = i % 3
      let x = (0..<3).map { j in (j == c ? 2.0 : 0.0) + Double(rng.next() % 1000) / 1000 - 0.5 }
      lines.append(x.map { String($0) }.joined(separator: ",") + ",\(c)")
    }
    let path = dir.path("blobs.csv")
    try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func train_csv_recordsRunAndPrintsSummaryRow() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let db = dir.path("runs.sqlite")
    let csv = try writeCSV(dir)
    let result = try gapdb([
      "train", "--db", db, "--experiment", "blobs", "--csv", csv, "--holdout-fraction", "0.25", "--hidden", "8",
      "--epochs", "4", "--lr", "0.1", "--batch-size", "10", "--snapshot", "final", "--measure-every", "2", "--json",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
    let row = try #require(rows?.first)
    #expect(row["status"] as? String == "finished")
    #expect(row["stop_reason"] as? String == "max_epochs")
    #expect(row["epochs"] as? Int == 4)
    // 120 rows, round(0.25·120) = 30 held out, 90 trained on in ⌈90/10⌉ = 9 steps per epoch.
    #expect(row["train_size"] as? Int == 90)
    #expect(row["steps"] as? Int == 36)
    #expect(result.stderr.contains("epoch 4/4"))
    #expect(result.stderr.contains("Results: run 1 (finished, max_epochs) in \(db)"))

    let store = try Database(path: db, mode: .readOnly)
    #expect(try store.scalar(sql: "SELECT count(*) FROM epoch_metric") == .integer(5))
    #expect(try store.scalar(sql: "SELECT group_concat(epoch) FROM (SELECT DISTINCT epoch FROM layer_summary ORDER BY epoch)") == .text("0,2,4"))
    #expect(try store.scalar(sql: "SELECT group_concat(epoch) FROM (SELECT epoch FROM weight_snapshot ORDER BY epoch)") == .text("0,4"))
    #expect(try store.scalar(sql: "SELECT value FROM hyperparameter WHERE key = 'optimizer'") == .text("sgd"))

    let runs = try gapdb(["runs", db, "--csv"])
    #expect(runs.status == 0)
    #expect(runs.stdout.contains("blobs"))
  }

  @Test func train_quiet_printsOnlyTheRow() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let result = try gapdb([
      "train", "--db", dir.path("q.sqlite"), "--experiment", "q", "--csv", try writeCSV(dir), "--no-test-set",
      "--hidden", "4", "--epochs", "1", "--quiet", "--format", "csv",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr == "")
    #expect(result.stdout.hasPrefix("run_id,experiment,name,status,"))
  }

  @Test func train_badInput_exitCodesAndStoreUntouched() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let db = dir.path("bad.sqlite")
    let csv = try writeCSV(dir)
    let base = ["train", "--db", db, "--experiment", "x"]
    let usage: [[String]] = [
      ["--lr", "-1"], ["--label-noise", "1.5"], ["--hidden", "5,x"], ["--epochs", "-2"], ["--optimizer", "adam"],
      ["--lr-schedule", "step:0.1"], ["--snapshot", "every:0"], ["--csv", csv, "--data-dir", dir.url.path],
      ["--holdout-fraction", "0.2"], ["--momentum", "1"],
      // An empty --hidden is not softmax regression ('none' is); a CSV run needs a test set.
      ["--hidden", ""], ["--hidden", " "], ["--csv", csv], ["--csv", csv, "--holdout-fraction", "0"],
      ["--csv", csv, "--no-test-set", "--holdout-fraction", "0.2"], ["--no-test-set"],
    ]
    for extra in usage {
      let r = try gapdb(base + extra)
      #expect(r.status == 64, "\(extra): \(r.stderr)")
    }
    let missing = try gapdb(base + ["--csv", dir.path("nope.csv"), "--holdout-fraction", "0.25"])
    #expect(missing.status == 1)
    #expect(missing.stderr.hasPrefix("Error: cannot read '\(dir.path("nope.csv"))': no such file\nHint: "))
    let emptyDir = try gapdb(base + ["--data-dir", dir.url.path])
    #expect(emptyDir.status == 1)
    #expect(emptyDir.stderr.contains("lacks an IDX file"))
    let noGap = try gapdb(base + ["--csv", csv])
    #expect(noGap.stderr.contains("--csv without a test set"))
    #expect(noGap.stderr.contains("--holdout-fraction 0.2"))
    let emptyHidden = try gapdb(base + ["--hidden", ""])
    #expect(emptyHidden.stderr.contains("--hidden '' is empty"))
    // A --train-size beyond the data is a usage error found before the store is created
    // (issue 11: Int64.max created an empty store and exited 1).
    for size in ["1000", "9223372036854775807"] {
      let sizeDB = dir.path("size.sqlite")
      let tooBig = try gapdb(["train", "--db", sizeDB, "--experiment", "x", "--csv", csv, "--holdout-fraction", "0.25", "--train-size", size])
      #expect(tooBig.status == 64, "\(size): \(tooBig.stderr)")
      #expect(tooBig.stderr.contains("--train-size \(size) is invalid"))
      #expect(!FileManager.default.fileExists(atPath: sizeDB), "--train-size \(size) created \(sizeDB)")
    }
    // None of these created a run.
    if FileManager.default.fileExists(atPath: db) {
      let store = try Database(path: db, mode: .readOnly)
      #expect(try store.scalar(sql: "SELECT count(*) FROM run") == .integer(0))
    }
  }

  @Test func train_interrupted_marksRunFailedAndKeepsEpochs() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let db = dir.path("int.sqlite")
    let child = try ChildProcess(
      builtProductURL("gapdb"),
      ["train", "--db", db, "--experiment", "int", "--csv", try writeCSV(dir), "--no-test-set", "--hidden", "4", "--epochs", "100000",
       "--measure-every", "1000", "--quiet"])
    // Wait until a few epochs are recorded, then press Ctrl-C.
    var recorded: Int64 = 0
    for _ in 0..<400 where recorded < 3 {
      Thread.sleep(forTimeInterval: 0.05)
      if let store = try? Database(path: db, mode: .readOnly) {
        recorded = (try? store.scalar(sql: "SELECT count(*) FROM epoch_metric").int64Value ?? 0) ?? 0
      }
    }
    #expect(recorded >= 3)
    child.process.interrupt()
    // Never hang the suite: if the interrupt is ignored, kill the child and fail.
    var waited = 0
    while child.process.isRunning && waited < 600 {
      Thread.sleep(forTimeInterval: 0.05)
      waited += 1
    }
    if child.process.isRunning {
      kill(child.process.processIdentifier, SIGKILL)
      Issue.record("gapdb train ignored SIGINT")
    }
    let result = child.wait()
    #expect(result.status == 130, "\(result.stderr)")
    #expect(result.stderr.contains("marked failed (stop reason 'interrupted')"))
    let store = try Database(path: db, mode: .readOnly)
    #expect(try store.fetchAll(sql: "SELECT status, stop_reason FROM run")[0].values == [.text("failed"), .text("interrupted")])
    #expect((try store.scalar(sql: "SELECT count(*) FROM epoch_metric").int64Value ?? 0) >= recorded)
  }

  @Test func train_help_hasAbstractAndREADMEEntry() throws {
    let help = try gapdb(["train", "--help"])
    #expect(help.status == 0)
    #expect(help.stdout.hasPrefix("OVERVIEW: "))
    #expect(help.stdout.contains("--label-noise"))
    let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
    #expect(readme.contains("gapdb train"))
  }
}
