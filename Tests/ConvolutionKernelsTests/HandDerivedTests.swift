import ConvolutionKernels
import Foundation
import Testing

/// Values derived by hand (see each comment), plus geometry errors.
@Suite struct HandDerivedTests {
  /// Reshape vs exact. A 2→2-channel 3×3 kernel whose 9 taps all equal M = diag(2, 1):
  /// the reshaped matrix is [M M … M] (2 × 18), whose Gram matrix is 9·MMᵀ, so its norm is
  /// 3·σ(M) = 6. The circular operator at frequency 0 is Σ_taps M = 9M, and |Σ_t ω^t| ≤ 9 at every
  /// other frequency, so the operator norm is 9·σ(M) = 18: exactly sqrt(9) = 3 times the reshaped
  /// norm (the bound ‖A‖ ≤ sqrt(Π k)·‖W_reshaped‖ is tight). A kernel with the single non-zero tap
  /// M (a "delta") gives A = I ⊗ M: operator norm = reshaped norm = 2.
  @Test func reshapeVersusExact_handKernels() throws {
    let g = try ConvolutionGeometry(
      name: "c", inChannels: 2, outChannels: 2, kernelSize: [3, 3], padding: [1], paddingMode: .circular)
    var same = [Double](repeating: 0, count: 36)
    var delta = same
    for tap in 0..<9 {
      same[(0 * 2 + 0) * 9 + tap] = 2
      same[(1 * 2 + 1) * 9 + tap] = 1
    }
    delta[(0 * 2 + 0) * 9 + 4] = 2
    delta[(1 * 2 + 1) * 9 + 4] = 1
    let input = FeatureShape(channels: 2, spatial: [5, 5])
    let sameNorm = try convolutionSpectralNorm(ConvolutionLayer(geometry: g, weight: same), inputShape: input)
    #expect(sameNorm.relation == .exact)
    #expect(abs(sameNorm.value - 18) < 1e-12)
    #expect(sameNorm.frequency == [0, 0])
    let deltaNorm = try convolutionSpectralNorm(ConvolutionLayer(geometry: g, weight: delta), inputShape: input)
    #expect(abs(deltaNorm.value - 2) < 1e-12)
    // Power iteration with the real conv/adjoint agrees.
    let power = try convolutionOperatorNorm(ConvolutionLayer(geometry: g, weight: same), inputShape: input)
    #expect(abs(power.value - 18) < 1e-8)
  }

  /// 1-D, one channel, kernel [1, −1] (a difference filter), circular, n = 4: the eigenvalues of
  /// the circulant are 1 − ω^u for ω = e^{−2πi/4}, |1 − ω^u| = 2|sin(πu/4)|, largest 2 at u = 2
  /// (the alternating vector). Zero padding 0, stride 1, n = 4 → 3 outputs: the 3×4 matrix with
  /// rows (1,−1,0,0), (0,1,−1,0), (0,0,1,−1) has DDᵀ = tridiag(−1, 2, −1) (3×3), eigenvalues
  /// 2 − 2cos(kπ/4), k = 1..3, so ‖D‖ = sqrt(2 + √2) = 2cos(π/8) = 1.8477590650225735.
  @Test func differenceFilter_handValues() throws {
    let circ = try ConvolutionGeometry(
      name: "d", inChannels: 1, outChannels: 1, kernelSize: [2], padding: [0], paddingMode: .circular)
    let layer = try ConvolutionLayer(geometry: circ, weight: [1, -1])
    let exact = try circularConvolutionSpectralNorm(weight: layer.weight, geometry: circ, gridSize: [4])
    #expect(abs(exact.value - 2) < 1e-14)
    #expect(exact.frequency == [2])
    let zeros = try ConvolutionGeometry(name: "d", inChannels: 1, outChannels: 1, kernelSize: [2])
    let valid = try convolutionOperatorNorm(
      ConvolutionLayer(geometry: zeros, weight: [1, -1]), inputShape: FeatureShape(channels: 1, spatial: [4]),
      relativeTolerance: 1e-15)
    #expect(abs(valid.value - (2 + 2.0.squareRoot()).squareRoot()) < 1e-9)
    // The frequency value on the padded grid (n + 2p = 4) is an upper bound: 2 ≥ 1.85.
    let bound = try convolutionSpectralNorm(
      ConvolutionLayer(geometry: zeros, weight: [1, -1]), inputShape: FeatureShape(channels: 1, spatial: [4]))
    #expect(bound.relation == .upperBound && abs(bound.value - 2) < 1e-14)
  }

  /// Circular padding 2 with a 3×3 kernel on 5×5 gives 7×7 outputs: output rows q and q + 5
  /// read the same circulant row, so the circulant's norm is no bound (relation `.unrelated`), and
  /// the real operator is larger. By hand for a one-channel all-ones 3×3 kernel: the circulant's
  /// norm is 9 (frequency 0); the 7×7-output operator applied to the all-ones input gives 9 at
  /// all 49 outputs, so ‖A‖ ≥ 9·7/5 = 12.6 > 9.
  @Test func circularPaddingLargerThanNeeded_isUnrelated() throws {
    let g = try ConvolutionGeometry(
      name: "c", inChannels: 1, outChannels: 1, kernelSize: [3, 3], padding: [2], paddingMode: .circular)
    let layer = try ConvolutionLayer(geometry: g, weight: [Double](repeating: 1, count: 9))
    let input = FeatureShape(channels: 1, spatial: [5, 5])
    let frequency = try convolutionSpectralNorm(layer, inputShape: input)
    #expect(frequency.relation == .unrelated && abs(frequency.value - 9) < 1e-12)
    let power = try convolutionOperatorNorm(layer, inputShape: input)
    #expect(power.value >= 12.6 - 1e-9)
  }

  /// A warm start from the converged vector converges in the minimum number of iterations.
  @Test func powerIteration_warmStart() throws {
    let g = try ConvolutionGeometry(name: "c", inChannels: 3, outChannels: 4, kernelSize: [3, 3], stride: [2], padding: [1])
    let weight = (0..<g.weightCount).map { sin(Double($0) * 1.7) }
    let layer = try ConvolutionLayer(geometry: g, weight: weight)
    let input = FeatureShape(channels: 3, spatial: [9, 9])
    let cold = try convolutionOperatorNorm(layer, inputShape: input, relativeTolerance: 1e-12)
    let warm = try convolutionOperatorNorm(layer, inputShape: input, warmStart: cold.rightVector, relativeTolerance: 1e-10)
    #expect(cold.converged && warm.converged)
    #expect(warm.iterations <= 5, "warm start took \(warm.iterations) (cold \(cold.iterations))")
    #expect(relativelyClose(warm.value, cold.value, 1e-10))
  }

  @Test func nonFiniteWeights_giveNaN() throws {
    let g = try ConvolutionGeometry(name: "c", inChannels: 1, outChannels: 1, kernelSize: [2, 2], padding: [1])
    let layer = try ConvolutionLayer(geometry: g, weight: [1, .nan, 0, 1])
    #expect(try convolutionSpectralNorm(layer, inputShape: FeatureShape(channels: 1, spatial: [3, 3])).value.isNaN)
    #expect(try convolutionOperatorNorm(layer, inputShape: FeatureShape(channels: 1, spatial: [3, 3])).value.isNaN)
  }

  // MARK: - Geometry and errors

  @Test func outputShape_pytorchFormula() throws {
    // (32 + 2·1 − 1·(3−1) − 1)/2 + 1 = 16; with dilation 2: (32 + 2 − 4 − 1)/2 + 1 = 15.
    let g = try ConvolutionGeometry(name: "c", inChannels: 3, outChannels: 8, kernelSize: [3, 3], stride: [2], padding: [1])
    #expect(try g.outputShape(for: FeatureShape(channels: 3, spatial: [32, 32])) == FeatureShape(channels: 8, spatial: [16, 16]))
    let d = try ConvolutionGeometry(name: "c", inChannels: 3, outChannels: 8, kernelSize: [3, 3], stride: [2], padding: [1], dilation: [2])
    #expect(try d.outputShape(for: FeatureShape(channels: 3, spatial: [32, 32])).spatial == [15, 15])
    #expect(g.weightShape == [8, 3, 3, 3])
    let pool = try PoolingGeometry(name: "p", kind: .max, kernelSize: [3, 3], stride: [2], padding: [1])
    #expect(try pool.outputShape(for: FeatureShape(channels: 4, spatial: [7, 6])).spatial == [4, 3])
  }

  @Test func shapeMismatch_namesLayerAndBothShapes() throws {
    let g = try ConvolutionGeometry(name: "features.3", inChannels: 64, outChannels: 128, kernelSize: [3, 3], padding: [1])
    let error = #expect(throws: ConvolutionError.self) {
      try g.outputShape(for: FeatureShape(channels: 32, spatial: [16, 16]))
    }
    let text = error.map { "\($0)" } ?? ""
    #expect(text.contains("features.3") && text.contains("(64, *, *)") && text.contains("(32, 16, 16)"), "\(text)")
  }

  @Test func invalidGeometries_areRefusedWithTheirValue() throws {
    func message(_ body: () throws -> Void) -> String {
      do { try body(); return "" } catch { return "\(error)" }
    }
    let groups = message { _ = try ConvolutionGeometry(name: "c1", inChannels: 6, outChannels: 4, kernelSize: [3], groups: 4) }
    #expect(groups.contains("c1") && groups.contains("groups = 4") && groups.contains("in_channels (6)"))
    let stride = message { _ = try ConvolutionGeometry(name: "c2", inChannels: 1, outChannels: 1, kernelSize: [3], stride: [0]) }
    #expect(stride.contains("stride = [0, 0]") || stride.contains("stride"))
    let rank = message { _ = try ConvolutionGeometry(name: "c3", inChannels: 1, outChannels: 1, kernelSize: [3, 3, 3]) }
    #expect(rank.contains("kernel_size"))
    let empty = message {
      _ = try ConvolutionGeometry(name: "c4", inChannels: 1, outChannels: 1, kernelSize: [5])
        .outputShape(for: FeatureShape(channels: 1, spatial: [3]))
    }
    #expect(empty.contains("c4") && empty.contains("empty output") && empty.contains("3 < dilated kernel extent 5"))
    let overflow = message {
      _ = try ConvolutionGeometry(name: "c5", inChannels: 1, outChannels: 1, kernelSize: [3], padding: [Int.max / 2])
        .outputShape(for: FeatureShape(channels: 1, spatial: [8]))
    }
    #expect(overflow.contains("c5") && overflow.contains("overflows"))
    let weights = message {
      let g = try ConvolutionGeometry(name: "c6", inChannels: 2, outChannels: 3, kernelSize: [2, 2])
      _ = try ConvolutionLayer(geometry: g, weight: [1, 2, 3])
    }
    #expect(weights.contains("c6") && weights.contains("has 3 elements, expected 24"))
    let variance = message {
      _ = try BatchNormParameters(name: "bn7", scale: [1, 1], shift: [0, 0], runningMean: [0, 0], runningVariance: [1, -2]).multipliers()
    }
    #expect(variance.contains("bn7") && variance.contains("channel 1"))
    let linear = message {
      let l = try LinearLayer(name: "fc", inFeatures: 10, outFeatures: 2, weight: [Double](repeating: 0, count: 20))
      _ = try l.forward([Double](repeating: 0, count: 12), shape: FeatureShape(channels: 3, spatial: [2, 2]))
    }
    #expect(linear.contains("fc") && linear.contains("(10)") && linear.contains("(3, 2, 2)"))
  }
}
