import GapdbCBLAS

/// The result of ``topSingularValue(of:warmStart:relativeTolerance:maxIterations:minIterations:)``.
public struct PowerIterationResult: Sendable, Equatable {
  /// The estimate of the largest singular value σ₁ = ‖W‖₂ (a lower bound that increases
  /// with every iteration).
  public var value: Double
  /// The unit right singular vector estimate v (length = `columns`); pass it back as the
  /// warm start for the next call on a slightly changed matrix (e.g. the next epoch).
  public var rightVector: [Float]
  /// Iterations performed (each is one product with W and one with Wᵀ).
  public var iterations: Int
  /// Whether the relative change fell below the tolerance before `maxIterations`.
  public var converged: Bool
}

/// The largest singular value of `matrix` by power iteration on WᵀW, with warm start.
///
/// Each iteration computes `u = W v / ‖W v‖`, then `v = Wᵀ u / ‖Wᵀ u‖`, and the estimate
/// `σ = ‖Wᵀ u‖` (products by OpenBLAS `sgemv`). It stops after at least `minIterations`
/// once `|σ_k − σ_{k−1}| ≤ relativeTolerance·σ_k`. The error after stopping is roughly the
/// last change times `σ₂²/(σ₁² − σ₂²)`, so it is larger than the tolerance when the top two
/// singular values are close (convergence rate (σ₂/σ₁)² per iteration). Measured here: about
/// 110 iterations (12 ms) to 1e-6 on a random 1024×784 matrix from a random start; a warm
/// start from the previous epoch's vector typically needs 3–10.
///
/// - Parameters:
///   - matrix: Shape (rows, columns); typically a weight matrix (fanOut, fanIn).
///   - warmStart: A start vector of length `columns` (any scale); ignored if its length is
///     wrong, it is zero or non-finite. Default: a fixed deterministic vector.
///   - relativeTolerance: Stopping threshold on the relative change of σ (default 1e-6).
///   - maxIterations: Upper bound on iterations (default 1000).
///   - minIterations: Lower bound on iterations (default 3).
/// - Returns: The estimate, the right singular vector, the iteration count and whether it
///   converged. An empty or all-zero matrix gives `value == 0` and `converged == true`.
///   Non-finite entries give `value == .nan`, `converged == false`.
/// Scale safety: the iteration runs on `W / 2^e` (2^e the power of two just above max |w|,
/// an exact float32 scaling apart from entries that become subnormal, which are below
/// 2⁻¹²⁶·max |w| and cannot change σ at float32 precision), and σ is multiplied back by `2^e`
/// in float64; so weights near the float32 maximum give a finite σ (which may exceed the
/// float32 range) instead of an overflowed product.
/// - Complexity: O(iterations · rows · columns).
public func topSingularValue(
  of matrix: Matrix, warmStart: [Float]? = nil, relativeTolerance: Double = 1e-6,
  maxIterations: Int = 1000, minIterations: Int = 3
) -> PowerIterationResult {
  let m = matrix.rows
  let n = matrix.columns
  if m == 0 || n == 0 {
    return PowerIterationResult(value: 0, rightVector: [Float](repeating: 0, count: n), iterations: 0, converged: true)
  }
  var v: [Float]
  if let w = warmStart, w.count == n, w.allSatisfy({ $0.isFinite }), w.contains(where: { $0 != 0 }) {
    v = w
  } else {
    // Deterministic start with no special alignment: 1 + small irregular perturbation.
    v = (0..<n).map { Float(1) + Float(($0 &* 2_654_435_761) % 1000) * 1e-4 }
  }
  var u = [Float](repeating: 0, count: m)
  normalize(&v)
  let scaleFactor = powerOfTwoScale(maxAbs: matrix.elements.reduce(Float(0)) { max($0, abs($1)) })
  var scaled = matrix.elements
  if scaleFactor != 1 {
    let inverse = Float(1 / scaleFactor)
    if inverse.isFinite && inverse > 0 {
      for i in scaled.indices { scaled[i] *= inverse }
    } else {
      // 1/2^e is outside float32 (max |w| below 2⁻¹²⁶): scale in two exact steps.
      let half = Float(Double(sign: .plus, exponent: -(Double(scaleFactor).exponent / 2), significand: 1))
      let rest = Float(Double(sign: .plus, exponent: -(Double(scaleFactor).exponent - Double(scaleFactor).exponent / 2), significand: 1))
      for i in scaled.indices { scaled[i] = scaled[i] * half * rest }
    }
  }
  var sigma = 0.0
  var iterations = 0
  var converged = false
  scaled.withUnsafeBufferPointer { pw in
    while iterations < maxIterations {
      iterations += 1
      v.withUnsafeBufferPointer { pv in
        u.withUnsafeMutableBufferPointer { pu in
          cblas_sgemv(
            CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), 1, pw.baseAddress, Int32(n),
            pv.baseAddress, 1, 0, pu.baseAddress, 1)
        }
      }
      let uNorm = norm(u)
      if !uNorm.isFinite { sigma = .nan; return }
      if uNorm == 0 { sigma = 0; converged = true; return }
      scale(&u, by: 1 / uNorm)
      u.withUnsafeBufferPointer { pu in
        v.withUnsafeMutableBufferPointer { pv in
          cblas_sgemv(
            CblasRowMajor, CblasTrans, Int32(m), Int32(n), 1, pw.baseAddress, Int32(n),
            pu.baseAddress, 1, 0, pv.baseAddress, 1)
        }
      }
      let next = norm(v)
      if !next.isFinite { sigma = .nan; return }
      if next == 0 { sigma = 0; converged = true; return }
      scale(&v, by: 1 / next)
      let change = abs(next - sigma)
      sigma = next
      if iterations >= minIterations && change <= relativeTolerance * next {
        converged = true
        return
      }
    }
  }
  return PowerIterationResult(value: sigma * scaleFactor, rightVector: v, iterations: iterations, converged: converged)
}

/// Euclidean norm accumulated in Double.
@inline(__always) func norm(_ x: [Float]) -> Double {
  var s = 0.0
  for e in x { s += Double(e) * Double(e) }
  return s.squareRoot()
}

@inline(__always) func normalize(_ x: inout [Float]) {
  let n = norm(x)
  if n > 0 && n.isFinite { scale(&x, by: 1 / n) }
}

@inline(__always) func scale(_ x: inout [Float], by factor: Double) {
  let f = Float(factor)
  for i in x.indices { x[i] *= f }
}

/// Matrix–vector product through OpenBLAS `cblas_sgemv`: `y = op(a)·x`.
///
/// - Parameters:
///   - a: Shape (rows, columns).
///   - x: Length `columns` (or `rows` when `transpose == .transposed`).
///   - transpose: Use `aᵀ`.
/// - Returns: Length `rows` (or `columns` when transposed).
/// - Precondition: `x` has the length `op(a)` needs; the message names both.
/// - Complexity: O(rows·columns).
public func matvec(_ a: Matrix, _ x: [Float], transpose: Transpose = .none) -> [Float] {
  let inLength = transpose == .none ? a.columns : a.rows
  let outLength = transpose == .none ? a.rows : a.columns
  precondition(x.count == inLength, "matvec shape mismatch: op(a) is \(outLength)×\(inLength), x has \(x.count)")
  var y = [Float](repeating: 0, count: outLength)
  if outLength == 0 || inLength == 0 { return y }
  a.elements.withUnsafeBufferPointer { pa in
    x.withUnsafeBufferPointer { px in
      y.withUnsafeMutableBufferPointer { py in
        cblas_sgemv(
          CblasRowMajor, transpose.cblas, Int32(a.rows), Int32(a.columns), 1, pa.baseAddress,
          Int32(a.columns), px.baseAddress, 1, 0, py.baseAddress, 1)
      }
    }
  }
  return y
}

/// The number of threads OpenBLAS currently uses.
public func blasThreadCount() -> Int { Int(openblas_get_num_threads()) }
