import ArgumentParser
import Foundation
import ResultsStore
import TabularOutput
import Testing
import TestSupport

@testable import GapAnalysis
@testable import GapdbCLI

/// Runs `gapdb correlate` in process and returns the JSON rows.
func correlateJSON(_ arguments: [String]) throws -> [[String: Any]] {
  let command = try #require(try GapdbCommand.parseAsRoot(["correlate"] + arguments + ["--format", "json"]) as? CorrelateCommand)
  // The command's own path: its library call, then its writer.
  let sink = StringSink()
  command.writeCorrelationReport(try command.analysis(), sink: sink)
  let parsed = try JSONSerialization.jsonObject(with: Data(sink.text.utf8))
  return try #require(parsed as? [[String: Any]])
}

func row(_ rows: [[String: Any]], _ measure: String) -> [String: Any]? {
  rows.first { $0["measure"] as? String == measure }
}

func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

func near(_ value: Any?, _ expected: Double, _ tolerance: Double = 1e-9) -> Bool {
  guard let v = number(value) else { return false }
  return abs(v - expected) <= tolerance
}

@Suite struct CorrelateCSVTests {
  /// The spec's 8-model CMI grid (§4.4) with a ragged column and non-finite values.
  static let csv = """
    model,bs,lr,dp,gen_gap,mu,ragged,seed
    m0,0,0,0,0.1000,1.000,1,5
    m1,0,0,1,0.0701,1.301,2,5
    m2,0,1,0,0.1202,1.202,nan,5
    m3,0,1,1,0.0903,1.503
    m4,1,0,0,0.1504,1.504,4,5
    m5,1,0,1,0.1205,1.805,inf,5
    "m6",1,1,0,0.1706,1.706,1,5
    m7,1,1,1,0.1407,2.007,3,5

    """

  func write(_ text: String) throws -> (TemporaryDirectory, String) {
    let dir = try TemporaryDirectory()
    let path = dir.path("models.csv")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return (dir, path)
  }

  @Test func csvInput_specCMIGrid_reportsBothForms() throws {
    let (dir, path) = try write(Self.csv)
    defer { dir.remove() }
    let rows = try correlateJSON(["--csv", path, "--gap-column", "gen_gap", "--hyperparameters", "bs,lr,dp"])
    #expect(rows.map { $0["measure"] as? String } == ["mu", "ragged"])  // sorted by |tau_a|; seed ignored
    let mu = try #require(row(rows, "mu"))
    #expect(near(mu["cmi"], 0.0817, 5e-5))
    #expect(mu["cmi_set"] as? String == "{bs}")
    #expect(near(mu["cmi_pgdl"], 0.15107, 5e-6))
    #expect(mu["cmi_pgdl_set"] as? String == "{bs,lr}")
    #expect(near(mu["tau_a"], 12.0 / 28))  // 20 concordant, 8 discordant pairs
    #expect(mu["n_used"] as? Int == 8 && mu["n_excluded"] as? Int == 0)
    #expect(Set(mu.keys).isSuperset(of: ["tau_b", "spearman", "psi", "psi_bs", "psi_lr", "psi_dp", "note"]))
  }

  @Test func csvInput_raggedAndNonFinite_excludedAndCounted() throws {
    // Cases 5 and 10: NaN, inf and a missing trailing field exclude that run from that
    // measure only, and the counts say so.
    let (dir, path) = try write(Self.csv)
    defer { dir.remove() }
    let rows = try correlateJSON(["--csv", path, "--gap-column", "gen_gap", "--hyperparameters", "bs,lr,dp"])
    let ragged = try #require(row(rows, "ragged"))
    #expect(ragged["n_used"] as? Int == 5)
    #expect(ragged["n_excluded"] as? Int == 3)
    // Finite pairs (x, g): m0 (1, .1000), m1 (2, .0701), m4 (4, .1504), m6 (1, .1706),
    // m7 (3, .1407): 5 concordant, 4 discordant, 1 tied in x → τ_a = 1/10 (by hand).
    #expect(near(ragged["tau_a"], 0.1))
    #expect((ragged["note"] as? String ?? "").contains("cmi_pgdl: incomplete grid"))
    #expect(ragged["cmi_pgdl"] is NSNull)
  }

  @Test func csvInput_bootstrapAndSignError_addColumns() throws {
    let (dir, path) = try write(Self.csv)
    defer { dir.remove() }
    let args = ["--csv", path, "--gap-column", "gen_gap", "--hyperparameters", "bs,lr,dp",
                "--bootstrap", "50", "--seed", "9", "--test-size", "100000", "--measures", "mu"]
    let a = try correlateJSON(args)
    let b = try correlateJSON(args)
    let mu = try #require(a.first)
    let low = try #require(number(mu["tau_a_ci_low"]))
    let high = try #require(number(mu["tau_a_ci_high"]))
    #expect(low <= 12.0 / 28 && 12.0 / 28 <= high)
    #expect(number(b.first?["tau_a_ci_low"]) == low)  // seeded
    #expect(mu.keys.contains("sign_error_mean") && mu.keys.contains("sign_error_environments"))
  }

  @Test func csvInput_errors_nameTheBadValue() throws {
    let (dir, path) = try write("a,gap\n1,0.1\n2,x\n")
    defer { dir.remove() }
    #expect {
      _ = try correlateJSON(["--csv", path, "--gap-column", "gap"])
    } throws: { error in
      "\(error)".contains("line 3") && "\(error)".contains("\"x\"") && "\(error)".contains("Hint:")
    }
    #expect {
      _ = try correlateJSON(["--csv", path, "--gap-column", "gen_gap"])
    } throws: { error in "\(error)".contains("no column \"gen_gap\"") && "\(error)".contains("a, gap") }
    #expect {
      _ = try correlateJSON(["--csv", path, "--gap-column", "gap", "--hyperparameters", "lr"])
    } throws: { error in "\(error)".contains("no hyperparameter column \"lr\"") }
  }

  @Test func usageErrors_exitWith64() {
    for args in [
      ["correlate"], ["correlate", "--csv", "m.csv"], ["correlate", "x.db", "--csv", "m.csv", "--gap-column", "g"],
      ["correlate", "x.db", "--bootstrap", "-1"], ["correlate", "x.db", "--at", "epoch=-3"],
      ["correlate", "x.db", "--confidence", "1.5"], ["correlate", "x.db", "--gap-column", "g"],
    ] {
      do {
        _ = try GapdbCommand.parseAsRoot(args)
        Issue.record("\(args) parsed")
      } catch {
        #expect(GapdbCommand.exitCode(for: error) == ExitCode(64), "\(args)")
      }
    }
  }

  @Test func snapshotArgument_parsesEveryForm() {
    #expect(SnapshotSelector(argument: "final") == .final)
    #expect(SnapshotSelector(argument: "epoch=12") == .epoch(12))
    #expect(SnapshotSelector(argument: "train-loss=0.01") == .trainLoss(0.01))
    #expect(SnapshotSelector(argument: "best-test-error") == .bestTestError)
    #expect(SnapshotSelector(argument: "train-loss=nan") == nil)
    #expect(SnapshotSelector(argument: "last") == nil)
  }
}

@Suite struct CSVReaderTests {
  func parse(_ text: String) throws -> CSVTable { try parseCSV(Array(text.utf8), path: "t.csv") }

  @Test func rfc4180_quotesNewlinesCRLFAndBOM() throws {
    let t = try parse("\u{FEFF}name,\"note\"\r\n\"a, b\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",x\r\n\r\nlast,\n")
    #expect(t.header == ["name", "note"])
    #expect(t.rows == [["a, b", "say \"hi\""], ["multi\nline", "x"], ["last", ""]])
    #expect(t.lineNumbers == [2, 3, 6])
  }

  @Test func raggedRowsKept_tooLongRowsRejected() throws {
    let t = try parse("a,b,c\n1\n1,2,3\n")
    #expect(t.rows == [["1"], ["1", "2", "3"]])
    #expect(throws: CSVError.self) { try parse("a,b\n1,2,3\n") }
    #expect(throws: CSVError.self) { try parse("a,b\n\"open,2\n") }
    #expect(throws: CSVError.self) { try parse("a,a\n1,2\n") }
    #expect(throws: CSVError.self) { try parse("") }
    #expect(throws: CSVError.self) { try parse("a,b\n\"x\"y,2\n") }
  }
}
