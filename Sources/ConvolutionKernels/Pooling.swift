import GapdbCBLAS

extension PoolingGeometry {
  /// Pools one example (PyTorch semantics, floor mode; see the type doc for padding rules).
  ///
  /// - Parameters:
  ///   - input: `shape.count` values, layout of ``FeatureShape``.
  /// - Returns: the pooled values and their shape. NaN inputs propagate (a NaN in a max-pool
  ///   window gives NaN, as PyTorch does).
  /// - Throws: shape errors of ``outputShape(for:)``;
  ///   ``ConvolutionError/wrongCount(layer:what:expected:actual:)`` if `input.count != shape.count`.
  /// - Complexity: O(C · P_out · Π k) time.
  public func forward(_ input: [Double], shape: FeatureShape) throws(ConvolutionError)
    -> (output: [Double], shape: FeatureShape)
  {
    guard input.count == shape.count else {
      throw .wrongCount(layer: name, what: "input \(shape)", expected: shape.count, actual: input.count)
    }
    let out = try outputShape(for: shape)
    let plane = shape.spatialCount
    if kind == .globalAverage {
      var result = [Double](repeating: 0, count: shape.channels)
      for c in 0..<shape.channels {
        var s = 0.0
        for i in 0..<plane { s += input[c * plane + i] }
        result[c] = s / Double(plane)
      }
      return (result, out)
    }
    let two = kernelSize.count == 2
    let (h, w) = two ? (shape.spatial[0], shape.spatial[1]) : (1, shape.spatial[0])
    let (ho, wo) = two ? (out.spatial[0], out.spatial[1]) : (1, out.spatial[0])
    let (kh, kw) = two ? (kernelSize[0], kernelSize[1]) : (1, kernelSize[0])
    let (sh, sw) = two ? (stride[0], stride[1]) : (1, stride[0])
    let (ph, pw) = two ? (padding[0], padding[1]) : (0, padding[0])
    let divisor = Double(kh * kw)
    var result = [Double](repeating: 0, count: out.count)
    for c in 0..<shape.channels {
      for oy in 0..<ho {
        for ox in 0..<wo {
          var acc = kind == .max ? -Double.infinity : 0
          var sawNaN = false
          for a in 0..<kh {
            let iy = oy * sh - ph + a
            if iy < 0 || iy >= h { continue }
            for b in 0..<kw {
              let ix = ox * sw - pw + b
              if ix < 0 || ix >= w { continue }
              let v = input[c * plane + iy * w + ix]
              if kind == .max {
                if v.isNaN { sawNaN = true } else if v > acc { acc = v }
              } else {
                acc += v
              }
            }
          }
          result[(c * ho + oy) * wo + ox] = sawNaN ? .nan : (kind == .max ? acc : acc / divisor)
        }
      }
    }
    return (result, out)
  }
}

/// A dense layer `y = W x + b` with `W` of shape `(out, in)` row-major (PyTorch `nn.Linear`).
public struct LinearLayer: Sendable {
  public let name: String
  public let inFeatures: Int
  public let outFeatures: Int
  /// `(out, in)` row-major.
  public var weight: [Double]
  public var bias: [Double]?

  /// - Throws: ``ConvolutionError/invalidParameter(layer:parameter:value:hint:)`` for a size < 1;
  ///   ``ConvolutionError/wrongCount(layer:what:expected:actual:)``.
  public init(name: String, inFeatures: Int, outFeatures: Int, weight: [Double], bias: [Double]? = nil)
    throws(ConvolutionError)
  {
    guard inFeatures >= 1, outFeatures >= 1 else {
      throw .invalidParameter(
        layer: name, parameter: "in/out_features", value: "\(inFeatures)/\(outFeatures)", hint: "must be ≥ 1")
    }
    let count = try checkedProduct([inFeatures, outFeatures], layer: name, what: "weight count")
    guard weight.count == count else {
      throw .wrongCount(layer: name, what: "weight (\(outFeatures), \(inFeatures))", expected: count, actual: weight.count)
    }
    if let bias, bias.count != outFeatures {
      throw .wrongCount(layer: name, what: "bias", expected: outFeatures, actual: bias.count)
    }
    self.name = name
    self.inFeatures = inFeatures
    self.outFeatures = outFeatures
    self.weight = weight
    self.bias = bias
  }

  /// `W x (+ b)`. A flat input is required: ``FeatureShape/count`` must equal `inFeatures` and
  /// the shape must be flat (use a flatten step first).
  /// - Throws: ``ConvolutionError/shapeMismatch(layer:expected:actual:)``.
  public func forward(_ input: [Double], shape: FeatureShape, includeBias: Bool = true) throws(ConvolutionError)
    -> (output: [Double], shape: FeatureShape)
  {
    guard shape.spatial.isEmpty, shape.channels == inFeatures, input.count == inFeatures else {
      throw .shapeMismatch(layer: name, expected: "(\(inFeatures))", actual: shape.description)
    }
    var y = (includeBias ? bias : nil) ?? [Double](repeating: 0, count: outFeatures)
    weight.withUnsafeBufferPointer { pw in
      input.withUnsafeBufferPointer { px in
        y.withUnsafeMutableBufferPointer { py in
          cblas_dgemv(
            CblasRowMajor, CblasNoTrans, Int32(outFeatures), Int32(inFeatures), 1, pw.baseAddress,
            Int32(inFeatures), px.baseAddress, 1, 1, py.baseAddress, 1)
        }
      }
    }
    return (y, FeatureShape(channels: outFeatures))
  }
}
