import Foundation
import MeasureCatalog
import ResultsStore
import RunRecorder
import TestSupport
import Testing

/// `StoreMerger` (gapdb merge): stores are written with the recorder, merged, and the output
/// is compared table by table with the inputs, read independently and keyed by run UUID.
@Suite struct StoreMergeTests {
  /// Records `runs` runs of 3 epochs (0…2) into `path`, with hyperparameters, two layers,
  /// layer summaries and three measure values per epoch, one of them NaN and one +Inf at
  /// epoch 2; `sweepKey` marks them as sweep runs.
  @discardableResult
  static func record(
    _ path: String, runs: Int, experiment: String = "exp", seedBase: Int = 0, sweepKey: String? = nil,
    finish: Bool = true, dataConfig: String? = nil
  ) throws -> [String] {
    let recorder = try Recorder(path: path)
    try recorder.registerMeasures([
      MeasureDescriptor(
        id: "spec", name: "Spectral product", description: "∏‖W‖₂", formula: "prod", source: "paper",
        needs: [.weights], nodeWiseRescaling: .notInvariant, layerWiseRescaling: .invariant,
        outputScaling: .notInvariant, cost: .weights)
    ])
    var uuids: [String] = []
    for r in 0..<runs {
      let seed = seedBase + r
      var config = "{}"
      if let sweepKey { config = "{\(dataConfig.map { $0 + "," } ?? "")\"sweep_key\":\"\(sweepKey)-\(r)\"}" }
      let run = try recorder.beginRun(
        RunSpec(
          experiment: experiment, name: "run-\(seed)", hyperparameters: ["width": .integer(Int64(8 + seed)), "lr": 0.1],
          config: config, seed: Int64(seed), layers: [
            LayerInfo(index: 0, name: "fc1", fanIn: 4, fanOut: 3), LayerInfo(index: 1, name: "fc2", fanIn: 3, fanOut: 2),
          ]))
      for epoch in 0...2 {
        var s = LayerSummaryRecord(layerIndex: 0)
        s.frobeniusNorm = Double(seed) + Double(epoch) / 3
        try run.recordEpoch(
          EpochRecord(
            epoch: epoch, step: Int64(epoch * 10),
            metrics: EpochMetrics(
              trainLoss: 1.0 / Double(epoch + seed + 1), testLoss: 2.0 / Double(epoch + 1), trainError: 0.5,
              testError: 0.25 + Double(seed) / 1000),
            layerSummaries: [s],
            measures: [
              MeasureRecord(measureID: "spec", value: Double(seed) * 0.1 + Double(epoch)),
              MeasureRecord(measureID: "fro", value: epoch == 2 ? .nan : 1.5),
              MeasureRecord(measureID: "path", value: epoch == 2 ? .infinity : -2.25),
            ]))
      }
      if finish { try run.finish(status: .finished, stopReason: "max_epochs") }
      uuids.append(run.uuid)
    }
    return uuids
  }

  /// Every row of every run table of `path`, with run ids replaced by UUIDs and experiment
  /// ids by names, as sorted text lines (`quote()` keeps types and exact values).
  /// Every run row and the rows that hang off runs, as text keyed by run UUID. With
  /// `columnsOf`, only the columns that store has too are dumped (to compare a store with an
  /// older-schema input whose tables lack the newer columns).
  static func dump(_ path: String, runUUIDs: Set<String>? = nil, columnsOf other: String? = nil) throws -> [String] {
    let db = try Database(path: path, mode: .readOnly)
    let otherDB = try other.map { try Database(path: $0, mode: .readOnly) }
    var lines: [String] = []
    func add(_ table: String, _ sql: String) throws {
      for row in try db.fetchAll(sql: sql) {
        let uuid = row[0].stringValue ?? ""
        if let runUUIDs, !runUUIDs.contains(uuid) { continue }
        lines.append(table + " " + row.values.map { "\($0)" }.joined(separator: "|"))
      }
    }
    func columns(_ table: String, excluding: Set<String>) throws -> String {
      let shared = try otherDB.map { o in
        Set(try o.fetchAll(sql: "SELECT name FROM pragma_table_info('\(table)')").compactMap { $0[0].stringValue })
      }
      return try db.fetchAll(sql: "SELECT name FROM pragma_table_info('\(table)')").compactMap { $0[0].stringValue }
        .filter { !excluding.contains($0) && (shared?.contains($0) ?? true) }.map { "quote(t.\($0))" }.joined(separator: ", ")
    }
    try add(
      "run",
      "SELECT r.uuid, e.name, \(try columns("run", excluding: ["id", "experiment_id"]).replacingOccurrences(of: "t.", with: "r.")) FROM run r JOIN experiment e ON e.id = r.experiment_id"
    )
    for table in ["hyperparameter", "layer", "epoch_metric", "layer_summary", "measure_value", "weight_snapshot"] {
      try add(table, "SELECT r.uuid, \(try columns(table, excluding: ["run_id"])) FROM \(table) t JOIN run r ON r.id = t.run_id")
    }
    return lines.sorted()
  }

  static func catalogue(_ path: String) throws -> [String] {
    let db = try Database(path: path, mode: .readOnly)
    return try db.fetchAll(sql: "SELECT * FROM measure ORDER BY id").map { $0.values.map { "\($0)" }.joined(separator: "|") }
  }

  static func sha(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

  @Test func twoInputs_copyEveryRowAndProvenance() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let a = dir.path("a.sqlite"), b = dir.path("b.sqlite"), out = dir.path("out.sqlite")
    let uuidsA = try Self.record(a, runs: 2)
    let uuidsB = try Self.record(b, runs: 1, experiment: "other", seedBase: 5)
    let merger = try StoreMerger(outputPath: out, options: MergeOptions(host: "merge-host"))
    let sa = try merger.merge(inputPath: a)
    let sb = try merger.merge(inputPath: b)
    // 3 epochs per run, 3 measure values per epoch.
    #expect(sa.runsAdded == 2 && sa.epochsCopied == 6 && sa.valuesCopied == 18 && sa.experimentsAdded == 1)
    #expect(sb.runsAdded == 1 && sb.epochsCopied == 3 && sb.valuesCopied == 9 && sb.experimentsAdded == 1)
    #expect(sa.measuresAdded == 3 && sb.measuresAdded == 0)
    #expect(try Self.dump(out) == (try Self.dump(a) + Self.dump(b)).sorted())
    #expect(try Self.catalogue(out) == (try Self.catalogue(a)))
    let db = try Database(storePath: out, readOnly: true)
    let provenance = try db.fetchAll(
      sql: """
        SELECT r.uuid, p.source_file, p.source_host, p.source_run_id, p.source_schema_version
        FROM run_provenance p JOIN run r ON r.id = p.run_id ORDER BY r.id
        """
    ).map { $0.values }
    #expect(
      provenance == [
        [.text(uuidsA[0]), .text(a), .text("merge-host"), .integer(1), .integer(Int64(SchemaMigrator.embedded.latestVersion))],
        [.text(uuidsA[1]), .text(a), .text("merge-host"), .integer(2), .integer(Int64(SchemaMigrator.embedded.latestVersion))],
        [.text(uuidsB[0]), .text(b), .text("merge-host"), .integer(1), .integer(Int64(SchemaMigrator.embedded.latestVersion))],
      ])
    #expect(try db.scalar(sql: "PRAGMA foreign_key_check") == .null)
    #expect(try db.scalar(sql: "PRAGMA integrity_check") == .text("ok"))
  }

  @Test func mergingAgain_addsNothing_andMergedStoresCarryTheirProvenance() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let a = dir.path("a.sqlite"), out = dir.path("out.sqlite"), out2 = dir.path("out2.sqlite")
    try Self.record(a, runs: 2)
    let merger = try StoreMerger(outputPath: out)
    _ = try merger.merge(inputPath: a)
    let before = try Self.dump(out)
    let again = try merger.merge(inputPath: a)
    #expect(again.runsAdded == 0 && again.runsSkippedIdentical == 2 && again.valuesCopied == 0)
    #expect(try Self.dump(out) == before)
    // A merged store merged again keeps naming the original file.
    _ = try StoreMerger(outputPath: out2).merge(inputPath: out)
    let sources = try Database(storePath: out2, readOnly: true).fetchAll(
      sql: "SELECT DISTINCT source_file FROM run_provenance")
    #expect(sources.map { $0[0] } == [.text(a)])
  }

  @Test func sameUUIDDifferentContent_isRefusedNamingRunAndDifference_outputUnchanged() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let a = dir.path("a.sqlite"), a2 = dir.path("a2.sqlite"), out = dir.path("out.sqlite")
    let uuids = try Self.record(a, runs: 2)
    try FileManager.default.copyItem(atPath: a, toPath: a2)
    let edit = try Database(storePath: a2)
    try edit.execute(sql: "UPDATE epoch_metric SET train_loss = 0.125 WHERE run_id = 2 AND epoch = 1")
    try edit.execute(sql: "UPDATE run SET stop_reason = 'edited', heartbeat_at = '2999-01-01T00:00:00.000Z' WHERE id = 2")
    let merger = try StoreMerger(outputPath: out)
    _ = try merger.merge(inputPath: a)
    let before = try Self.dump(out)
    do {
      _ = try merger.merge(inputPath: a2)
      Issue.record("expected a conflict")
    } catch let error as MergeError {
      guard case .conflictingRuns(let path, let conflicts) = error else {
        Issue.record("unexpected \(error)")
        return
      }
      #expect(path == a2)
      #expect(conflicts.count == 1)
      #expect(conflicts.first?.uuid == uuids[1])
      #expect(conflicts.first?.differences.contains("run.stop_reason: 'max_epochs' (output) vs 'edited' (input)") == true)
      #expect(conflicts.first?.differences.contains("epoch_metric: 2 rows differ (first at epoch 1)") == true)
      #expect(error.description.contains(uuids[1]))
    }
    #expect(try Self.dump(out) == before)

    // keep: nothing changes; replace: the input's copy, same output id; newer: the later heartbeat.
    let kept = try StoreMerger(outputPath: out, options: MergeOptions(onConflict: .keep)).merge(inputPath: a2)
    #expect(kept.runsKeptExisting == 1 && kept.runsSkippedIdentical == 1)
    #expect(try Self.dump(out) == before)
    let newer = try StoreMerger(outputPath: out, options: MergeOptions(onConflict: .newer)).merge(inputPath: a2)
    #expect(newer.runsReplaced == 1 && newer.runsSkippedIdentical == 1 && newer.valuesCopied == 9)
    #expect(try Self.dump(out) == (try Self.dump(a2)))
    #expect(try Database(storePath: out, readOnly: true).scalar(sql: "SELECT id FROM run WHERE uuid = ?1", arguments: [.text(uuids[1])]) == .integer(2))
    let back = try StoreMerger(outputPath: out, options: MergeOptions(onConflict: .newer)).merge(inputPath: a)
    #expect(back.runsKeptExisting == 1)
    let replaced = try StoreMerger(outputPath: out, options: MergeOptions(onConflict: .replace)).merge(inputPath: a)
    #expect(replaced.runsReplaced == 1)
    #expect(try Self.dump(out) == before)
  }

  @Test func catalogueConflict_isRefusedNamingBoth_andAutomaticEntriesAreCompleted() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let a = dir.path("a.sqlite"), b = dir.path("b.sqlite"), c = dir.path("c.sqlite"), out = dir.path("out.sqlite")
    try Self.record(a, runs: 1)
    try Self.record(b, runs: 1, seedBase: 3)
    try Database(storePath: b).execute(sql: "UPDATE measure SET formula = 'other' WHERE id = 'spec'")
    // c: 'spec' only as an automatic entry (name = id, no properties).
    let rc = try Recorder(path: c)
    let run = try rc.beginRun(RunSpec(experiment: "exp", name: "c"))
    try run.recordEpoch(EpochRecord(epoch: 0, step: 0, metrics: EpochMetrics(trainLoss: 1), measures: [MeasureRecord(measureID: "spec", value: 1)]))
    let merger = try StoreMerger(outputPath: out)
    let sc = try merger.merge(inputPath: c)
    #expect(sc.measuresAdded == 1)
    let sa = try merger.merge(inputPath: a)
    #expect(sa.measuresCompleted == 1 && sa.measuresAdded == 2)
    #expect(try Self.catalogue(out) == (try Self.catalogue(a)))
    let before = try Self.dump(out)
    #expect {
      _ = try merger.merge(inputPath: b)
    } throws: { error in
      (error as? MergeError) == .conflictingMeasure(path: b, id: "spec", output: "formula 'prod'", input: "formula 'other'")
    }
    #expect(try Self.dump(out) == before)
    // An automatic entry in the input does not conflict with the full one in the output.
    #expect(try merger.merge(inputPath: c).runsSkippedIdentical == 1)
  }

  @Test func inputBeingWritten_isReadAsOfItsLastCommit_andNeverModified() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let a = dir.path("a.sqlite"), out = dir.path("out.sqlite")
    try Self.record(a, runs: 1)
    // A live writer: one more committed run (still in the -wal file), and an open transaction.
    let writer = try Recorder(path: a)
    let live = try writer.beginRun(RunSpec(experiment: "exp", name: "live"))
    try live.recordEpoch(EpochRecord(epoch: 0, step: 0, metrics: EpochMetrics(trainLoss: 1)))
    try writer.database.execute(sql: "BEGIN IMMEDIATE")
    try writer.database.execute(sql: "UPDATE run SET name = 'uncommitted' WHERE id = 2")
    let bytes = try Self.sha(a)
    let wal = try Self.sha(a + "-wal")
    let summary = try StoreMerger(outputPath: out).merge(inputPath: a)
    #expect(summary.runsAdded == 2)
    let names = try Database(storePath: out, readOnly: true).fetchAll(sql: "SELECT name, status FROM run ORDER BY id")
    #expect(names.map { $0.values } == [[.text("run-0"), .text("finished")], [.text("live"), .text("running")]])
    #expect(try Self.sha(a) == bytes)
    #expect(try Self.sha(a + "-wal") == wal)
    try writer.database.execute(sql: "ROLLBACK")
  }

  @Test func olderSchemaInput_isMergedReadOnly() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let v1 = dir.path("v1.sqlite"), out = dir.path("out.sqlite")
    try FileManager.default.copyItem(at: fixtureURL("store/schema-v1.sqlite"), to: URL(fileURLWithPath: v1))
    let bytes = try Self.sha(v1)
    let summary = try StoreMerger(outputPath: out).merge(inputPath: v1)
    #expect(summary.schemaVersion == 1 && summary.runsAdded == 1 && summary.epochsCopied == 2)
    #expect(try Self.sha(v1) == bytes)
    #expect(try Self.dump(out, columnsOf: v1) == (try Self.dump(v1)))
    // Columns the older schema lacks get their defaults (NULL for the recording process's start).
    let added = try Database(path: out, mode: .readOnly).fetchAll(sql: "SELECT process_start FROM run")
    #expect(added.map { $0.values } == [[.null]])
  }

  @Test func foreignNewerAndSelfInputs_areRefused() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let out = dir.path("out.sqlite"), foreign = dir.path("foreign.sqlite"), newer = dir.path("newer.sqlite")
    let text = dir.path("text.sqlite"), empty = dir.path("empty.sqlite")
    try Database(path: foreign).execute(sql: "CREATE TABLE t (x)")
    try Self.record(newer, runs: 1)
    try Database(path: newer).execute(sql: "PRAGMA user_version = 99")
    try "hello".write(toFile: text, atomically: true, encoding: .utf8)
    _ = FileManager.default.createFile(atPath: empty, contents: Data())
    let merger = try StoreMerger(outputPath: out)
    let latest = SchemaMigrator.embedded.latestVersion
    #expect(throws: MergeError.notAGapdbStore(path: foreign, applicationID: 0)) { try merger.merge(inputPath: foreign) }
    #expect(throws: MergeError.inputNewerThanTool(path: newer, found: 99, supported: latest)) { try merger.merge(inputPath: newer) }
    #expect(throws: MergeError.unreadableInput(path: text, reason: "not an SQLite database")) { try merger.merge(inputPath: text) }
    #expect(throws: MergeError.unreadableInput(path: empty, reason: "it is an empty file (0 bytes)")) { try merger.merge(inputPath: empty) }
    #expect(throws: MergeError.unreadableInput(path: dir.path("none"), reason: "no such file")) { try merger.merge(inputPath: dir.path("none")) }
    #expect(throws: MergeError.inputIsOutput(path: out)) { try merger.merge(inputPath: out) }
    #expect(try merger.output.scalar(sql: "SELECT count(*) FROM run") == .integer(0))
  }

  @Test func tornCopy_isRefusedAsDamaged_outputUnchanged() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let a = dir.path("a.sqlite"), torn = dir.path("torn.sqlite"), out = dir.path("out.sqlite")
    try Self.record(a, runs: 3)
    try Database(storePath: a).execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
    // A copy in which one b-tree page holds bytes of another moment (here: noise).
    var bytes = try Self.sha(a)
    let pageSize = 4096
    #expect(bytes.count >= 6 * pageSize)
    var rng = SplitMix64(seed: 7)
    for i in (4 * pageSize + 8)..<(5 * pageSize) { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
    try bytes.write(to: URL(fileURLWithPath: torn))
    let merger = try StoreMerger(outputPath: out)
    #expect {
      _ = try merger.merge(inputPath: torn)
    } throws: { error in
      guard case .damagedInput(let path, _)? = error as? MergeError else { return false }
      return path == torn && "\(error)".contains("copy the store again")
    }
    #expect(try merger.output.scalar(sql: "SELECT count(*) FROM run") == .integer(0))
  }

  @Test func duplicatedSweepTask_isSkippedUnlessKept() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let a = dir.path("a.sqlite"), twin = dir.path("twin.sqlite"), out = dir.path("out.sqlite"), out2 = dir.path("out2.sqlite")
    try Self.record(a, runs: 2, sweepKey: "k")
    try Self.record(twin, runs: 2, sweepKey: "k")  // the same task run again: new UUIDs
    let merger = try StoreMerger(outputPath: out)
    _ = try merger.merge(inputPath: a)
    let second = try merger.merge(inputPath: twin)
    #expect(second.runsAdded == 0 && second.duplicateConfigurationsSkipped == 2)
    let keeping = try StoreMerger(outputPath: out2, options: MergeOptions(keepDuplicateConfigurations: true))
    _ = try keeping.merge(inputPath: a)
    #expect(try keeping.merge(inputPath: twin).runsAdded == 2)
  }

  @Test func sameSweepKeyOtherData_isNotADuplicate_sameDataIs() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let a = dir.path("a.sqlite"), idx = dir.path("idx.sqlite"), twin = dir.path("twin.sqlite")
    let older = dir.path("older.sqlite"), out = dir.path("out.sqlite")
    let fashion = #""data_source":{"idx":{"class_count":10}},"data":{"name":"fashion-mnist","train_count":100}"#
    let small = #""data_source":{"idx":{"class_count":10,"directory":"idx"}},"data":{"name":"idx","train_count":100}"#
    let otherSize = #""data_source":{"idx":{"class_count":10}},"data":{"name":"fashion-mnist","train_count":50}"#
    try Self.record(a, runs: 1, sweepKey: "k", dataConfig: fashion)
    try Self.record(idx, runs: 1, sweepKey: "k", dataConfig: small)  // same grid point, other data folder
    try Self.record(twin, runs: 1, sweepKey: "k", dataConfig: fashion)  // the same task run again
    try Self.record(older, runs: 1, sweepKey: "k", dataConfig: otherSize)  // other prepared data
    let merger = try StoreMerger(outputPath: out)
    _ = try merger.merge(inputPath: a)
    let second = try merger.merge(inputPath: idx)
    #expect(second.runsAdded == 1 && second.duplicateConfigurationsSkipped == 0)
    let third = try merger.merge(inputPath: twin)
    #expect(third.runsAdded == 0 && third.duplicateConfigurationsSkipped == 1)
    let fourth = try merger.merge(inputPath: older)
    #expect(fourth.runsAdded == 1 && fourth.duplicateConfigurationsSkipped == 0)
  }

  @Test func dryRun_reportsTheRealCounts_andWritesNothing() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let a = dir.path("a.sqlite"), b = dir.path("b.sqlite"), out = dir.path("out.sqlite")
    try Self.record(a, runs: 2)
    try Self.record(b, runs: 1, seedBase: 7)
    let missing = try StoreMerger.dryRun(outputPath: out)
    #expect(try missing.merge(inputPath: a).runsAdded == 2)
    #expect(!FileManager.default.fileExists(atPath: out))
    _ = try StoreMerger(outputPath: out).merge(inputPath: a)
    let bytes = try Self.sha(out)
    let dry = try StoreMerger.dryRun(outputPath: out)
    #expect(try dry.merge(inputPath: a).runsSkippedIdentical == 2)
    let sb = try dry.merge(inputPath: b)
    #expect(sb.runsAdded == 1 && sb.valuesCopied == 9)
    #expect(try Self.sha(out) == bytes)
  }
}

/// Network and shared filesystems (the check is injected; see `FileSystemProbe`).
@Suite struct NetworkFileSystemTests {
  static let nfs = FileSystemProbe { _ in FileSystemKind(name: "nfs", isShared: true) }

  @Test func magicNumbers_fromLinuxMagicH() {
    // Values from /usr/include/linux/magic.h (Debian 12), the Lustre, GPFS and BeeGFS clients.
    let expected: [(UInt64, String)] = [
      (0x6969, "nfs"), (0x517B, "smb"), (0xFF53_4D42, "cifs"), (0xFE53_4D42, "smb2"), (0x0BD0_0BD0, "lustre"),
      (0x4750_4653, "gpfs"), (0x1983_0326, "beegfs"), (0x6573_5546, "fuse"), (0x00C3_6400, "ceph"),
    ]
    for (magic, name) in expected { #expect(FileSystemKind.classify(magic: magic) == FileSystemKind(name: name, isShared: true)) }
    #expect(!FileSystemKind.classify(magic: 0xEF53).isShared)  // ext4
    #expect(!FileSystemKind.classify(magic: 0x0102_1994).isShared)  // tmpfs
    #expect(!FileSystemKind.classify(magic: 0x5846_5342).isShared)  // xfs
  }

  @Test func systemProbe_agreesWithStatDashF() throws {
    // The real statfs(2) through the C shim, against coreutils' `stat -f -c %t` (hex f_type).
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let kind = try #require(FileSystemProbe.system.kind(dir.url.path))
    let stat = Process()
    let pipe = Pipe()
    stat.executableURL = URL(fileURLWithPath: "/usr/bin/stat")
    stat.arguments = ["-f", "-c", "%t", dir.url.path]
    stat.standardOutput = pipe
    try stat.run()
    stat.waitUntilExit()
    let hex = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let magic = try #require(UInt64(hex, radix: 16))
    #expect(kind == FileSystemKind.classify(magic: magic))
    // A store that does not exist yet is judged by its folder.
    #expect(FileSystemProbe.system.kind(dir.path("new.sqlite")) == kind)
  }

  @Test func writableOpeningOnNFS_isRefused_withAHint_andCreatesNothing() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("s.sqlite")
    #expect {
      _ = try Database(storePath: path, fileSystem: Self.nfs)
    } throws: { error in
      let text = "\(error)"
      return (error as? NetworkFileSystemError)?.fileSystem.name == "nfs" && text.contains("gapdb merge")
        && text.contains("--single-writer")
    }
    #expect(!FileManager.default.fileExists(atPath: path))
    #expect(throws: NetworkFileSystemError.self) { _ = try Recorder(database: Database(path: path, fileSystem: Self.nfs)) }
  }

  @Test func singleWriterOverride_usesTheRollbackJournal_andReadOnlyIsAllowed() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("s.sqlite")
    try StoreMergeTests.record(path, runs: 1)  // a WAL store (written on the local disk)
    let single = try Database(storePath: path, journal: .singleWriterOnSharedFileSystem, fileSystem: Self.nfs)
    #expect(single.usesRollbackJournal)
    #expect(try single.scalar(sql: "PRAGMA journal_mode") == .text("delete"))
    #expect(try single.scalar(sql: "PRAGMA synchronous") == .integer(2))
    let reader = try Database(storePath: path, readOnly: true, fileSystem: Self.nfs)
    #expect(try reader.scalar(sql: "SELECT count(*) FROM run") == .integer(1))
    // On a local filesystem the override changes nothing: WAL.
    let local = try Database(storePath: dir.path("t.sqlite"), journal: .singleWriterOnSharedFileSystem)
    #expect(!local.usesRollbackJournal)
    #expect(try local.scalar(sql: "PRAGMA journal_mode") == .text("wal"))
  }

  @Test func mergeOutputOnNFS_isRefusedUnlessSingleWriter() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let a = dir.path("a.sqlite"), out = dir.path("out.sqlite")
    try StoreMergeTests.record(a, runs: 1)
    #expect(throws: NetworkFileSystemError.self) { _ = try StoreMerger(outputPath: out, fileSystem: Self.nfs) }
    let merger = try StoreMerger(outputPath: out, journal: .singleWriterOnSharedFileSystem, fileSystem: Self.nfs)
    #expect(try merger.merge(inputPath: a).runsAdded == 1)
    #expect(try merger.output.scalar(sql: "PRAGMA journal_mode") == .text("delete"))
  }
}
