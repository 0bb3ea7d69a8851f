import Foundation
import TestSupport
import Testing

@testable import SweepPlanning

/// Hostile sweep inputs (issue 11): empty files, products that overflow, and a seeded
/// mutation run over TOML, JSON and YAML sweep files and `--grid` text.
@Suite struct HostileSweepFileTests {
  @Test func emptyFiles_areRefusedNamingTheFile() throws {
    let cases: [(String, SweepFileParser.Format)] = [
      ("", .toml), ("  \n\n", .toml), ("# only a comment\n", .toml), ("name = \"x\"\n", .toml), ("[grid]\n", .toml),
      ("", .json), ("{}", .json), ("{\"grid\": {}, \"fixed\": {}}", .json),
      ("", .yaml), ("---\n", .yaml), ("# nothing\n", .yaml), ("{}", .yaml), ("name: x\n", .yaml),
    ]
    for (text, format) in cases {
      #expect(throws: SweepPlanningError.emptyFile(path: "s.\(format)"), "\(format) '\(text)'") {
        try SweepFileParser.parse(text, format: format, path: "s.\(format)")
      }
    }
    let error = SweepPlanningError.emptyFile(path: "s.toml")
    #expect(error.description == "Sweep file 's.toml' is empty: it names no axis and no fixed value.")
    #expect(error.hint.contains("[grid]"))
    // Fixed values alone are one configuration, as before.
    #expect(try SweepFileParser.parse("[fixed]\nwidth = 8\n", format: .toml).configurations().count == 1)
  }

  @Test func productBeyondTheLimit_isRefusedNotAnOverflow() throws {
    // 12 axes of 100 values: 10^24 configurations, more than Int.max.
    var axes: [SweepAxis: [SweepValue]] = [:]
    let many = SweepAxis.allCases.filter { $0 != .hiddenLayout && $0 != .optimizer && $0 != .initialization }
    for axis in many { axes[axis] = (1...100).map { axis == .labelNoise ? .real(Double($0) / 100) : .integer($0) } }
    let spec = SweepSpecification(axes: axes)
    #expect(spec.configurationCount == Int.max)
    #expect(throws: SweepPlanningError.self) { try spec.configurations() }
    // 1,000,001 configurations: one more than the limit.
    let justOver = SweepSpecification(axes: [
      .seed: (0..<1001).map { .integer($0) }, .width: (1...999).map { .integer($0) },
    ])
    #expect(justOver.configurationCount == 999_999)
    let over = SweepSpecification(axes: [.seed: (0..<1001).map { .integer($0) }, .width: (1...1000).map { .integer($0) }])
    #expect(throws: SweepPlanningError.tooManyConfigurations(axisSizes: ["width 1000", "seed 1001"], limit: 1_000_000)) {
      try over.validate()
    }
    #expect(
      SweepPlanningError.tooManyConfigurations(axisSizes: ["width 1000", "seed 1001"], limit: 1_000_000).description
        == "The sweep has more than 1000000 configurations (width 1000 × seed 1001).")
  }

  static let seeds: [(String, SweepFileParser.Format)] = [
    ("name = \"w\"\n[fixed]\nepochs = 2\ntrain_size = 256\n[grid]\nseed = [1, 2]\nhidden_layout = [\"8x4\", [2, 3]]\n", .toml),
    ("{\"name\": \"w\", \"fixed\": {\"epochs\": 2}, \"grid\": {\"width\": [64, 1024], \"label_noise\": [0, 0.5]}}", .json),
    ("name: w\nfixed:\n  epochs: 2\ngrid:\n  width: [64, 256]\n  seed:\n    - 1\n    - 2\n", .yaml),
  ]

  /// Each seed file mutated 3,000 times and a `--grid` text 3,000 times (seed 11): parsing and
  /// planning either succeed (with a configuration count within the limit) or throw a
  /// ``SweepPlanningError``, and never trap.
  @Test func fuzz_mutatedSweepFilesAndGrids_returnOrThrowNeverCrash() throws {
    var mutator = Mutator(seed: 11)
    var returned = 0, thrown = 0
    func check(_ body: () throws(SweepPlanningError) -> SweepSpecification) {
      do {
        let spec = try body()
        let configurations = try spec.configurations()
        #expect(configurations.count == spec.configurationCount)
        for c in configurations.prefix(4) { _ = (c.key, c.hiddenLayout, c.displayName, c.resolvedHyperparameters) }
        returned += 1
      } catch {
        #expect(!error.description.isEmpty)
        thrown += 1
      }
    }
    for (text, format) in Self.seeds {
      for _ in 0..<(3000 * Mutator.scale) {
        let mutant = String(decoding: mutator.mutate(Array(text.utf8)), as: UTF8.self)
        check { () throws(SweepPlanningError) in try SweepFileParser.parse(mutant, format: format) }
      }
    }
    let grid = "width=64,256,1024;label_noise=0,1;hidden_layout=512x256;lr=0.01"
    for _ in 0..<(3000 * Mutator.scale) {
      let mutant = String(decoding: mutator.mutate(Array(grid.utf8)), as: UTF8.self)
      check { () throws(SweepPlanningError) in try SweepSpecification.parseGrid(mutant) }
    }
    #expect(returned > 100 && thrown > 100, "returned \(returned), thrown \(thrown)")
  }
}

/// toml++ aborts (debug) or has undefined behaviour (release) on these table headers; they
/// must be refused before reaching it, while valid headers and arrays of arrays still parse.
@Test func tomlHeaderWithoutKey_isRefusedBeforeTomlPlusPlus() throws {
  for text in [
    "[\nseed = [1, 2]\n", "[fixed]\nepochs = 2\n[ \n", "[=]\n", "[[#x\n", "x = 1\n  [.a]\n", "[grid]\nseed = [1, }\n",
    "[grid]\nseed = [[1], }]\n", "[grid]\nseed = [\u{2028}1]\n", "[grid]\nseed = [1,\u{85}2]\n",
  ] {
    #expect(throws: SweepPlanningError.self, "\(text)") { try SweepFileParser.parse(text, format: .toml) }
    #expect(TOMLPrecheck.problem(text) != nil, "\(text)")
  }
  #expect(TOMLPrecheck.problem("[\nseed = 1\n") == "line 1: a table header's '[' must be followed by a key, e.g. [grid]")
  let valid = """
    # [ comment
    name = "a [\\n\\" [x"
    note = '''
    [
    '''
    [ grid ]
    hidden_layout = [
      [
        2, 3],
      "8x4",
    ]
    [ "fixed" ]
    epochs = 2
    """
  #expect(TOMLPrecheck.problem(valid) == nil)
  #expect(TOMLPrecheck.problem("x = [{a = 1}, {b = [2]}]\ny = \"\u{2028}\"\n") == nil)
  // (`note` is not a sweep key: the parser refuses it by name, after toml++ read the file.)
  #expect(throws: SweepPlanningError.unknownFileKey(path: "<input>", key: "note")) {
    try SweepFileParser.parse(valid, format: .toml)
  }
}
