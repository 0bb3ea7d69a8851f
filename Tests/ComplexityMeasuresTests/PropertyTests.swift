import ComplexityMeasures
import Foundation
import LinearAlgebra
import TestSupport
import Testing

/// Seeded random networks and the rescalings of the spec's N/L/O columns (§2): a measure
/// marked invariant must not move (float32 round-off aside), and one marked not invariant
/// must move, for every measure that is defined on both networks.
private func randomNetwork(_ sizes: [Int], seed: UInt64) throws -> NetworkWeights {
  var rng = SplitMix64(seed: seed)
  func uniform(_ n: Int, _ scale: Float) -> [Float] { (0..<n).map { _ in Float.random(in: -scale...scale, using: &rng) } }
  var layers: [LayerWeights] = []
  for i in 0..<(sizes.count - 1) {
    let (fanIn, fanOut) = (sizes[i], sizes[i + 1])
    let s = 1.7 / Float(fanIn).squareRoot()
    let w = Matrix(rows: fanOut, columns: fanIn, elements: uniform(fanIn * fanOut, s))
    let w0 = Matrix(rows: fanOut, columns: fanIn, elements: uniform(fanIn * fanOut, s))
    layers.append(LayerWeights(name: "\(i)", weights: w, bias: uniform(fanOut, 0.2), initialWeights: w0))
  }
  return try NetworkWeights(layers: layers)
}

/// ReLU forward pass; `x` is (m, h_0), returns logits (m, k) row-major in Double.
private func forward(_ net: NetworkWeights, _ x: Matrix) -> [Double] {
  var a = x
  for (i, layer) in net.layers.enumerated() {
    var z = matmul(a, layer.weights, transposeB: .transposed)
    for r in 0..<z.rows {
      for c in 0..<z.columns {
        var v = z[r, c] + (layer.bias?[c] ?? 0)
        if i < net.depth - 1 { v = max(v, 0) }
        z[r, c] = v
      }
    }
    a = z
  }
  return a.elements.map(Double.init)
}

private enum Rescaling: CaseIterable { case node, layer, output }

private func rescale(_ net: NetworkWeights, _ kind: Rescaling, c: Float) throws -> NetworkWeights {
  var layers = net.layers
  switch kind {
  case .node:
    // Every hidden unit u of layer 0 by its own factor (c or 1/c, alternating): incoming
    // weights and bias × c_u, outgoing ÷ c_u. (One unit alone can leave a max-type measure
    // such as unit_impact_max unchanged without it being invariant.)
    for u in 0..<layers[0].fanOut {
      let cu = u % 2 == 0 ? c : 1 / c
      for k in 0..<layers[0].fanIn { layers[0].weights[u, k] *= cu }
      layers[0].bias?[u] *= cu
      for j in 0..<layers[1].fanOut { layers[1].weights[j, u] /= cu }
    }
  case .layer:  // W₀, b₀ × c and W₁ ÷ c
    for i in layers[0].weights.elements.indices { layers[0].weights.elements[i] *= c }
    layers[0].bias = layers[0].bias?.map { $0 * c }
    for i in layers[1].weights.elements.indices { layers[1].weights.elements[i] /= c }
  case .output:  // output × c, spread over all layers: W_i × c^{1/d}, b_i × c^{(i+1)/d}
    let d = Float(layers.count)
    for i in layers.indices {
      let f = pow(c, 1 / d)
      for e in layers[i].weights.elements.indices { layers[i].weights.elements[e] *= f }
      layers[i].bias = layers[i].bias?.map { $0 * pow(c, Float(i + 1) / d) }
    }
  }
  return try NetworkWeights(layers: layers)
}

private func evaluate(_ net: NetworkWeights, inputs x: Matrix) throws -> MeasureReport {
  let logits = forward(net, x)
  let k = net.outputDimension
  let labels = (0..<x.rows).map { r in (0..<k).max { logits[r * k + $0] < logits[r * k + $1] }! }
  let outputs = try TrainingOutputStatistics(logits: logits, classCount: k, labels: labels)
  var suite = MeasureSuite(options: LayerSummaryOptions(spectralMethod: .exact))
  return suite.evaluate(net, outputs: outputs, inputs: computeInputStatistics(x, network: net))
}

@Test(arguments: [[6, 8, 4], [6, 8, 7, 4]])
func invariances_followTheRegistryFlags(sizes: [Int]) throws {
  let net = try randomNetwork(sizes, seed: UInt64(sizes.count) * 7919)
  var rng = SplitMix64(seed: 99)
  let x = Matrix(rows: 60, columns: sizes[0], elements: (0..<(60 * sizes[0])).map { _ in Float.random(in: -1...1, using: &rng) })
  let base = try evaluate(net, inputs: x)
  for kind in Rescaling.allCases {
    let moved = try evaluate(try rescale(net, kind, c: 3.7), inputs: x)
    var checked = 0
    for def in MeasureRegistry.all {
      guard let a = base.measure(def.id)?.value, let b = moved.measure(def.id)?.value else { continue }
      checked += 1
      let invariant: Bool
      switch kind {
      case .node: invariant = def.isNodeRescalingInvariant
      case .layer: invariant = def.isLayerRescalingInvariant
      case .output: invariant = def.isOutputScalingInvariant
      }
      let change = abs(a - b) / max(abs(a), abs(b), 1e-300)
      if invariant {
        #expect(change <= 2e-4, "\(def.id) should be invariant to \(kind) rescaling: \(a) → \(b)")
      } else {
        #expect(change > 1e-3, "\(def.id) is marked not invariant to \(kind) rescaling but did not move: \(a) → \(b)")
      }
    }
    #expect(checked >= (sizes.count == 3 ? 70 : 60))
  }
}

@Test func normInequalities_holdOnRandomMatrices() throws {
  var rng = SplitMix64(seed: 2024)
  for _ in 0..<25 {
    let rows = Int.random(in: 1...40, using: &rng), cols = Int.random(in: 1...40, using: &rng)
    let w = Matrix(rows: rows, columns: cols, elements: (0..<(rows * cols)).map { _ in Float.random(in: -2...2, using: &rng) })
    let s = summarizeLayer(LayerWeights(name: "w", weights: w), index: 0)
    let spectral = try #require(s.spectralNorm)
    let rank = Double(min(rows, cols))
    #expect(spectral <= s.frobeniusNorm * (1 + 1e-6))
    #expect(s.frobeniusNorm <= rank.squareRoot() * spectral * (1 + 1e-6))
    #expect(try #require(s.stableRank) >= 1 - 1e-5)
    #expect(try #require(s.stableRank) <= rank + 1e-5)
    // Power iteration agrees with the SVD within its tolerance (1e-6 on the last change);
    // 1e-3 allows for slow convergence when σ₁ ≈ σ₂.
    #expect(abs(try #require(s.spectralNormPowerIteration) - spectral) <= 1e-3 * spectral)
    // Schatten norms are ordered: ‖σ‖_∞ ≤ ‖σ‖_1.5 ≤ ‖σ‖_1.
    let s1 = try #require(s.schattenNorm1), s15 = try #require(s.schattenNorm1p5)
    #expect(spectral <= s15 * (1 + 1e-6))
    #expect(s15 <= s1 * (1 + 1e-6))
  }
}

@Test func warmStartedSuite_reusesVectorsAcrossEpochs() throws {
  var net = try randomNetwork([30, 40, 10], seed: 5)
  var suite = MeasureSuite(options: LayerSummaryOptions(spectralMethod: .powerIteration))
  let first = suite.evaluate(net)
  // A small "epoch" of change.
  var layers = net.layers
  for i in layers[0].weights.elements.indices { layers[0].weights.elements[i] *= 1.001 }
  net = try NetworkWeights(layers: layers)
  let second = suite.evaluate(net)
  let coldIterations = first.layerSummaries[0].powerIterations ?? 0
  let warmIterations = second.layerSummaries[0].powerIterations ?? 0
  #expect(warmIterations < coldIterations, "warm \(warmIterations) vs cold \(coldIterations)")
  #expect(abs((second.layerSummaries[0].spectralNormPowerIteration ?? 0) / (first.layerSummaries[0].spectralNormPowerIteration ?? 1) - 1.001) < 1e-4)
  #expect(second.measure("schatten_prod_p1")?.kind == .undefined)
}

// MARK: - Case 11: degenerate layers

@Test func case11_degenerateShapes_giveNormsAndSpectra() throws {
  var rng = SplitMix64(seed: 11)
  func random(_ r: Int, _ c: Int) -> Matrix {
    Matrix(rows: r, columns: c, elements: (0..<(r * c)).map { _ in Float.random(in: -1...1, using: &rng) })
  }
  let column = random(512, 1), row = random(1, 512), scalar = Matrix([[-3]])
  let net = try NetworkWeights(layers: [
    LayerWeights(name: "col", weights: column), LayerWeights(name: "row", weights: row),
    LayerWeights(name: "one", weights: scalar),
  ])
  var suite = MeasureSuite()
  let r = suite.evaluate(net)
  // A rank-1 matrix: ‖W‖₂ = ‖W‖_F, stable rank 1.
  for s in r.layerSummaries {
    #expect(relativelyClose(s.spectralNorm ?? 0, s.frobeniusNorm, rel: 1e-5))
    #expect(relativelyClose(s.stableRank ?? 0, 1, rel: 1e-5))
  }
  #expect(r.layerSummaries[2].quantiles.allSatisfy { $0 == -3 })
  #expect(r.layerSummaries[2].standardDeviation == 0)
  #expect(relativelyClose(r.measure("stable_rank_sum")?.value ?? 0, 3, rel: 1e-5))
  #expect(r.measures.allSatisfy { $0.value.kind != .nan })
}

@Test func case11_zeroMatrix_spectralZeroStableRankUndefined() throws {
  let zero = LayerWeights(name: "zero", weights: Matrix(rows: 5, columns: 4))
  let s = summarizeLayer(zero, index: 0)
  #expect(s.spectralNorm == 0)
  #expect(s.spectralNormPowerIteration == 0)
  #expect(s.stableRank == nil)
  #expect(s.nearZeroFraction == 1)
  #expect(s.quantiles == [0, 0, 0, 0, 0, 0, 0])
  let net = try NetworkWeights(layers: [zero, LayerWeights(name: "out", weights: Matrix([[1, 2, 3, 4, 5]]))])
  var suite = MeasureSuite()
  let r = suite.evaluate(net)
  #expect(r.measure("stable_rank_sum")?.kind == .undefined)
  #expect(r.measure("stable_rank_sum")?.detail?.contains("zero") == true)
  #expect(r.measure("fro_prod")?.value == 0)
  #expect(r.measure("fro_prod")?.logValue == -.infinity)
  #expect(r.measure("l1_path_norm_nobias")?.value == 0)
}

@Test func case11_nanEntry_normsNaNSpectralUndefinedWithReason() throws {
  var w = Matrix([[1, 2], [3, 4], [5, 6]])
  w[1, 0] = .nan
  let layer = LayerWeights(name: "bad", weights: w)
  let s = summarizeLayer(layer, index: 0)
  #expect(s.frobeniusNorm.isNaN)
  #expect(s.nonFiniteCount == 1)
  #expect(s.spectralNorm == nil && s.spectralNormPowerIteration == nil && s.schattenNorm1 == nil)
  #expect(s.spectralUndefinedReason?.contains("1 non-finite") == true)
  #expect(s.minimum.isNaN && s.q50.isNaN)
  let net = try NetworkWeights(layers: [layer, LayerWeights(name: "out", weights: Matrix([[1, 1, 1]]))])
  var suite = MeasureSuite()
  let r = suite.evaluate(net)
  #expect(r.measure("fro_prod")?.kind == .nan)
  #expect(r.measure("spec_prod")?.kind == .undefined)
  #expect(r.measure("spec_prod")?.detail?.contains("non-finite") == true)
  #expect(r.measure("path_norm_sq")?.kind == .nan)
  #expect(r.measure("num_params")?.value == 9)
}

@Test func networkShapes_invalidChains_throwNamingLayers() {
  #expect(throws: NetworkShapeError.chainMismatch(previous: "a", previousShape: "3×2", next: "b", nextShape: "2×4")) {
    try NetworkWeights(layers: [
      LayerWeights(name: "a", weights: Matrix(rows: 3, columns: 2)), LayerWeights(name: "b", weights: Matrix(rows: 2, columns: 4)),
    ])
  }
  #expect(throws: NetworkShapeError.biasLength(name: "a", expected: 3, found: 2)) {
    try NetworkWeights(layers: [LayerWeights(name: "a", weights: Matrix(rows: 3, columns: 2), bias: [0, 0])])
  }
  #expect(throws: NetworkShapeError.noLayers) { try NetworkWeights(layers: []) }
}

@Test func overparametrization_deeperNetwork_isUndefinedWithReason() throws {
  let net = try randomNetwork([4, 5, 5, 3], seed: 1)
  var suite = MeasureSuite()
  let r = suite.evaluate(net)
  #expect(r.measure("unit_impact_mean")?.kind == .undefined)
  #expect(r.measure("unit_impact_mean")?.detail?.contains("two-layer") == true)
  #expect(r.measure("unit_capacity_max")?.detail?.contains("3 layers") == true)
}

@Test func quantiles_duplicatesAndSignedZeros_matchSortedDefinition() {
  var rng = SplitMix64(seed: 77)
  let palette: [Float] = [-1, -0.0, 0, 0.5, 1e-30, -3e38, 7]
  for count in [1, 2, 9, 1000, 40_000] {
    let values = (0..<count).map { _ in palette[Int.random(in: 0..<palette.count, using: &rng)] }
    let s = summarizeLayer(LayerWeights(name: "q", weights: Matrix(rows: 1, columns: count, elements: values)), index: 0)
    let sorted = values.map(Double.init).sorted()
    for (q, got) in zip(LayerSummary.quantileLevels, s.quantiles) {
      // numpy's linear method: position q·(n−1).
      let pos = q * Double(count - 1)
      let lo = Int(pos.rounded(.down)), hi = min(lo + 1, count - 1)
      let t = pos - Double(lo)
      let expected = t < 0.5 ? sorted[lo] + (sorted[hi] - sorted[lo]) * t : sorted[hi] - (sorted[hi] - sorted[lo]) * (1 - t)
      #expect(got == expected || (got == 0 && expected == 0), "n=\(count) q=\(q): \(got) vs \(expected)")
    }
  }
}

@Test func pathNorms_fusedKernel_matchesSeparatePasses() throws {
  for (sizes, seed) in [([13, 17, 9, 3], UInt64(1)), ([40, 33, 8], 2), ([7, 1, 7, 2], 3)] {
    let net = try randomNetwork(sizes, seed: seed)
    let fused = standardPathNormLogs(net)
    for (i, p) in [1.0, 1.5, 2.0].enumerated() {
      let separate = pathNormLogs(net, p: p)
      #expect(abs(fused[i].withBiases - separate.withBiases) < 1e-5, "p=\(p) sizes \(sizes)")
      #expect(abs(fused[i].withoutBiases - separate.withoutBiases) < 1e-5, "p=\(p) sizes \(sizes)")
    }
  }
}
