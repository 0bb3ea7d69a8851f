import Foundation
import ResultsStore
import TestSupport
import Testing

@testable import GapdbCLI

/// Writes a tiny MNIST-format data set (raw IDX files): 10 classes, 6×6 pixels, 200 training
/// and 100 test images. Each class has its own seeded prototype plus noise, so networks learn
/// something in a few epochs. It keeps the sweep tests independent of Fashion-MNIST and fast.
func writeTinyIDX(in directory: String) throws {
  var rng = SplitMix64(seed: 42)
  let side = 6
  let prototypes = (0..<10).map { _ in (0..<(side * side)).map { _ in UInt8(truncatingIfNeeded: rng.next() % 256) } }
  func write(_ name: String, count: Int) throws {
    var images: [UInt8] = [0, 0, 8, 3]
    var labels: [UInt8] = [0, 0, 8, 1]
    for v in [count, side, side] { images += withUnsafeBytes(of: UInt32(v).bigEndian, Array.init) }
    labels += withUnsafeBytes(of: UInt32(count).bigEndian, Array.init)
    for i in 0..<count {
      let label = i % 10
      labels.append(UInt8(label))
      for p in prototypes[label] {
        let noise = Int(rng.next() % 61) - 30
        images.append(UInt8(max(0, min(255, Int(p) + noise))))
      }
    }
    try Data(images).write(to: URL(fileURLWithPath: directory).appendingPathComponent("\(name)-images-idx3-ubyte"))
    try Data(labels).write(to: URL(fileURLWithPath: directory).appendingPathComponent("\(name)-labels-idx1-ubyte"))
  }
  try write("train", count: 200)
  try write("t10k", count: 100)
}

func runStatuses(_ path: String) throws -> [(id: Int64, key: String, status: String, stop: String?)] {
  let db = try Database(storePath: path, readOnly: true)
  return try db.fetchAll(
    sql: "SELECT id, json_extract(config, '$.sweep_key'), status, stop_reason FROM run ORDER BY id"
  ).map { ($0[0].int64Value ?? 0, $0[1].stringValue ?? "", $0[2].stringValue ?? "", $0[3].stringValue) }
}

@Suite(.serialized) struct SweepEndToEndTests {
  @Test func ciSizedSweep_recordsTheGridAndItsReport() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    try writeTinyIDX(in: dir.url.path)
    let store = dir.path("s.sqlite")
    let args = [
      store, "--grid", "width=4,8;label_noise=0,1", "--epochs", "2", "--data-dir", dir.url.path,
      "--experiment", "ci", "--quiet",
    ]
    try SweepCommand.parse(args).run()
    let runs = try runStatuses(store)
    #expect(runs.count == 4)
    #expect(runs.allSatisfy { $0.status == "finished" })
    #expect(Set(runs.map(\.key)).count == 4)
    let db = try Database(storePath: store, readOnly: true)
    // Every run carries its hyperparameters (the complete grid) and epochs 0…2.
    let grid = try db.fetchAll(
      sql: """
        SELECT group_concat(value_text, '/') FROM hyperparameter
        WHERE key IN ('width', 'label_noise', 'init') GROUP BY run_id ORDER BY run_id
        """
    ).compactMap { $0[0].stringValue }
    #expect(Set(grid.map { $0.split(separator: "/").sorted().joined(separator: "/") }).count == 4)
    #expect(try db.scalar(sql: "SELECT count(*) FROM epoch_metric") == .integer(12))
    #expect(try db.scalar(sql: "SELECT count(DISTINCT run_id) FROM measure_value WHERE epoch = 2") == .integer(4))

    // Rerunning trains nothing.
    try SweepCommand.parse(args).run()
    #expect(try runStatuses(store).count == 4)

    // The report holds the correlation table and the plots.
    let html = dir.path("r.html")
    try ReportCommand.parse([store, "--out", html]).run()
    let text = try String(contentsOfFile: html, encoding: .utf8)
    for header in ["τ_a", "τ_b", "Spearman ρ", "Ψ", "ψ_width", "ψ_label_noise", "cmi", "cmi_pgdl", "n used", "n excluded"] {
      #expect(text.contains("<th>\(header)</th>"), "missing \(header)")
    }
    #expect(text.contains("Top measures vs the gap"))
    #expect(text.contains("Width sweep: true vs random labels"))
    #expect(text.contains("Per-epoch trajectories"))
    #expect(text.components(separatedBy: "<svg").count - 1 >= 8)
  }

  @Test func killedSweep_resumesTrainingOnlyWhatDidNotFinish() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    try writeTinyIDX(in: dir.url.path)
    let store = dir.path("s.sqlite")
    let args = [
      store, "--grid", "width=4,8,16;seed=1,2", "--epochs", "40", "--data-dir", dir.url.path,
      "--experiment", "kill", "--quiet",
    ]
    // Start the sweep in its own process and kill it (SIGKILL) while a run is training,
    // after at least one run has finished.
    let child = try ChildProcess(builtProductURL("gapdb"), ["sweep"] + args)
    let deadline = Date().addingTimeInterval(120)
    var killedWhileRunning = false
    while Date() < deadline, child.process.isRunning {
      let runs = (try? runStatuses(store)) ?? []
      if runs.contains(where: { $0.status == "finished" }), runs.last?.status == "running" {
        kill(child.process.processIdentifier, SIGKILL)
        killedWhileRunning = true
        break
      }
      Thread.sleep(forTimeInterval: 0.01)
    }
    _ = child.wait()
    try #require(killedWhileRunning)
    let before = try runStatuses(store)
    let finishedBefore = before.filter { $0.status == "finished" }
    let interrupted = try #require(before.last { $0.status == "running" })
    #expect(finishedBefore.count < 6)

    // Rerun: finished runs are kept, the killed one is marked failed and trained again.
    try SweepCommand.parse(args).run()
    let after = try runStatuses(store)
    #expect(after.filter { $0.status == "finished" }.count == 6)
    #expect(Set(after.filter { $0.status == "finished" }.map(\.key)).count == 6)
    for run in finishedBefore {
      #expect(after.first { $0.id == run.id }?.status == "finished")
    }
    let killed = try #require(after.first { $0.id == interrupted.id })
    #expect(killed.status == "failed")
    #expect(killed.stop == "process_died")
    #expect(after.count == 7)
  }

  @Test func otherDataFolder_isNeitherDoneOnResumeNorADuplicateOnMerge() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let first = dir.path("first"), second = dir.path("second")
    for folder in [first, second] {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      try writeTinyIDX(in: folder)
    }
    let d1 = dir.path("d1.sqlite"), d2 = dir.path("d2.sqlite"), d4 = dir.path("d4.sqlite")
    func sweep(_ store: String, _ data: String) throws {
      try SweepCommand.parse([store, "--grid", "width=4", "--epochs", "1", "--data-dir", data, "--quiet"]).run()
    }
    try sweep(d1, first)
    try sweep(d2, second)
    // Resuming with the same data: done; with another folder: trained again.
    try FileManager.default.copyItem(atPath: d1, toPath: d4)
    try sweep(d4, first)
    #expect(try runStatuses(d4).count == 1)
    try sweep(d4, second)
    #expect(try runStatuses(d4).map(\.status) == ["finished", "finished"])
    // Merging: the run on other data is added, the same-data twin is skipped.
    let merger = try StoreMerger(outputPath: dir.path("dd.sqlite"))
    _ = try merger.merge(inputPath: d1)
    let other = try merger.merge(inputPath: d2)
    #expect(other.runsAdded == 1 && other.duplicateConfigurationsSkipped == 0)
    let twin = try merger.merge(inputPath: d4)
    #expect(twin.runsAdded == 0 && twin.duplicateConfigurationsSkipped == 1)  // its other run is d1's (same UUID)
  }

  @Test func jobs_trainInWorkerProcesses() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    try writeTinyIDX(in: dir.url.path)
    let store = dir.path("s.sqlite")
    let result = try runProduct(
      "gapdb",
      ["sweep", store, "--grid", "width=4,8;seed=1,2", "--epochs", "2", "--data-dir", dir.url.path, "--jobs", "2"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("sweep [####################] 4/4 runs"))
    let db = try Database(storePath: store, readOnly: true)
    #expect(try db.scalar(sql: "SELECT count(*) FROM run WHERE status = 'finished'") == .integer(4))
    // Each run was recorded by a worker process, not by the parent.
    #expect(try db.scalar(sql: "SELECT count(DISTINCT pid) FROM run") == .integer(4))
  }

  @Test func badGrid_clearErrorAndNoStoreCreated() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = dir.path("s.sqlite")
    let bad = try runProduct("gapdb", ["sweep", store, "--grid", "widht=4"])
    #expect(bad.status == 64)  // a bad --grid is a bad argument (issue 11)
    #expect(bad.stderr.contains("Error: Unknown sweep axis 'widht'."))
    #expect(bad.stderr.contains("Hint: Known axes: depth, width"))
    #expect(!FileManager.default.fileExists(atPath: store))
    let both = try runProduct("gapdb", ["sweep", store, "--grid", "width=4", "--preset", "width"])
    #expect(both.status == 64)
    #expect(both.stderr.contains("exactly one of --grid, --file or --preset"))
    let shard = try runProduct("gapdb", ["sweep", store, "--preset", "grid", "--shard", "3/3"])
    #expect(shard.status == 64)
    #expect(shard.stderr.contains("Bad --shard '3/3'"))
  }

  @Test func shardAndDryRun_planEveryNthConfiguration() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let result = try runProduct(
      "gapdb", ["sweep", dir.path("s.sqlite"), "--preset", "grid", "--shard", "1/4", "--dry-run"])
    #expect(result.status == 0, "\(result.stderr)")
    let indices = result.stdout.split(separator: "\n").dropFirst(2).compactMap {
      Int($0.split(separator: " ", omittingEmptySubsequences: true).first ?? "")
    }
    #expect(indices == [1, 5, 9, 13, 17, 21, 25])
    #expect(!FileManager.default.fileExists(atPath: dir.path("s.sqlite")))  // a dry run creates nothing
    #expect(result.stdout.contains("depth=1,width=128,learning_rate=0.01"))
  }
}
