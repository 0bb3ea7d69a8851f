import Foundation

/// One step of a sequential network as the path-norm forward pass sees it (eval mode, batch norm
/// already folded with ``foldBatchNorm(weight:bias:into:layer:)``).
public enum NetworkStep: Sendable {
  case convolution(ConvolutionLayer)
  case linear(LinearLayer)
  case pooling(PoolingGeometry)
  /// `(C, …) → (C·Π spatial)` in the ``FeatureShape`` layout (PyTorch `flatten(1)`).
  case flatten
  /// ReLU; on the non-negative activations of the path-norm pass it is the identity.
  case relu
  /// Dropout at evaluation, or a batch norm folded away: the identity.
  case identity
}

/// The result of ``pathNorm(of:inputShape:exponent:includeBiases:)``.
public struct PathNormResult: Sendable, Equatable {
  /// p.
  public var exponent: Double
  public var includesBiases: Bool
  /// `log Σ_outputs f_{|θ|^p}(1)` (natural log) = `log φ_p^p`; −∞ when every output is 0, NaN
  /// when a parameter is NaN, +∞ only if a parameter is +∞.
  public var logSum: Double
  /// `φ_p^p = exp(logSum)`: the Jiang/Dziugaite `path_norm` for p = 2 (no root, eq. 44). May be
  /// +∞ for deep nets: use ``logSum``.
  public var sum: Double { exp(logSum) }
  /// `log φ_p = logSum / p` (Neyshabur's `lp_path_norm` takes the p-th root).
  public var logPathNorm: Double { logSum / exponent }
}

/// The ℓ_p path norm of a sequential conv/linear network by one forward pass (spec §3.3, E.2, E.4):
/// every weight — and every bias if `includeBiases` — is replaced by `|θ|^p`, the network is run on
/// the all-ones input of `inputShape`, and the outputs are summed: `φ_p^p = Σ_outputs f_{|θ|^p}(1)`.
/// This is what Neyshabur's `generalization-bounds` and Dziugaite et al.'s `measures.py`
/// (`_path_norm`, p = 2, eq. 44 of Jiang et al. 2020) compute by `param.pow_(p)` and `model(ones)`.
/// Conventions that follow from running the real architecture: the value counts paths through
/// every spatial position (so it depends on input size, padding and stride); max pooling takes a
/// max instead of summing paths; average pooling divides by `Π kernel` (its `1/k²` is *not* raised
/// to p, as in the reference code); ReLU is the identity because all activations are ≥ 0.
///
/// **Log domain.** After every conv/linear step the activation is divided by its largest entry
/// and the log of that factor is accumulated; biases enter as `|b|^p·e^{−L}` against the running
/// log scale `L` (computed with a shared scale so neither term overflows). So the result is finite
/// for any depth whose true value fits a float64 *logarithm*.
///
/// - Parameters:
///   - steps: the layers in order; BN must already be folded.
///   - inputShape: the network's input shape, e.g. `(3, 32, 32)`.
///   - exponent: p > 0 (1, 1.5, 2 in the spec).
///   - includeBiases: `false` drops every bias (`…_path_norm_nobias`).
/// - Throws: any shape error, naming the layer and both shapes; ``ConvolutionError/invalidParameter(layer:parameter:value:hint:)``
///   for p ≤ 0 or non-finite p.
/// - Complexity: one forward pass of the network (float64).
public func pathNorm(of steps: [NetworkStep], inputShape: FeatureShape, exponent p: Double, includeBiases: Bool)
  throws(ConvolutionError) -> PathNormResult
{
  guard p > 0, p.isFinite else {
    throw .invalidParameter(layer: "path norm", parameter: "p", value: "\(p)", hint: "must be a finite number > 0")
  }
  _ = try inputShape.validated(layer: "input")
  func power(_ x: [Double]) -> [Double] { x.map { pow(abs($0), p) } }
  var act = [Double](repeating: 1, count: inputShape.count)
  var shape = inputShape
  var logScale = 0.0  // true activation = e^{logScale}·act

  /// Adds a (powered) bias against the running scale and renormalizes.
  func affine(_ linear: [Double], bias: [Double]?, positionsPerChannel: Int) {
    var l = logScale
    if let bias {
      let maxBias = bias.max() ?? 0
      if maxBias > 0, maxBias.isFinite { l = max(l, log(maxBias)) }
      let a = exp(logScale - l)
      act = linear.map { $0 * a }
      for c in bias.indices where bias[c] != 0 {
        let b = bias[c] * exp(-l)
        for i in 0..<positionsPerChannel { act[c * positionsPerChannel + i] += b }
      }
    } else {
      act = linear
    }
    logScale = l
    let s = act.max() ?? 0
    if s > 0, s.isFinite {
      for i in act.indices { act[i] /= s }
      logScale += log(s)
    }
  }

  for step in steps {
    switch step {
    case .convolution(let layer):
      let powered = try ConvolutionLayer(
        geometry: layer.geometry, weight: power(layer.weight), bias: includeBiases ? layer.bias.map(power) : nil)
      let (y, outShape) = try powered.forward(act, shape: shape, includeBias: false)
      shape = outShape
      affine(y, bias: powered.bias, positionsPerChannel: shape.spatialCount)
    case .linear(let layer):
      let powered = try LinearLayer(
        name: layer.name, inFeatures: layer.inFeatures, outFeatures: layer.outFeatures,
        weight: power(layer.weight), bias: includeBiases ? layer.bias.map(power) : nil)
      let (y, outShape) = try powered.forward(act, shape: shape, includeBias: false)
      shape = outShape
      affine(y, bias: powered.bias, positionsPerChannel: 1)
    case .pooling(let pool):
      (act, shape) = try pool.forward(act, shape: shape)
    case .flatten:
      shape = FeatureShape(channels: shape.count)
    case .relu:
      act = act.map { $0 < 0 ? 0 : $0 }
    case .identity:
      break
    }
  }
  let total = act.reduce(0, +)
  let logSum = total.isNaN ? Double.nan : (total == 0 ? -Double.infinity : logScale + log(total))
  return PathNormResult(exponent: p, includesBiases: includeBiases, logSum: logSum)
}

/// Runs a sequential network on one example (eval mode; batch norm folded or absent).
///
/// - Parameters:
///   - input: `shape.count` values in the ``FeatureShape`` layout.
/// - Returns: the output and its shape.
/// - Throws: the first shape error, naming the layer and both shapes.
/// - Complexity: one forward pass in float64.
public func evaluate(_ steps: [NetworkStep], input: [Double], shape: FeatureShape) throws(ConvolutionError)
  -> (output: [Double], shape: FeatureShape)
{
  var x = input
  var s = try shape.validated(layer: "input")
  guard x.count == s.count else { throw .wrongCount(layer: "input", what: "input \(s)", expected: s.count, actual: x.count) }
  for step in steps {
    switch step {
    case .convolution(let layer): (x, s) = try layer.forward(x, shape: s)
    case .linear(let layer): (x, s) = try layer.forward(x, shape: s)
    case .pooling(let pool): (x, s) = try pool.forward(x, shape: s)
    case .flatten: s = FeatureShape(channels: s.count)
    case .relu: x = x.map { $0 < 0 ? 0 : $0 }
    case .identity: break
    }
  }
  return (x, s)
}
