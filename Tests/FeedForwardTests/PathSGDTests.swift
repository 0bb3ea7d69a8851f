import Datasets
import FeedForward
import LinearAlgebra
import RealModule
import TestSupport
import Testing

@Suite struct PathSGDTests {
  @Test func squaredPathNorm_specExample_is32point5() throws {
    // measures-spec §3.3: W1 = [[1,−2],[0.5,1],[−1,0]], W2 = [[2,1,−1],[0,−1,3]], no biases.
    let net = MultilayerPerceptron(layers: [
      DenseLayer(weight: Matrix([[1, -2], [0.5, 1], [-1, 0]]), bias: [0, 0, 0]),
      DenseLayer(weight: Matrix([[2, 1, -1], [0, -1, 3]]), bias: [0, 0]),
    ])
    #expect(net.squaredPathNorm() == 32.5)
    #expect(try MLPReference.load().spec_example_squared_path_norm_nobias == 32.5)
    // Rescaling hidden unit 0 by 10 leaves φ₂² unchanged (spec §3.3).
    #expect(net.rescalingUnit(0, ofHiddenLayer: 1, by: 10).squaredPathNorm().isApproximatelyEqual(to: 32.5, relativeTolerance: 1e-6))
  }

  @Test func pathSGDScaling_referenceNetwork_matchesPathEnumeration() throws {
    let ref = try MLPReference.load()
    let net = ref.network
    #expect(net.squaredPathNorm().isApproximatelyEqual(to: ref.squared_path_norm, relativeTolerance: 1e-12))
    let kappa = net.pathSGDScaling()
    for l in 0..<3 {
      let fanIn = ref.layer_sizes[l]
      for r in 0..<ref.layer_sizes[l + 1] {
        for c in 0..<fanIn {
          #expect(kappa.weight[l][r * fanIn + c].isApproximatelyEqual(to: ref.kappa_weights[l][r][c], relativeTolerance: 1e-12))
        }
        #expect(kappa.bias[l][r].isApproximatelyEqual(to: ref.kappa_biases[l][r], relativeTolerance: 1e-12))
      }
    }
  }

  /// One step from `network` on a fixed batch; returns the updated network's logits on probes.
  private func logitsAfterOneStep(
    _ network: MultilayerPerceptron, method: OptimizationMethod, inputs: Matrix, labels: [Int], probes: Matrix
  ) -> Matrix {
    var net = network
    var optimizer = Optimizer(OptimizerConfiguration(method: method))
    let (_, g) = net.lossAndGradients(inputs: inputs, labels: labels)
    optimizer.step(&net, gradients: g, learningRate: 0.05)
    return net.logits(for: probes)
  }

  @Test func pathSGDStep_fromNodeRescaledCopy_givesSameFunction_whileSGDStepDoesNot() {
    let original = MultilayerPerceptron(layerSizes: [5, 8, 6, 3], seed: 21)
    // Rescale several hidden units in both hidden layers by factors far from 1.
    let rescaled = original
      .rescalingUnit(0, ofHiddenLayer: 1, by: 8)
      .rescalingUnit(3, ofHiddenLayer: 1, by: 0.125)
      .rescalingUnit(2, ofHiddenLayer: 2, by: 4)
      .rescalingUnit(5, ofHiddenLayer: 2, by: 0.25)
    var rng = SplitMix64(seed: 77)
    let inputs = Matrix(rows: 16, columns: 5, elements: (0..<80).map { _ in Float(rng.next() % 2000) / 1000 - 1 })
    let labels = (0..<16).map { _ in Int(rng.next() % 3) }
    let probes = Matrix(rows: 32, columns: 5, elements: (0..<160).map { _ in Float(rng.next() % 2000) / 1000 - 1 })
    // Before any step, both networks compute the same function (to float rounding).
    let before = maxAbsDifference(original.logits(for: probes), rescaled.logits(for: probes))
    #expect(before < 1e-5)

    let pathA = logitsAfterOneStep(original, method: .pathSGD, inputs: inputs, labels: labels, probes: probes)
    let pathB = logitsAfterOneStep(rescaled, method: .pathSGD, inputs: inputs, labels: labels, probes: probes)
    let sgdA = logitsAfterOneStep(original, method: .sgd, inputs: inputs, labels: labels, probes: probes)
    let sgdB = logitsAfterOneStep(rescaled, method: .sgd, inputs: inputs, labels: labels, probes: probes)
    let moved = maxAbsDifference(pathA, original.logits(for: probes))
    let pathGap = maxAbsDifference(pathA, pathB)
    let sgdGap = maxAbsDifference(sgdA, sgdB)
    // The step itself changes the function noticeably …
    #expect(moved > 1e-2, "path-SGD step moved logits by \(moved)")
    // … identically for both parameterizations (float32 rounding only) …
    #expect(pathGap < 1e-4, "path-SGD: max logit difference \(pathGap)")
    // … whereas plain SGD's step depends on the parameterization.
    #expect(sgdGap > 1e-2, "SGD: max logit difference \(sgdGap)")
  }
}

func maxAbsDifference(_ a: Matrix, _ b: Matrix) -> Double {
  zip(a.elements, b.elements).reduce(0) { max($0, Double(abs($1.0 - $1.1))) }
}
