/// One fused pass over W for the ℓ1, ℓ1.5 and ℓ2 path-norm forward steps.
///
/// For each row r of W (fanOut × fanIn) and each p ∈ {1, 1.5, 2} it computes
/// `Σ_k (|W[r,k]|·scale)^p · x_p[k]` for two input vectors per p (with and without biases),
/// reading W once and never materializing |W|^p. Per-row sums run in eight float32 lanes
/// (at most fanIn/8 terms each, all non-negative) and are combined in float64.
///
/// Why not BLAS: every other product in gapdb goes through OpenBLAS, but here a BLAS call
/// needs |W|^p materialized first (one write and one more read of each W per p, i.e. three
/// extra matrix copies per layer); the fused pass is about 3× cheaper (see
/// `gapdb-bench measures`). ``pathNormLogs(_:p:)`` uses a separate single-exponent kernel
/// (`poweredProductPair`) that always runs at scale 1 first, and a test checks that both agree.
///
/// - Parameters:
///   - w: Row-major weights, `rows × columns`.
///   - scale: 1 / max|w| (so every scaled entry is ≤ 1).
///   - inputs: Six vectors of length `columns`: p=1 (bias, no bias), p=1.5 (…), p=2 (…).
/// - Returns: Six vectors of length `rows`, in the same order.
func fusedPathForward(
  _ w: UnsafePointer<Float>, rows: Int, columns: Int, scale: Float, inputs: [[Float]]
) -> [[Float]] {
  precondition(inputs.count == 6 && inputs.allSatisfy { $0.count == columns })
  var outputs = [[Float]](repeating: [Float](repeating: 0, count: rows), count: 6)
  let s = SIMD8<Float>(repeating: scale)
  inputs[0].withUnsafeBufferPointer { x0 in
    inputs[1].withUnsafeBufferPointer { x1 in
      inputs[2].withUnsafeBufferPointer { x2 in
        inputs[3].withUnsafeBufferPointer { x3 in
          inputs[4].withUnsafeBufferPointer { x4 in
            inputs[5].withUnsafeBufferPointer { x5 in
              let xs = [x0.baseAddress!, x1.baseAddress!, x2.baseAddress!, x3.baseAddress!, x4.baseAddress!, x5.baseAddress!]
              let (p0, p1, p2, p3, p4, p5) = (xs[0], xs[1], xs[2], xs[3], xs[4], xs[5])
              for r in 0..<rows {
                let row = w + r * columns
                var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>()
                var a3 = SIMD8<Float>(), a4 = SIMD8<Float>(), a5 = SIMD8<Float>()
                var k = 0
                while k + 8 <= columns {
                  let v = UnsafeRawPointer(row + k).loadUnaligned(as: SIMD8<Float>.self)
                  let a = v.replacing(with: -v, where: v .< 0) * s
                  let sq = a * a
                  let p15 = a * a.squareRoot()
                  a0 += a * UnsafeRawPointer(p0 + k).loadUnaligned(as: SIMD8<Float>.self)
                  a1 += a * UnsafeRawPointer(p1 + k).loadUnaligned(as: SIMD8<Float>.self)
                  a2 += p15 * UnsafeRawPointer(p2 + k).loadUnaligned(as: SIMD8<Float>.self)
                  a3 += p15 * UnsafeRawPointer(p3 + k).loadUnaligned(as: SIMD8<Float>.self)
                  a4 += sq * UnsafeRawPointer(p4 + k).loadUnaligned(as: SIMD8<Float>.self)
                  a5 += sq * UnsafeRawPointer(p5 + k).loadUnaligned(as: SIMD8<Float>.self)
                  k += 8
                }
                func lanes(_ x: SIMD8<Float>) -> Double {
                  SIMD4<Double>(x.lowHalf).sum() + SIMD4<Double>(x.highHalf).sum()
                }
                var t = [lanes(a0), lanes(a1), lanes(a2), lanes(a3), lanes(a4), lanes(a5)]
                while k < columns {
                  let a = Double(Swift.abs(row[k]) * scale)
                  let f15 = a * a.squareRoot(), f2 = a * a
                  t[0] += a * Double(p0[k])
                  t[1] += a * Double(p1[k])
                  t[2] += f15 * Double(p2[k])
                  t[3] += f15 * Double(p3[k])
                  t[4] += f2 * Double(p4[k])
                  t[5] += f2 * Double(p5[k])
                  k += 1
                }
                for j in 0..<6 { outputs[j][r] = Float(t[j]) }
              }
            }
          }
        }
      }
    }
  }
  return outputs
}
