/// The single-exponent forward step of ``pathNormLogs(_:p:)``: |W|^p times two vectors in one
/// pass over W, with |W|^p never materialized.
///
/// Shapes: `w` is row-major (rows: fanOut, columns: fanIn); the inputs have length fanIn and
/// the outputs length fanOut. Written with `SIMD16<Float>` loads so it compiles to branch-free
/// vector code (the `FeedForward` `VectorKernels` style); a row's last `fanIn mod 16` entries
/// are loaded into a zero-padded vector, and a padded entry adds `0^p · 0 = 0`.

/// The exponents the step kernel has an inner loop for; other p go through a materialized
/// |W|^p (``absolutePowerWithMax(_:_:count:scale:p:)``) and ``PathExponent/one``.
enum PathExponent: Sendable, Equatable {
  /// `a`.
  case one
  /// `a · sqrt(a)`, as ``absolutePowerWithMax(_:_:count:scale:p:)`` forms it.
  case threeHalves
  /// `a · a`.
  case two

  /// The case for `p`, or `nil` for exponents without an inner loop of their own.
  init?(_ p: Double) {
    switch p {
    case 1: self = .one
    case 1.5: self = .threeHalves
    case 2: self = .two
    default: return nil
    }
  }
}

private typealias Lane = SIMD16<Float>

@inline(__always) private func loadLane(_ p: UnsafePointer<Float>) -> Lane {
  UnsafeRawPointer(p).loadUnaligned(as: Lane.self)
}

/// `p[0..<count]` in the first `count` lanes (count < 16) and zeros in the rest.
@inline(__always) private func loadPartialLane(_ p: UnsafePointer<Float>, count: Int) -> Lane {
  var v = Lane()
  for j in 0..<count { v[j] = p[j] }
  return v
}

/// |v| by clearing the sign bits (one AND; NaN stays NaN, −0 becomes +0).
@inline(__always) private func absoluteValue(_ v: Lane) -> Lane {
  unsafeBitCast(unsafeBitCast(v, to: SIMD16<UInt32>.self) & SIMD16<UInt32>(repeating: 0x7fff_ffff), to: Lane.self)
}

/// Σ of the 16 lanes in float64.
@inline(__always) private func laneSum(_ v: Lane) -> Double {
  SIMD8<Double>(v.lowHalf).sum() + SIMD8<Double>(v.highHalf).sum()
}

/// `yWith = (|W|·scale)^p · xWith` and `yWithout = (|W|·scale)^p · xWithout`, reading W once.
///
/// For each row r: `yWith[r] = Σ_k (|W[r,k]|·scale)^p · xWith[k]`, and likewise for
/// `yWithout`. The ℓp path-norm forward pass uses the pair for its two variants (with and
/// without bias paths), which differ only in the input vector.
///
/// Accuracy: each row's sum runs in sixteen float32 lanes of about fanIn/16 terms, combined in
/// float64 and rounded once to float32; the powers are formed in float32. With non-negative
/// inputs every term is non-negative, so the relative error of a row is at most about
/// (fanIn/16 + 2)·2⁻²⁴ (typically far less), comparable to `sgemv` on a materialized |W|^p.
///
/// Edge cases: a NaN entry makes its row's outputs NaN; a ±inf entry makes them +inf (or NaN
/// where the input is 0). Neither enters the returned maximum as NaN, so callers detect both
/// from the outputs. Lengths need not be multiples of 16.
///
/// - Parameters:
///   - w: Row-major weights, `rows × columns`.
///   - exponent: p.
///   - scale: Multiplies |w| before the power (1: none; the multiply is then skipped).
///   - xWith: `columns` non-negative inputs, the with-biases variant.
///   - xWithout: `columns` non-negative inputs, the without-biases variant.
///   - yWith: `rows` outputs for `xWith`, overwritten.
///   - yWithout: `rows` outputs for `xWithout`, overwritten.
/// - Returns: The largest `(|W[r,k]|·scale)^p` over the non-NaN entries (0 if there are none),
///   the same value ``absolutePowerWithMax(_:_:count:scale:p:)`` returns.
/// - Complexity: O(rows·columns), one read of W and of both inputs per row (they stay in cache).
func poweredProductPair(
  _ w: UnsafePointer<Float>, rows: Int, columns: Int, exponent: PathExponent, scale: Float,
  xWith: UnsafePointer<Float>, xWithout: UnsafePointer<Float>,
  yWith: UnsafeMutablePointer<Float>, yWithout: UnsafeMutablePointer<Float>
) -> Float {
  // One specialized copy of the row loop per (exponent, scaled or not); a closure parameter
  // instead was not inlined and cost an indirect call per 16 entries.
  func run<P: LanePower, S: LaneScaling>(_: P.Type, _: S.Type) -> Float {
    productPairRows(
      w, rows: rows, columns: columns, scale: Lane(repeating: scale), xWith: xWith, xWithout: xWithout,
      yWith: yWith, yWithout: yWithout, power: P.self, scaling: S.self)
  }
  switch (exponent, scale == 1) {
  case (.one, true): return run(FirstPower.self, Unscaled.self)
  case (.one, false): return run(FirstPower.self, Scaled.self)
  case (.threeHalves, true): return run(ThreeHalvesPower.self, Unscaled.self)
  case (.threeHalves, false): return run(ThreeHalvesPower.self, Scaled.self)
  case (.two, true): return run(SecondPower.self, Unscaled.self)
  case (.two, false): return run(SecondPower.self, Scaled.self)
  }
}

/// a^p for sixteen a ≥ 0.
private protocol LanePower { static func power(_ a: Lane) -> Lane }
private enum FirstPower: LanePower { @inline(__always) static func power(_ a: Lane) -> Lane { a } }
private enum ThreeHalvesPower: LanePower {
  @inline(__always) static func power(_ a: Lane) -> Lane { a * a.squareRoot() }
}
private enum SecondPower: LanePower { @inline(__always) static func power(_ a: Lane) -> Lane { a * a } }

/// |w|·scale for sixteen raw weights. The absolute value is taken last so that the compiler
/// knows the result is ≥ 0 and emits `sqrtps` for p = 1.5 (|w·s| = |w|·s exactly for s > 0).
private protocol LaneScaling { static func scaledAbsolute(_ v: Lane, _ scale: Lane) -> Lane }
private enum Unscaled: LaneScaling {
  @inline(__always) static func scaledAbsolute(_ v: Lane, _ scale: Lane) -> Lane { absoluteValue(v) }
}
private enum Scaled: LaneScaling {
  @inline(__always) static func scaledAbsolute(_ v: Lane, _ scale: Lane) -> Lane { absoluteValue(v * scale) }
}

/// The row loop of ``poweredProductPair(_:rows:columns:exponent:scale:xWith:xWithout:yWith:yWithout:)``.
@inline(__always) private func productPairRows<P: LanePower, S: LaneScaling>(
  _ w: UnsafePointer<Float>, rows: Int, columns: Int, scale: Lane,
  xWith: UnsafePointer<Float>, xWithout: UnsafePointer<Float>,
  yWith: UnsafeMutablePointer<Float>, yWithout: UnsafeMutablePointer<Float>,
  power: P.Type, scaling: S.Type
) -> Float {
  let vectorColumns = columns - columns % Lane.scalarCount
  let tail = columns - vectorColumns
  var runningMax = Lane()
  for r in 0..<rows {
    let row = w + r * columns
    var sumWith = Lane(), sumWithout = Lane()
    var k = 0
    while k < vectorColumns {
      let a = P.power(S.scaledAbsolute(loadLane(row + k), scale))
      runningMax = runningMax.replacing(with: a, where: a .> runningMax)  // NaN never enters
      sumWith += a * loadLane(xWith + k)
      sumWithout += a * loadLane(xWithout + k)
      k += Lane.scalarCount
    }
    if tail > 0 {  // zero padding: (|0|·scale)^p · 0 = 0
      let a = P.power(S.scaledAbsolute(loadPartialLane(row + k, count: tail), scale))
      runningMax = runningMax.replacing(with: a, where: a .> runningMax)
      sumWith += a * loadPartialLane(xWith + k, count: tail)
      sumWithout += a * loadPartialLane(xWithout + k, count: tail)
    }
    yWith[r] = Float(laneSum(sumWith))
    yWithout[r] = Float(laneSum(sumWithout))
  }
  return runningMax.max()
}
