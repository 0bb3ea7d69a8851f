import GapdbCBLAS

/// A PyTorch `Conv1d`/`Conv2d` layer with float64 parameters, and its forward map and adjoint.
///
/// **Why float64.** These kernels serve the *measures* (path norms, operator norms, BN folding),
/// not training: they run a handful of single-example passes per checkpoint, so float64 costs
/// little (one `dgemm` per group) and removes two failure modes of float32: path-norm sums over
/// ~10⁶ spatial paths that lose digits, and power-iteration / FFT comparisons that must agree to
/// 1e-5 relative. A float32 checkpoint converts exactly to float64.
///
/// Algorithm: im2col + one OpenBLAS `cblas_dgemm` per group,
/// `out_g (C_out/g × P) = W_g (C_out/g × K) · cols_g (K × P)`, with `K = (C_in/g)·Π k` and `P` the
/// number of output positions; the adjoint is `cols_g = W_gᵀ · dy_g` followed by col2im
/// (scatter-add). The im2col index table is built once per (layer, input shape) in a
/// ``ConvolutionPlan``.
public struct ConvolutionLayer: Sendable {
  public let geometry: ConvolutionGeometry
  /// Weights in PyTorch layout `(out, in/groups, k…)`, row-major; `geometry.weightCount` values.
  public var weight: [Double]
  /// Bias `(out)`, or `nil` for `bias=False`.
  public var bias: [Double]?

  /// - Throws: ``ConvolutionError/wrongCount(layer:what:expected:actual:)`` if `weight` or `bias`
  ///   has the wrong number of elements.
  public init(geometry: ConvolutionGeometry, weight: [Double], bias: [Double]? = nil) throws(ConvolutionError) {
    guard weight.count == geometry.weightCount else {
      throw .wrongCount(
        layer: geometry.name, what: "weight \(geometry.weightShape)", expected: geometry.weightCount,
        actual: weight.count)
    }
    if let bias, bias.count != geometry.outChannels {
      throw .wrongCount(layer: geometry.name, what: "bias", expected: geometry.outChannels, actual: bias.count)
    }
    self.geometry = geometry
    self.weight = weight
    self.bias = bias
  }

  /// The Jiang/Dziugaite "reshape convention" matrix: `(out) × (in/groups · Π k)`, row-major, the
  /// same buffer as ``weight`` (PyTorch `weight.view(out, -1)`). Its spectral norm is *not* the
  /// operator norm of the convolution (see ``ConvolutionSpectralNorm``).
  public var reshapedWeight: (rows: Int, columns: Int, elements: [Double]) {
    (geometry.outChannels, geometry.weightCount / geometry.outChannels, weight)
  }

  /// The convolution of one example, `y = conv(x) (+ bias)`.
  ///
  /// - Parameters:
  ///   - input: `shape.count` values, layout of ``FeatureShape``.
  ///   - includeBias: add the bias (if any); `false` gives the linear part only.
  /// - Returns: the output and its shape (``ConvolutionGeometry/outputShape(for:)``).
  /// - Throws: shape errors from ``ConvolutionGeometry/outputShape(for:)``;
  ///   ``ConvolutionError/wrongCount(layer:what:expected:actual:)`` if `input.count != shape.count`.
  /// - Complexity: O(C_out · K · P) time (one dgemm per group), O(K · P) extra memory.
  public func forward(_ input: [Double], shape: FeatureShape, includeBias: Bool = true) throws(ConvolutionError)
    -> (output: [Double], shape: FeatureShape)
  {
    let plan = try ConvolutionPlan(geometry: geometry, inputShape: shape)
    return (try plan.forward(self, input, includeBias: includeBias), plan.outputShape)
  }

  /// The adjoint (transposed convolution) of the linear part: `x̄ = Aᵀ ȳ`, so that
  /// `⟨A x, ȳ⟩ = ⟨x, Aᵀ ȳ⟩` for every `x` of shape `inputShape`. This is PyTorch's
  /// `conv_transpose2d(ȳ, weight, stride, padding, output_padding, groups, dilation)` with the
  /// output padding that restores `inputShape` (for circular padding, the wrapped version).
  ///
  /// - Parameters:
  ///   - outputGradient: a buffer of the *output* shape for `inputShape`.
  /// - Throws: shape errors; ``ConvolutionError/wrongCount(layer:what:expected:actual:)``.
  /// - Complexity: as ``forward(_:shape:includeBias:)``.
  public func transpose(_ outputGradient: [Double], inputShape: FeatureShape) throws(ConvolutionError) -> [Double] {
    let plan = try ConvolutionPlan(geometry: geometry, inputShape: inputShape)
    return try plan.transpose(self, outputGradient)
  }
}

/// A convolution geometry bound to an input shape: the im2col index table, reusable across
/// calls (power iteration reuses one plan for all its iterations).
public struct ConvolutionPlan: Sendable {
  public let geometry: ConvolutionGeometry
  public let inputShape: FeatureShape
  public let outputShape: FeatureShape
  /// Input spatial size (H, W) with 1-D treated as H = 1.
  let height: Int, width: Int
  /// Output positions and taps.
  let positions: Int, taps: Int
  /// `table[tap · positions + p]` = within-channel input offset read by tap `tap` at output
  /// position `p`, or −1 for a zero-padded position.
  let table: [Int]

  /// - Throws: shape errors of ``ConvolutionGeometry/outputShape(for:)``; overflow if the
  ///   index table (`Π k · P` entries) would overflow.
  public init(geometry: ConvolutionGeometry, inputShape: FeatureShape) throws(ConvolutionError) {
    self.geometry = geometry
    self.inputShape = inputShape
    outputShape = try geometry.outputShape(for: inputShape)
    let two = geometry.spatialRank == 2
    let (h, w) = two ? (inputShape.spatial[0], inputShape.spatial[1]) : (1, inputShape.spatial[0])
    let (ho, wo) = two ? (outputShape.spatial[0], outputShape.spatial[1]) : (1, outputShape.spatial[0])
    let (kh, kw) = two ? (geometry.kernelSize[0], geometry.kernelSize[1]) : (1, geometry.kernelSize[0])
    let (sh, sw) = two ? (geometry.stride[0], geometry.stride[1]) : (1, geometry.stride[0])
    let (ph, pw) = two ? (geometry.padding[0], geometry.padding[1]) : (0, geometry.padding[0])
    let (dh, dw) = two ? (geometry.dilation[0], geometry.dilation[1]) : (1, geometry.dilation[0])
    height = h
    width = w
    positions = ho * wo
    taps = kh * kw
    _ = try checkedProduct([taps, positions, max(1, geometry.inChannelsPerGroup)], layer: geometry.name, what: "im2col size")
    let circular = geometry.paddingMode == .circular
    var table = [Int](repeating: -1, count: taps * positions)
    for a in 0..<kh {
      for b in 0..<kw {
        let tap = a * kw + b
        for oy in 0..<ho {
          var iy = oy * sh - ph + a * dh
          if circular { iy = ((iy % h) + h) % h } else if iy < 0 || iy >= h { continue }
          for ox in 0..<wo {
            var ix = ox * sw - pw + b * dw
            if circular { ix = ((ix % w) + w) % w } else if ix < 0 || ix >= w { continue }
            table[tap * positions + oy * wo + ox] = iy * w + ix
          }
        }
      }
    }
    self.table = table
  }

  /// Forward map of `layer` (whose geometry must equal this plan's) on `input`.
  public func forward(_ layer: ConvolutionLayer, _ input: [Double], includeBias: Bool = true) throws(ConvolutionError)
    -> [Double]
  {
    guard input.count == inputShape.count else {
      throw .wrongCount(layer: geometry.name, what: "input \(inputShape)", expected: inputShape.count, actual: input.count)
    }
    let g = geometry
    let cin = g.inChannelsPerGroup, cout = g.outChannelsPerGroup
    let k = cin * taps
    let planeIn = height * width
    var output = [Double](repeating: 0, count: outputShape.count)
    var cols = [Double](repeating: 0, count: k * positions)
    for group in 0..<g.groups {
      // im2col: row (c, tap), column p.
      for c in 0..<cin {
        let base = (group * cin + c) * planeIn
        for tap in 0..<taps {
          let row = (c * taps + tap) * positions
          let t = tap * positions
          for p in 0..<positions {
            let src = table[t + p]
            cols[row + p] = src >= 0 ? input[base + src] : 0
          }
        }
      }
      layer.weight.withUnsafeBufferPointer { pw in
        cols.withUnsafeBufferPointer { pc in
          output.withUnsafeMutableBufferPointer { po in
            cblas_dgemm(
              CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(cout), Int32(positions), Int32(k), 1,
              pw.baseAddress! + group * cout * k, Int32(k), pc.baseAddress, Int32(positions), 0,
              po.baseAddress! + group * cout * positions, Int32(positions))
          }
        }
      }
    }
    if includeBias, let bias = layer.bias {
      for o in 0..<g.outChannels {
        for p in 0..<positions { output[o * positions + p] += bias[o] }
      }
    }
    return output
  }

  /// Adjoint of the linear part of `layer` applied to `outputGradient` (output shape).
  public func transpose(_ layer: ConvolutionLayer, _ outputGradient: [Double]) throws(ConvolutionError) -> [Double] {
    guard outputGradient.count == outputShape.count else {
      throw .wrongCount(
        layer: geometry.name, what: "output-shaped buffer \(outputShape)", expected: outputShape.count,
        actual: outputGradient.count)
    }
    let g = geometry
    let cin = g.inChannelsPerGroup, cout = g.outChannelsPerGroup
    let k = cin * taps
    let planeIn = height * width
    var result = [Double](repeating: 0, count: inputShape.count)
    var cols = [Double](repeating: 0, count: k * positions)
    for group in 0..<g.groups {
      layer.weight.withUnsafeBufferPointer { pw in
        outputGradient.withUnsafeBufferPointer { py in
          cols.withUnsafeMutableBufferPointer { pc in
            cblas_dgemm(
              CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(positions), Int32(cout), 1,
              pw.baseAddress! + group * cout * k, Int32(k), py.baseAddress! + group * cout * positions,
              Int32(positions), 0, pc.baseAddress, Int32(positions))
          }
        }
      }
      // col2im: scatter-add.
      for c in 0..<cin {
        let base = (group * cin + c) * planeIn
        for tap in 0..<taps {
          let row = (c * taps + tap) * positions
          let t = tap * positions
          for p in 0..<positions {
            let dst = table[t + p]
            if dst >= 0 { result[base + dst] += cols[row + p] }
          }
        }
      }
    }
    return result
  }
}
