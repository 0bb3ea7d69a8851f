import Foundation
import LinearAlgebra

/// ℓp path norms of a network, as natural logs of the sum over paths.
///
/// `logSum` is `ln Σ_paths Π_e |w_e|^p` = `ln φ_p^p` (Neyshabur, Tomioka, Srebro 2015,
/// arXiv:1503.00036, the ℓp path regularizer). With biases, each bias is an extra input edge
/// fed by a constant 1, as in the all-ones forward pass of Neyshabur's and Dziugaite's
/// code (spec E.4); without biases only input→output paths through weights count.
public struct PathNormLogs: Sendable, Equatable {
  /// The exponent p.
  public var p: Double
  /// ln Σ_paths Π |w|^p including bias paths (equal to `withoutBiases` if the network has no biases).
  public var withBiases: Double
  /// ln Σ_paths Π |w|^p over weights only.
  public var withoutBiases: Double
}

/// Computes ln φ_p^p with and without biases by one forward pass of |W|^p on the all-ones input.
///
/// The pass `v_i = |W_i|^p v_{i−1} + |b_i|^p`, `v_0 = 𝟏`, gives `Σ v_d = Σ_paths Π|w|^p`
/// because every term is non-negative (spec §3.3). Both variants are carried together: each
/// layer's W is read once for both input vectors, and |W|^p is formed on the fly for p = 1,
/// 1.5 and 2 (materialized into one reused buffer for other p).
///
/// Overflow and underflow: when max |w|^p of a layer lies outside [1e-30, 1e30] (and is not
/// 0), that layer is redone with |W| divided by its max |w| before the power, the factor going
/// into a running log scale. The activation vector is renormalized to max 1 after every layer
/// and the scales are accumulated in the log domain, so 50 layers of norm 10 are fine.
///
/// Accuracy: the powers and each row's sum are float32 (sixteen lanes per row, combined in
/// float64), the scales float64. Every term is non-negative, so each layer adds a relative
/// error of at most about (fanIn/16 + 3)·2⁻²⁴ (4e-6 at fanIn 1024; typically far less), the
/// same order as a float32 `sgemv` on a materialized |W|^p.
///
/// - Parameters:
///   - network: The network (W_i of shape (fanOut, fanIn)).
///   - p: The exponent, p > 0 (1, 1.5 and 2 are the usual ones).
/// - Returns: Both logs (equal when the network has no biases). NaN for both if any weight or
///   bias is NaN; +inf if none is NaN but one is ±inf; `-inf` if no path has nonzero weight.
/// - Complexity: O(ω) time, one pass over each W (two for p outside {1, 1.5, 2}, and for a
///   layer that needs rescaling); O(max width) extra memory, plus one layer's worth of floats
///   for p outside {1, 1.5, 2}.
public func pathNormLogs(_ network: NetworkWeights, p: Double) -> PathNormLogs {
  precondition(p > 0, "path norm exponent must be positive, got \(p)")
  let exponent = PathExponent(p)
  let width = max(network.inputDimension, network.maximumWidth)
  // x: the current activations (max 1 after renormalizing), y: the layer's raw products;
  // "with" carries the bias paths. Allocated once for the whole pass.
  let xWith = UnsafeMutablePointer<Float>.allocate(capacity: width)
  let xWithout = UnsafeMutablePointer<Float>.allocate(capacity: width)
  let yWith = UnsafeMutablePointer<Float>.allocate(capacity: width)
  let yWithout = UnsafeMutablePointer<Float>.allocate(capacity: width)
  let biasPowers = UnsafeMutablePointer<Double>.allocate(capacity: width)
  // |W|^p for p outside {1, 1.5, 2}: one layer's worth, reused.
  let poweredCount = exponent == nil ? network.layers.map(\.weights.count).max() ?? 0 : 0
  let powered = UnsafeMutablePointer<Float>.allocate(capacity: poweredCount)
  defer {
    for buffer in [xWith, xWithout, yWith, yWithout, powered] { buffer.deallocate() }
    biasPowers.deallocate()
  }
  xWith.initialize(repeating: 1, count: width)
  xWithout.initialize(repeating: 1, count: width)
  var logScale = 0.0  // v_true = exp(logScale) · x (with biases)
  var logScaleNoBias = 0.0
  for layer in network.layers {
    let w = layer.weights
    if let b = layer.bias, b.contains(where: { !$0.isFinite }) {
      let r = nonFiniteResult(network)
      return PathNormLogs(p: p, withBiases: r, withoutBiases: r)
    }
    // y = (|W|·scale)^p x for both x; returns max (|w|·scale)^p and whether all is finite.
    func step(scale: Float) -> (poweredMax: Float, isFinite: Bool) {
      w.elements.withUnsafeBufferPointer { wp in
        var source = wp.baseAddress!
        var (kernelExponent, kernelScale) = (exponent ?? .one, scale)
        var poweredMax: Float = 0
        var isFinite = true
        if exponent == nil {
          let (m, hasNaN) = absolutePowerWithMax(source, powered, count: w.count, scale: scale, p: p)
          (poweredMax, isFinite) = (m, !hasNaN)
          (source, kernelExponent, kernelScale) = (UnsafePointer(powered), .one, 1)
        }
        let kernelMax = poweredProductPair(
          source, rows: w.rows, columns: w.columns, exponent: kernelExponent, scale: kernelScale,
          xWith: xWith, xWithout: xWithout, yWith: yWith, yWithout: yWithout)
        if exponent != nil { poweredMax = kernelMax }
        for r in 0..<w.rows where !(yWith[r].isFinite && yWithout[r].isFinite) { isFinite = false }
        return (poweredMax, isFinite && poweredMax.isFinite)
      }
    }
    let (poweredMax, isFinite) = step(scale: 1)
    var logA = 0.0
    if !isFinite || (!(poweredMax >= 1e-30 && poweredMax <= 1e30) && poweredMax != 0) {
      // A NaN or ±inf weight, or powers that could over- or underflow in float32.
      let (a, hasNaN) = w.elements.withUnsafeBufferPointer { maxAbsolute($0.baseAddress!, count: $0.count) }
      if hasNaN || !a.isFinite {
        let r = nonFiniteResult(network)
        return PathNormLogs(p: p, withBiases: r, withoutBiases: r)
      }
      var inv = 1 / a
      logA = p * Foundation.log(Double(a))
      if !inv.isFinite {  // max |w| below ~3e-39 (subnormal): cannot normalize in float32
        inv = 1
        logA = 0
      }
      _ = step(scale: inv)
    }
    if poweredMax == 0 { logA = -Double.infinity }
    if let b = layer.bias {
      for r in 0..<w.rows { biasPowers[r] = power(Swift.abs(Double(b[r])), p) }
    }
    logScale = renormalize(
      yWith, count: w.rows, logScale: logScale + logA, bias: layer.bias == nil ? nil : biasPowers, into: xWith)
    logScaleNoBias = renormalize(
      yWithout, count: w.rows, logScale: logScaleNoBias + logA, bias: nil, into: xWithout)
  }
  var sums = (0.0, 0.0)
  for r in 0..<network.outputDimension {
    sums.0 += Double(xWith[r])
    sums.1 += Double(xWithout[r])
  }
  func logOf(_ s: Double) -> Double { s > 0 ? Foundation.log(s) : -Double.infinity }
  return PathNormLogs(p: p, withBiases: logScale + logOf(sums.0), withoutBiases: logScaleNoBias + logOf(sums.1))
}

/// The path-norm logs of a network with a non-finite weight or bias: NaN if any weight or bias
/// anywhere is NaN (whichever layer the forward pass stopped at), else +inf.
private func nonFiniteResult(_ network: NetworkWeights) -> Double {
  for layer in network.layers {
    if layer.weights.elements.contains(where: { $0.isNaN }) || (layer.bias?.contains(where: { $0.isNaN }) ?? false) {
      return .nan
    }
  }
  return .infinity
}

@inline(__always) private func power(_ x: Double, _ p: Double) -> Double {
  if p == 1 { return x }
  if p == 2 { return x * x }
  if p == 1.5 { return x * x.squareRoot() }
  return Foundation.pow(x, p)
}

/// Given the true activation `exp(logScale)·t + bias`, returns a vector with max 1 and its log scale.
private func renormalize(_ t: [Float], logScale: Double, bias: [Double]?) -> ([Float], Double) {
  var out = [Float](repeating: 0, count: t.count)
  let newLog = t.withUnsafeBufferPointer { tp in
    out.withUnsafeMutableBufferPointer { op in
      if let bias {
        return bias.withUnsafeBufferPointer { bp in
          renormalize(tp.baseAddress!, count: t.count, logScale: logScale, bias: bp.baseAddress!, into: op.baseAddress!)
        }
      }
      return renormalize(tp.baseAddress!, count: t.count, logScale: logScale, bias: nil, into: op.baseAddress!)
    }
  }
  return (out, newLog)
}

/// Writes the true activation `exp(logScale)·t + bias`, divided by its max, to `out` and
/// returns the log of that max (`-inf`, with `out` all zeros, when the activation is 0).
///
/// `t` and `out` hold `count` floats (`t ≥ 0`), `bias` (if any) `count` doubles ≥ 0.
private func renormalize(
  _ t: UnsafePointer<Float>, count: Int, logScale: Double, bias: UnsafePointer<Double>?,
  into out: UnsafeMutablePointer<Float>
) -> Double {
  var tMax = 0.0
  for i in 0..<count where Double(t[i]) > tMax { tMax = Double(t[i]) }
  let logT = (tMax > 0 && logScale > -Double.infinity) ? logScale + Foundation.log(tMax) : -Double.infinity
  var bMax = 0.0
  if let bias { for i in 0..<count where bias[i] > bMax { bMax = bias[i] } }
  let logB = bMax > 0 ? Foundation.log(bMax) : -Double.infinity
  let newLog = Swift.max(logT, logB)
  if newLog == -Double.infinity {
    out.update(repeating: 0, count: count)
    return -Double.infinity
  }
  let tFactor = logScale > -Double.infinity ? Foundation.exp(logScale - newLog) : 0
  let bFactor = Foundation.exp(-newLog)
  for i in 0..<count {
    var x = Double(t[i]) * tFactor
    if let bias { x += bias[i] * bFactor }
    out[i] = Float(x)
  }
  return newLog
}

/// ln φ_p^p for p = 1, 1.5 and 2, with and without biases: ``pathNormLogs(_:p:)`` for each p.
///
/// Three single-exponent passes (each reads every W once for both variants, with |W|^p formed
/// on the fly) measured faster than one pass computing all six vectors: ~2 ms against ~5 ms
/// for 784-1024-1024-10 (`gapdb-bench measures`).
///
/// - Parameter network: The network.
/// - Returns: `[p = 1, p = 1.5, p = 2]`.
/// - Complexity: Three passes over the weights plus O(Σ fanOut) per layer and pass.
public func standardPathNormLogs(_ network: NetworkWeights) -> [PathNormLogs] {
  [1.0, 1.5, 2.0].map { pathNormLogs(network, p: $0) }
}
