import CorrelationStatistics
import Testing

/// Grid levels compare by exact value (issue 11: `correlate --csv` merged 2^70 and 2^70+1).
@Suite struct GridLevelTests {
  @Test func integersBeyondDoublePrecision_stayDistinct() {
    // 2^70 = 1180591620717411303424; as doubles both texts are 1.1805916207174113e21.
    #expect(Double("1180591620717411303424") == Double("1180591620717411303425"))
    #expect(GridLevel.key(parsing: "1180591620717411303424") == "1180591620717411303424")
    #expect(GridLevel.key(parsing: "1180591620717411303425") == "1180591620717411303425")
    #expect(GridLevel.key(parsing: "9007199254740993") != GridLevel.key(parsing: "9007199254740992"))
    #expect(GridLevel.key(parsing: "0.1000000000000000000001") != GridLevel.key(parsing: "0.1"))
  }

  @Test func sameNumberDifferentSpelling_isOneLevel() {
    let one = ["1", "1.0", "1.000", "+1", "1e0", "10e-1", " 1 ", "0001", "1."]
    #expect(Set(one.map { GridLevel.key(parsing: $0) }) == ["1"])
    #expect(Set(["0.1", "0.10", "1e-1", ".1", "1E-1"].map { GridLevel.key(parsing: $0) }) == ["0.1"])
    #expect(Set(["0", "-0", "0.0", "+0e5", "-0.000"].map { GridLevel.key(parsing: $0) }) == ["0"])
    #expect(GridLevel.key(parsing: "-2.50") == "-2.5")
    #expect(GridLevel.key(parsing: "1e100") == "1e100")
    #expect(GridLevel.key(parsing: "1.5e-300") == "1.5e-300")
    #expect(GridLevel.key(parsing: "120e-3") == "0.12")
    #expect(GridLevel.key(parsing: "") == nil && GridLevel.key(parsing: "  ") == nil)
  }

  @Test func textIsText_exactAndApartFromNumbers() {
    #expect(GridLevel.key(parsing: "sgd") == "sgd")
    #expect(GridLevel.key(parsing: "SGD") != GridLevel.key(parsing: "sgd"))
    // Not decimal: text, not 16 (Double("0x10") would read 16).
    #expect(GridLevel.key(parsing: "0x10") == "0x10")
    #expect(GridLevel.key(parsing: "1_000") == "1_000" && GridLevel.key(parsing: "1e") == "1e")
    // A store's TEXT "1" is not the number 1; a text starting with a quote stays unambiguous.
    #expect(GridLevel.key(text: "1") == "\"1\"")
    #expect(GridLevel.key(text: "1") != GridLevel.key(integer: 1))
    #expect(GridLevel.key(text: "\"1\"") == "\"\"\"1\"\"\"")
    #expect(GridLevel.key(text: "inf") != GridLevel.key(real: .infinity))
    #expect(GridLevel.key(text: "adam") == "adam")
  }

  @Test func nonFiniteSpellings() {
    #expect(Set(["inf", "Inf", "+infinity", "INFINITY"].map { GridLevel.key(parsing: $0) }) == ["inf"])
    #expect(Set(["-inf", "-Infinity"].map { GridLevel.key(parsing: $0) }) == ["-inf"])
    #expect(GridLevel.key(parsing: "NaN") == "nan")
    #expect(GridLevel.key(real: -.infinity) == "-inf" && GridLevel.key(real: .nan) == "nan")
  }

  @Test func storeValues_integerRealAndText() {
    // An integer-valued REAL is the INTEGER of the same value.
    #expect(GridLevel.key(real: 2.0) == GridLevel.key(integer: 2))
    #expect(GridLevel.key(real: -0.0) == "0")
    // 2^60 as a REAL is exact: 1152921504606846976 (its shortest text 1.152921504606847e18
    // would be a different integer, 1152921504606847000).
    #expect(GridLevel.key(real: 0x1p60) == "1152921504606846976")
    #expect(GridLevel.key(real: 0x1p60) != GridLevel.key(integer: 1_152_921_504_606_847_000))
    // Other reals by their shortest round-trip text: distinct doubles, distinct keys.
    #expect(GridLevel.key(real: 0.1) == GridLevel.key(parsing: "0.1"))
    #expect(GridLevel.key(real: 0.1 + 0.2) == "0.30000000000000004")
    #expect(GridLevel.key(real: 0.1.nextUp) != GridLevel.key(real: 0.1))
    #expect(GridLevel.key(integer: .min) == "-9223372036854775808")
  }

  @Test func grid_keepsExactLevelsApart() {
    let runs = ["1180591620717411303424", "1180591620717411303425", "1", "1.0"]
    let grid = HyperparameterGrid(axisNames: ["n"], values: runs.map { [GridLevel.key(parsing: $0)] })
    #expect(grid.levels[0] == ["1180591620717411303424", "1180591620717411303425", "1"])
    #expect(grid.configurationCount == 3)
  }
}
