import ComplexityMeasures
import Foundation
import LinearAlgebra
import TestSupport
import Testing

/// Fixtures from `scripts/reference/measures_reference.py` (numpy, float64 from the same
/// float32 weights). Tolerance: 1e-5 relative (float32 SVD and path-norm passes are accurate
/// to ~1e-6), plus 1e-9 absolute for values near 0 (means, quantiles).
struct ReferenceFile: Decodable {
  struct Layer: Decodable {
    var weights: [[Float]]
    var bias: [Float]?
    var `init`: [[Float]]?
  }
  struct Case: Decodable {
    var name: String
    var layers: [Layer]
    var logits: [[Double]]?
    var labels: [Int]?
    var inputs: [[Float]]?
    var expected_layers: [[String: Double?]]
    var expected_measures: [String: Double?]
  }
  var cases: [Case]
}

func loadReference() throws -> ReferenceFile {
  let data = try Data(contentsOf: fixtureURL("measures/reference_networks.json"))
  return try JSONDecoder().decode(ReferenceFile.self, from: data)
}

func makeNetwork(_ c: ReferenceFile.Case) throws -> NetworkWeights {
  try NetworkWeights(
    layers: c.layers.enumerated().map { i, l in
      LayerWeights(
        name: "\(i)", weights: Matrix(l.weights), bias: l.bias, initialWeights: l.`init`.map { Matrix($0) })
    })
}

func relativelyClose(_ a: Double, _ b: Double, rel: Double = 1e-5, abs absolute: Double = 1e-9) -> Bool {
  if a == b { return true }
  return abs(a - b) <= rel * max(abs(a), abs(b)) + absolute
}

@Test(arguments: try loadReference().cases.map(\.name))
func reference_everyMeasure_matchesNumpy(caseName: String) throws {
  let file = try loadReference()
  let c = try #require(file.cases.first { $0.name == caseName })
  let network = try makeNetwork(c)
  var outputs: TrainingOutputStatistics?
  if let logits = c.logits, let labels = c.labels {
    outputs = try TrainingOutputStatistics(logits: logits.flatMap { $0 }, classCount: logits[0].count, labels: labels)
  }
  let inputs = c.inputs.map { computeInputStatistics(Matrix($0), network: network) }
  var suite = MeasureSuite(options: LayerSummaryOptions(spectralMethod: .both))
  let report = suite.evaluate(network, outputs: outputs, inputs: inputs)
  #expect(report.measures.count == c.expected_measures.count)
  for result in report.measures {
    let expected = try #require(c.expected_measures[result.id], "no reference for \(result.id)")
    if let expected {
      let v = try #require(result.value.value, "\(caseName) \(result.id) undefined: \(result.value.detail ?? "")")
      #expect(relativelyClose(v, expected), "\(caseName) \(result.id): \(v) vs numpy \(expected)")
      if expected > 0 {
        #expect(relativelyClose(result.value.logValue ?? .nan, log(expected), rel: 1e-6, abs: 1e-5))
      }
    } else {
      #expect(result.value.kind == .undefined, "\(caseName) \(result.id) should be undefined, got \(String(describing: result.value.value))")
      #expect(result.value.detail?.isEmpty == false)
    }
  }
}

@Test(arguments: try loadReference().cases.map(\.name))
func reference_layerSummaries_matchNumpy(caseName: String) throws {
  let file = try loadReference()
  let c = try #require(file.cases.first { $0.name == caseName })
  let network = try makeNetwork(c)
  for (i, layer) in network.layers.enumerated() {
    let s = summarizeLayer(layer, index: i)
    let e = c.expected_layers[i]
    func check(_ key: String, _ value: Double?, rel: Double = 1e-5) {
      guard let expected = e[key] ?? nil else {
        #expect(value == nil, "\(caseName) layer \(i) \(key) should be nil")
        return
      }
      #expect(value.map { relativelyClose($0, expected, rel: rel) } == true, "\(caseName) layer \(i) \(key): \(String(describing: value)) vs \(expected)")
    }
    check("fro", s.frobeniusNorm)
    check("spec", s.spectralNorm)
    check("spec", s.spectralNormPowerIteration, rel: 1e-4)
    check("stable_rank", s.stableRank)
    check("l1", s.l1Norm)
    check("max_abs", s.maxAbs)
    check("mean", s.mean)
    check("std", s.standardDeviation)
    check("min", s.minimum)
    check("max", s.maximum)
    check("near_zero_fraction", s.nearZeroFraction)
    for (key, q) in zip(["q01", "q05", "q25", "q50", "q75", "q95", "q99"], s.quantiles) {
      check(key, q, rel: 1e-12)
    }
    check("group_1_inf", s.groupNormP1QInfinity)
    check("group_2_2", s.groupNormP2Q2)
    check("group_3_1p5", s.groupNormP3Q1p5)
    check("schatten_1", s.schattenNorm1)
    check("schatten_1p5", s.schattenNorm1p5)
    check("row_norm_sum", s.rowNormSum)
    check("fro_dist", s.frobeniusDistanceFromInit)
    check("spec_dist", s.spectralDistanceFromInit)
    check("dist_row_norm_sum", s.distanceRowNormSum)
  }
}
