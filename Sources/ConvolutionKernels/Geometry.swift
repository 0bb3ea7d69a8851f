/// The shape of one example's activation: `channels` feature maps of `spatial` extent.
///
/// Layout of the matching `[Double]` buffers: channel-major, then spatial row-major, as PyTorch's
/// NCHW without the batch axis: element `(c, y, x)` of a 2-D shape sits at
/// `(c·height + y)·width + x`; a 1-D shape `(c, l)` at `c·length + l`; a flat vector
/// (`spatial == []`) holds `channels` numbers.
public struct FeatureShape: Sendable, Equatable, CustomStringConvertible {
  /// Number of channels (or features of a flat vector).
  public var channels: Int
  /// Spatial extent: `[]` (flat vector), `[length]` (1-D) or `[height, width]` (2-D).
  public var spatial: [Int]

  public init(channels: Int, spatial: [Int] = []) {
    self.channels = channels
    self.spatial = spatial
  }

  /// Number of spatial positions (1 for a flat vector).
  public var spatialCount: Int { spatial.reduce(1, *) }
  /// Number of scalars, `channels · spatialCount`.
  public var count: Int { channels * spatialCount }

  /// `(3, 32, 32)`-style rendering used in error messages.
  public var description: String { "(" + ([channels] + spatial).map(String.init).joined(separator: ", ") + ")" }

  /// Checks that every extent is positive and the element count fits in `Int`.
  /// - Throws: ``ConvolutionError/invalidShape(layer:shape:reason:)``.
  public func validated(layer: String) throws(ConvolutionError) -> FeatureShape {
    guard spatial.count <= 2 else {
      throw .invalidShape(layer: layer, shape: description, reason: "at most 2 spatial axes are supported")
    }
    guard channels > 0, spatial.allSatisfy({ $0 > 0 }) else {
      throw .invalidShape(layer: layer, shape: description, reason: "every extent must be positive")
    }
    _ = try checkedProduct([channels] + spatial, layer: layer, what: "element count of \(description)")
    return self
  }
}

/// Errors of this module. Every case names the layer (the caller's label, e.g. a state-dict
/// prefix such as `features.0`) and, for mismatches, both shapes.
public enum ConvolutionError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A geometry parameter is out of range (`parameter` names it, `value` shows it).
  case invalidParameter(layer: String, parameter: String, value: String, hint: String)
  /// A shape has a non-positive extent, too many axes, or overflows.
  case invalidShape(layer: String, shape: String, reason: String)
  /// The input reaching a layer does not have the shape the layer needs.
  case shapeMismatch(layer: String, expected: String, actual: String)
  /// The layer would produce an empty output (kernel extent larger than the padded input).
  case emptyOutput(layer: String, input: String, reason: String)
  /// A buffer (weights, bias, BN statistics, input) has the wrong number of elements.
  case wrongCount(layer: String, what: String, expected: Int, actual: Int)
  /// An integer size computation overflowed `Int`.
  case overflow(layer: String, what: String)
  /// Batch-norm statistics that cannot be folded (e.g. running_var + eps ≤ 0 or NaN).
  case invalidBatchNorm(layer: String, channel: Int, reason: String)

  public var description: String {
    switch self {
    case .invalidParameter(let layer, let parameter, let value, let hint):
      return "layer \(layer): \(parameter) = \(value) is invalid; \(hint)"
    case .invalidShape(let layer, let shape, let reason):
      return "layer \(layer): shape \(shape) is invalid: \(reason)"
    case .shapeMismatch(let layer, let expected, let actual):
      return "layer \(layer): expects input of shape \(expected) but gets \(actual)"
    case .emptyOutput(let layer, let input, let reason):
      return "layer \(layer): input \(input) gives an empty output: \(reason)"
    case .wrongCount(let layer, let what, let expected, let actual):
      return "layer \(layer): \(what) has \(actual) elements, expected \(expected)"
    case .overflow(let layer, let what):
      return "layer \(layer): \(what) overflows a 64-bit integer"
    case .invalidBatchNorm(let layer, let channel, let reason):
      return "layer \(layer): batch-norm channel \(channel) cannot be folded: \(reason)"
    }
  }
}

/// Product of `values` with overflow checks. - Throws: ``ConvolutionError/overflow(layer:what:)``.
func checkedProduct(_ values: [Int], layer: String, what: String) throws(ConvolutionError) -> Int {
  var result = 1
  for v in values {
    let (p, o) = result.multipliedReportingOverflow(by: v)
    if o { throw .overflow(layer: layer, what: what) }
    result = p
  }
  return result
}

/// How a convolution treats positions outside its input.
public enum PaddingMode: String, Sendable, Equatable {
  /// Zeros outside the input (PyTorch `padding_mode='zeros'`, the default).
  case zeros
  /// The input is periodic (PyTorch `padding_mode='circular'`): index `i` reads `i mod n`.
  /// Sedghi et al.'s exact spectral norm is for this mode with stride 1.
  case circular
}

/// The geometry of a PyTorch `Conv1d`/`Conv2d` layer (without its weights).
///
/// Weight layout (PyTorch): `(outChannels, inChannels/groups, k…)`, row-major; bias
/// `(outChannels)`. Output extent per spatial axis (PyTorch's formula, floor division):
/// `out = ⌊(in + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1`.
///
/// Source: PyTorch `torch.nn.Conv2d` documentation (shape section).
public struct ConvolutionGeometry: Sendable, Equatable {
  /// Label used in error messages (e.g. the state-dict prefix `features.0`).
  public let name: String
  public let inChannels: Int
  public let outChannels: Int
  /// Kernel extent per spatial axis: `[k]` (Conv1d) or `[kh, kw]` (Conv2d).
  public let kernelSize: [Int]
  public let stride: [Int]
  /// Symmetric padding per spatial axis (PyTorch's integer/tuple `padding`).
  public let padding: [Int]
  public let dilation: [Int]
  public let groups: Int
  public let paddingMode: PaddingMode

  /// Number of spatial axes (1 or 2).
  public var spatialRank: Int { kernelSize.count }
  /// Input channels seen by each output channel, `inChannels / groups`.
  public var inChannelsPerGroup: Int { inChannels / groups }
  /// Output channels per group, `outChannels / groups`.
  public var outChannelsPerGroup: Int { outChannels / groups }
  /// Number of kernel taps, `Π kernelSize`.
  public var kernelCount: Int { kernelSize.reduce(1, *) }
  /// Weight tensor shape `(out, in/groups, k…)`.
  public var weightShape: [Int] { [outChannels, inChannelsPerGroup] + kernelSize }
  /// Number of weight scalars.
  public var weightCount: Int { weightShape.reduce(1, *) }

  /// Creates and validates a geometry. Scalar-per-axis parameters are given as arrays of the
  /// kernel's rank, or as one-element arrays that are repeated (PyTorch's `int` form).
  ///
  /// - Throws: ``ConvolutionError/invalidParameter(layer:parameter:value:hint:)`` when a channel
  ///   count, kernel size, stride or dilation is < 1, padding < 0, the rank is not 1 or 2, a
  ///   per-axis array has the wrong length, or `groups` does not divide both channel counts;
  ///   ``ConvolutionError/overflow(layer:what:)`` if the weight count overflows.
  public init(
    name: String, inChannels: Int, outChannels: Int, kernelSize: [Int], stride: [Int] = [1],
    padding: [Int] = [0], dilation: [Int] = [1], groups: Int = 1, paddingMode: PaddingMode = .zeros
  ) throws(ConvolutionError) {
    let rank = kernelSize.count
    guard rank == 1 || rank == 2 else {
      throw .invalidParameter(
        layer: name, parameter: "kernel_size", value: "\(kernelSize)",
        hint: "give 1 (Conv1d) or 2 (Conv2d) extents")
    }
    func expand(_ values: [Int], _ parameter: String) throws(ConvolutionError) -> [Int] {
      if values.count == rank { return values }
      if values.count == 1 { return Array(repeating: values[0], count: rank) }
      throw .invalidParameter(
        layer: name, parameter: parameter, value: "\(values)", hint: "give 1 or \(rank) values for a \(rank)-D conv")
    }
    let stride = try expand(stride, "stride")
    let padding = try expand(padding, "padding")
    let dilation = try expand(dilation, "dilation")
    for (p, v) in [("in_channels", [inChannels]), ("out_channels", [outChannels]), ("kernel_size", kernelSize),
      ("stride", stride), ("dilation", dilation), ("groups", [groups])]
    where v.contains(where: { $0 < 1 }) {
      throw .invalidParameter(layer: name, parameter: p, value: "\(v.count == 1 ? "\(v[0])" : "\(v)")", hint: "must be ≥ 1")
    }
    if padding.contains(where: { $0 < 0 }) {
      throw .invalidParameter(layer: name, parameter: "padding", value: "\(padding)", hint: "must be ≥ 0")
    }
    guard inChannels % groups == 0, outChannels % groups == 0 else {
      throw .invalidParameter(
        layer: name, parameter: "groups", value: "\(groups)",
        hint: "must divide in_channels (\(inChannels)) and out_channels (\(outChannels))")
    }
    self.name = name
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.kernelSize = kernelSize
    self.stride = stride
    self.padding = padding
    self.dilation = dilation
    self.groups = groups
    self.paddingMode = paddingMode
    _ = try checkedProduct(weightShape, layer: name, what: "weight count")
  }

  /// The output shape for an input of shape `input`, by PyTorch's formula (see the type doc).
  ///
  /// - Throws: ``ConvolutionError/shapeMismatch(layer:expected:actual:)`` if `input` has the
  ///   wrong channel count or spatial rank (the message shows both shapes);
  ///   ``ConvolutionError/emptyOutput(layer:input:reason:)`` if the dilated kernel extent
  ///   exceeds the padded input on some axis; ``ConvolutionError/overflow(layer:what:)``.
  /// - Complexity: O(1).
  public func outputShape(for input: FeatureShape) throws(ConvolutionError) -> FeatureShape {
    let expected = "(\(inChannels), " + Array(repeating: "*", count: spatialRank).joined(separator: ", ") + ")"
    guard input.channels == inChannels, input.spatial.count == spatialRank else {
      throw .shapeMismatch(layer: name, expected: expected, actual: input.description)
    }
    _ = try input.validated(layer: name)
    var out: [Int] = []
    for axis in 0..<spatialRank {
      let (twoP, o1) = padding[axis].multipliedReportingOverflow(by: 2)
      let (padded, o2) = input.spatial[axis].addingReportingOverflow(twoP)
      let (span, o3) = dilation[axis].multipliedReportingOverflow(by: kernelSize[axis] - 1)
      if o1 || o2 || o3 { throw .overflow(layer: name, what: "output size on axis \(axis)") }
      let extent = span + 1
      guard padded >= extent else {
        throw .emptyOutput(
          layer: name, input: input.description,
          reason: "axis \(axis): padded size \(padded) < dilated kernel extent \(extent)")
      }
      out.append((padded - extent) / stride[axis] + 1)
    }
    return try FeatureShape(channels: outChannels, spatial: out).validated(layer: name)
  }
}

/// Max or average pooling geometry (PyTorch `MaxPool1d/2d`, `AvgPool1d/2d`, floor mode), or
/// global average pooling (`AdaptiveAvgPool2d(1)` / mean over all positions).
///
/// Output extent per axis: `⌊(in + 2·padding − kernel) / stride⌋ + 1` (no dilation). Max pooling
/// treats padding as −∞ (never selected); average pooling counts padded zeros in the divisor
/// (PyTorch's default `count_include_pad=True`), i.e. divides by `Π kernel`.
public struct PoolingGeometry: Sendable, Equatable {
  public enum Kind: String, Sendable, Equatable {
    case max, average
    /// Mean over all spatial positions; output spatial extent is all ones.
    case globalAverage
  }

  public let name: String
  public let kind: Kind
  public let kernelSize: [Int]
  public let stride: [Int]
  public let padding: [Int]

  /// - Parameters:
  ///   - stride: defaults to `kernelSize` (PyTorch's default).
  /// - Throws: ``ConvolutionError/invalidParameter(layer:parameter:value:hint:)`` for a kernel or
  ///   stride < 1, padding < 0 or > kernel/2 (PyTorch's limit), or a rank other than 1 or 2.
  public init(name: String, kind: Kind, kernelSize: [Int] = [], stride: [Int]? = nil, padding: [Int] = [0])
    throws(ConvolutionError)
  {
    self.name = name
    self.kind = kind
    if kind == .globalAverage {
      self.kernelSize = []
      self.stride = []
      self.padding = []
      return
    }
    let rank = kernelSize.count
    guard rank == 1 || rank == 2 else {
      throw .invalidParameter(
        layer: name, parameter: "kernel_size", value: "\(kernelSize)", hint: "give 1 or 2 extents")
    }
    func expand(_ v: [Int], _ p: String) throws(ConvolutionError) -> [Int] {
      if v.count == rank { return v }
      if v.count == 1 { return Array(repeating: v[0], count: rank) }
      throw .invalidParameter(layer: name, parameter: p, value: "\(v)", hint: "give 1 or \(rank) values")
    }
    let s = try expand(stride ?? kernelSize, "stride")
    let p = try expand(padding, "padding")
    if kernelSize.contains(where: { $0 < 1 }) || s.contains(where: { $0 < 1 }) {
      throw .invalidParameter(
        layer: name, parameter: "kernel_size/stride", value: "\(kernelSize)/\(s)", hint: "must be ≥ 1")
    }
    for axis in 0..<rank where p[axis] < 0 || p[axis] * 2 > kernelSize[axis] {
      throw .invalidParameter(
        layer: name, parameter: "padding", value: "\(p)", hint: "must be between 0 and kernel_size/2")
    }
    self.kernelSize = kernelSize
    self.stride = s
    self.padding = p
  }

  /// The output shape for `input` (channels unchanged).
  /// - Throws: ``ConvolutionError/shapeMismatch(layer:expected:actual:)`` if the spatial rank
  ///   differs from the kernel's (or the input is flat); ``ConvolutionError/emptyOutput(layer:input:reason:)``.
  public func outputShape(for input: FeatureShape) throws(ConvolutionError) -> FeatureShape {
    _ = try input.validated(layer: name)
    if kind == .globalAverage {
      guard !input.spatial.isEmpty else {
        throw .shapeMismatch(layer: name, expected: "(C, L) or (C, H, W)", actual: input.description)
      }
      return FeatureShape(channels: input.channels, spatial: input.spatial.map { _ in 1 })
    }
    guard input.spatial.count == kernelSize.count else {
      let expected = "(C, " + Array(repeating: "*", count: kernelSize.count).joined(separator: ", ") + ")"
      throw .shapeMismatch(layer: name, expected: expected, actual: input.description)
    }
    var out: [Int] = []
    for axis in kernelSize.indices {
      let padded = input.spatial[axis] + 2 * padding[axis]
      guard padded >= kernelSize[axis] else {
        throw .emptyOutput(
          layer: name, input: input.description,
          reason: "axis \(axis): padded size \(padded) < kernel \(kernelSize[axis])")
      }
      out.append((padded - kernelSize[axis]) / stride[axis] + 1)
    }
    return FeatureShape(channels: input.channels, spatial: out)
  }
}
