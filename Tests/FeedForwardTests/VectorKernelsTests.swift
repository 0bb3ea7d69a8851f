@testable import FeedForward
import Testing

/// The element-wise kernels on hand-made inputs whose answers are written out below.
/// 19 columns = one 16-lane vector and a 3-element tail per row, so both code paths run.
@Suite struct VectorKernelsTests {
  static let columns = 19

  /// Row r, column j holds j − 9 + 2r (exact small integers).
  static func ramp(rows: Int) -> [Float] {
    (0..<rows).flatMap { r in (0..<columns).map { Float($0 - 9 + 2 * r) } }
  }

  @Test func addBias_withReLU_clampsNegativesAndKeepsNaN() {
    var z = Self.ramp(rows: 2)
    z[3] = .nan  // row 0, vector part
    z[19 + 17] = .nan  // row 1, tail
    z[5] = -.infinity
    z[19 + 2] = .infinity
    let bias = (0..<Self.columns).map { Float($0 % 3) - 1 }  // −1, 0, 1, −1, 0, 1, …
    z.withUnsafeMutableBufferPointer { zp in
      bias.withUnsafeBufferPointer { bp in
        VectorKernels.addBias(zp.baseAddress!, rows: 2, columns: Self.columns, bias: bp.baseAddress!, relu: true)
      }
    }
    // Row 0: max(j − 9 + (j mod 3 − 1), 0), with the NaN and −∞ (→ 0) planted above.
    let row0: [Float] = [0, 0, 0, .nan, 0, 0, 0, 0, 0, 0, 1, 3, 2, 4, 6, 5, 7, 9, 8]
    // Row 1: max(j − 7 + (j mod 3 − 1), 0), with +∞ and NaN planted above.
    let row1: [Float] = [0, 0, .infinity, 0, 0, 0, 0, 0, 2, 1, 3, 5, 4, 6, 8, 7, 9, .nan, 10]
    for (j, want) in (row0 + row1).enumerated() {
      let got = z[j]
      #expect(want.isNaN ? got.isNaN : got == want, "element \(j): got \(got), want \(want)")
    }
  }

  @Test func addBias_withoutReLU_addsOnly() {
    var z = Self.ramp(rows: 1)
    let bias = [Float](repeating: 0.5, count: Self.columns)
    z.withUnsafeMutableBufferPointer { zp in
      bias.withUnsafeBufferPointer { bp in
        VectorKernels.addBias(zp.baseAddress!, rows: 1, columns: Self.columns, bias: bp.baseAddress!, relu: false)
      }
    }
    #expect(z == (0..<Self.columns).map { Float($0) - 8.5 })
  }

  @Test func maskWherePositive_zeroesWhereActivationNotPositive() {
    var d = (0..<Self.columns).map { Float($0 + 1) }
    d[18] = .nan
    var a = [Float](repeating: 1, count: Self.columns)
    a[0] = 0; a[4] = -0.0; a[7] = .nan; a[15] = -3; a[16] = 0; a[18] = 2
    d.withUnsafeMutableBufferPointer { dp in
      a.withUnsafeBufferPointer { ap in
        VectorKernels.maskWherePositive(dp.baseAddress!, activations: ap.baseAddress!, count: Self.columns)
      }
    }
    let want: [Float] = [0, 2, 3, 4, 0, 6, 7, 0, 9, 10, 11, 12, 13, 14, 15, 0, 0, 18, .nan]
    for (j, w) in want.enumerated() {
      #expect(w.isNaN ? d[j].isNaN : d[j] == w, "element \(j): got \(d[j]), want \(w)")
    }
  }

  @Test func columnSums_sumRowsPerColumn() {
    var d = Self.ramp(rows: 3)
    d[2 * 19 + 18] = .infinity
    d[1 * 19 + 1] = .nan
    var g = [Float](repeating: 99, count: Self.columns)  // overwritten, not accumulated
    d.withUnsafeBufferPointer { dp in
      g.withUnsafeMutableBufferPointer { gp in
        VectorKernels.columnSums(dp.baseAddress!, rows: 3, columns: Self.columns, into: gp.baseAddress!)
      }
    }
    // Σ_r (j − 9 + 2r) over r = 0, 1, 2 = 3j − 27 + 6 = 3j − 21.
    for j in 0..<Self.columns {
      let want: Float = j == 1 ? .nan : j == 18 ? .infinity : Float(3 * j - 21)
      #expect(want.isNaN ? g[j].isNaN : g[j] == want, "column \(j): got \(g[j]), want \(want)")
    }
  }

  @Test func momentumUpdate_addsDecayToVelocityThenSteps() {
    // w_j = j − 9, v_j = 2 (after sgemm), η = 0.5, λ = 0.25 (all exact in binary):
    // v_j ← 2 + (j − 9)/4;  w_j ← (j − 9) − (2 + (j − 9)/4)/2 = 7(j − 9)/8 − 1.
    var w = (0..<Self.columns).map { Float($0 - 9) }
    var v = [Float](repeating: 2, count: Self.columns)
    w[17] = .nan
    w.withUnsafeMutableBufferPointer { wp in
      v.withUnsafeMutableBufferPointer { vp in
        VectorKernels.momentumUpdate(
          weights: wp.baseAddress!, velocity: vp.baseAddress!, count: Self.columns, learningRate: 0.5, weightDecay: 0.25)
      }
    }
    for j in 0..<Self.columns where j != 17 {
      #expect(v[j] == 2 + Float(j - 9) / 4, "velocity \(j)")
      #expect(w[j] == 7 * Float(j - 9) / 8 - 1, "weight \(j)")
    }
    #expect(w[17].isNaN && v[17].isNaN)
  }
}
