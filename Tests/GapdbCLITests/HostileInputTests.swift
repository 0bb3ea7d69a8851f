import Foundation
import ResultsStore
import TestSupport
import Testing

@testable import GapAnalysis
@testable import GapdbCLI

/// Out-of-process tests from a hostile-newcomer pass over `query`, `sql`, `correlate`, `runs`,
/// `report` and `measure`: every bad input gets one `Error:` line naming the value and one
/// `Hint:` line, exit code 64 for a usage mistake and 1 for a runtime or data error, and the
/// store stays byte-identical.
@Suite struct HostileInputTests {
  func gapdb(_ arguments: [String], stdin: String? = nil) throws -> ProcessResult {
    try runProduct("gapdb", arguments, stdin: stdin)
  }

  func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

  func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
  }

  /// A copy of the fixture store (a gapdb store in WAL mode, no -wal/-shm left) at `path`.
  func copyFixture(to path: String) throws {
    let fixture = try FixtureStore()
    defer { fixture.directory.remove() }
    try FileManager.default.copyItem(atPath: fixture.path, toPath: path)
  }

  // MARK: - query

  @Test func queryUnknownName_isAUsageErrorListingTheNames() throws {
    let fixture = try FixtureStore()
    defer { fixture.directory.remove() }
    let before = contents(fixture.path)
    let names = CannedQuery.all.map(\.name).joined(separator: ", ")
    for name in ["nosuch", "", "RUNS", "runs.sql"] {
      let result = try gapdb(["query", name, fixture.path])
      #expect(result.status == 64, "query \(name): \(result.stderr)")
      #expect(result.stdout == "")
      #expect(
        result.stderr
          == "Error: no canned query named \"\(name)\"\nHint: available: \(names) (gapdb query --list).\n"
      )
    }
    // Found before the store is opened: a missing store does not hide the usage mistake.
    let missing = try gapdb(["query", "nosuch", fixture.directory.path("missing.sqlite")])
    #expect(missing.status == 64)
    #expect(!FileManager.default.fileExists(atPath: fixture.directory.path("missing.sqlite")))
    #expect(contents(fixture.path) == before)
  }

  // MARK: - correlate --csv

  @Test func correlateCSV_emptyInputs_sayTheFileIsEmpty() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let empty = dir.path("empty.csv")
    try write("", to: empty)
    let blank = dir.path("blank.csv")
    try write("\n\r\n\n", to: blank)
    let headerOnly = dir.path("header.csv")
    try write("model,gap,mu\n", to: headerOnly)
    let fillHint = "Hint: the file needs a header row naming the columns, then one row per run.\n"
    let cases: [(String, String)] = [
      ("/dev/null", "Error: the CSV file /dev/null is empty\n" + fillHint),
      (empty, "Error: the CSV file \(empty) is empty\n" + fillHint),
      (blank, "Error: \(blank) holds only blank lines: no header row\n" + fillHint),
      ("-", "Error: standard input (--csv -) is empty\n" + fillHint),
      (
        headerOnly,
        "Error: \(headerOnly) has a header row (model, gap, mu) but no data rows\n"
          + "Hint: add one row per run below the header.\n"
      ),
    ]
    for (path, expected) in cases {
      let result = try gapdb(["correlate", "--csv", path, "--gap-column", "gap"], stdin: "")
      #expect(result.status == 1, "--csv \(path): \(result.stderr)")
      #expect(result.stdout == "")
      #expect(result.stderr == expected, "--csv \(path)")
    }
  }

  @Test func correlateCSV_badPaths_nameThePathAndTheCause() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = dir.path("runs.sqlite")
    try copyFixture(to: store)
    let before = contents(store)
    let pathHint =
      "Hint: check the path given to --csv: it must name a readable CSV file (or - for standard input).\n"
    let cases: [(String, String)] = [
      (
        dir.url.path,
        "Error: cannot read \(dir.url.path): it is a directory, not a CSV file\n" + pathHint
      ),
      (
        dir.path("nope.csv"),
        "Error: cannot read \(dir.path("nope.csv")): no such file\n" + pathHint
      ),
      (
        store,
        "Error: \(store) is an SQLite database, not a CSV file\n"
          + "Hint: a gapdb store is read without --csv: gapdb correlate \(store)\n"
      ),
    ]
    for (path, expected) in cases {
      let result = try gapdb(["correlate", "--csv", path, "--gap-column", "gap"])
      #expect(result.status == 1, "--csv \(path): \(result.stderr)")
      #expect(result.stderr == expected, "--csv \(path)")
    }
    #expect(contents(store) == before)
  }

  @Test func readCSV_devNullIsEmptyNotAPermissionProblem() {
    #expect {
      _ = try readCSV(path: "/dev/null")
    } throws: { error in
      guard let error = error as? CSVError, case .empty(let path) = error else { return false }
      return path == "/dev/null" && error.description == "the CSV file /dev/null is empty"
    }
  }

  @Test func correlateCSV_nonNumericMeasureValue_namesLineColumnAndValue() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let csv = dir.path("models.csv")
    // `model` is text throughout (not a measure, skipped with a note); `m` is a column of
    // numbers with one stray word on line 3.
    try write("model,gap,m\nm0,0.1,2\nm1,0.2,x\nm2,0.3,4\n", to: csv)
    let auto = try gapdb(["correlate", "--csv", csv, "--gap-column", "gap"])
    #expect(auto.status == 1)
    #expect(auto.stdout == "")
    #expect(
      auto.stderr
        == "Error: \(csv) line 3: the measure column \"m\" holds the non-number \"x\"\n"
        + "Hint: measures must be numbers (empty, nan and inf are accepted and excluded); "
        + "or leave the column out with --ignore-columns m\n")
    let named = try gapdb(["correlate", "--csv", csv, "--gap-column", "gap", "--measures", "m"])
    #expect(named.status == 1)
    #expect(
      named.stderr
        == "Error: \(csv) line 3: the measure column \"m\" holds the non-number \"x\"\n"
        + "Hint: measures must be numbers (empty, nan and inf are accepted and excluded)\n")
    let ignored = try gapdb([
      "correlate", "--csv", csv, "--gap-column", "gap", "--ignore-columns", "m", "--format", "csv",
    ])
    #expect(ignored.status == 0, "\(ignored.stderr)")
    #expect(ignored.stderr == "note: ignored non-numeric columns: model\n")
    #expect(ignored.stdout.hasPrefix("measure,tau_a,"))
  }

  /// NaN and ±Inf (every spelling Swift's `Double(_:)` reads, and 1e999 overflowing to +Inf)
  /// are data: accepted, excluded from the statistics of the measure they appear in, and
  /// counted in `n_excluded`.
  @Test func correlateCSV_nonFiniteValuesAreDataAndCounted() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let csv = dir.path("nonfinite.csv")
    try write(
      """
      gap,m,k
      0.1,1,NaN
      0.2,2,-infinity
      0.3,inf,3
      0.4,4,4
      0.5,5,1e999
      nan,6,2

      """, to: csv)
    let result = try gapdb(["correlate", "--csv", csv, "--gap-column", "gap", "--format", "json"])
    #expect(result.status == 0, "\(result.stderr)")
    // 1e999 is a finite decimal beyond the float range: it reads as inf, and a warning says so.
    #expect(
      result.stderr
        == "note: 1 of 6 runs have a missing or non-finite gap and are excluded from every statistic\n"
        + "warning: column \"k\": 1e999 is beyond the 64-bit float range; it reads as inf and is excluded like other non-finite values\n"
    )
    let rows = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
    let m = try #require(row(rows, "m"))
    #expect(number(m["n_used"]) == 4 && number(m["n_excluded"]) == 2)
    #expect(near(m["tau_a"], 1))
    let k = try #require(row(rows, "k"))
    #expect(number(k["n_used"]) == 2 && number(k["n_excluded"]) == 4)
    #expect(near(k["tau_a"], 1))
  }

  // MARK: - Usage mistakes: empty strings, -p words, --measures

  @Test func usageMistakes_exit64WithOneMessage() throws {
    let fixture = try FixtureStore()
    defer { fixture.directory.remove() }
    let db = fixture.path
    let before = contents(db)
    let out = fixture.directory.path("r.html")
    let cases: [([String], String)] = [
      (["runs", ""], "Error: <database> is an empty string; give the path of a file.\n"),
      (
        ["sql", "", "SELECT 1"], "Error: <database> is an empty string; give the path of a file.\n"
      ),
      (["query", "runs", ""], "Error: <database> is an empty string; give the path of a file.\n"),
      (["correlate", ""], "Error: <database> is an empty string; give the path of a file.\n"),
      (
        ["report", "", "--out", out],
        "Error: <store> is an empty string; give the path of a file.\n"
      ),
      (["measure", ""], "Error: <weights> is an empty string; give the path of a file.\n"),
      (
        ["measure", "w.npz", "--init", ""],
        "Error: --init is an empty string; give the path of a file.\n"
      ),
      (
        ["correlate", "--csv", "", "--gap-column", "g"],
        "Error: --csv is an empty string; give the path of a file.\n"
      ),
      (
        ["correlate", "--csv", "m.csv", "--gap-column", " "],
        "Error: --gap-column is empty; name the CSV column holding the gap.\n"
      ),
      (
        ["correlate", db, "--measures", ","],
        "Error: --measures ',' names no measure; give comma-separated measure names, or leave it out for all.\n"
      ),
      (
        ["sql", db, "SELECT :x", "-p", "x"],
        "Error: -p takes a name and a value; got 1 word: x. Hint: give -p NAME VALUE as two words; a value starting with '-' reads as an option, so put a space before it, e.g. -p x ' -5'.\n"
      ),
      (
        // Issue 11: `-p x=5` got the '-' hint.
        ["sql", db, "SELECT :x", "-p", "x=5"],
        "Error: -p takes a name and a value; got 1 word: x=5. Hint: give the name and the value as two words, -p NAME VALUE: -p x 5 (not -p x=5).\n"
      ),
      (
        ["sql", db, "SELECT :x", "-p", "", "1"],
        "Error: -p needs a parameter name; got '' (value '1').\n"
      ),
      (
        ["sql", db, "SELECT :x", "-p", "x", "1", "-p", ":x", "2"],
        "Error: -p x is given twice; give each parameter once.\n"
      ),
      (
        ["query", "runs", db, "-p", "experiment", "a", "-p", "experiment", "b"],
        "Error: -p experiment is given twice; give each parameter once.\n"
      ),
    ]
    for (arguments, firstLine) in cases {
      let result = try gapdb(arguments)
      #expect(result.status == 64, "gapdb \(arguments): \(result.stderr)")
      #expect(result.stdout == "", "gapdb \(arguments)")
      #expect(result.stderr.hasPrefix(firstLine), "gapdb \(arguments): \(result.stderr)")
    }
    // No statement at all: say where the SQL came from instead of ending on a colon.
    let noSQL = try gapdb(["sql", db, ""])
    #expect(noSQL.status == 64)
    #expect(
      noSQL.stderr
        == "Error: the SQL holds no statement (the SQL is empty)\n"
        + "Hint: pass one statement per call of `gapdb sql`.\n")
    let emptyStdin = try gapdb(["sql", db, "-"], stdin: "")
    #expect(emptyStdin.status == 64)
    #expect(emptyStdin.stderr.hasPrefix("Error: the SQL holds no statement (standard input is empty)\n"))
    // `init ""` reaches openStore's own check (no validate() of its own).
    let initEmpty = try gapdb(["init", ""])
    #expect(initEmpty.status == 64)
    #expect(
      initEmpty.stderr
        == "Error: the store path is an empty string\nHint: give the path of a .sqlite file.\n")
    #expect(contents(db) == before)
  }

  // MARK: - Files that are not gapdb stores

  @Test func storeCommands_onBadFiles_oneErrorExit1_fileByteIdentical() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let text = dir.path("text.db")
    try write(String(repeating: "not a database, just text. ", count: 10), to: text)
    let zero = dir.path("zero.db")
    try write("", to: zero)
    let foreign = dir.path("foreign.db")
    do {
      let db = try Database(path: foreign, mode: .readWriteCreate)
      try db.execute(sql: "PRAGMA journal_mode = DELETE")
      try db.execute(sql: "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')")
    }
    let expectedFirstLine = [
      text: "Error: cannot open \(text): file is not a database\n",
      zero: "Error: \(zero) is an empty file (0 bytes), not a gapdb store\n",
      foreign: "Error: \(foreign) is an SQLite database but not a gapdb store (application_id 0)\n",
    ]
    #expect(
      try gapdb(["runs", zero]).stderr
        == "Error: \(zero) is an empty file (0 bytes), not a gapdb store\n"
        + "Hint: make it a store with `gapdb init \(zero)`, or check the path.\n")
    for path in [text, zero, foreign] {
      let before = contents(path)
      for arguments in [
        ["runs", path], ["query", "runs", path], ["sql", path, "SELECT 1"],
        ["correlate", path], ["report", path, "--out", dir.path("r.html")],
      ] {
        let result = try gapdb(arguments)
        #expect(result.status == 1, "gapdb \(arguments): \(result.stderr)")
        #expect(result.stdout == "")
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(
          lines.count == 3 && lines[1].hasPrefix("Hint: "), "gapdb \(arguments): \(result.stderr)")
        #expect(
          result.stderr.hasPrefix(expectedFirstLine[path] ?? "?"),
          "gapdb \(arguments): \(result.stderr)")
        #expect(contents(path) == before, "gapdb \(arguments)")
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "gapdb \(arguments)")
      }
    }
    #expect(!FileManager.default.fileExists(atPath: dir.path("r.html")))
  }

  // MARK: - report

  @Test func report_outIsTheStore_refusedAndStoreUnchanged() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = dir.path("runs.sqlite")
    try copyFixture(to: store)
    let before = contents(store)
    let link = dir.path("link.html")
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: store)
    let dotted = dir.url.path + "/./runs.sqlite"
    for arguments in [
      ["report", store, "--out", store, "--format", "html"],
      ["report", store, "--out", dotted, "--format", "markdown"],
      ["report", store, "--out", link],
    ] {
      let result = try gapdb(arguments)
      #expect(result.status == 64, "gapdb \(arguments): \(result.stderr)")
      let out = arguments[3]
      #expect(
        result.stderr.hasPrefix(
          "Error: --out '\(out)' is the store itself; writing the report there would destroy the store. "
            + "Hint: give the report its own name, e.g. --out report.html.\n"),
        "gapdb \(arguments): \(result.stderr)")
      #expect(contents(store) == before, "gapdb \(arguments)")
    }
    #expect(!FileManager.default.fileExists(atPath: dir.path("runs_files")))
  }

  // MARK: - runs

  @Test func runs_unknownExperiment_emptyResultWithANote() throws {
    let fixture = try FixtureStore()
    defer { fixture.directory.remove() }
    let before = contents(fixture.path)
    for name in ["nope", "", "ünï😀"] {
      let result = try gapdb(["runs", fixture.path, "--experiment", name, "--json"])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout == "[]\n")
      #expect(
        result.stderr
          == "note: no experiment named \"\(name)\" in \(fixture.path) (experiments: grid, widths)\n"
      )
    }
    // An existing experiment whose filter matches nothing: empty, no note.
    let none = try gapdb([
      "runs", fixture.path, "--experiment", "grid", "--state", "running", "--json",
    ])
    #expect(none.status == 0 && none.stdout == "[]\n" && none.stderr == "")
    #expect(contents(fixture.path) == before)
  }

  // MARK: - Permissions (run as an unprivileged user: as root, every file is writable)

  /// Runs gapdb as a user without root's override of file permissions: `nobody` through
  /// runuser when the tests run as root, else the current user.
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

  @Test(.enabled(if: canDropRoot))
  func readOnlyStoreFile_writeRefusedWithAPermissionHint() throws {
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
    let before = contents(store)
    let result = try gapdbUnprivileged(["sql", store, "--write", "DELETE FROM run"])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(
      result.stderr
        == "Error: cannot write to the store \(store): \(store) is read-only for you (file permissions)\n"
        + "Hint: check the permissions (ls -l \(store) \(folder)), or work on a copy "
        + "(cp \(store) /tmp/ and pass the copy).\n"
    )
    #expect(contents(store) == before)
    // Reading it is fine.
    let read = try gapdbUnprivileged(["sql", store, "SELECT count(*) AS n FROM run", "--csv"])
    #expect(read.status == 0, "\(read.stderr)")
    #expect(read.stdout == "n\n11\n")
    #expect(contents(store) == before)
  }

  @Test(.enabled(if: canDropRoot))
  func walStoreInAReadOnlyFolder_saysTheFolderIsTheProblem() throws {
    let dir = try TemporaryDirectory()
    defer {
      try? FileManager.default.setAttributes(
        [.posixPermissions: 0o755], ofItemAtPath: dir.path("locked"))
      dir.remove()
    }
    let folder = dir.path("locked")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    let store = folder + "/runs.sqlite"
    try copyFixture(to: store)
    // Root's folder is read-only for nobody as it is (0755); a non-root user locks their own.
    if geteuid() != 0 {
      try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder)
    }
    let before = contents(store)
    for arguments in [["runs", store], ["query", "runs", store], ["correlate", store]] {
      let result = try gapdbUnprivileged(arguments)
      #expect(result.status == 1, "gapdb \(arguments): \(result.stderr)")
      #expect(
        result.stderr
          == "Error: cannot read \(store): SQLite must create \(store)-shm beside this WAL-mode store, "
          + "but the folder \(folder) is read-only for you\n"
          + "Hint: copy the store to a folder you may write to (cp \(store) /tmp/) and read the copy.\n",
        "gapdb \(arguments)")
      #expect(contents(store) == before, "gapdb \(arguments)")
    }
  }
}
