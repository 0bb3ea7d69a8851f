@testable import ComplexityMeasures
import Foundation
import LinearAlgebra
import TestSupport
import Testing

/// The single-exponent path step kernel, ``pathNormLogs(_:p:)`` and ``frobeniusNorm(of:)``
/// against values written out by hand or computed independently in float64 (no rescaling,
/// no SIMD). Column counts 1, 15, 17, 33, 40 leave a tail of `fanIn mod 16` entries, so the
/// zero-padded last vector runs as well as the full ones; 16 and 64 have no tail.
/// |got − want| ≤ rel·|want|; false for NaN or ±inf `got` (unlike `relativelyClose`, which
/// accepts +inf against any value).
private func near(_ got: Double, _ want: Double, rel: Double) -> Bool {
  abs(got - want) <= rel * abs(want)
}

@Suite struct PathStepKernelTests {
  /// Row r has magnitude m_r = (1, 4, 9)[r] in every column, with signs + − + − … (and −0 in
  /// column 0 of row 1, which counts as 0); then |W|^p is 1, 2^p·2^p, 3^p·3^p per row, exact
  /// in float32 for p = 1, 1.5, 2 at scale 1 (1.5: 1, 8, 27).
  static func signedRows(columns: Int) -> [Float] {
    let magnitudes: [Float] = [1, 4, 9]
    return (0..<3).flatMap { r in
      (0..<columns).map { k -> Float in
        if r == 1 && k == 0 { return -0.0 }
        return k % 2 == 0 ? magnitudes[r] : -magnitudes[r]
      }
    }
  }

  /// Runs the kernel on `w` (3 × columns) with xWith[k] = 1 and xWithout[k] = 0.25·(k mod 4).
  static func run(_ w: [Float], columns: Int, exponent: PathExponent, scale: Float, xWithout: [Float]? = nil)
    -> (yWith: [Float], yWithout: [Float], max: Float)
  {
    let xWith = [Float](repeating: 1, count: columns)
    let xWithout = xWithout ?? (0..<columns).map { Float($0 % 4) * 0.25 }
    var yWith = [Float](repeating: -1, count: 3), yWithout = yWith
    let m = w.withUnsafeBufferPointer { wp in
      poweredProductPair(
        wp.baseAddress!, rows: 3, columns: columns, exponent: exponent, scale: scale, xWith: xWith, xWithout: xWithout,
        yWith: &yWith, yWithout: &yWithout)
    }
    return (yWith, yWithout, m)
  }

  @Test(arguments: [1, 15, 16, 17, 33, 40])
  func poweredProductPair_signedRows_matchClosedForm(columns: Int) {
    let magnitudes = [1.0, 4, 9]
    // Σ_k xWith[k] = columns; Σ_k xWithout[k] = 0.25·Σ_k (k mod 4).
    let sumWith = Double(columns)
    let sumWithout = 0.25 * Double((0..<columns).reduce(0) { $0 + $1 % 4 })
    for (exponent, p) in [(PathExponent.one, 1.0), (.threeHalves, 1.5), (.two, 2.0)] {
      for scale in [Float(1), 0.5] {
        let (yWith, yWithout, m) = Self.run(Self.signedRows(columns: columns), columns: columns, exponent: exponent, scale: scale)
        for r in 0..<3 {
          // Row 1, column 0 is −0: one term fewer.
          let c = pow(magnitudes[r] * Double(scale), p)
          let zeroWith = r == 1 ? 1.0 : 0, zeroWithout = 0.0  // xWithout[0] = 0 anyway
          let wantWith = c * (sumWith - zeroWith), wantWithout = c * (sumWithout - zeroWithout)
          #expect(near(Double(yWith[r]), wantWith, rel: 1e-6), "p=\(p) s=\(scale) n=\(columns) row \(r): \(yWith[r]) vs \(wantWith)")
          #expect(near(Double(yWithout[r]), wantWithout, rel: 1e-6), "p=\(p) s=\(scale) n=\(columns) row \(r): \(yWithout[r]) vs \(wantWithout)")
        }
        #expect(near(Double(m), pow(9 * Double(scale), p), rel: 1e-6), "max, p=\(p) s=\(scale)")
      }
    }
  }

  @Test func poweredProductPair_nanInTail_makesOnlyItsRowNaN() {
    let columns = 17  // one full vector + 1 tail entry
    var w = Self.signedRows(columns: columns)
    w[columns + 16] = .nan  // row 1, the tail entry
    let (yWith, yWithout, m) = Self.run(w, columns: columns, exponent: .two, scale: 1)
    #expect(yWith[1].isNaN && yWithout[1].isNaN)
    // Rows 0 and 2 untouched: 1·17 and 81·17 (xWith), 1·6 and 81·6 (xWithout: 0.25·Σ_{k<17} k mod 4 = 0.25·24).
    #expect(yWith[0] == 17 && yWith[2] == 81 * 17)
    #expect(yWithout[0] == 6 && yWithout[2] == 81 * 6)
    #expect(m == 81)  // NaN does not enter the maximum
  }

  @Test func poweredProductPair_infinityInVectorPart_givesInfinityOrNaNTimesZero() {
    let columns = 33
    var w = Self.signedRows(columns: columns)
    w[3] = -.infinity  // row 0, column 3; xWithout[3] = 0.75
    w[2 * columns + 4] = .infinity  // row 2, column 4; xWithout[4] = 0 → ∞·0 = NaN
    let (yWith, yWithout, m) = Self.run(w, columns: columns, exponent: .one, scale: 1)
    #expect(yWith[0] == .infinity && yWithout[0] == .infinity)
    #expect(yWith[2] == .infinity && yWithout[2].isNaN)
    #expect(yWith[1] == 4 * 32)  // the −0 entry adds nothing
    #expect(m == .infinity)
  }

  @Test func poweredProductPair_nonNegativeInputNeedsNoAbsolute_materializedPowersPassThrough() {
    // The general-p route feeds |W|^p (already ≥ 0) with exponent .one: values pass unchanged.
    let w: [Float] = [0.5, 2, 0.125, 8, 1, 3, 0, 0.25, 1.5]  // 3 × 3
    var yWith = [Float](repeating: 0, count: 3), yWithout = yWith
    let m = w.withUnsafeBufferPointer { wp in
      poweredProductPair(
        wp.baseAddress!, rows: 3, columns: 3, exponent: .one, scale: 1, xWith: [1, 1, 1], xWithout: [2, 0, 4],
        yWith: &yWith, yWithout: &yWithout)
    }
    #expect(yWith == [2.625, 12, 1.75])
    #expect(yWithout == [1.5, 28, 6])  // 0.5·2 + 0.125·4, 8·2 + 3·4, 1.5·4
    #expect(m == 8)
  }
}

// MARK: - pathNormLogs

/// ln Σ_out v_d of v_i = |W_i|^p v_{i−1} + |b_i|^p (bias optional), v_0 = 𝟏, in float64 with
/// `pow` and no rescaling: an independent reference for networks whose values fit in a Double.
private func referencePathLog(_ net: NetworkWeights, p: Double, withBiases: Bool) -> Double {
  var v = [Double](repeating: 1, count: net.inputDimension)
  for layer in net.layers {
    var next = [Double](repeating: 0, count: layer.fanOut)
    for r in 0..<layer.fanOut {
      var s = 0.0
      for k in 0..<layer.fanIn { s += pow(abs(Double(layer.weights[r, k])), p) * v[k] }
      if withBiases, let b = layer.bias { s += pow(abs(Double(b[r])), p) }
      next[r] = s
    }
    v = next
  }
  return log(v.reduce(0, +))
}

private func network(_ layers: [(Matrix, [Float]?)]) throws -> NetworkWeights {
  try NetworkWeights(layers: layers.enumerated().map { i, l in LayerWeights(name: "\(i)", weights: l.0, bias: l.1) })
}

@Suite struct PathNormLogsTests {
  /// The spec's 2-3-2 network (§3.3), no biases: explicit sums over its 12 paths.
  @Test func handNetwork_matchesExplicitPathSums() throws {
    let net = try network([(Matrix([[1, -2], [0.5, 1], [-1, 0]]), nil), (Matrix([[2, 1, -1], [0, -1, 3]]), nil)])
    // φ₁ = 13 and φ₂² = 32.5 (spec). For p = 1.5: hidden sums Σ_k |W₁[j,k]|^1.5 are
    // 1 + 2^1.5, 0.5^1.5 + 1, 1; output 0 weighs them by 2^1.5, 1, 1 and output 1 by 0, 1, 3^1.5.
    let h = [1 + pow(2, 1.5), pow(0.5, 1.5) + 1, 1]
    let phi15 = pow(2, 1.5) * h[0] + h[1] + h[2] + h[1] + pow(3, 1.5) * h[2]
    for (p, want) in [(1.0, 13.0), (2.0, 32.5), (1.5, phi15)] {
      let r = pathNormLogs(net, p: p)
      #expect(abs(r.withoutBiases - log(want)) < 1e-6, "p=\(p): \(r.withoutBiases) vs ln \(want)")
      #expect(r.withBiases == r.withoutBiases)
    }
  }

  /// Widths with SIMD tails, biases on, against the float64 reference; p = 0.5 and 3 take the
  /// materialized route.
  @Test(arguments: [[19, 33, 17, 5], [16, 64, 3], [40, 1, 7, 2]])
  func randomNetworks_matchFloat64Reference(sizes: [Int]) throws {
    var rng = SplitMix64(seed: UInt64(sizes.reduce(0, +)))
    var layers: [(Matrix, [Float]?)] = []
    for i in 0..<(sizes.count - 1) {
      let w = (0..<(sizes[i] * sizes[i + 1])).map { _ in Float.random(in: -1...1, using: &rng) }
      layers.append((Matrix(rows: sizes[i + 1], columns: sizes[i], elements: w), (0..<sizes[i + 1]).map { _ in Float.random(in: -0.3...0.3, using: &rng) }))
    }
    let net = try network(layers)
    for p in [1.0, 1.5, 2.0, 0.5, 3.0] {
      let r = pathNormLogs(net, p: p)
      let withB = referencePathLog(net, p: p, withBiases: true), without = referencePathLog(net, p: p, withBiases: false)
      // float32 powers and row sums: ~1e-6 relative per layer.
      #expect(abs(r.withBiases - withB) < 1e-5, "sizes \(sizes) p=\(p): \(r.withBiases) vs \(withB)")
      #expect(abs(r.withoutBiases - without) < 1e-5, "sizes \(sizes) p=\(p): \(r.withoutBiases) vs \(without)")
    }
  }

  /// |w|^p outside [1e-30, 1e30] rescales: 1e20² overflows nothing in the log domain, 1e-20²
  /// does not underflow. Paths: 3 inputs × 2 hidden × 1 output.
  @Test func hugeAndTinyWeights_areRescaledExactly() throws {
    let big = Matrix(rows: 2, columns: 3, repeating: 1e20)
    let small = Matrix([[1e-20, 2e-20]])
    let net = try network([(big, nil), (small, nil)])
    // p = 2: Σ = 3·1e40·(1e-40 + 4e-40) = 15; p = 1: 3·1e20·(1e-20 + 2e-20) = 9.
    #expect(abs(pathNormLogs(net, p: 2).withoutBiases - log(15)) < 1e-6)
    #expect(abs(pathNormLogs(net, p: 1).withoutBiases - log(9)) < 1e-6)
    // One layer alone: ln(3·1e40) and ln(3·1e-40), far outside float32.
    let alone = try network([(Matrix([[1e20, -1e20, 1e20]]), nil)])
    #expect(abs(pathNormLogs(alone, p: 2).withoutBiases - (log(3) + 40 * log(10))) < 1e-6)
    let tiny = try network([(Matrix([[1e-20, -1e-20, 1e-20]]), nil)])
    #expect(abs(pathNormLogs(tiny, p: 2).withoutBiases - (log(3) - 40 * log(10))) < 1e-6)
  }

  @Test func nonFiniteWeightsAndBiases_giveNaNOrInfinity() throws {
    let ones = Matrix(rows: 2, columns: 17, repeating: 1)
    func logs(_ w0: Matrix, _ b0: [Float]? = nil, _ w1: Matrix = Matrix([[1, 1]]), _ b1: [Float]? = nil) throws -> [PathNormLogs] {
      let net = try network([(w0, b0), (w1, b1)])
      return [pathNormLogs(net, p: 1), pathNormLogs(net, p: 2), pathNormLogs(net, p: 3)] + standardPathNormLogs(net)
    }
    var nanTail = ones
    nanTail[1, 16] = .nan  // in the zero-padded tail
    var infVector = ones
    infVector[0, 3] = -.infinity
    let cases: [(String, [PathNormLogs], Double)] = [
      ("NaN weight", try logs(nanTail), .nan),
      ("-inf weight", try logs(infVector), .infinity),
      ("inf in layer 0, NaN in layer 1", try logs(infVector, nil, Matrix([[1, .nan]])), .nan),
      ("NaN bias", try logs(ones, [0, .nan]), .nan),
      ("inf bias", try logs(ones, nil, Matrix([[1, 1]]), [.infinity]), .infinity),
    ]
    for (name, results, want) in cases {
      for r in results {
        let ok = want.isNaN ? r.withBiases.isNaN && r.withoutBiases.isNaN : r.withBiases == want && r.withoutBiases == want
        #expect(ok, "\(name), p=\(r.p): \(r.withBiases), \(r.withoutBiases)")
      }
    }
  }

  @Test func zeroWeights_giveMinusInfinityOrBiasPathsOnly() throws {
    let net = try network([(Matrix(rows: 2, columns: 3, repeating: 1), nil), (Matrix(rows: 2, columns: 2), [2, -3])])
    for p in [1.0, 2.0, 1.5, 0.5] {
      let r = pathNormLogs(net, p: p)
      #expect(r.withoutBiases == -.infinity)
      // Only the two bias paths of the last layer: 2^p + 3^p.
      #expect(abs(r.withBiases - log(pow(2, p) + pow(3, p))) < 1e-6, "p=\(p): \(r.withBiases)")
    }
  }
}

// MARK: - frobeniusNorm(of:)

@Suite struct FrobeniusNormTests {
  // The float32 blocks cover the first 2·h entries, h = ⌊n/2⌋ rounded down to a multiple of 64
  // (two streams, [0, h) and [h, 2h)); n < 128 is all float64 tail.
  @Test func handValues() {
    #expect(frobeniusNorm(of: []) == 0)
    #expect(frobeniusNorm(of: [3, -4]) == 5)
    #expect(frobeniusNorm(of: [Float](repeating: 0.5, count: 100)) == 5)  // tail only
    #expect(frobeniusNorm(of: [Float](repeating: 0.5, count: 324)) == 9)  // 2·128 in blocks + 68 tail
    #expect(frobeniusNorm(of: [Float](repeating: -2, count: 129)) == 516.0.squareRoot())  // 2·64 + 1
    #expect(frobeniusNorm(of: [Float](repeating: 0, count: 300)) == 0)
  }

  /// Small integers (squares and sums exact in float32 and float64) at lengths around the
  /// block sizes: the block part and the float64 tail must agree exactly.
  @Test(arguments: [1, 64, 127, 128, 129, 200, 255, 256, 257, 1000])
  func integerRamps_areExact(count: Int) {
    let x = (0..<count).map { Float($0 % 7) - 3 }
    var want = 0.0
    for v in x { want += Double(v) * Double(v) }
    #expect(frobeniusNorm(of: x) == want.squareRoot(), "n=\(count)")
  }

  @Test func specialValues_inBothStreamsAndTail() {
    var x = [Float](repeating: 1, count: 300)  // streams [0, 128) and [128, 256), tail [256, 300)
    for (index, value, isNaN) in [
      (5, Float.nan, true), (130, .nan, true), (290, .nan, true),
      (5, .infinity, false), (200, -.infinity, false), (299, -.infinity, false),
    ] {
      var y = x
      y[index] = value
      let f = frobeniusNorm(of: y)
      #expect(isNaN ? f.isNaN : f == .infinity, "entry \(index) = \(value): \(f)")
    }
    x[3] = .infinity
    x[268] = .nan
    #expect(frobeniusNorm(of: x).isNaN)
  }

  /// Squares beyond float32 (1e20² = 1e40, FLT_MAX²) and below its normal range (1e-25²) fall
  /// back to float64 squares and come out exact.
  @Test func squaresOutsideFloat32Range_areExact() {
    func close(_ got: Double, _ want: Double) -> Bool { near(got, want, rel: 1e-15) }
    let huge = [Float](repeating: 1e20, count: 300)
    #expect(close(frobeniusNorm(of: huge), 300.0.squareRoot() * Double(Float(1e20))))
    let maximal = [Float](repeating: .greatestFiniteMagnitude, count: 256)
    #expect(frobeniusNorm(of: maximal) == 16 * Double(Float.greatestFiniteMagnitude))
    let tiny = [Float](repeating: 1e-25, count: 400)
    #expect(close(frobeniusNorm(of: tiny), 20 * Double(Float(1e-25))))
    let subnormal = [Float](repeating: .leastNonzeroMagnitude, count: 256)
    #expect(frobeniusNorm(of: subnormal) == 16 * Double(Float.leastNonzeroMagnitude))
    // One normal entry among tiny ones: the float32 pass stands (Σ ≥ count·2⁻¹⁰⁰).
    var mixed = tiny
    mixed[7] = 1
    #expect(close(frobeniusNorm(of: mixed), (1 + 399 * Double(Float(1e-25)) * Double(Float(1e-25))).squareRoot()))
  }

  /// The documented bound, 2.5·2⁻²⁴ ≈ 1.5e-7 relative, on seeded data spanning six decades;
  /// the reference sums float64 squares one by one.
  @Test func randomData_withinDocumentedBound() {
    var rng = SplitMix64(seed: 20_240_607)
    for count in [1_000, 100_003] {
      let x = (0..<count).map { _ in Float(pow(10, Double.random(in: -3...3, using: &rng))) * (Bool.random(using: &rng) ? 1 : -1) }
      var want = 0.0
      for v in x { want += Double(v) * Double(v) }
      let got = frobeniusNorm(of: x)
      #expect(abs(got - want.squareRoot()) <= 1.5e-7 * want.squareRoot(), "n=\(count): \(got) vs \(want.squareRoot())")
    }
  }
}
