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
