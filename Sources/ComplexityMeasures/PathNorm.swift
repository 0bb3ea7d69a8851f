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
  // Column 0: with biases; column 1: without. One sgemm per layer reads W once for both.
  var v = Matrix(rows: network.inputDimension, columns: 2, repeating: 1)
  for layer in network.layers {
    let w = layer.weights
    if let b = layer.bias, b.contains(where: { !$0.isFinite }) {
      let r: Double = b.contains(where: { $0.isNaN }) ? .nan : .infinity
      return PathNormLogs(p: p, withBiases: r, withoutBiases: r)
    }
    // |W|^p in one pass; rescale by max |w| only when the powers could over- or underflow.
    var powered = Matrix(rows: w.rows, columns: w.columns, elements: [Float](unsafeUninitializedCapacity: w.count) { buffer, initialized in
      initialized = w.count
    })
    var logA = 0.0
    let (poweredMax, hasNaN) = w.elements.withUnsafeBufferPointer { src in
      powered.elements.withUnsafeMutableBufferPointer { dst in
        absolutePowerWithMax(src.baseAddress!, dst.baseAddress!, count: src.count, scale: 1, p: p)
      }
    }
    if hasNaN { return PathNormLogs(p: p, withBiases: .nan, withoutBiases: .nan) }
    if !(poweredMax.isFinite && poweredMax >= 1e-30 && poweredMax <= 1e30) && poweredMax != 0 {
      let (a, _) = w.elements.withUnsafeBufferPointer { maxAbsolute($0.baseAddress!, count: $0.count) }
      if !a.isFinite { return PathNormLogs(p: p, withBiases: .infinity, withoutBiases: .infinity) }
      var inv = 1 / a
      logA = p * Foundation.log(Double(a))
      if !inv.isFinite {  // max |w| below ~3e-39 (subnormal): cannot normalize in float32
        inv = 1
        logA = 0
      }
      w.elements.withUnsafeBufferPointer { src in
        powered.elements.withUnsafeMutableBufferPointer { dst in
          _ = absolutePowerWithMax(src.baseAddress!, dst.baseAddress!, count: src.count, scale: inv, p: p)
        }
      }
    }
    if poweredMax == 0 { logA = -Double.infinity }
    var inB = [Float](repeating: 0, count: w.columns), inN = inB
    for k in 0..<w.columns {
      inB[k] = v.elements[2 * k]
      inN[k] = v.elements[2 * k + 1]
    }
    let withBias = matvec(powered, inB), noBias = matvec(powered, inN)
    let biasPowers = layer.bias.map { $0.map { power(Swift.abs(Double($0)), p) } }
    let (vb, lb) = renormalize(withBias, logScale: logScale + logA, bias: biasPowers)
    let (vn, ln) = renormalize(noBias, logScale: logScaleNoBias + logA, bias: nil)
    (logScale, logScaleNoBias) = (lb, ln)
    v = Matrix(rows: w.rows, columns: 2)
    for r in 0..<w.rows {
      v.elements[2 * r] = vb[r]
      v.elements[2 * r + 1] = vn[r]
    }
  }
  var sums = (0.0, 0.0)
  for r in 0..<v.rows {
    sums.0 += Double(v.elements[2 * r])
    sums.1 += Double(v.elements[2 * r + 1])
  }
  func logOf(_ s: Double) -> Double { s > 0 ? Foundation.log(s) : -Double.infinity }
  return PathNormLogs(p: p, withBiases: logScale + logOf(sums.0), withoutBiases: logScaleNoBias + logOf(sums.1))
}

@inline(__always) private func power(_ x: Double, _ p: Double) -> Double {
  if p == 1 { return x }
  if p == 2 { return x * x }
  if p == 1.5 { return x * x.squareRoot() }
  return Foundation.pow(x, p)
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

/// ln φ_p^p for p = 1, 1.5 and 2 at once, with and without biases, reading each W once.
///
/// Same definition, overflow handling and results as ``pathNormLogs(_:p:)`` called for each
/// p (the fused kernel scales |W| by 1/max|w| for every layer), about three times cheaper.
///
/// - Parameter network: The network.
/// - Returns: `[p = 1, p = 1.5, p = 2]`.
/// - Complexity: One pass over the weights plus O(Σ fanOut) per layer.
public func standardPathNormLogs(_ network: NetworkWeights) -> [PathNormLogs] {
  let ps = [1.0, 1.5, 2.0]
  var logScales = [Double](repeating: 0, count: 6)  // (p, bias) pairs: 1b, 1n, 1.5b, 1.5n, 2b, 2n
  var vectors = [[Float]](repeating: [Float](repeating: 1, count: network.inputDimension), count: 6)
  for layer in network.layers {
    let w = layer.weights
    let (a, hasNaN) = w.elements.withUnsafeBufferPointer { maxAbsolute($0.baseAddress!, count: $0.count) }
    let biasNaN = layer.bias?.contains(where: { $0.isNaN }) ?? false
    let biasInf = layer.bias?.contains(where: { $0.isInfinite }) ?? false
    if hasNaN || biasNaN || !a.isFinite || biasInf {
      let r: Double = hasNaN || biasNaN ? .nan : .infinity
      return ps.map { PathNormLogs(p: $0, withBiases: r, withoutBiases: r) }
    }
    let inv = a > 0 ? 1 / a : 1
    guard inv.isFinite else { return ps.map { pathNormLogs(network, p: $0) } }  // subnormal weights: general path
    let outs = w.elements.withUnsafeBufferPointer {
      fusedPathForward($0.baseAddress!, rows: w.rows, columns: w.columns, scale: inv, inputs: vectors)
    }
    for (j, p) in ps.enumerated() {
      let logA = a > 0 ? p * Foundation.log(Double(a)) : -Double.infinity
      let biasPowers = layer.bias.map { $0.map { power(Swift.abs(Double($0)), p) } }
      (vectors[2 * j], logScales[2 * j]) = renormalize(outs[2 * j], logScale: logScales[2 * j] + logA, bias: biasPowers)
      (vectors[2 * j + 1], logScales[2 * j + 1]) = renormalize(outs[2 * j + 1], logScale: logScales[2 * j + 1] + logA, bias: nil)
    }
  }
  func logOfSum(_ v: [Float]) -> Double {
    var s = 0.0
    for x in v { s += Double(x) }
    return s > 0 ? Foundation.log(s) : -Double.infinity
  }
  return ps.enumerated().map { j, p in
    PathNormLogs(p: p, withBiases: logScales[2 * j] + logOfSum(vectors[2 * j]), withoutBiases: logScales[2 * j + 1] + logOfSum(vectors[2 * j + 1]))
  }
}
