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

/// All singular values of `matrix`, largest first, by LAPACK `sgesdd` (values only).
///
/// Why `sgesdd` on the matrix rather than `ssyevd` on `WᵀW`: the eigenvalues of `WᵀW` are
/// the squared singular values, so forming `WᵀW` in float32 loses every singular value
/// below about `sqrt(ε)·σ_max ≈ 3e-4·σ_max` (they come back as noise or tiny negatives).
/// Schatten norms and the full spectrum need those small values, so gapdb pays the ~2–3×
/// cost of the bidiagonal SVD (70–116 ms for 1024×784 here, vs ~29 ms for `ssyevd`). The top
/// singular value alone is cheaper by ``topSingularValue(of:warmStart:relativeTolerance:maxIterations:minIterations:)``.
///
/// - Parameter matrix: Any shape (rows, columns); an empty matrix has no singular values.
/// - Returns: `min(rows, columns)` values, non-negative, in descending order.
/// - Throws: ``LinearAlgebraError/nonFiniteEntries(count:)`` if any entry is NaN or ±Inf;
///   ``LinearAlgebraError/lapackFailed(routine:info:)`` if LAPACK does not converge.
/// - Complexity: O(rows·columns·min(rows, columns)); works on a copy (LAPACK overwrites its
///   input), so it needs one extra matrix of memory.
public func singularValues(of matrix: Matrix) throws(LinearAlgebraError) -> [Float] {
  let m = matrix.rows
  let n = matrix.columns
  let k = min(m, n)
  if k == 0 { return [] }
  let bad = matrix.elements.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
  if bad > 0 { throw .nonFiniteEntries(count: bad) }
  var a = matrix.elements
  var s = [Float](repeating: 0, count: k)
  var u: Float = 0
  var vt: Float = 0
  // Row-major sgesdd validates ldu/ldvt even for jobz = 'N' (platform notes).
  let info = a.withUnsafeMutableBufferPointer { pa in
    s.withUnsafeMutableBufferPointer { ps in
      LAPACKE_sgesdd(
        LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "N")), Int32(m), Int32(n),
        pa.baseAddress, Int32(n), ps.baseAddress, &u, Int32(m), &vt, Int32(n))
    }
  }
  if info != 0 { throw .lapackFailed(routine: "sgesdd", info: Int(info)) }
  return s
}
