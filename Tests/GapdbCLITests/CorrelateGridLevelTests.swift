import Foundation
import ResultsStore
import RunRecorder
import Testing
import TestSupport

@testable import GapAnalysis
@testable import GapdbCLI

/// Issue 11: grid levels stay exact on the CSV and store paths, conversions that merge values
/// are named, and ψ reports the lines it used and skipped (`--psi-lines`).
@Suite struct CorrelateGridLevelTests {
  func write(_ text: String) throws -> (TemporaryDirectory, String) {
    let dir = try TemporaryDirectory()
    let path = dir.path("models.csv")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return (dir, path)
  }

  @Test func csv_levelsBeyondDoublePrecision_stayDistinct() throws {
    // n = 2^70 and 2^70+1 (equal as doubles), two seeds each. Exact levels: 2^70 averages to
    // (mu 2, gap 0.125), 2^70+1 to (3, 0.25): one line, τ = 1, ψ_n = Ψ = 1. Before the fix
    // the two levels merged into one configuration and ψ was undefined (no line).
    let (dir, path) = try write(
      """
      n,mu,gap
      1180591620717411303424,1,0.1
      1180591620717411303425,2,0.2
      1180591620717411303424,3,0.15
      1180591620717411303425,4,0.3

      """)
    _ = dir
    let mu = try #require(row(try correlateJSON(["--csv", path, "--gap-column", "gap", "--hyperparameters", "n"]), "mu"))
    #expect(near(mu["psi_n"], 1) && near(mu["psi"], 1))
    #expect(mu["lines_used_n"] as? Int == 1 && mu["lines_skipped_n"] as? Int == 0)
  }

  @Test func csv_sameNumberSpelledTwice_isOneLevel_textIsExact() throws {
    // wd: "1" and "1.0" are one level (the same number); opt: "sgd", "SGD", "0x10" are three
    // text levels. Configurations (wd, opt): (1, sgd) twice → mean (mu 2, gap 0.2),
    // (1, SGD) (4, 0.1), (1, 0x10) (5, 0.5), (2, sgd) (6, 0.6).
    // ψ_opt: line wd=1 holds sgd (2, .2), SGD (4, .1), 0x10 (5, .5): pairs −1, +1, +1 → 1/3.
    // ψ_wd: line opt=sgd holds wd 1 (2, .2) and 2 (6, .6): +1; the SGD and 0x10 lines hold
    // one model each, as does ψ_opt's wd=2 line.
    let (dir, path) = try write(
      """
      wd,opt,mu,gap
      1,sgd,1,0.1
      1.0,sgd,3,0.3
      1,SGD,4,0.1
      1e0,0x10,5,0.5
      2,sgd,6,0.6

      """)
    _ = dir
    let input = try makeCorrelationInput(
      table: try readCSV(path: path), path: path, gapColumn: "gap", hyperparameters: ["wd", "opt"],
      measureNames: nil, ignored: [])
    #expect(input.grid?.levels[0] == ["1", "2"])
    #expect(input.grid?.levels[1] == ["sgd", "SGD", "0x10"])
    let mu = try #require(
      row(try correlateJSON(["--csv", path, "--gap-column", "gap", "--hyperparameters", "wd,opt"]), "mu"))
    #expect(near(mu["psi_opt"], 1.0 / 3) && near(mu["psi_wd"], 1))
    #expect(mu["lines_used_wd"] as? Int == 1 && mu["lines_skipped_wd"] as? Int == 2)
    #expect(mu["lines_why"] as? String == "wd: 2 with one model | opt: 1 with one model")
  }

  @Test func trimmedCell_matchesFoundationTrim() {
    for text in ["", "1", " 1", "1 ", "\t2.5\t", "\u{00A0}3\u{2003}", " ", "a b", "\n4"] {
      #expect(trimmedCell(text) == text.trimmingCharacters(in: .whitespaces), "\(text.debugDescription)")
    }
  }

  @Test func csv_measureDecimalsEqualAsDoubles_warnNamingColumnAndValues() throws {
    let (dir, path) = try write(
      """
      n,mu,gap
      1,1.00000000000000000001,0.1
      2,1,0.2
      3,2,0.3

      """)
    _ = dir
    let input = try makeCorrelationInput(
      table: try readCSV(path: path), path: path, gapColumn: "gap", hyperparameters: ["n"],
      measureNames: nil, ignored: [])
    #expect(input.warnings.count == 1)
    let warning = try #require(input.warnings.first)
    #expect(warning.contains("\"mu\"") && warning.contains("1.00000000000000000001") && warning.contains(" 1 "))
    // Beyond the float range: 1e400 reads as inf (excluded), 1e-400 as 0.
    let (dir3, range) = try write("n,mu,gap\n1,1e400,0.1\n2,1e-400,0.2\n3,2,0.3\n4,3,0.4\n")
    _ = dir3
    let ranged = try makeCorrelationInput(
      table: try readCSV(path: range), path: range, gapColumn: "gap", hyperparameters: ["n"],
      measureNames: nil, ignored: [])
    #expect(ranged.warnings.count == 2)
    #expect(ranged.warnings.contains { $0.contains("\"mu\": 1e400") && $0.contains("inf") })
    #expect(ranged.warnings.contains { $0.contains("\"mu\": 1e-400") && $0.contains("reads as 0") })
    // Short decimals never warn (at most 15 significant digits map to distinct doubles).
    let (dir2, plain) = try write("n,mu,gap\n1,0.1,0.3\n2,0.10,0.1\n3,0.3,0.2\n")
    _ = dir2
    let quiet = try makeCorrelationInput(
      table: try readCSV(path: plain), path: plain, gapColumn: "gap", hyperparameters: ["n"],
      measureNames: nil, ignored: [])
    #expect(quiet.warnings.isEmpty)
    // End to end: the warning is on standard error, the report on standard output.
    let result = try runProduct("gapdb", ["correlate", "--csv", path, "--gap-column", "gap", "--format", "csv"])
    #expect(result.status == 0)
    #expect(result.stderr.contains("warning: column \"mu\""))
  }

  @Test func csv_psiLines_allAndComplete_matchTheReference() throws {
    // The grid of Tests/Fixtures/statistics/psi_incomplete.json (values from its script):
    // all: Ψ = 5/9; complete: Ψ = 1, ψ_depth undefined.
    let (dir, path) = try write(
      """
      lr,depth,bs,mu,gap
      0.1,1,32,1.0,0.10
      0.1,1,32,1.4,0.14
      0.01,1,32,2.0,0.20
      0.001,1,32,3.0,0.25
      0.1,2,32,2.0,0.15
      0.01,2,32,1.0,0.30
      0.1,3,32,nan,0.20
      0.01,3,32,4.0,0.35
      0.1,4,32,5.0,0.40
      0.1,1,64,1.5,0.50

      """)
    _ = dir
    let base = ["--csv", path, "--gap-column", "gap", "--hyperparameters", "lr,depth,bs"]
    let all = try #require(row(try correlateJSON(base), "mu"))
    #expect(near(all["psi"], 5.0 / 9) && near(all["psi_lr"], 0) && near(all["psi_depth"], 2.0 / 3))
    #expect(all["lines_used_lr"] as? Int == 2 && all["lines_skipped_lr"] as? Int == 6)
    #expect(all["lines_used_depth"] as? Int == 2 && all["lines_skipped_depth"] as? Int == 4)
    #expect(all["lines_used_bs"] as? Int == 1 && all["lines_skipped_bs"] as? Int == 11)
    #expect(
      all["lines_why"] as? String
        == "lr: 3 empty, 2 with one model, 1 non-finite, 1 used incomplete | depth: 2 empty, 2 with one model, 2 used incomplete | bs: 4 empty, 7 with one model"
    )
    let strict = try #require(row(try correlateJSON(base + ["--psi-lines", "complete"]), "mu"))
    #expect(near(strict["psi"], 1) && near(strict["psi_lr"], 1) && strict["psi_depth"] is NSNull)
    #expect(strict["lines_used_depth"] as? Int == 0 && strict["lines_skipped_depth"] as? Int == 6)
    #expect((strict["lines_why"] as? String ?? "").contains("depth: 2 empty, 2 with one model, 2 incomplete"))
    // Every output format carries the counts (table and CSV headers).
    let table = try runProduct("gapdb", ["correlate"] + base + ["--psi-lines", "complete"])
    #expect(table.status == 0)
    #expect(table.stdout.contains("lines_used_lr") && table.stdout.contains("lines_why"))
    let bad = try runProduct("gapdb", ["correlate"] + base + ["--psi-lines", "strict"])
    #expect(bad.status == 64)
  }

  @Test func store_levelsByTypeAndValue_withWarnings() throws {
    // n: INTEGER 2, REAL 2.0 (one level: the same number), TEXT "2" (its own level), INTEGER 3.
    // Units: n=2 (mu 2, gap 0.2), "2" (5, 0.05), 3 (4, 0.4); one line:
    // pairs (2,.2)-(5,.05) −1, (2,.2)-(4,.4) +1, (5,.05)-(4,.4) −1 → ψ_n = −1/3. (Before: the
    // INTEGER and the TEXT merged as "2", the REAL apart as "2.0", ψ_n = 2/3.)
    // lr: REAL 0.1 everywhere, but run 1's recorded text is 0.1000000000000000000001.
    let dir = try TemporaryDirectory(prefix: "gapdb-levels")
    let path = dir.path("levels.sqlite")
    let recorder = try Recorder(path: path)
    let values: [(HyperparameterValue, Double, Double)] = [
      (.integer(2), 1, 0.1), (.real(2.0), 3, 0.3), (.text("2"), 5, 0.05), (.integer(3), 4, 0.4),
    ]
    for (i, (n, mu, gap)) in values.enumerated() {
      let run = try recorder.beginRun(
        RunSpec(experiment: "levels", name: "run \(i)", hyperparameters: ["n": n, "lr": .real(0.1)]))
      try run.recordEpoch(
        EpochRecord(
          epoch: 1, step: 1,
          metrics: EpochMetrics(trainLoss: 0.01, testLoss: 0.5, trainError: 0, testError: gap),
          measures: [MeasureRecord(measureID: "mu", value: mu)]))
      try run.finish(status: .finished)
    }
    let db = try Database(storePath: path)
    try db.execute(
      sql: """
        UPDATE hyperparameter SET value_text = '0.1000000000000000000001'
        WHERE key = 'lr' AND run_id = (SELECT id FROM run WHERE name = 'run 1')
        """)
    let input = try loadStoreCorrelationInput(
      path: path, experiment: "levels", whereClause: nil, snapshot: .final, gap: .error,
      measures: nil, hyperparameters: ["n", "lr"])
    #expect(input.grid?.levels[0] == ["2", "\"2\"", "3"])
    #expect(input.grid?.levels[1] == ["0.1"])
    #expect(input.warnings.contains { $0.contains("\"n\"") && $0.contains("\"2\"") })
    #expect(
      input.warnings.contains {
        $0.contains("\"lr\"") && $0.contains("0.1000000000000000000001") && $0.contains("one level")
      })
    let mu = try #require(
      row(try correlateJSON([path, "--experiment", "levels", "--hyperparameters", "n,lr"]), "mu"))
    #expect(near(mu["psi_n"], -1.0 / 3))
    #expect(mu["lines_used_n"] as? Int == 1 && mu["lines_used_lr"] as? Int == 0)
    #expect(mu["lines_skipped_lr"] as? Int == 3)
  }
}
