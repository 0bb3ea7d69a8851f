import Foundation
@testable import GapdbCLI
import ResultsStore
import TestSupport
import Testing

/// Out-of-process tests of error handling found by a newcomer test: foreign SQLite files left
/// untouched, one clear error per failure, negative numbers after options, the value-size cap.
@Suite struct ErrorMessageTests {
  func gapdb(_ arguments: [String]) throws -> ProcessResult {
    try runProduct("gapdb", arguments)
  }

  /// An SQLite file made by another program: one table, one row, rollback journal (or WAL).
  func makeForeignFile(_ path: String, wal: Bool) throws {
    let db = try Database(path: path, mode: .readWriteCreate)
    if !wal { try db.execute(sql: "PRAGMA journal_mode = DELETE") }
    try db.execute(sql: "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')")
  }

  /// A two-class CSV (label, two features) for `gapdb train --csv`.
  func writeCSV(_ path: String) throws {
    var rows: [String] = []
    for i in 0..<40 { rows.append("\(i % 2),\(Double(i % 2) + Double(i) / 100),\(Double(i) / 40)") }
    try (rows.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
  }

  @Test(arguments: [false, true])
  func foreignSQLiteFile_byteIdenticalAfterEveryCommand(wal: Bool) throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("foreign.sqlite")
    try makeForeignFile(path, wal: wal)
    let csv = dir.path("d.csv")
    try writeCSV(csv)
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    // Header byte 18: 1 = rollback journal, 2 = WAL (SQLite file format, section 1.3).
    #expect(before[18] == (wal ? 2 : 1))
    let commands: [[String]] = [
      ["init", path],
      ["train", "--db", path, "--experiment", "e", "--csv", csv, "--holdout-fraction", "0.25",
       "--epochs", "1", "--quiet"],
      ["runs", path],
      ["sql", path, "SELECT 1"],
      ["sql", path, "--write", "SELECT 1"],
    ]
    for arguments in commands {
      let result = try gapdb(arguments)
      #expect(result.status == 1, "gapdb \(arguments): \(result.stderr)")
      // Only commands that create a store may suggest a path that does not exist yet (issue 11).
      let creates = ["init", "train"].contains(arguments[0])
      #expect(
        result.stderr == "Error: \(path) is an SQLite database but not a gapdb store (application_id 0)\n"
          + (creates
            ? "Hint: pass a file made by `gapdb init`, or a path that does not exist yet.\n"
            : "Hint: pass a file made by `gapdb init` (this command does not create stores); to query any SQLite file, use sqlite3.\n"),
        "gapdb \(arguments)")
      #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "gapdb \(arguments)")
      // A WAL-mode file gets -wal/-shm from any reader (sqlite3 too); a rollback-journal file
      // must not be switched to WAL.
      if !wal {
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "gapdb \(arguments)")
        #expect(!FileManager.default.fileExists(atPath: path + "-shm"), "gapdb \(arguments)")
      }
    }
  }

  @Test func directoryAsStore_saysItIsADirectory() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = dir.path("adir")
    try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: false)
    let csv = dir.path("d.csv")
    try writeCSV(csv)
    let expected =
      "Error: \(store) is a directory, not a gapdb store\n"
      + "Hint: pass the path of a .sqlite file, e.g. \(store)/runs.sqlite.\n"
    for arguments in [
      ["runs", store], ["init", store], ["sql", store, "SELECT 1"],
      ["report", store, "--out", dir.path("r.html")],
      ["train", "--db", store, "--experiment", "e", "--csv", csv, "--holdout-fraction", "0.25",
       "--epochs", "1", "--quiet"],
    ] {
      let result = try gapdb(arguments)
      #expect(result.status == 1)
      #expect(result.stderr == expected, "gapdb \(arguments)")
    }
    let schema = try gapdb(["schema", store])
    #expect(schema.status == 1)
    #expect(
      schema.stderr == "Error: cannot open \(store): it is a directory, not an SQLite file\n"
        + "Hint: pass the path of a .sqlite file, not a folder.\n")
  }

  @Test func reportToMissingFolder_namesPathAndCause() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = dir.path("d.sqlite")
    let csv = dir.path("d.csv")
    try writeCSV(csv)
    let train = try gapdb([
      "train", "--db", store, "--experiment", "e", "--csv", csv, "--holdout-fraction", "0.25",
      "--epochs", "1", "--no-perturb", "--quiet",
    ])
    #expect(train.status == 0, "\(train.stderr)")
    let out = dir.path("missing/sub/r.html")
    let result = try gapdb(["report", store, "--out", out])
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "Error: cannot write \(out): the folder \(dir.path("missing/sub")) does not exist\n"
        + "Hint: choose a path in an existing folder you may write to (create it with mkdir -p).\n")
  }

  @Test func trainMissingCSV_hintsAboutTheCSVPath() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let csv = dir.path("nofile.csv")
    let result = try gapdb(["train", "--db", dir.path("d.sqlite"), "--experiment", "e", "--csv", csv, "--holdout-fraction", "0.2"])
    #expect(result.status == 1)
    #expect(
      result.stderr == "Error: cannot read '\(csv)': no such file\n"
        + "Hint: check the path given to --csv or --csv-test: it must name a readable CSV file\n")
  }

  @Test func measureDirectoryAndTruncatedNPY_nameTheFile() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let folder = dir.path("idx_good")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    let directory = try gapdb(["measure", folder])
    #expect(directory.status == 1)
    #expect(directory.stderr.hasPrefix("Error: cannot read \(folder): it is a directory, not a .npy or .npz file\n"))
    // A float32 2×2 .npy (header written by hand: magic, version 1.0, header length 118)
    // with the last 4 of its 16 data bytes cut off.
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"
    header += String(repeating: " ", count: 128 - 10 - header.utf8.count - 1) + "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0]
    bytes += Array(header.utf8) + [UInt8](repeating: 0, count: 12)
    let trunc = dir.path("trunc.npy")
    try Data(bytes).write(to: URL(fileURLWithPath: trunc))
    let truncated = try gapdb(["measure", trunc])
    #expect(truncated.status == 1)
    #expect(truncated.stderr.hasPrefix("Error: trunc.npy is truncated: its header promises 16 data bytes, found 12\n"))
  }

  @Test func negativeNumbersAfterOptions_reachTheRangeChecks() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let db = dir.path("d.sqlite")
    let cases: [([String], String)] = [
      (["train", "--db", db, "--experiment", "e", "--epochs", "-1"], "Error: --epochs must be ≥ 0; got -1.\n"),
      (["train", "--db", db, "--experiment", "e", "--target-train-loss", "-1"],
       "Error: --target-train-loss must be a finite number ≥ 0; got -1.0. Hint: "),
      (["correlate", db, "--bootstrap", "-5"], "Error: --bootstrap must be 0 or more, got -5.\n"),
      (["train", "--db", db, "--experiment", "e", "--seed", "-1"],
       "Error: The value '-1' is invalid for '--seed <seed>': seeds are integers ≥ 0 (at most 18446744073709551615), got -1\n"),
      (["train", "--db", db, "--experiment", "e", "--seed=-1"],
       "Error: The value '-1' is invalid for '--seed <seed>': seeds are integers ≥ 0 (at most 18446744073709551615), got -1\n"),
    ]
    for (arguments, firstLine) in cases {
      let result = try gapdb(arguments)
      #expect(result.status == 64, "gapdb \(arguments): \(result.stderr)")
      #expect(result.stderr.hasPrefix(firstLine), "gapdb \(arguments): \(result.stderr)")
    }
    #expect(!FileManager.default.fileExists(atPath: db))
  }

  @Test func sqlHugeValue_refusedWithTooBig() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let db = dir.path("d.sqlite")
    #expect(try gapdb(["init", db]).status == 0)
    // 1 GB would be built without the cap; 100 MiB + 1 byte is just over it.
    for size in ["1000000000", "104857601"] {
      let result = try gapdb(["sql", db, "SELECT length(zeroblob(\(size)))"])
      #expect(result.status == 1)
      #expect(result.stdout == "")
      #expect(
        result.stderr == "Error: string or blob too big\n"
          + "Hint: gapdb caps one value at 100 MiB; select a part (substr, length) instead of the whole value.\n")
    }
    let atLimit = try gapdb(["sql", db, "SELECT length(zeroblob(104857600)) AS n", "--csv"])
    #expect(atLimit.status == 0, "\(atLimit.stderr)")
    #expect(atLimit.stdout == "n\n104857600\n")
  }
}

/// In-process tests of the argument rewriting behind `--epochs -1`.
@Suite struct NegativeNumberArgumentTests {
  @Test func isNegativeNumber_acceptsDecimalsAndInfinityOnly() {
    for word in ["-1", "-0", "-0.5", "-.5", "-5.", "-1e-3", "-2E+10", "-inf", "-Infinity"] {
      #expect(isNegativeNumber(word), "\(word)")
    }
    for word in ["-", "--", "-x", "-1x", "-e5", "-.", "-1e", "--1", "1", "-nan", "--epochs", "- 1"] {
      #expect(!isNegativeNumber(word), "\(word)")
    }
  }

  @Test func joining_onlyLongOptionsBeforeNegativeNumbers() {
    #expect(
      joiningNegativeNumberValues(["train", "--epochs", "-1", "--seed", "-2", "--lr", "0.1"])
        == ["train", "--epochs=-1", "--seed=-2", "--lr", "0.1"])
    // Short options, `--name=value`, words after `--`, a trailing option: unchanged.
    #expect(
      joiningNegativeNumberValues(["sql", "db", "-p", "x", "-0.5", "--seed=-1", "--", "--a", "-1"])
        == ["sql", "db", "-p", "x", "-0.5", "--seed=-1", "--", "--a", "-1"])
    #expect(joiningNegativeNumberValues(["--epochs"]) == ["--epochs"])
    #expect(joiningNegativeNumberValues(["--quiet", "--epochs", "-x"]) == ["--quiet", "--epochs", "-x"])
  }

  @Test func parseSeed_rangeAndMessage() throws {
    #expect(try parseSeed("0") == 0)
    #expect(try parseSeed("18446744073709551615") == UInt64.max)
    for word in ["-1", "18446744073709551616", "1.5", "x"] {
      #expect(throws: SeedArgumentError.self) { try parseSeed(word) }
    }
    #expect(
      SeedArgumentError(text: "-1").description
        == "seeds are integers ≥ 0 (at most 18446744073709551615), got -1")
  }
}
