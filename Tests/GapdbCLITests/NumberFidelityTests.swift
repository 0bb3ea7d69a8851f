import Foundation
import ResultsStore
import RunRecorder
import TestSupport
import Testing

/// Numbers go in and come out exactly: hyperparameters in the JSON that SQLite builds
/// (`run_summary.hyperparameters`, `gapdb runs`, `gapdb query runs`), and `-p` values bound
/// with the storage class a user expects.
@Suite struct NumberFidelityTests {
  func gapdb(_ arguments: [String]) throws -> ProcessResult { try runProduct("gapdb", arguments) }

  // MARK: - Hyperparameters in JSON

  /// The expected texts are Python's repr of the same doubles (shortest round trip):
  /// repr(0.1 + 0.2) = '0.30000000000000004', repr(2.0**70) = '1.1805916207174113e+21',
  /// repr(1e-05) = '1e-05', repr(2.0**-1074) = '5e-324', repr(0.1) = '0.1'.
  static let expectedJSON =
    #"{"a":0.30000000000000004,"b":1.1805916207174113e+21,"c":1e-05,"d":5e-324,"e":0.1,"#
    + #""f":"inf","g":"-inf","h":"NaN","i":9007199254740993,"j":true,"k":"0x10"}"#

  func makeStore(_ dir: TemporaryDirectory) throws -> String {
    let path = dir.path("numbers.sqlite")
    let recorder = try Recorder(path: path)
    let run = try recorder.beginRun(
      RunSpec(
        experiment: "numbers", name: "exact",
        hyperparameters: [
          "a": .real(0.1 + 0.2), "b": .real(0x1p70), "c": .real(1e-5), "d": .real(0x1p-1074),
          "e": .real(0.1), "f": .real(.infinity), "g": .real(-.infinity), "h": .real(.nan),
          "i": .integer(9_007_199_254_740_993), "j": .boolean(true), "k": .text("0x10"),
        ]))
    try run.finish(status: .finished)
    return path
  }

  @Test func runs_hyperparameterReals_shortestRoundTripText() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = try makeStore(dir)
    let view = try gapdb(["sql", store, "SELECT hyperparameters FROM run_summary", "--tsv", "--no-headers"])
    #expect(view.status == 0, "\(view.stderr)")
    #expect(view.stdout == Self.expectedJSON + "\n")
    for arguments in [["runs", store, "--tsv"], ["query", "runs", store, "--tsv"]] {
      let result = try gapdb(arguments)
      #expect(result.status == 0, "\(result.stderr)")
      let lines = result.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
      let column = try #require(lines.first?.firstIndex(of: "hyperparameters"))
      #expect(lines.count == 2 && String(lines[1][column]) == Self.expectedJSON, "gapdb \(arguments)")
    }
  }

  @Test func runSummary_handEditedReal_showsTheStoredValue() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = try makeStore(dir)
    // value_text no longer matches value: the view shows the value (17 significant digits,
    // which read back to it: 0.25 exactly), never the stale text.
    let edit = try gapdb(["sql", store, "--write", "UPDATE hyperparameter SET value = 0.25 WHERE key = 'e'"])
    #expect(edit.status == 0, "\(edit.stderr)")
    let view = try gapdb([
      "sql", store, "SELECT json_extract(hyperparameters, '$.e') AS e, "
        + "instr(hyperparameters, '\"e\":0.25') > 0 AS exact FROM run_summary", "--csv", "--no-headers",
    ])
    #expect(view.stdout == "0.25,1\n", "\(view.stderr)")
  }

  // MARK: - -p typing

  /// `SELECT typeof(:x), :x` for each VALUE word: the storage class and the value as printed.
  /// A negative number is passed with a leading space (else it reads as an option).
  @Test(arguments: [
    ("16", "integer\t16"),
    (" -7", "integer\t-7"),
    ("+3", "integer\t3"),
    ("9223372036854775807", "integer\t9223372036854775807"),
    (" -9223372036854775808", "integer\t-9223372036854775808"),
    ("0x10", "text\t0x10"),
    ("0X1p4", "text\t0X1p4"),
    ("0.5", "real\t0.5"),
    (" -.25", "real\t-0.25"),
    ("7.", "real\t7.0"),
    ("1e-3", "real\t0.001"),
    ("2.5E+10", "real\t25000000000.0"),
    ("inf", "real\tinf"),
    (" -Infinity", "real\t-inf"),
    ("nan", "text\tnan"),
    ("1_000", "text\t1_000"),
    ("12:30", "text\t12:30"),
    ("", "text\t"),
    ("int:5", "integer\t5"),
    ("int:-0", "integer\t0"),
    ("real:5", "real\t5.0"),
    ("real:99999999999999999999999", "real\t1e+23"),
    ("real:0x1p-3", "real\t0.125"),
    // Zeros as written and representable subnormals are not underflow (issue 11).
    ("0.0", "real\t0.0"),
    (" -0.0", "real\t-0.0"),
    ("0e-999", "real\t0.0"),
    ("1e-310", "real\t1e-310"),
    ("real:4.9e-324", "real\t5e-324"),
    ("real:-inf", "real\t-inf"),
    ("text:0x10", "text\t0x10"),
    ("text:42", "text\t42"),
    ("text:int:5", "text\tint:5"),
  ])
  func sqlParameter_boundAsTheUserExpects(word: String, expected: String) throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = dir.path("p.sqlite")
    #expect(try gapdb(["init", store]).status == 0)
    let result = try gapdb(["sql", store, "SELECT typeof(:x), :x", "-p", "x", word, "--tsv", "--no-headers"])
    #expect(result.status == 0, "-p x \(word): \(result.stderr)")
    #expect(result.stdout == expected + "\n", "-p x \(word)")
  }

  @Test(arguments: [
    (
      "99999999999999999999999",
      "Error: -p x 99999999999999999999999: a whole number beyond 64 bits (INTEGER holds "
        + "-9223372036854775808 to 9223372036854775807)\nHint: pass real:99999999999999999999999 "
        + "to bind the nearest REAL, or text:99999999999999999999999 to bind the digits as TEXT.\n"
    ),
    (
      " -9223372036854775809",
      "Error: -p x -9223372036854775809: a whole number beyond 64 bits (INTEGER holds "
        + "-9223372036854775808 to 9223372036854775807)\nHint: pass real:-9223372036854775809 "
        + "to bind the nearest REAL, or text:-9223372036854775809 to bind the digits as TEXT.\n"
    ),
    (
      "1e400",
      "Error: -p x 1e400: beyond the range of a REAL (a double, up to about 1.8e308)\n"
        + "Hint: pass real:inf if you mean infinity, or text:1e400 to bind the text.\n"
    ),
    (
      "int:0x10",
      "Error: -p x int:0x10: not a decimal integer\nHint: int: takes a whole number from "
        + "-9223372036854775808 to 9223372036854775807; use real:… for a REAL or text:… for TEXT.\n"
    ),
    (
      "int:9223372036854775808",
      "Error: -p x int:9223372036854775808: beyond 64 bits\nHint: int: takes a whole number from "
        + "-9223372036854775808 to 9223372036854775807; use real:… for a REAL or text:… for TEXT.\n"
    ),
    (
      "real:nan",
      "Error: -p x real:nan: not a real number\nHint: real: takes a decimal (0.5, 1e-3), a hex "
        + "float (0x1p-3) or inf/-inf; NaN cannot be bound (SQLite stores it as NULL: write the SQL "
        + "with NULL instead).\n"
    ),
    (
      "real:1e999",
      "Error: -p x real:1e999: beyond the range of a REAL (a double, up to about 1.8e308)\n"
        + "Hint: write real:inf if you mean infinity.\n"
    ),
    // Issue 11: underflow to 0 of a nonzero number is refused like overflow.
    (
      "1e-400",
      "Error: -p x 1e-400: nonzero but below the smallest REAL magnitude (a double, about 4.9e-324); "
        + "it would bind 0\nHint: pass 0 if you mean zero, or text:1e-400 to bind the text.\n"
    ),
    (
      " -1e-400",
      "Error: -p x -1e-400: nonzero but below the smallest REAL magnitude (a double, about 4.9e-324); "
        + "it would bind 0\nHint: pass 0 if you mean zero, or text:-1e-400 to bind the text.\n"
    ),
    (
      "real:1e-400",
      "Error: -p x real:1e-400: nonzero but below the smallest REAL magnitude (a double, about 4.9e-324); "
        + "it would bind 0\nHint: pass 0 if you mean zero, or text:1e-400 to bind the text.\n"
    ),
    (
      "real:0x1p-1100",
      "Error: -p x real:0x1p-1100: nonzero but below the smallest REAL magnitude (a double, about 4.9e-324); "
        + "it would bind 0\nHint: pass 0 if you mean zero, or text:0x1p-1100 to bind the text.\n"
    ),
  ])
  func sqlParameter_betweenTypes_isAUsageError(word: String, expected: String) throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let store = dir.path("p.sqlite")
    #expect(try gapdb(["init", store]).status == 0)
    let before = FileManager.default.contents(atPath: store)
    for arguments in [
      ["sql", store, "SELECT typeof(:x)", "-p", "x", word],
      ["query", "runs", store, "-p", "experiment", word],
    ] {
      let result = try gapdb(arguments)
      #expect(result.status == 64, "gapdb \(arguments): \(result.stderr)")
      #expect(result.stdout == "")
      let named = arguments[0] == "sql" ? expected : expected.replacingOccurrences(of: "-p x ", with: "-p experiment ")
      #expect(result.stderr == named, "gapdb \(arguments)")
    }
    #expect(FileManager.default.contents(atPath: store) == before)
  }
}
