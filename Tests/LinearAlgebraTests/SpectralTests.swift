import LinearAlgebra
import TestSupport
import Testing

/// Hand-derived: W₁ = [[1,−2],[0.5,1],[−1,0]] has singular values 2.3790444666950767 and
/// 1.2606... (numpy `np.linalg.svd`, spec §3.2).
private let w1 = Matrix([[1, -2], [0.5, 1], [-1, 0]])

@Test func singularValues_specExample_matchesNumpy() throws {
  let s = try singularValues(of: w1)
  #expect(s.count == 2)
  #expect(abs(Double(s[0]) - 2.3790444666950767) < 1e-5)
  // σ₁² + σ₂² = ‖W‖_F² = 7.25.
  #expect(abs(Double(s[0] * s[0] + s[1] * s[1]) - 7.25) < 1e-4)
}

@Test func singularValues_nonFinite_throws() {
  var w = w1
  w[1, 1] = .nan
  #expect(throws: LinearAlgebraError.nonFiniteEntries(count: 1)) { try singularValues(of: w) }
}

@Test func singularValues_degenerateShapes_areColumnOrRowNorms() throws {
  let column = Matrix(rows: 4, columns: 1, elements: [3, 0, 4, 0])
  #expect(try singularValues(of: column) == [5])
  let row = Matrix(rows: 1, columns: 2, elements: [-6, 8])
  #expect(try singularValues(of: row) == [10])
  #expect(try singularValues(of: Matrix(rows: 3, columns: 2)) == [0, 0])
}

@Test func powerIteration_specExample_matchesSVD() {
  let r = topSingularValue(of: w1)
  #expect(r.converged)
  #expect(abs(r.value - 2.3790444666950767) < 1e-5)
  #expect(r.rightVector.count == 2)
}

@Test func powerIteration_randomMatrices_agreeWithSVDWithinTolerance() throws {
  var rng = SplitMix64(seed: 42)
  for (rows, cols) in [(30, 20), (7, 50), (64, 64), (1, 9), (9, 1)] {
    let m = Matrix(rows: rows, columns: cols, elements: (0..<(rows * cols)).map { _ in Float.random(in: -1...1, using: &rng) })
    let exact = Double(try singularValues(of: m)[0])
    let r = topSingularValue(of: m, relativeTolerance: 1e-7, maxIterations: 5000)
    // The stopping rule bounds the last change, not the error; 1e-3 leaves room for small gaps.
    #expect(abs(r.value - exact) <= 1e-3 * exact, "\(rows)×\(cols): \(r.value) vs \(exact)")
    #expect(r.value <= exact * (1 + 1e-5), "power iteration is a lower bound")
    // A warm start from the converged vector needs only the minimum number of iterations.
    let warm = topSingularValue(of: m, warmStart: r.rightVector, relativeTolerance: 1e-6)
    #expect(warm.iterations <= 5)
    #expect(abs(warm.value - r.value) <= 1e-5 * exact)
  }
}

@Test func powerIteration_zeroAndNaN_areReported() {
  let zero = topSingularValue(of: Matrix(rows: 3, columns: 3))
  #expect(zero.value == 0 && zero.converged)
  var w = w1
  w[0, 0] = .nan
  let bad = topSingularValue(of: w)
  #expect(bad.value.isNaN && !bad.converged)
}

@Test func matvec_matchesHandProduct() {
  #expect(matvec(w1, [1, 1]) == [-1, 1.5, -1])
  #expect(matvec(w1, [1, 0, 1], transpose: .transposed) == [0, -2])
}

/// W = U·diag(σ)·Vᵀ with σ chosen by hand and U, V products of three Householder reflections
/// (orthogonal by construction, built in Double); both orientations (60×25 and 25×60) and
/// singular values spanning eight decades. Rounding W to float32 moves each σ by at most
/// ‖ΔW‖₂ ≤ ‖ΔW‖_F ≈ 6e-8·‖W‖_F ≈ 6e-7 (Weyl), so 4e-6 absolute is a safe bound; the values
/// below 1e-5 sit at that noise floor and are only checked to stay under it.
@Test(arguments: [(60, 25), (25, 60)])
func singularValues_constructedSpectrum_recoversEveryValue(rows: Int, columns: Int) throws {
  let k = min(rows, columns)
  let sigma: [Double] = (0..<k).map { i in i < 9 ? [10, 7, 3, 1, 0.5, 0.1, 1e-2, 1e-3, 1e-4][i] : i == 9 ? 1e-7 : 0 }
  var rng = SplitMix64(seed: 7)
  func householderProduct(_ n: Int) -> [[Double]] {
    var q = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
    for _ in 0..<3 {
      let v = (0..<n).map { _ in Double(rng.next() % 2001) / 1000 - 1 }
      let vv = v.reduce(0) { $0 + $1 * $1 }
      // q ← q·(I − 2vvᵀ/vᵀv)
      for r in 0..<n {
        let dot = (0..<n).reduce(0.0) { $0 + q[r][$1] * v[$1] }
        for c in 0..<n { q[r][c] -= 2 * dot * v[c] / vv }
      }
    }
    return q
  }
  let u = householderProduct(rows), v = householderProduct(columns)
  var w = Matrix(rows: rows, columns: columns)
  for r in 0..<rows {
    for c in 0..<columns {
      w[r, c] = Float((0..<k).reduce(0.0) { $0 + u[r][$1] * sigma[$1] * v[c][$1] })
    }
  }
  let s = try singularValues(of: w)
  #expect(s.count == k)
  #expect(zip(s, s.dropFirst()).allSatisfy { $0 >= $1 }, "descending")
  for (i, want) in sigma.enumerated() {
    let got = Double(s[i])
    if want >= 1e-5 {
      #expect(abs(got - want) <= 4e-6, "σ_\(i): \(got) vs \(want)")
    } else {
      #expect(got >= 0 && got <= 4e-6, "σ_\(i): \(got) should be at the noise floor")
    }
  }
}

/// Hand-derived (issue 11): c·1·1ᵀ of size m×n has σ₁ = c·√(mn) and all other σ = 0. With c
/// near the float32 maximum the squares overflow any unscaled Gram matrix or float32 product;
/// with c subnormal they underflow to 0. Both paths must return c·√(mn) (in float64: 5.4e39
/// exceeds float32).
@Test(arguments: [(Float(3e38), 16, 20), (Float(3e38), 10, 16), (Float(1e-40), 4, 5), (Float(1e-20), 3, 7)])
func spectral_rankOneAtFloat32Extremes_isScaleSafe(c: Float, rows: Int, columns: Int) throws {
  let w = Matrix(rows: rows, columns: columns, repeating: c)
  let want = Double(c) * Double(rows * columns).squareRoot()
  let s = try singularValues(of: w)
  #expect(s.count == min(rows, columns))
  #expect(abs(s[0] - want) <= 1e-6 * want, "σ₁ \(s[0]) vs \(want)")
  #expect(s.dropFirst().allSatisfy { $0 <= 1e-6 * want }, "rank one: \(s)")
  let r = topSingularValue(of: w)
  #expect(r.value.isFinite && abs(r.value - want) <= 1e-6 * want, "power iteration \(r.value) vs \(want)")
}
