import Datasets
import FeedForward
import LinearAlgebra
import RealModule
import TestSupport
import Testing

@Suite struct ForwardBackwardTests {
  @Test func forwardAndLoss_referenceNetwork_matchNumpy() throws {
    let ref = try MLPReference.load()
    let net = ref.network
    let logits = net.logits(for: ref.inputMatrix)
    // Inputs and weights are multiples of 1/64, exact in float32; float32 accumulation error
    // over ≤ 4 terms per layer stays far below 1e-5.
    for r in 0..<5 {
      for c in 0..<2 {
        #expect(Double(logits[r, c]).isApproximatelyEqual(to: ref.logits[r][c], absoluteTolerance: 1e-5))
      }
    }
    let (loss, gradients) = net.lossAndGradients(inputs: ref.inputMatrix, labels: ref.labels)
    #expect(loss.isApproximatelyEqual(to: ref.mean_loss, absoluteTolerance: 1e-6))
    for l in 0..<3 {
      let g = gradients.weightGradient[l]
      for r in 0..<g.rows {
        for c in 0..<g.columns {
          #expect(Double(g[r, c]).isApproximatelyEqual(to: ref.weight_gradients[l][r][c], absoluteTolerance: 1e-6))
        }
      }
      for (got, want) in zip(gradients.biasGradient[l], ref.bias_gradients[l]) {
        #expect(Double(got).isApproximatelyEqual(to: want, absoluteTolerance: 1e-6))
      }
    }
  }

  /// A random network's analytic float32 gradient against central differences of an
  /// independent float64 forward pass (h = 1e-6, error O(h²) ≈ 1e-12, well below the float32
  /// gradient's ~1e-7 relative rounding). Widths 21 and 35 also run the 16-lane vector kernels
  /// (bias + ReLU, ReLU mask, column sums) and their scalar tails; 5 and 3 only the tails.
  /// Outputs of 3 take the transposed product of narrow output layers, 18 the direct one.
  @Test(arguments: [[4, 5, 3, 3], [6, 21, 35, 3], [5, 17, 18]])
  func gradient_randomNetwork_matchesCentralDifferences(layerSizes: [Int]) {
    for seed: UInt64 in [1, 2, 3] {
      let net = MultilayerPerceptron(layerSizes: layerSizes, initializer: .heNormal, seed: seed)
      var net2 = net
      var rng = SplitMix64(seed: seed)
      // Give biases non-zero values (He-normal starts them at 0).
      var p = net2.parameterVector()
      for i in p.indices where p[i] == 0 { p[i] = Float(Double(rng.next() % 1000) / 1000 - 0.5) }
      net2.setParameters(p)
      let inputCount = layerSizes[0], classCount = layerSizes[layerSizes.count - 1]
      let inputs = Matrix(
        rows: 6, columns: inputCount,
        elements: (0..<(6 * inputCount)).map { _ in Float(Double(rng.next() % 2000) / 1000 - 1) })
      let labels = (0..<6).map { _ in Int(rng.next() % UInt64(classCount)) }
      let (_, gradients) = net2.lossAndGradients(inputs: inputs, labels: labels)
      let analytic = gradients.vector()
      let theta = net2.parameterVector().map(Double.init)
      let x = (0..<6).map { r in (0..<inputCount).map { Double(inputs[r, $0]) } }
      let h = 1e-6
      var worst = 0.0
      for i in theta.indices {
        var plus = theta, minus = theta
        plus[i] += h
        minus[i] -= h
        let numeric =
          (referenceLoss(parameters: plus, layerSizes: layerSizes, inputs: x, labels: labels)
            - referenceLoss(parameters: minus, layerSizes: layerSizes, inputs: x, labels: labels)) / (2 * h)
        worst = max(worst, abs(numeric - Double(analytic[i])) / max(1e-3, abs(numeric)))
      }
      #expect(worst < 1e-3, "sizes \(layerSizes), seed \(seed): worst relative gradient error \(worst)")
    }
  }

  @Test func crossEntropy_hugeLogits_isFiniteAndStable() {
    // log-sum-exp with max subtraction: logits (1000, 0) for label 1 give loss 1000 exactly
    // (log(1 + e^−1000) underflows to 0).
    var g = Matrix(rows: 1, columns: 2)
    let r = softmaxCrossEntropy(logits: Matrix([[1000, 0]]), labels: [1][...], gradient: &g)
    #expect(r.meanLoss == 1000)
    #expect(r.errorCount == 1)
    #expect(g.elements == [1, -1])
  }

  @Test func crossEntropy_nanLogit_reportsNaNLoss() {
    var g = Matrix(rows: 1, columns: 2)
    let r = softmaxCrossEntropy(logits: Matrix([[.nan, 0]]), labels: [1][...], gradient: &g)
    #expect(r.meanLoss.isNaN)
    #expect(r.errorCount == 1)
  }

  @Test func initializer_pytorchDefault_staysWithinBound() {
    let net = MultilayerPerceptron(layerSizes: [100, 50, 10], initializer: .pytorchDefault, seed: 4)
    let bound: Float = 1 / 10  // 1/√100
    #expect(net.layers[0].weight.elements.allSatisfy { abs($0) <= bound })
    #expect(net.layers[0].bias.allSatisfy { abs($0) <= bound })
    // Uniform on (−0.1, 0.1): variance 0.01/3; 5000 samples give the mean of squares within 10%.
    let meanSquare = net.layers[0].weight.elements.reduce(0) { $0 + Double($1 * $1) } / 5000
    #expect(abs(meanSquare - 0.01 / 3) < 0.01 / 30)
  }

  @Test func initializer_heNormal_hasVarianceTwoOverFanIn() {
    let net = MultilayerPerceptron(layerSizes: [200, 100, 10], initializer: .heNormal, seed: 5)
    let w = net.layers[0].weight.elements
    let variance = w.reduce(0) { $0 + Double($1 * $1) } / Double(w.count)
    // 20,000 draws of N(0, 0.01): the sample variance has relative sd ≈ sqrt(2/20000) = 1%.
    #expect(abs(variance - 0.01) < 0.0005)
    #expect(net.layers[0].bias.allSatisfy { $0 == 0 })
  }

  @Test func evaluate_keptLogits_equalDirectLogits() {
    let net = MultilayerPerceptron(layerSizes: [3, 4, 2], seed: 9)
    var rng = SplitMix64(seed: 1)
    let x = Matrix(rows: 25, columns: 3, elements: (0..<75).map { _ in Float(rng.next() % 100) / 50 - 1 })
    let d = LabeledDataset(features: x, labels: (0..<25).map { $0 % 2 }, classCount: 2)
    let e = net.evaluate(on: d, chunkSize: 7, keepingLogitsOf: [0, 6, 7, 24])
    let direct = net.logits(for: x)
    for (k, r) in [0, 6, 7, 24].enumerated() {
      #expect(e.keptLogits[k, 0] == direct[r, 0] && e.keptLogits[k, 1] == direct[r, 1])
    }
    #expect(e.sampleCount == 25)
  }
}
