/// The result of ``convolutionOperatorNorm(_:inputShape:warmStart:relativeTolerance:maxIterations:minIterations:)``.
public struct OperatorNormEstimate: Sendable, Equatable {
  /// Estimate of the operator 2-norm ‖A‖ of the layer's linear part on `inputShape` (a lower
  /// bound that increases with every iteration); NaN for non-finite weights.
  public var value: Double
  /// Unit input-shaped vector (layout of ``FeatureShape``); pass it back as `warmStart` for the
  /// next checkpoint of the same layer.
  public var rightVector: [Double]
  public var iterations: Int
  /// Whether the relative change fell to the tolerance before `maxIterations`.
  public var converged: Bool
}

/// The operator 2-norm of a conv layer's linear part for its **real geometry** (stride, zero or
/// circular padding, dilation, groups) and input shape, by power iteration on `AᵀA` with the
/// actual convolution `A` and its adjoint `Aᵀ` (transposed convolution); spec §3.2 "Conv layers".
///
/// Each iteration: `u = A v`, `v' = Aᵀ u`, `σ² ≈ ⟨v, AᵀA v⟩ = ‖A v‖²` for unit `v`; it stops
/// after at least `minIterations` once the relative change of σ is ≤ `relativeTolerance`.
/// Convergence is geometric with ratio (σ₂/σ₁)² per iteration — slow when the top singular values
/// are close, which for convolutions happens often (neighbouring frequencies have similar
/// per-frequency norms), so the error after stopping can exceed the tolerance by the factor
/// σ₂²/(σ₁² − σ₂²). With a warm start from the previous checkpoint's vector, a few iterations
/// usually suffice. For circular stride-1 layers ``circularConvolutionSpectralNorm(weight:geometry:gridSize:)``
/// is exact and usually faster.
///
/// - Parameters:
///   - warmStart: an input-shaped start vector (any scale); ignored if its length is wrong, it is
///     zero or non-finite. Default: a fixed deterministic pseudo-random vector.
/// - Throws: shape errors of ``ConvolutionGeometry/outputShape(for:)``.
/// - Complexity: O(iterations · C_out · K · P), two convolutions per iteration.
public func convolutionOperatorNorm(
  _ layer: ConvolutionLayer, inputShape: FeatureShape, warmStart: [Double]? = nil,
  relativeTolerance: Double = 1e-9, maxIterations: Int = 2000, minIterations: Int = 3
) throws(ConvolutionError) -> OperatorNormEstimate {
  let plan = try ConvolutionPlan(geometry: layer.geometry, inputShape: inputShape)
  let n = inputShape.count
  if layer.weight.contains(where: { !$0.isFinite }) {
    return OperatorNormEstimate(value: .nan, rightVector: [Double](repeating: 0, count: n), iterations: 0, converged: false)
  }
  func norm(_ x: [Double]) -> Double { x.reduce(0) { $0 + $1 * $1 }.squareRoot() }
  var v: [Double]
  if let warmStart, warmStart.count == n, warmStart.allSatisfy(\.isFinite), norm(warmStart) > 0 {
    v = warmStart
  } else {
    // Deterministic, sign-varied start (SplitMix64-derived), so no symmetry hides the top vector.
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    v = (0..<n).map { _ in
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      z ^= z >> 31
      return Double(z >> 11) / Double(1 << 53) - 0.5
    }
  }
  var scale = 1 / norm(v)
  for i in v.indices { v[i] *= scale }
  var sigma = 0.0
  var iterations = 0
  var converged = false
  while iterations < maxIterations {
    let u = try plan.forward(layer, v, includeBias: false)
    let newSigma = norm(u)
    iterations += 1
    if newSigma == 0 {
      sigma = 0
      converged = true
      break
    }
    let back = try plan.transpose(layer, u)
    let backNorm = norm(back)
    let change = abs(newSigma - sigma)
    sigma = newSigma
    if backNorm == 0 { converged = true; break }
    scale = 1 / backNorm
    v = back.map { $0 * scale }
    if iterations >= minIterations && change <= relativeTolerance * sigma {
      converged = true
      break
    }
  }
  // The final value uses the last normalized v (Rayleigh quotient ‖A v‖ is a lower bound).
  let final = norm(try plan.forward(layer, v, includeBias: false))
  return OperatorNormEstimate(value: max(final, sigma), rightVector: v, iterations: iterations, converged: converged)
}
