import ConvolutionKernels
import Testing

/// Conv forward, adjoint, pooling and operator norms against `make_reference.py` (numpy direct
/// loops and dense operator matrices). The brief asks for 1e-5; float64 everywhere gives ~1e-12.
@Suite struct ConvolutionReferenceTests {
  static let cases = ConvReference.shared.conv.map(\.name)

  private func conv(_ name: String) -> ConvReference.Conv {
    ConvReference.shared.conv.first { $0.name == name }!
  }

  @Test(arguments: cases) func forward_matchesReference(_ name: String) throws {
    let c = conv(name)
    let layer = try c.layer()
    let (y, shape) = try layer.forward(c.input, shape: c.inputShape)
    #expect(shape == FeatureShape(channels: c.out_channels, spatial: c.output_spatial))
    #expect(allClose(y, c.output, 1e-10), "\(name)")
  }

  @Test(arguments: cases) func transpose_matchesDenseOperatorTranspose(_ name: String) throws {
    let c = conv(name)
    let layer = try c.layer()
    let x = try layer.transpose(c.ybar, inputShape: c.inputShape)
    #expect(allClose(x, c.transpose, 1e-10), "\(name)")
  }

  /// Power iteration with the real conv and its adjoint equals σ_max of the dense operator matrix
  /// for every geometry (stride 2, zero/circular padding, dilation, groups, 1-D).
  @Test(arguments: cases) func powerIteration_equalsDenseOperatorNorm(_ name: String) throws {
    let c = conv(name)
    let estimate = try convolutionOperatorNorm(try c.layer(), inputShape: c.inputShape, relativeTolerance: 1e-13)
    #expect(relativelyClose(estimate.value, c.operator_norm, 1e-6), "\(name): \(estimate.value) vs \(c.operator_norm)")
    #expect(estimate.value <= c.operator_norm * (1 + 1e-12), "a Rayleigh quotient never exceeds the norm")
  }

  /// The direct DFT of the taps equals numpy fft2 + svd (Dziugaite's method) on the same grid.
  @Test(arguments: cases) func frequencyNorm_matchesNumpyFFT(_ name: String) throws {
    let c = conv(name)
    let layer = try c.layer()
    let result = try circularConvolutionSpectralNorm(weight: layer.weight, geometry: layer.geometry, gridSize: c.fft_grid)
    #expect(relativelyClose(result.value, c.fft_norm, 1e-10), "\(name): \(result.value) vs \(c.fft_norm)")
  }

  /// Exact where theory says (circular, stride 1, same size), a true upper bound elsewhere.
  @Test(arguments: cases) func frequencyNorm_relationToOperatorNorm(_ name: String) throws {
    let c = conv(name)
    let result = try convolutionSpectralNorm(try c.layer(), inputShape: c.inputShape)
    let exactCases: Set = ["circ_same", "circ_groups2", "circ_dilated", "circ_kernel_wraps", "conv1d_circ", "zeros_1x1"]
    if exactCases.contains(name) {
      #expect(result.relation == .exact)
      #expect(relativelyClose(result.value, c.operator_norm, 1e-10), "\(name): \(result.value) vs \(c.operator_norm)")
    } else {
      #expect(result.relation == .upperBound)
      #expect(result.value >= c.operator_norm * (1 - 1e-12), "\(name): bound \(result.value) < \(c.operator_norm)")
    }
  }

  /// ‖A‖ ≤ sqrt(Π k)·‖W_reshaped‖ for every geometry (A x = Σ_taps W_t S_t x with each S_t a
  /// contraction), and the reshaped norm is *not* the operator norm.
  @Test(arguments: cases) func reshapedNorm_boundsOperatorNormBySqrtTaps(_ name: String) throws {
    let c = conv(name)
    let taps = Double(c.kernel.reduce(1, *))
    #expect(c.operator_norm <= taps.squareRoot() * c.reshape_norm * (1 + 1e-12))
  }

  @Test(arguments: ConvReference.shared.pool.map(\.name)) func pooling_matchesReference(_ name: String) throws {
    let p = ConvReference.shared.pool.first { $0.name == name }!
    let pool = try PoolingGeometry(
      name: name, kind: PoolingGeometry.Kind(rawValue: p.kind)!, kernelSize: p.kernel,
      stride: p.stride.isEmpty ? nil : p.stride, padding: p.padding.isEmpty ? [0] : p.padding)
    let shape = FeatureShape(channels: p.input_shape[0], spatial: Array(p.input_shape.dropFirst()))
    let (y, out) = try pool.forward(p.input, shape: shape)
    #expect(out == FeatureShape(channels: p.output_shape[0], spatial: Array(p.output_shape.dropFirst())))
    #expect(allClose(y, p.output, 1e-12), "\(name)")
  }
}
