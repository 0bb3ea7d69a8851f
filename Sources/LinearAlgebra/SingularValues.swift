import GapdbCBLAS

/// Errors from the LAPACK-backed routines of this module.
public enum LinearAlgebraError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The matrix has NaN or ±Inf entries; LAPACK's result would be meaningless.
  case nonFiniteEntries(count: Int)
  /// A LAPACK routine reported failure (`info != 0`).
  case lapackFailed(routine: String, info: Int)

  public var description: String {
    switch self {
    case .nonFiniteEntries(let count):
      return "matrix has \(count) non-finite (NaN or ±Inf) entries; singular values are undefined"
    case .lapackFailed(let routine, let info):
      return "LAPACK \(routine) failed with info = \(info)"
    }
  }
}

/// All singular values of `matrix`, largest first: the square roots of the eigenvalues of the
/// Gram matrix `WᵀW` (or `WWᵀ`, whichever is smaller), formed in **float64** by `dsyrk` and
/// diagonalised by LAPACK `dsyevd` (values only).
///
/// Accuracy: the float32 entries are exact in float64, and the Gram matrix's eigenvalues carry
/// an absolute error of about `k·ε₆₄·σ_max²` (k = min(rows, columns), ε₆₄ = 2.2e-16), so a
/// singular value σ has an absolute error of about `k·ε₆₄·σ_max² / (2σ)`; values below
/// `sqrt(k·ε₆₄)·σ_max` (≈ 4e-7·σ_max for k = 784) are at the noise floor and may come back as
/// that noise instead of 0. The float32 bidiagonal SVD (`sgesdd`) has an absolute error of
/// about `ε₃₂·σ_max` ≈ 1.2e-7·σ_max on every value: the same order. Forming `WᵀW` in
/// *float32* instead would lose every value below `sqrt(ε₃₂)·σ_max` ≈ 3e-4·σ_max, which is why
/// the Gram matrix is float64. Speed: 1024×784 takes ~45 ms here, against ~100 ms for `sgesdd`.
/// The top singular value alone is cheaper by ``topSingularValue(of:warmStart:relativeTolerance:maxIterations:minIterations:)``.
///
/// Scale safety: the entries are first divided by the power of two `2^e` nearest above
/// max |w| (exact in float64), so the Gram matrix of weights near the float32 maximum (3.4e38,
/// whose squares overflow even where the sums would not) or near its minimum does not overflow
/// or underflow; the singular values are multiplied back by `2^e` in float64. They are returned
/// as `Double` because σ can exceed the float32 range (a 16×20 matrix of 3e38 has σ = 5.4e39).
///
/// - Parameter matrix: Any shape (rows, columns); an empty matrix has no singular values.
/// - Returns: `min(rows, columns)` values, non-negative, in descending order (a Gram
///   eigenvalue that rounding made slightly negative gives 0); always finite for finite input.
/// - Throws: ``LinearAlgebraError/nonFiniteEntries(count:)`` if any entry is NaN or ±Inf;
///   ``LinearAlgebraError/lapackFailed(routine:info:)`` if LAPACK does not converge.
/// - Complexity: O(rows·columns·k + k³) time; a float64 copy of the matrix and a k×k float64
///   Gram matrix of memory.
public func singularValues(of matrix: Matrix) throws(LinearAlgebraError) -> [Double] {
  let m = matrix.rows
  let n = matrix.columns
  let k = min(m, n)
  if k == 0 { return [] }
  let bad = matrix.elements.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
  if bad > 0 { throw .nonFiniteEntries(count: bad) }
  let scale = powerOfTwoScale(maxAbs: matrix.elements.reduce(Float(0)) { max($0, abs($1)) })
  let a = matrix.elements.map { Double($0) / scale }
  var gram = [Double](repeating: 0, count: k * k)
  var eigenvalues = [Double](repeating: 0, count: k)
  let info = a.withUnsafeBufferPointer { pa in
    gram.withUnsafeMutableBufferPointer { pg in
      eigenvalues.withUnsafeMutableBufferPointer { pw in
        // Row-major A is (m, n): G = AᵀA (n×n) when n ≤ m, else AAᵀ (m×m); upper triangle.
        cblas_dsyrk(
          CblasRowMajor, CblasUpper, n <= m ? CblasTrans : CblasNoTrans, Int32(k), Int32(n <= m ? m : n),
          1, pa.baseAddress, Int32(n), 0, pg.baseAddress, Int32(k))
        return LAPACKE_dsyevd(
          LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "U")), Int32(k),
          pg.baseAddress, Int32(k), pw.baseAddress)
      }
    }
  }
  if info != 0 { throw .lapackFailed(routine: "dsyevd", info: Int(info)) }
  // dsyevd returns ascending eigenvalues.
  return eigenvalues.reversed().map { ($0 > 0 ? $0.squareRoot() : 0) * scale }
}

/// The power of two `2^e` with `2^(e−1) ≤ maxAbs < 2^e` (1 for 0): dividing a matrix by it
/// brings its largest entry into [0.5, 1) exactly, without rounding any entry.
func powerOfTwoScale(maxAbs: Float) -> Double {
  guard maxAbs > 0, maxAbs.isFinite else { return 1 }
  return Double(sign: .plus, exponent: Double(maxAbs).exponent + 1, significand: 1)
}
