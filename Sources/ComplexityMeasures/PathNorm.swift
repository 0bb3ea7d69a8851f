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
  /// ln Σ_paths Π |w|^p including bias paths (`nil` if the network has no biases: same as `withoutBiases`).
  public var withBiases: Double
  /// ln Σ_paths Π |w|^p over weights only.
  public var withoutBiases: Double
}

/// Computes ln φ_p^p with and without biases by one forward pass of |W|^p on the all-ones input.
///
/// The pass `v_i = |W_i|^p v_{i−1} + |b_i|^p`, `v_0 = 𝟏`, gives `Σ v_d = Σ_paths Π|w|^p`
/// because every term is non-negative (spec §3.3). To avoid overflow for deep or large
/// networks, each layer's |W_i| is divided by its max |w| before the power (the factor goes
/// into a running log scale), the activation vector is renormalized to max 1 after every
/// layer, and the scales are accumulated in the log domain; so 50 layers of norm 10 are fine.
///
/// - Parameters:
///   - network: The network (W_i of shape (fanOut, fanIn)).
///   - p: The exponent, p > 0 (1, 1.5 and 2 are the usual ones).
/// - Returns: Both logs; NaN if any weight or bias is NaN; `-inf` if no path has nonzero weight.
/// - Complexity: O(ω) for |W|^p plus one `sgemv` per layer.
public func pathNormLogs(_ network: NetworkWeights, p: Double) -> PathNormLogs {
  precondition(p > 0, "path norm exponent must be positive, got \(p)")
  var logScale = 0.0  // v_true = exp(logScale) · v (with biases)
  var logScaleNoBias = 0.0
  var v = [Float](repeating: 1, count: network.inputDimension)
  var vNoBias = v
  for layer in network.layers {
    let w = layer.weights
    var (aFloat, hasNaN) = w.elements.withUnsafeBufferPointer { p in
      p.baseAddress.map { maxAbsolute($0, count: p.count) } ?? (0, false)
    }
    if let b = layer.bias, b.contains(where: { $0.isNaN }) { hasNaN = true }
    if let b = layer.bias, b.contains(where: { $0.isInfinite }), !hasNaN { aFloat = .infinity }
    let a = Double(aFloat)
    if hasNaN || a.isInfinite {
      let r: Double = hasNaN ? .nan : .infinity
      return PathNormLogs(p: p, withBiases: r, withoutBiases: r)
    }
    var powered = Matrix(rows: w.rows, columns: w.columns)
    var logA = a > 0 ? p * Foundation.log(a) : -Double.infinity
    if a > 0 {
      var inv = Float(1 / a)
      if !inv.isFinite {  // max |w| below ~3e-39 (subnormal): skip the normalization
        inv = 1
        logA = 0
      }
      w.elements.withUnsafeBufferPointer { src in
        powered.elements.withUnsafeMutableBufferPointer { dst in
          absolutePower(src.baseAddress!, dst.baseAddress!, count: src.count, scale: inv, p: p)
        }
      }
    }
    // Without biases.
    let t0 = matvec(powered, vNoBias)
    (vNoBias, logScaleNoBias) = renormalize(t0, logScale: logScaleNoBias + logA, bias: nil)
    // With biases.
    let t1 = matvec(powered, v)
    let biasPowers = layer.bias.map { $0.map { power(Swift.abs(Double($0)), p) } }
    (v, logScale) = renormalize(t1, logScale: logScale + logA, bias: biasPowers)
  }
  return PathNormLogs(p: p, withBiases: logScale + logOfSum(v), withoutBiases: logScaleNoBias + logOfSum(vNoBias))
}

@inline(__always) private func power(_ x: Double, _ p: Double) -> Double {
  if p == 1 { return x }
  if p == 2 { return x * x }
  if p == 1.5 { return x * x.squareRoot() }
  return Foundation.pow(x, p)
}

private func logOfSum(_ v: [Float]) -> Double {
  var s = 0.0
  for x in v { s += Double(x) }
  return s > 0 ? Foundation.log(s) : -Double.infinity
}

/// Given the true activation `exp(logScale)·t + bias`, returns a vector with max 1 and its log scale.
private func renormalize(_ t: [Float], logScale: Double, bias: [Double]?) -> ([Float], Double) {
  var tMax = 0.0
  for x in t where Double(x) > tMax { tMax = Double(x) }
  let logT = (tMax > 0 && logScale > -Double.infinity) ? logScale + Foundation.log(tMax) : -Double.infinity
  var bMax = 0.0
  if let bias { for x in bias where x > bMax { bMax = x } }
  let logB = bMax > 0 ? Foundation.log(bMax) : -Double.infinity
  let newLog = Swift.max(logT, logB)
  if newLog == -Double.infinity {
    return ([Float](repeating: 0, count: t.count), -Double.infinity)
  }
  let tFactor = logScale > -Double.infinity ? Foundation.exp(logScale - newLog) : 0
  let bFactor = Foundation.exp(-newLog)
  var out = [Float](repeating: 0, count: t.count)
  for i in 0..<t.count {
    var x = Double(t[i]) * tFactor
    if let bias { x += bias[i] * bFactor }
    out[i] = Float(x)
  }
  return (out, newLog)
}
