import Foundation
import GapdbCBLAS

/// How a frequency-domain value relates to the operator norm of the layer's real geometry.
public enum SpectralNormRelation: String, Sendable, Equatable {
  /// Equal to the operator norm (circular padding, stride 1, output size = input size).
  case exact
  /// A proven upper bound on the operator norm (stride > 1 and/or zero padding; see
  /// ``convolutionSpectralNorm(_:inputShape:)``). Use ``convolutionOperatorNorm(_:inputShape:warmStart:relativeTolerance:maxIterations:minIterations:)``
  /// for the exact value.
  case upperBound
  /// Neither: circular padding whose output is *larger* than the input (rows repeat). Only the
  /// power iteration gives the operator norm.
  case unrelated
}

/// The result of a frequency-domain spectral norm.
public struct FrequencySpectralNorm: Sendable, Equatable {
  /// max over frequencies of σ_max of the per-frequency `C_out × C_in` matrix (max over groups);
  /// NaN if any weight is NaN or ±Inf. Units: those of the weights (an operator norm, not squared).
  public var value: Double
  /// The frequency `(u, v)` (or `(v)` for 1-D) attaining the maximum, on `gridSize`.
  public var frequency: [Int]
  /// The DFT grid used: the input size for circular padding, the padded input size for zeros.
  public var gridSize: [Int]
  /// How ``value`` relates to the real layer's operator norm.
  public var relation: SpectralNormRelation
}

/// The exact operator 2-norm of the **circular, stride-1** convolution with `layer`'s kernel,
/// dilation and groups on an input grid of `gridSize` (Sedghi, Gupta & Long, "The Singular
/// Values of Convolutional Layers", ICLR 2019, arXiv:1805.10408, Theorem 6: the singular values
/// of the circular conv operator are the union over the n² frequencies (u, v) of the singular
/// values of the `C_out × C_in` matrices `P(u,v)[o,i] = Σ_{a,b} K[o,i,a,b]·ω_H^{u·a}·ω_W^{v·b}`,
/// ω_n = e^{−2πi/n}; for a dilated kernel the tap `a` sits at `a·dilation`).
///
/// **Method.** No FFT is run: the kernel has only `kh·kw` non-zero taps on the grid, so the
/// transform of the zero-padded kernel is evaluated directly as a DFT of those taps, in
/// O(H·W·C·(kh+kw)) (a radix-2 FFT of the padded kernel would cost O(H·W·log(HW)·C) and need
/// power-of-two sizes). Per frequency the transform costs ~8·c_o·c_i·kw flops against
/// ~4·c_o·c_i·min(c_o,c_i) for the Gram matrix alone, a ratio of ~2·kw/min(c_o,c_i): ~10% at 64
/// channels, ~1% at 512 (flop counts, not a timing); only a 3-channel input layer is
/// transform-bound, and it takes ~4 ms on 32×32.
/// Taps beyond the grid wrap around (aliasing), which is the correct circular operator when the
/// dilated kernel is larger than the grid (numpy's `fft2(k, s=…)` would crop them instead).
/// The conjugate symmetry `P(−u,−v) = conj(P(u,v))` (real kernel; same singular values) halves
/// the frequencies. Per frequency and group: the Hermitian Gram matrix `PᴴP` or `PPᴴ` (the
/// smaller, `cblas_zherk`) and its top eigenvalue alone by LAPACK `zheevr` (range 'I'):
/// a Householder tridiagonalization (4/3·k³ complex flops) plus bisection for one value, about
/// half the work of numpy's `svd(compute_uv=False)` (complex bidiagonalization, 8/3·k³).
/// PyTorch's conv is a cross-correlation; its per-frequency matrix is `conj(P)`, with the same
/// singular values.
///
/// Accuracy: the Gram eigenvalue has an absolute error of about `k·ε·σ_max²`, so σ_max has a
/// relative error of about `k·ε/2` (≈ 6e-14 for k = 512).
///
/// - Parameters:
///   - weight: `(out, in/groups, k…)` as in ``ConvolutionLayer/weight``.
///   - geometry: kernel size, dilation and groups are used; stride, padding and padding mode are
///     ignored (the operator is circular with stride 1 by definition).
///   - gridSize: `[H, W]` for Conv2d, `[L]` for Conv1d; every entry ≥ 1.
/// - Returns: the value and the maximizing frequency; relation ``SpectralNormRelation/exact``.
/// - Throws: ``ConvolutionError/wrongCount(layer:what:expected:actual:)``,
///   ``ConvolutionError/invalidShape(layer:shape:reason:)`` for a bad grid.
/// - Complexity: O(⌈HW/2⌉ · g · (c_o·c_i·min(c_o,c_i) + min(c_o,c_i)³)) time with
///   c_o, c_i the per-group channel counts; O(c_o·c_i + min³) memory per frequency.
public func circularConvolutionSpectralNorm(
  weight: [Double], geometry: ConvolutionGeometry, gridSize: [Int]
) throws(ConvolutionError) -> FrequencySpectralNorm {
  let name = geometry.name
  guard weight.count == geometry.weightCount else {
    throw .wrongCount(layer: name, what: "weight \(geometry.weightShape)", expected: geometry.weightCount, actual: weight.count)
  }
  guard gridSize.count == geometry.spatialRank, gridSize.allSatisfy({ $0 >= 1 }) else {
    throw .invalidShape(
      layer: name, shape: "\(gridSize)", reason: "the DFT grid needs \(geometry.spatialRank) positive extents")
  }
  let two = geometry.spatialRank == 2
  let (h, w) = two ? (gridSize[0], gridSize[1]) : (1, gridSize[0])
  _ = try checkedProduct([h, w, geometry.outChannels, geometry.inChannelsPerGroup], layer: name, what: "spectrum size")
  if weight.contains(where: { !$0.isFinite }) {
    return FrequencySpectralNorm(value: .nan, frequency: gridSize.map { _ in 0 }, gridSize: gridSize, relation: .exact)
  }
  let (kh, kw) = two ? (geometry.kernelSize[0], geometry.kernelSize[1]) : (1, geometry.kernelSize[0])
  let (dh, dw) = two ? (geometry.dilation[0], geometry.dilation[1]) : (1, geometry.dilation[0])
  let co = geometry.outChannelsPerGroup, ci = geometry.inChannelsPerGroup
  let pairs = geometry.outChannels * ci  // channel pairs c = o·ci + i (o over all groups)
  let taps = kh * kw

  // Twiddles e^{−2πi·u·a·d/H} for each row frequency u and tap a (exact integer reduction first).
  func twiddles(_ n: Int, _ k: Int, _ d: Int) -> (re: [Double], im: [Double]) {
    var re = [Double](repeating: 0, count: n * k), im = re
    for u in 0..<n {
      for a in 0..<k {
        let phase = (u * ((a * d) % n)) % n
        let angle = -2 * Double.pi * Double(phase) / Double(n)
        re[u * k + a] = cos(angle)
        im[u * k + a] = sin(angle)
      }
    }
    return (re, im)
  }
  let th = twiddles(h, kh, dh), tw = twiddles(w, kw, dw)

  var best = -1.0
  var bestFrequency = [0, 0]
  // Stage-1 buffer: T_u[c][b] = Σ_a K[c][a][b]·ω^{u·a·dh}, complex.
  var tRe = [Double](repeating: 0, count: pairs * kw), tIm = tRe
  var matrix = [Double](repeating: 0, count: 2 * co * ci)  // interleaved complex, one group
  let k = min(co, ci)
  var gram = [Double](repeating: 0, count: 2 * k * k)
  for u in 0..<h {
    for c in 0..<pairs {
      for b in 0..<kw {
        var sr = 0.0, si = 0.0
        for a in 0..<kh {
          let x = weight[c * taps + a * kw + b]
          sr += x * th.re[u * kh + a]
          si += x * th.im[u * kh + a]
        }
        tRe[c * kw + b] = sr
        tIm[c * kw + b] = si
      }
    }
    for v in 0..<w {
      // Skip the conjugate partner of a frequency already visited.
      let pu = (h - u) % h, pv = (w - v) % w
      if (pu, pv) < (u, v) { continue }
      for group in 0..<geometry.groups {
        for local in 0..<(co * ci) {
          let c = group * co * ci + local
          var sr = 0.0, si = 0.0
          for b in 0..<kw {
            let xr = tRe[c * kw + b], xi = tIm[c * kw + b]
            let er = tw.re[v * kw + b], ei = tw.im[v * kw + b]
            sr += xr * er - xi * ei
            si += xr * ei + xi * er
          }
          matrix[2 * local] = sr
          matrix[2 * local + 1] = si
        }
        let top = topSquaredSingularValue(
          complexRowMajor: &matrix, rows: co, columns: ci, gram: &gram)
        if top > best {
          best = top
          bestFrequency = [u, v]
        }
      }
    }
  }
  let value = max(best, 0).squareRoot()
  return FrequencySpectralNorm(
    value: value, frequency: two ? bestFrequency : [bestFrequency[1]], gridSize: gridSize, relation: .exact)
}

/// σ_max² of a complex `rows × columns` matrix (interleaved re/im, row-major) via its smaller
/// Hermitian Gram matrix (`zherk`) and its top eigenvalue (`zheevr`). `gram` is caller scratch.
func topSquaredSingularValue(
  complexRowMajor a: inout [Double], rows: Int, columns: Int, gram: inout [Double]
) -> Double {
  let k = min(rows, columns)
  if k == 0 { return 0 }
  if k == 1 {
    // A single row or column: σ² = Σ|a|².
    var s = 0.0
    for x in a[0..<(2 * rows * columns)] { s += x * x }
    return s
  }
  let useColumns = columns <= rows  // G = AᴴA (columns×columns) else AAᴴ
  a.withUnsafeBufferPointer { pa in
    gram.withUnsafeMutableBufferPointer { pg in
      cblas_zherk(
        CblasRowMajor, CblasUpper, useColumns ? CblasConjTrans : CblasNoTrans, Int32(k),
        Int32(useColumns ? rows : columns), 1, pa.baseAddress, Int32(columns), 0, pg.baseAddress, Int32(k))
    }
  }
  // Top eigenvalue only (range 'I', il = iu = k) of the Hermitian Gram matrix, upper triangle.
  // LAPACKE imports `lapack_complex_double*` as OpaquePointer; the buffers hold interleaved
  // (re, im) pairs, the layout of C's `double _Complex`.
  var found: Int32 = 0
  var eigenvalue = [Double](repeating: 0, count: k)
  var dummyZ = [0.0, 0.0]
  var support = [Int32](repeating: 0, count: 2 * k)
  let info = gram.withUnsafeMutableBufferPointer { pg in
    dummyZ.withUnsafeMutableBufferPointer { pz in
      LAPACKE_zheevr(
        LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "I")), CChar(UInt8(ascii: "U")), Int32(k),
        OpaquePointer(pg.baseAddress!), Int32(k), 0, 0, Int32(k), Int32(k), 0, &found, &eigenvalue,
        OpaquePointer(pz.baseAddress!), 1, &support)
    }
  }
  if info != 0 || found < 1 { return .nan }
  return eigenvalue[0]
}

/// The frequency-domain spectral norm of `layer` for its real input shape, with its relation to
/// the layer's true operator norm (linear part, bias ignored):
///
/// - **Circular padding, stride 1, output size = input size** (e.g. k = 3, padding = 1): the
///   operator is the circulant on the input grid up to a cyclic shift (a permutation), so the value
///   on grid = input size is ``SpectralNormRelation/exact`` (Sedghi et al. 2019, Thm. 6).
/// - **Zero padding p (any stride)**: the layer is `y = S·R·C_M·E·x` where `E` embeds the input
///   into the zero-padded grid `M = n + 2p` (an isometry), `C_M` is the circular stride-1 conv on
///   that grid, `R` keeps the rows whose window does not wrap (valid positions) and `S` keeps every
///   s-th of them. Row selections and isometries do not increase the 2-norm, so
///   `‖layer‖ ≤ ‖C_M‖`: the value on grid `n + 2p` is a proven ``SpectralNormRelation/upperBound``.
///   (The circular value on grid `n` is *not* a bound for zero padding in general.)
/// - **Circular padding with stride > 1, or output smaller than input**: a row-subsampling of the
///   circulant on grid `n`, so the value on grid `n` is an ``SpectralNormRelation/upperBound``.
/// - **Circular padding with output larger than input** (2p > dilated extent − 1): rows repeat,
///   the value on grid `n` is returned with ``SpectralNormRelation/unrelated``.
///
/// For the exact value in the bound/unrelated cases use
/// ``convolutionOperatorNorm(_:inputShape:warmStart:relativeTolerance:maxIterations:minIterations:)``.
/// Dziugaite et al.'s `measures.py` evaluates every layer on the *network* input size whatever the
/// layer's real input size; to reproduce that, call ``circularConvolutionSpectralNorm(weight:geometry:gridSize:)``
/// with that grid.
///
/// - Throws: shape errors of ``ConvolutionGeometry/outputShape(for:)``.
public func convolutionSpectralNorm(_ layer: ConvolutionLayer, inputShape: FeatureShape) throws(ConvolutionError)
  -> FrequencySpectralNorm
{
  let g = layer.geometry
  let out = try g.outputShape(for: inputShape)
  let strided = g.stride.contains { $0 > 1 }
  switch g.paddingMode {
  case .zeros:
    let grid = zip(inputShape.spatial, g.padding).map { $0 + 2 * $1 }
    var result = try circularConvolutionSpectralNorm(weight: layer.weight, geometry: g, gridSize: grid)
    // Exact only in the degenerate case of a 1-tap kernel with no padding and stride 1.
    let trivial = !strided && g.kernelCount == 1 && g.padding.allSatisfy { $0 == 0 }
    result.relation = trivial ? .exact : .upperBound
    return result
  case .circular:
    var result = try circularConvolutionSpectralNorm(weight: layer.weight, geometry: g, gridSize: inputShape.spatial)
    if out.spatial == inputShape.spatial && !strided {
      result.relation = .exact
    } else {
      result.relation = isSubsampledCirculant(g, inputShape) ? .upperBound : .unrelated
    }
    return result
  }
}

/// With circular padding and stride s, output rows are the circulant rows at positions
/// `q·s − p mod n`; they are distinct rows of the circulant iff the output count per axis ≤ the
/// number of distinct positions they can hit.
private func isSubsampledCirculant(_ g: ConvolutionGeometry, _ input: FeatureShape) -> Bool {
  guard let out = try? g.outputShape(for: input) else { return false }
  for axis in input.spatial.indices {
    let n = input.spatial[axis], s = g.stride[axis]
    var seen = Set<Int>()
    for q in 0..<out.spatial[axis] where !seen.insert(((q * s - g.padding[axis]) % n + n) % n).inserted {
      return false
    }
  }
  return true
}
