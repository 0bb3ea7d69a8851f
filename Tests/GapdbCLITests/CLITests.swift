import Foundation
import ResultsStore
import RunRecorder
import TestSupport
import Testing

/// Out-of-process tests of the built `gapdb` binary: stdout, stderr and exit code.
@Suite struct CLITests {
  func gapdb(_ arguments: [String], stdin: String? = nil) throws -> ProcessResult {
    try runProduct("gapdb", arguments, stdin: stdin)
  }

  /// A store with one finished run (epochs 0 and 1) and one diverged run.
  func makeStore(_ dir: TemporaryDirectory) throws -> String {
    let path = dir.path("cli.sqlite")
    let recorder = try Recorder(path: path)
    let good = try recorder.beginRun(
      RunSpec(
        experiment: "sweep-A", name: "good", hyperparameters: ["learning_rate": 0.1, "width": 512]))
    try good.recordEpoch(
      EpochRecord(
        epoch: 0, step: 0,
        metrics: EpochMetrics(trainLoss: 2.3, testLoss: 2.3, trainError: 0.9, testError: 0.9)))
    try good.recordEpoch(
      EpochRecord(
        epoch: 1, step: 3_000_000_000,
        metrics: EpochMetrics(
          trainLoss: 0.1 + 0x1p-50, testLoss: 1e-300, trainError: 0.25, testError: 0.5),
        measures: [
          MeasureRecord(measureID: "pos", value: .infinity),
          MeasureRecord(measureID: "neg", value: -.infinity),
          MeasureRecord(measureID: "nan", value: .nan),
          MeasureRecord(measureID: "x", value: 0.1 + 0x1p-50),
        ]))
    try good.finish(status: .finished)
    let bad = try recorder.beginRun(RunSpec(experiment: "sweep-A", name: "bad"))
    try bad.recordEpoch(EpochRecord(epoch: 0, step: 5, metrics: EpochMetrics(trainLoss: .nan)))
    return path
  }

  @Test func exitCodes_table() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = try makeStore(dir)
    let cases: [([String], Int32)] = [
      (["sql", path, "SELECT 1"], 0),
      (["sql", path, "SELECT * FROM run WHERE 0"], 0),  // empty result is a success
      (["runs", path], 0),
      (["schema", path], 0),
      (["init", dir.path("new.sqlite")], 0),
      (["sql", path, "SELECT * FROM nope"], 1),
      (["sql", dir.path("missing.sqlite"), "SELECT 1"], 1),
      (["sql", path, "DELETE FROM run"], 1),
      (["sql", path, "SELEC 1"], 1),
      (["sql", path], 64),
      (["sql", path, "SELECT :a", "-p", "a"], 64),
      // Usage errors found once the command runs (the command line is wrong): 64, not 1.
      (["sql", path, "SELECT :a"], 64),  // missing parameter
      (["sql", path, "SELECT :a", "-p", "a", "1", "-p", "bogus", "2"], 64),  // unknown parameter
      (["sql", path, "SELECT ?"], 64),  // positional parameter
      (["sql", path, "SELECT 1; SELECT 2"], 64),  // two statements
      (["sql", path, ""], 64),  // no statement
      (["sql", path, "-- only a comment"], 64),
      (["query", "learning_curves", path], 64),  // required -p run_id missing
      (["query", "runs", path, "-p", "bogus", "2"], 64),  // unknown parameter
      (["query", "runs", path], 0),  // stale_after_s is optional (default 600)
      (["query", "nosuch", path], 64),  // unknown canned query: usage, not runtime
      (["correlate", "--csv", "/dev/null", "--gap-column", "g"], 1),  // empty CSV: data error
      (["correlate", "--csv", "", "--gap-column", "g"], 64),
      (["report", path, "--out", path, "--format", "html"], 64),  // --out is the store
      (["query", "learning_curves", path, "-p", "run_id", "1"], 0),
      (["runs", path, "--format", "xml"], 64),
      (["runs", path, "--json", "--csv"], 64),
      (["mark-stale", path, "--older-than", "-5"], 64),
      (["no-such-command"], 64),
    ]
    for (arguments, expected) in cases {
      let result = try gapdb(arguments)
      #expect(result.status == expected, "gapdb \(arguments): \(result.stderr)")
    }
  }

  @Test func usageErrorsFoundAtRunTime_keepTheirMessageAndExit64() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = try makeStore(dir)
    let missing = try gapdb(["query", "learning_curves", path])
    #expect(missing.status == 64 && missing.stdout == "")
    #expect(
      missing.stderr
        == "Error: the query learning_curves needs the parameter \"run_id\"\nHint: usage: gapdb query learning_curves STORE -p run_id VALUE\n"
    )
    let unknown = try gapdb(["sql", path, "SELECT 1", "-p", "bogus", "2"])
    #expect(unknown.status == 64)
    #expect(unknown.stderr == "Error: no parameter :bogus in the SQL\nHint: write :bogus in the SQL, or drop -p bogus.\n")
    let two = try gapdb(["sql", path, "SELECT 1; SELECT 2"])
    #expect(two.status == 64)
    #expect(
      two.stderr
        == "Error: the SQL holds more than one statement: SELECT 1; SELECT 2\nHint: pass one statement per call of `gapdb sql`.\n"
    )
    let positional = try gapdb(["sql", path, "SELECT ?"])
    #expect(positional.status == 64 && positional.stderr.hasPrefix("Error: the SQL uses a positional parameter (?)\nHint:"))
  }

  @Test func sql_noSuchTable_namesItWithHint() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let result = try gapdb(["sql", try makeStore(dir), "SELECT * FROM runz"])
    #expect(result.status == 1)
    #expect(result.stdout == "")
    #expect(
      result.stderr
        == "Error: no such table: runz\nHint: list the tables, views and columns with `gapdb schema <db>`.\n"
    )
  }

  @Test func sql_writeWithoutFlag_refusedAndDatabaseUnchanged() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = try makeStore(dir)
    let refused = try gapdb(["sql", path, "DELETE FROM run"])
    #expect(refused.status == 1)
    #expect(
      refused.stderr.hasPrefix(
        "Error: the statement would change the database: DELETE FROM run\nHint: pass --write"))
    #expect(
      try gapdb(["sql", path, "SELECT count(*) FROM run", "--csv", "--no-headers"]).stdout == "2\n")
    let allowed = try gapdb(["sql", path, "--write", "DELETE FROM run WHERE name = 'bad'"])
    #expect(allowed.status == 0, "\(allowed.stderr)")
    #expect(
      try gapdb(["sql", path, "SELECT count(*) FROM run", "--csv", "--no-headers"]).stdout == "1\n")
  }

  /// Cases 6, 7, 8: ±Inf, shortest round-trip doubles and 64-bit steps through CSV and JSON.
  @Test func nonFiniteAndPrecision_roundTripThroughCSVAndJSON() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = try makeStore(dir)
    let sql = "SELECT measure_id, value, value_kind FROM measure_value ORDER BY measure_id"
    let csv = try gapdb(["sql", path, sql, "--csv"])
    #expect(
      csv.stdout
        == "measure_id,value,value_kind\nnan,,nan\nneg,-inf,-inf\npos,inf,+inf\nx,0.1000000000000009,finite\n"
    )
    let json = try gapdb(["sql", path, sql, "--json"])
    #expect(
      json.stdout == """
        [
        {"measure_id": "nan", "value": null, "value_kind": "nan"},
        {"measure_id": "neg", "value": null, "value_kind": "-inf"},
        {"measure_id": "pos", "value": null, "value_kind": "+inf"},
        {"measure_id": "x", "value": 0.1000000000000009, "value_kind": "finite"}
        ]

        """)
    // Python: repr(0.1 + 2**-50) == '0.1000000000000009' and float() of it gives the same bits.
    #expect(Double("0.1000000000000009") == 0.1 + 0x1p-50)
    let metrics = try gapdb([
      "sql", path, "SELECT step, train_loss, test_loss FROM epoch_metric WHERE epoch = 1",
      "--jsonl",
    ])
    #expect(
      metrics.stdout
        == "{\"step\": 3000000000, \"train_loss\": 0.1000000000000009, \"test_loss\": 1e-300}\n")
  }

  @Test func sql_parameters_typedAndTextBinding() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = try makeStore(dir)
    let typed = try gapdb([
      "sql", path, "SELECT typeof(:i) AS i, typeof(:r) AS r, typeof(:t) AS t, 0.7 > :r AS cmp",
      "-p", "i", "42", "-p", "r", "0.5", "-p", "t", "sgd", "--csv",
    ])
    #expect(typed.stdout == "i,r,t,cmp\ninteger,real,text,1\n")
    let text = try gapdb([
      "sql", path, "SELECT typeof(:r) AS r", "-p", "r", "0.5", "--text-params", "--csv",
    ])
    #expect(text.stdout == "r\ntext\n")
    let missing = try gapdb(["sql", path, "SELECT :a, :b", "-p", "a", "1"])
    #expect(missing.status == 64)  // usage: the command line lacks -p b
    #expect(missing.stderr.hasPrefix("Error: missing parameter :b\n"))
    let unknown = try gapdb(["sql", path, "SELECT :a", "-p", "a", "1", "-p", "zz", "2"])
    #expect(unknown.stderr.hasPrefix("Error: no parameter :zz in the SQL (its parameters: :a)\n"))
    let odd = "sweep-A"
    let filtered = try gapdb([
      "sql", path, "SELECT count(*) AS n FROM run_summary WHERE experiment = :e", "-p", "e", odd,
      "--csv", "--no-headers",
    ])
    #expect(filtered.stdout == "2\n")
  }

  @Test func sql_fromStdin_andEmptyJSON() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = try makeStore(dir)
    let result = try gapdb(["sql", path, "-", "--json"], stdin: "SELECT name FROM run WHERE 0")
    #expect(result.stdout == "[]\n")
    let dup = try gapdb(["sql", path, "-", "--json"], stdin: "SELECT 1 AS a, 2 AS a")
    #expect(dup.stdout == "[\n{\"a\": 1, \"a_2\": 2}\n]\n")
  }

  @Test func runs_showsStateMetricsAndHyperparameters() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = try makeStore(dir)
    let result = try gapdb(["runs", path, "--csv"])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(
      lines.first
        == "id,experiment,name,state,epoch,step,train_loss,test_loss,train_error,test_error,error_gap,nan_columns,hyperparameters,heartbeat_at,host,pid"
    )
    #expect(
      lines[1].hasPrefix(
        "1,sweep-A,good,finished,1,3000000000,0.1000000000000009,1e-300,0.25,0.5,0.25,[],\"{\"\"learning_rate\"\":0.1,\"\"width\"\":512}\","
      ))
    #expect(lines[2].hasPrefix("2,sweep-A,bad,diverged,0,5,,,,,,\"[\"\"train_loss\"\"]\",{},"))
    let diverged = try gapdb(["runs", path, "--state", "diverged", "--csv", "--no-headers"])
    #expect(diverged.stdout.split(separator: "\n").count == 1)
  }

  @Test func runsAndMarkStale_staleRunShownThenMarkedFailed() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("stale.sqlite")
    do {
      let recorder = try Recorder(path: path)
      _ = try recorder.beginRun(RunSpec(experiment: "e", name: "dead"))
      _ = try recorder.beginRun(RunSpec(experiment: "e", name: "alive"))
      // Its recording process is gone (a pid no process has now): only then is it stale.
      let exited = Process()
      exited.executableURL = URL(fileURLWithPath: "/bin/true")
      try exited.run()
      exited.waitUntilExit()
      try recorder.database.execute(
        sql: "UPDATE run SET heartbeat_at = '2020-01-01T00:00:00.000Z', pid = ? WHERE name = 'dead'",
        arguments: [.integer(Int64(exited.processIdentifier))])
    }
    let before = try gapdb(["runs", path, "--csv", "--no-headers"])
    let states = before.stdout.split(separator: "\n").map { $0.split(separator: ",")[3] }
    #expect(states == ["stale", "running"])
    let dry = try gapdb(["mark-stale", path, "--dry-run", "--csv", "--no-headers"])
    #expect(dry.stdout.hasPrefix("1,dead,"))
    #expect(dry.stderr == "would mark 1 stale run failed\n")
    let marked = try gapdb(["mark-stale", path, "--csv", "--no-headers"])
    #expect(marked.status == 0)
    #expect(marked.stderr == "marked 1 stale run failed\n")
    let after = try gapdb(["runs", path, "--csv", "--no-headers"])
    #expect(
      after.stdout.split(separator: "\n").map { $0.split(separator: ",")[3] } == [
        "failed", "running",
      ])
  }

  @Test func initAndSchema_createStoreAndPrintIt() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("new.sqlite")
    let created = try gapdb(["init", path])
    #expect(created.status == 0)
    #expect(created.stdout == "")
    #expect(
      created.stderr == "\(path): schema version 0 -> \(SchemaMigrator.embedded.latestVersion)\n")
    #expect(try gapdb(["init", path]).stderr.contains("up to date"))
    let schema = try gapdb(["schema", path])
    #expect(
      schema.stdout.hasPrefix(
        "-- \(path): gapdb store, schema version \(SchemaMigrator.embedded.latestVersion)\n"))
    #expect(schema.stdout.contains("CREATE VIEW run_summary AS"))
    let own = try gapdb(["schema"])
    let current = try String(
      contentsOf: repositoryRoot.appendingPathComponent("schema/current.sql"), encoding: .utf8)
    #expect(own.stdout == current)
  }

  @Test func init_onForeignFile_failsAndLeavesItUntouched() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("other.sqlite")
    do {
      let db = try Database(path: path)
      try db.execute(sql: "CREATE TABLE mine (x INTEGER); INSERT INTO mine VALUES (1)")
    }
    let result = try gapdb(["init", path])
    #expect(result.status == 1)
    #expect(result.stderr.hasPrefix("Error: \(path) is an SQLite database but not a gapdb store"))
    let db = try Database(path: path, mode: .readOnly)
    #expect(
      try db.fetchAll(sql: "SELECT name FROM sqlite_schema").map(\.values) == [[.text("mine")]])
  }

  @Test func everySubcommand_hasAbstractAndAppearsInREADME() throws {
    let readme = try String(
      contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
    for name in ["init", "runs", "sql", "schema", "mark-stale"] {
      let help = try gapdb([name, "--help"])
      #expect(help.status == 0)
      #expect(help.stdout.hasPrefix("OVERVIEW: "), "\(name)")
      #expect(readme.contains("gapdb \(name)"), "README lacks gapdb \(name)")
    }
  }
}
