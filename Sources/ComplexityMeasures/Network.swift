import LinearAlgebra

/// One dense layer's parameters: `y = W x + b`.
///
/// Shapes: `weights` is row-major (fanOut, fanIn); row `j` holds the incoming weights of
/// unit `j`, element `(j, k)` is the weight from input `k` to unit `j`. `bias` has length
/// `fanOut`. `initialWeights` (the same layer at initialization, `W⁰`) has the shape of
/// `weights`. Biases never enter norms or distances (spec "Weights vs biases"); they enter
/// only the `…_path_norm` variants and ``NetworkWeights/totalParameterCount``.
public struct LayerWeights: Sendable {
  /// A label for messages and output (e.g. the state-dict prefix `fc1` or `layers.3`).
  public var name: String
  /// W, shape (fanOut, fanIn).
  public var weights: Matrix
  /// b, length fanOut, or `nil` for a layer without bias.
  public var bias: [Float]?
  /// W⁰ at initialization, shape (fanOut, fanIn), or `nil`.
  public var initialWeights: Matrix?

  /// Creates a layer.
  ///
  /// - Parameters:
  ///   - name: Label used in messages and output.
  ///   - weights: W, shape (fanOut, fanIn).
  ///   - bias: b, length fanOut, or `nil`.
  ///   - initialWeights: W⁰, shape (fanOut, fanIn), or `nil`.
  public init(name: String, weights: Matrix, bias: [Float]? = nil, initialWeights: Matrix? = nil) {
    self.name = name
    self.weights = weights
    self.bias = bias
    self.initialWeights = initialWeights
  }

  /// Number of units (rows of W).
  public var fanOut: Int { weights.rows }
  /// Number of inputs (columns of W).
  public var fanIn: Int { weights.columns }
}

/// Why a list of layers is not a valid feed-forward network.
public enum NetworkShapeError: Error, CustomStringConvertible, Sendable, Equatable {
  /// No layers at all.
  case noLayers
  /// A weight matrix with a zero dimension.
  case emptyLayer(name: String, fanOut: Int, fanIn: Int)
  /// A bias whose length is not the layer's fanOut.
  case biasLength(name: String, expected: Int, found: Int)
  /// Initial weights whose shape differs from the weights'.
  case initialWeightsShape(name: String, expected: String, found: String)
  /// Consecutive layers whose shapes do not chain (fanIn of `next` ≠ fanOut of `previous`).
  case chainMismatch(previous: String, previousShape: String, next: String, nextShape: String)
  /// Some but not all layers have initial weights.
  case partialInitialWeights(missing: [String])

  public var description: String {
    switch self {
    case .noLayers: return "the network has no layers"
    case .emptyLayer(let name, let o, let i): return "layer \(name) has an empty weight matrix \(o)×\(i)"
    case .biasLength(let name, let e, let f): return "bias of layer \(name) has length \(f), expected fanOut = \(e)"
    case .initialWeightsShape(let name, let e, let f):
      return "initial weights of layer \(name) have shape \(f), expected \(e)"
    case .chainMismatch(let p, let ps, let n, let ns):
      return "layer \(n) (\(ns), fanOut×fanIn) does not follow layer \(p) (\(ps)): its fanIn must equal \(p)'s fanOut"
    case .partialInitialWeights(let missing):
      return "initial weights are missing for layers \(missing.joined(separator: ", "))"
    }
  }
}

/// A feed-forward ReLU network `f(x) = W_d φ(… φ(W_1 x + b_1) …) + b_d` given by its layers.
///
/// Layer `i` (0-based here, `i+1` in the spec) maps `h_i` inputs to `h_{i+1}` units:
/// `layers[i].fanIn == layers[i-1].fanOut`. `depth` = d = number of weight layers.
public struct NetworkWeights: Sendable {
  /// The layers, input side first.
  public let layers: [LayerWeights]

  /// Validates and stores the layers.
  ///
  /// - Parameter layers: Input side first; every layer non-empty, biases of length fanOut,
  ///   initial weights (all layers or none) of the same shape, consecutive shapes chained.
  /// - Throws: ``NetworkShapeError`` naming the offending layer(s) and shapes.
  public init(layers: [LayerWeights]) throws(NetworkShapeError) {
    if layers.isEmpty { throw .noLayers }
    for (i, layer) in layers.enumerated() {
      if layer.fanIn == 0 || layer.fanOut == 0 {
        throw .emptyLayer(name: layer.name, fanOut: layer.fanOut, fanIn: layer.fanIn)
      }
      if let b = layer.bias, b.count != layer.fanOut {
        throw .biasLength(name: layer.name, expected: layer.fanOut, found: b.count)
      }
      if let w0 = layer.initialWeights, w0.rows != layer.fanOut || w0.columns != layer.fanIn {
        throw .initialWeightsShape(
          name: layer.name, expected: "\(layer.fanOut)×\(layer.fanIn)", found: "\(w0.rows)×\(w0.columns)")
      }
      if i > 0 && layers[i - 1].fanOut != layer.fanIn {
        let p = layers[i - 1]
        throw .chainMismatch(
          previous: p.name, previousShape: "\(p.fanOut)×\(p.fanIn)", next: layer.name,
          nextShape: "\(layer.fanOut)×\(layer.fanIn)")
      }
    }
    let withInit = layers.filter { $0.initialWeights != nil }
    if !withInit.isEmpty && withInit.count != layers.count {
      throw .partialInitialWeights(missing: layers.filter { $0.initialWeights == nil }.map(\.name))
    }
    self.layers = layers
  }

  /// d, the number of weight layers.
  public var depth: Int { layers.count }
  /// h_0, the input dimension.
  public var inputDimension: Int { layers[0].fanIn }
  /// h_d = k, the number of outputs (classes).
  public var outputDimension: Int { layers[layers.count - 1].fanOut }
  /// Whether every layer has initial weights W⁰.
  public var hasInitialWeights: Bool { layers[0].initialWeights != nil }
  /// ω, the number of weight entries (biases excluded; Jiang/Dziugaite convention).
  public var weightCount: Int { layers.reduce(0) { $0 + $1.weights.count } }
  /// Weights plus biases (Neyshabur's `n_param`).
  public var totalParameterCount: Int { layers.reduce(0) { $0 + $1.weights.count + ($1.bias?.count ?? 0) } }
  /// The largest layer width max_i h_i over hidden and output layers.
  public var maximumWidth: Int { layers.map(\.fanOut).max() ?? 0 }
}
