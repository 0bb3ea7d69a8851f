import ArgumentParser
import Foundation
import ResultsStore
import RunRecorder
import TabularOutput
import Testing
import TestSupport

@testable import GapdbCLI

@Suite struct QueryCommandTests {
  /// Runs a canned query on the fixture store; returns the CSV text.
  func run(_ name: String, _ store: FixtureStore, _ parameters: [String]) throws -> String {
    let query = try #require(CannedQuery.named(name))
    let db = try Database(storePath: store.path, readOnly: true)
    let sink = StringSink()
    try runCannedQuery(query, on: db, parameters: parameters, writer: RowWriter(format: .csv, sink: sink))
    return sink.text
  }

  func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

  /// CSV lines equal field by field; numbers within 1e-12 (SQLite's sums and differences
  /// round differently from decimal hand values, e.g. 0.036000000000000004 vs 0.036).
  func same(_ got: [String], _ want: [String]) -> Bool {
    guard got.count == want.count else { return false }
    for (a, b) in zip(got, want) {
      let fa = a.split(separator: ",", omittingEmptySubsequences: false)
      let fb = b.split(separator: ",", omittingEmptySubsequences: false)
      guard fa.count == fb.count else { return false }
      for (x, y) in zip(fa, fb) where x != y {
        guard let dx = Double(x), let dy = Double(y), abs(dx - dy) <= 1e-12 else { return false }
      }
    }
    return true
  }

  @Test func everyCannedQuery_hasHeaderAndRunsOnTheFixture() throws {
    let names = CannedQuery.all.map(\.name)
    for expected in [
      "runs", "learning_curves", "measure_trajectories", "final_measures_vs_gap", "width_sweep",
      "true_vs_random_labels",
    ] {
      #expect(names.contains(expected), "\(expected) is embedded")
    }
    let store = try FixtureStore()
    defer { store.remove() }
    for q in CannedQuery.all {
      #expect(q.title != q.name && !q.description.isEmpty, "\(q.name) has a title and description")
      let db = try Database(storePath: store.path, readOnly: true)
      let statement = try db.makeStatement(sql: q.sql)
      #expect(statement.isReadonly, "\(q.name) is read-only")
      let declared = Set(q.declaredParameters)
      let actual = Set(statement.parameterNames.compactMap { $0 }.map { String($0.dropFirst()) })
      #expect(declared == actual, "\(q.name): header params \(declared) vs SQL \(actual)")
    }
  }

  @Test func runsOverview_showsDivergedRun() throws {
    let store = try FixtureStore()
    defer { store.remove() }
    let out = lines(try run("runs", store, ["stale_after_s", "600", "experiment", "grid"]))
    #expect(out.count == 8)  // header + 7 runs
    #expect(lines(try run("runs", store, ["stale_after_s", "600"])).count == 1 + 11)  // optional
    #expect(out[0].hasPrefix("id,experiment,name,state"))
    #expect(out.last?.contains(",diverged,") == true)
    #expect(out.last?.contains("[\"\"train_loss\"\",\"\"test_loss\"\",\"\"test_error\"\"]") == true)
  }

  @Test func learningCurves_oneRowPerEpoch() throws {
    let store = try FixtureStore()
    defer { store.remove() }
    let out = lines(try run("learning_curves", store, ["run_id", "1"]))
    #expect(same(out, [
      "epoch,step,train_loss,test_loss,loss_gap,train_error,test_error,error_gap,learning_rate,wall_time_s,nan_columns",
      "1,100,1.0,1.05,0.05,0.3,0.5,0.2,,,[]",
      "2,200,0.005,0.055,0.05,0.01,0.036,0.026,,,[]",
      "3,300,0.005,0.055,0.05,0.01,0.06,0.05,,,[]",
    ]), "\(out)")
  }

  @Test func measureTrajectories_optionalMeasure() throws {
    let store = try FixtureStore()
    defer { store.remove() }
    let one = lines(try run("measure_trajectories", store, ["run_id", "2", "measure", "mu"]))
    #expect(same(one, [
      "measure,epoch,value,value_kind,error_gap,train_loss",
      "mu,1,11.0,finite,0.2,1.0", "mu,2,21.0,finite,0.041,0.005",
      "mu,3,2.0,finite,0.08,0.005",
    ]), "\(one)")
    let all = lines(try run("measure_trajectories", store, ["run_id", "2"]))
    #expect(all.count == 1 + 9)  // flat, mu, partial × 3 epochs
    let diverged = lines(try run("measure_trajectories", store, ["run_id", "7", "measure", "mu"]))
    #expect(diverged.last == "mu,2,,nan,,")  // NaN is kind 'nan', not 0
  }

  @Test func finalMeasuresVsGap_oneRowPerRunAndMeasure() throws {
    let store = try FixtureStore()
    defer { store.remove() }
    let out = lines(try run("final_measures_vs_gap", store, ["experiment", "grid", "measure", "mu"]))
    #expect(out.count == 1 + 7)
    #expect(out[1].hasPrefix("1,run 0,finished,mu,1.0,finite,0.05,"))
  }

  @Test func widthSweep_groupsByHiddenUnits() throws {
    let store = try FixtureStore()
    defer { store.remove() }
    let out = lines(try run("width_sweep", store, ["experiment", "widths"]))
    #expect(same(out, [
      "hidden_units,hidden_layers,widest_layer,runs,train_error,test_error,best_test_error,error_gap,loss_gap",
      "64,1,64,2,0.1,0.51,0.12,0.41,0.99",
      "256,1,256,2,0.0,0.5,0.1,0.5,0.99",
    ]), "\(out)")
  }

  @Test func trueVsRandomLabels_groupsByLabelNoise() throws {
    let store = try FixtureStore()
    defer { store.remove() }
    let out = lines(try run("true_vs_random_labels", store, ["experiment", "widths"]))
    #expect(same(out, [
      "label_noise,measure,runs,train_error,test_error,error_gap,mean_value,min_value,max_value,non_finite_values",
      "0.0,spec_prod,2,0.0,0.11,0.11,15.0,10.0,20.0,0",
      "1.0,spec_prod,2,0.1,0.9,0.8,35.0,30.0,40.0,0",
    ]), "\(out)")
  }

  @Test func runs_staleAfterDefaultsTo600Seconds() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("stale.sqlite")
    let recorder = try Recorder(path: path)
    _ = try recorder.beginRun(RunSpec(experiment: "e", name: "quiet"))
    _ = try recorder.beginRun(RunSpec(experiment: "e", name: "recent"))
    // Heartbeats 1000 s and 100 s ago: stale only past the 600 s default.
    let db = try Database(storePath: path)
    try db.execute(
      sql: "UPDATE run SET heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1000 seconds') WHERE name = 'quiet'")
    try db.execute(
      sql: "UPDATE run SET heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-100 seconds') WHERE name = 'recent'")
    let query = try #require(CannedQuery.named("runs"))
    #expect(query.optionalParameters == ["stale_after_s", "experiment"])
    func states(_ parameters: [String]) throws -> [String] {
      let sink = StringSink()
      try runCannedQuery(query, on: db, parameters: parameters, writer: RowWriter(format: .csv, sink: sink))
      return lines(sink.text).dropFirst().map { String($0.split(separator: ",")[3]) }
    }
    #expect(try states([]) == ["stale", "running"])
    #expect(try states(["stale_after_s", "3600"]) == ["running", "running"])
    #expect(try states(["stale_after_s", "50"]) == ["stale", "stale"])
  }

  @Test func parameters_typedMissingAndUnknown() throws {
    #expect(CannedQuery.named("measure_trajectories")?.optionalParameters == ["measure"])
    #expect(CannedQuery.named("learning_curves")?.optionalParameters == [])
    let store = try FixtureStore()
    defer { store.remove() }
    #expect {
      _ = try run("learning_curves", store, [])
    } throws: { "\($0)".contains("needs the parameter \"run_id\"") && "\($0)".contains("Hint:") }
    #expect {
      _ = try run("learning_curves", store, ["run_id", "1", "bogus", "2"])
    } throws: { "\($0)".contains("no parameter \"bogus\"") }
  }

  @Test func commandLine_listAndUsageErrors() throws {
    #expect(throws: Never.self) { _ = try GapdbCommand.parseAsRoot(["query", "--list"]) }
    for args in [["query"], ["query", "runs"], ["query", "runs", "x.db", "-p", "a"]] {
      do {
        _ = try GapdbCommand.parseAsRoot(args)
        Issue.record("\(args) parsed")
      } catch {
        #expect(GapdbCommand.exitCode(for: error) == ExitCode(64), "\(args)")
      }
    }
    let parsed = try #require(
      try GapdbCommand.parseAsRoot(["query", "runs", "x.db", "-p", "a", "1", "-p", "b", "two"]) as? QueryCommand)
    #expect(parsed.parameters == ["a", "1", "b", "two"])
  }
}
