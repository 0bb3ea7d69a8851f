/// Eval-mode batch-norm parameters of one `BatchNorm1d`/`BatchNorm2d` layer (state-dict names
/// `weight` = γ, `bias` = β, `running_mean`, `running_var`), one value per channel.
public struct BatchNormParameters: Sendable, Equatable {
  public let name: String
  /// γ (`weight`); PyTorch `affine=False` means all ones.
  public var scale: [Double]
  /// β (`bias`); `affine=False` means all zeros.
  public var shift: [Double]
  public var runningMean: [Double]
  public var runningVariance: [Double]
  /// PyTorch's default is 1e-5.
  public var epsilon: Double

  /// - Throws: ``ConvolutionError/wrongCount(layer:what:expected:actual:)`` if the four arrays
  ///   differ in length; ``ConvolutionError/invalidParameter(layer:parameter:value:hint:)`` if
  ///   `epsilon` is negative or not finite.
  public init(
    name: String, scale: [Double], shift: [Double], runningMean: [Double], runningVariance: [Double],
    epsilon: Double = 1e-5
  ) throws(ConvolutionError) {
    let n = scale.count
    for (what, array) in [("bias", shift), ("running_mean", runningMean), ("running_var", runningVariance)]
    where array.count != n {
      throw .wrongCount(layer: name, what: what, expected: n, actual: array.count)
    }
    guard epsilon >= 0, epsilon.isFinite else {
      throw .invalidParameter(layer: name, parameter: "eps", value: "\(epsilon)", hint: "must be finite and ≥ 0")
    }
    self.name = name
    self.scale = scale
    self.shift = shift
    self.runningMean = runningMean
    self.runningVariance = runningVariance
    self.epsilon = epsilon
  }

  /// Number of channels.
  public var channels: Int { scale.count }

  /// Per-channel multipliers `γ / sqrt(running_var + eps)`.
  /// - Throws: ``ConvolutionError/invalidBatchNorm(layer:channel:reason:)`` when
  ///   `running_var + eps` is ≤ 0 or NaN (the division would be meaningless). Non-finite γ, β or
  ///   means are data and propagate.
  public func multipliers() throws(ConvolutionError) -> [Double] {
    var result = [Double](repeating: 0, count: channels)
    for c in 0..<channels {
      let v = runningVariance[c] + epsilon
      guard v > 0 else {
        throw .invalidBatchNorm(
          layer: name, channel: c,
          reason: "running_var + eps = \(v) is not positive; check the running_var tensor")
      }
      result[c] = scale[c] / v.squareRoot()
    }
    return result
  }
}

/// Folds an eval-mode batch norm into the preceding layer's parameters (spec §1.1 "BatchNorm";
/// the `reparam` step of Neyshabur's and Dziugaite et al.'s `measures.py`):
/// `s = γ / sqrt(running_var + eps)`, `W[o, …] ← s[o]·W[o, …]`, `b ← β + s·(b − running_mean)`
/// (with `b = 0` if the layer had no bias). Afterwards the BN layer is the identity, and
/// `BN(layer(x)) = folded(x)` for every input.
///
/// - Parameters:
///   - weight: the preceding layer's weights with output channels first: a conv kernel
///     `(out, in/groups, k…)` or a linear `(out, in)`, row-major; `out = bn.channels`.
///   - bias: its bias `(out)` or `nil`.
///   - layer: name of the preceding layer, for errors.
/// - Returns: folded weight (same layout) and bias (always present).
/// - Throws: ``ConvolutionError/wrongCount(layer:what:expected:actual:)`` if `weight.count` is
///   not a multiple of `bn.channels` or the bias length differs;
///   ``ConvolutionError/invalidBatchNorm(layer:channel:reason:)`` from ``BatchNormParameters/multipliers()``.
/// - Complexity: O(weight.count).
public func foldBatchNorm(weight: [Double], bias: [Double]?, into bn: BatchNormParameters, layer: String)
  throws(ConvolutionError) -> (weight: [Double], bias: [Double])
{
  let out = bn.channels
  guard out > 0, weight.count % out == 0 else {
    throw .wrongCount(
      layer: layer, what: "weight (out channels first; BN \(bn.name) has \(out) channels)",
      expected: out * max(1, weight.count / max(out, 1)), actual: weight.count)
  }
  if let bias, bias.count != out {
    throw .wrongCount(layer: layer, what: "bias (BN \(bn.name) has \(out) channels)", expected: out, actual: bias.count)
  }
  let s = try bn.multipliers()
  let per = weight.count / out
  var w = weight
  for o in 0..<out {
    for j in 0..<per { w[o * per + j] *= s[o] }
  }
  var b = [Double](repeating: 0, count: out)
  for o in 0..<out { b[o] = bn.shift[o] + s[o] * ((bias?[o] ?? 0) - bn.runningMean[o]) }
  return (w, b)
}

extension ConvolutionLayer {
  /// This layer with `bn` folded in (see ``foldBatchNorm(weight:bias:into:layer:)``).
  /// - Throws: ``ConvolutionError/shapeMismatch(layer:expected:actual:)`` if `bn.channels` is not
  ///   the layer's output channel count; errors of the fold.
  public func folding(_ bn: BatchNormParameters) throws(ConvolutionError) -> ConvolutionLayer {
    guard bn.channels == geometry.outChannels else {
      throw .shapeMismatch(
        layer: bn.name, expected: "\(geometry.outChannels) channels (output of \(geometry.name))",
        actual: "\(bn.channels) channels")
    }
    let (w, b) = try foldBatchNorm(weight: weight, bias: bias, into: bn, layer: geometry.name)
    return try ConvolutionLayer(geometry: geometry, weight: w, bias: b)
  }
}

extension LinearLayer {
  /// This layer with `bn` (a `BatchNorm1d` after it) folded in.
  /// - Throws: as ``ConvolutionLayer/folding(_:)``.
  public func folding(_ bn: BatchNormParameters) throws(ConvolutionError) -> LinearLayer {
    guard bn.channels == outFeatures else {
      throw .shapeMismatch(
        layer: bn.name, expected: "\(outFeatures) features (output of \(name))", actual: "\(bn.channels) features")
    }
    let (w, b) = try foldBatchNorm(weight: weight, bias: bias, into: bn, layer: name)
    return try LinearLayer(name: name, inFeatures: inFeatures, outFeatures: outFeatures, weight: w, bias: b)
  }
}

extension BatchNormParameters {
  /// Applies the eval-mode batch norm to one example: `y[c, …] = s[c]·(x[c, …] − mean[c]) + β[c]`.
  /// Used to check that folding leaves the function unchanged.
  /// - Throws: ``ConvolutionError/shapeMismatch(layer:expected:actual:)`` if channels differ;
  ///   errors of ``multipliers()``.
  public func forward(_ input: [Double], shape: FeatureShape) throws(ConvolutionError) -> [Double] {
    guard shape.channels == channels, input.count == shape.count else {
      throw .shapeMismatch(layer: name, expected: "(\(channels), …)", actual: shape.description)
    }
    let s = try multipliers()
    let plane = shape.spatialCount
    var y = input
    for c in 0..<channels {
      for i in 0..<plane { y[c * plane + i] = s[c] * (input[c * plane + i] - runningMean[c]) + shift[c] }
    }
    return y
  }
}
