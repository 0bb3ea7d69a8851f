import ComplexityMeasures
import Foundation
import LinearAlgebra
import Testing

/// The spec's hand-worked 2-3-2 network (§3.3): W₁ = [[1,−2],[0.5,1],[−1,0]],
/// W₂ = [[2,1,−1],[0,−1,3]], no biases. By hand: ‖W₁‖_F² = 7.25, ‖W₂‖_F² = 16,
/// φ₁ = 13 and φ₂² = 32.5 (explicit sum over the 12 paths), σ₁(W₁) = 2.3790444666950767,
/// σ₁(W₂) = 3.53159113644255 (numpy).
private func handNetwork(scaleUnit0: Float = 1, layerScale: Float = 1) throws -> NetworkWeights {
  var w1 = Matrix([[1, -2], [0.5, 1], [-1, 0]])
  var w2 = Matrix([[2, 1, -1], [0, -1, 3]])
  for k in 0..<2 { w1[0, k] *= scaleUnit0 }
  for j in 0..<2 { w2[j, 0] /= scaleUnit0 }
  for i in w1.elements.indices { w1.elements[i] *= layerScale }
  for i in w2.elements.indices { w2.elements[i] /= layerScale }
  return try NetworkWeights(layers: [
    LayerWeights(name: "0", weights: w1), LayerWeights(name: "1", weights: w2),
  ])
}

private func value(_ report: MeasureReport, _ id: String) -> Double {
  report.measure(id)?.value ?? .nan
}

private func close(_ a: Double, _ b: Double, _ rel: Double = 1e-5) -> Bool {
  abs(a - b) <= rel * max(abs(a), abs(b))
}

@Test func handExample_normsAndPathNorms_matchHandValues() throws {
  var suite = MeasureSuite()
  let r = suite.evaluate(try handNetwork())
  #expect(close(value(r, "fro_prod"), 116))
  #expect(close(value(r, "fro_sum"), 2 * 116.0.squareRoot()))
  #expect(close(value(r, "param_norm_sq"), 23.25))
  #expect(close(value(r, "l1_path_norm"), 13))
  #expect(close(value(r, "l1_path_norm_nobias"), 13))
  #expect(close(value(r, "path_norm_sq"), 32.5))
  #expect(close(value(r, "l2_path_norm"), 32.5.squareRoot()))
  let s1 = 2.3790444666950767, s2 = 3.53159113644255
  #expect(close(value(r, "spec_prod"), s1 * s1 * s2 * s2))
  #expect(close(value(r, "stable_rank_sum"), 7.25 / (s1 * s1) + 16 / (s2 * s2)))
  #expect(close(r.layerSummaries[0].frobeniusNorm, 7.25.squareRoot()))
  #expect(close(r.layerSummaries[1].spectralNorm ?? 0, s2))
  #expect(close(r.layerSummaries[1].spectralNormPowerIteration ?? 0, s2))
  // Group norms of W₁: (1,∞) = max row ℓ1 = 3; (3,1.5) = (Σ_j sqrt(Σ_k |w|³))^{2/3}.
  #expect(r.layerSummaries[0].groupNormP1QInfinity == 3)
  let g = pow(9.0.squareRoot() + 1.125.squareRoot() + 1, 2.0 / 3.0)
  #expect(close(r.layerSummaries[0].groupNormP3Q1p5, g))
  #expect(r.measure("num_params")?.value == 12)
  #expect(r.measure("fro_prod_over_margin")?.kind == .undefined)
}

@Test func handExample_nodeRescaling_keepsPathNormChangesProducts() throws {
  var suite = MeasureSuite()
  let r = suite.evaluate(try handNetwork(scaleUnit0: 10))
  #expect(close(value(r, "path_norm_sq"), 32.5))
  #expect(close(value(r, "l1_path_norm"), 13))
  // Spec §3.3: Frobenius product (unsquared) 77.8, spectral product 76.4.
  #expect(abs(value(r, "fro_prod").squareRoot() - 77.8) < 0.05)
  #expect(abs(value(r, "spec_prod").squareRoot() - 76.4) < 0.05)
}

@Test func handExample_layerRescaling_keepsFroSumChangesLiteralSum() throws {
  var suite = MeasureSuite()
  let r = suite.evaluate(try handNetwork(layerScale: 10))
  #expect(close(value(r, "fro_sum"), 21.540659228538015))
  #expect(close(value(r, "fro_prod").squareRoot(), 10.770329614269007))
  // 725 + 0.16 = 725.16.
  #expect(close(value(r, "param_norm_sq"), 725.16))
}

@Test func marginPercentiles_specExample_followBothConventions() throws {
  // Margins 1…20 with two classes: logit[y] = γ_i, other = 0.
  var logits: [Double] = []
  var labels: [Int] = []
  for i in 1...20 {
    logits += [Double(i), 0]
    labels.append(0)
  }
  let o = try TrainingOutputStatistics(logits: logits, classCount: 2, labels: labels)
  #expect(o.marginP10 == 2)  // kthvalue(20 // 10)
  #expect(abs(o.marginP5Interpolated - 1.95) < 1e-12)  // np.percentile(·, 5)
  #expect(o.marginMinimum == 1)
  #expect(o.marginP50 == 10)
  #expect(o.fractionNonPositiveMargin == 0)
}

@Test func deepNetwork_fiftyLayersOfNormTen_doesNotOverflow() throws {
  // 50 layers of 4×4, each 2.5·I₄ (‖W‖_F = 5·... ) scaled to Frobenius norm 10: W = 5·I₄.
  var layers: [LayerWeights] = []
  for i in 0..<50 {
    var w = Matrix(rows: 4, columns: 4)
    for k in 0..<4 { w[k, k] = 5 }
    layers.append(LayerWeights(name: "\(i)", weights: w, bias: [Float](repeating: 1, count: 4)))
  }
  var suite = MeasureSuite()
  let r = suite.evaluate(try NetworkWeights(layers: layers))
  let fro = try #require(r.measure("fro_prod"))
  // Π ‖W‖_F² = 100^50 = 1e100: finite in Double, log exact.
  #expect(fro.kind == .finite)
  #expect(close(fro.logValue ?? 0, 50 * log(100.0)))
  // ℓ2 path norm without biases: Σ_paths Π w² = 4·25^50; log exact.
  let path = try #require(r.measure("path_norm_sq_nobias"))
  #expect(close(path.logValue ?? 0, log(4.0) + 50 * log(25.0)))
  // With p = 2 and 1000 layers' worth the value would overflow; log stays finite.
  #expect(close(value(r, "spec_sum"), 50 * 25))
}
