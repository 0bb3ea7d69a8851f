import Foundation
import RealModule
import TestSupport

/// A JSON number, or one of the strings "nan", "inf", "-inf" that the reference script writes
/// for non-finite values.
struct JSONDouble: Decodable {
  let value: Double
  init(from decoder: Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let d = try? container.decode(Double.self) {
      value = d
    } else {
      let s = try container.decode(String.self)
      switch s {
      case "nan": value = .nan
      case "inf": value = .infinity
      case "-inf": value = -.infinity
      default:
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "bad number \(s)")
      }
    }
  }
}

struct CorrelationFixture: Decodable {
  struct Counts: Decodable {
    let count: Int
    let concordant: Int
    let discordant: Int
    let tiedX: Int
    let tiedY: Int
    let tiedBoth: Int
  }
  struct Case: Decodable {
    let name: String
    let x: [JSONDouble]
    let y: [JSONDouble]
    let used: Int
    let excluded: Int
    let tau_a: Double?
    let tau_b: Double?
    let spearman: Double?
    let pearson: Double?
    let counts: Counts
  }
  let cases: [Case]
}

struct ConditioningSetValue: Decodable {
  let set: [String]
  let value: Double?
}

struct PsiFixture: Decodable {
  struct Example: Decodable {
    let axes: [String]
    let runs: [[String]]
    let measure: [Double]
    let gap: [Double]
    let psi: Double
    let psi_axis: [String: Double]
    let tau_a: Double
  }
  let example: Example
}

struct CMIFixture: Decodable {
  struct Example: Decodable {
    let axes: [String]
    let runs: [[String]]
    let measure: [Double]
    let gap: [Double]
    let paper: [ConditioningSetValue]
    let pgdl: [ConditioningSetValue]
  }
  let example: Example
}

struct RandomGridFixture: Decodable {
  struct Average: Decodable {
    let psi: Double
    let psi_axis: [String: Double]
    let paper: [ConditioningSetValue]
    let pgdl: [ConditioningSetValue]
  }
  struct Keep: Decodable {
    let psi: Double
    let psi_axis: [String: Double]
    let paper: [ConditioningSetValue]
  }
  struct Example: Decodable {
    let axes: [String]
    let runs: [[String]]
    let measure: [Double]
    let gap: [Double]
    let average: Average
    let keep: Keep
  }
  let example: Example
}

struct SignErrorFixture: Decodable {
  struct Example: Decodable {
    let axes: [String]
    let runs: [[String]]
    let measure: [Double]
    let gap: [Double]
    let test_size: Int
    let environments_considered: Int
    let environments_kept: Int
    let mean: Double
    let max: Double
    let median: Double
    let p90: Double
    let per_axis_mean: [String: Double?]
    let weights: [String: Double]
  }
  let example: Example
}

func loadFixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
  let data = try Data(contentsOf: fixtureURL("statistics/\(name)"))
  return try JSONDecoder().decode(T.self, from: data)
}

/// Statistics computed in double precision by two different algorithms agree to ~1e-12;
/// 1e-9 absolute leaves room for summation order without hiding a wrong formula (the
/// smallest meaningful difference in these fixtures is 1/P ≥ 1e-5).
let statisticsTolerance = 1e-9

func close(_ a: Double?, _ b: Double?, tolerance: Double = statisticsTolerance) -> Bool {
  switch (a, b) {
  case (nil, nil): return true
  case (let a?, let b?): return a.isApproximatelyEqual(to: b, absoluteTolerance: tolerance)
  default: return false
  }
}
