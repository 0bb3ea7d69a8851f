import Datasets
import LinearAlgebra

// Dimension legend for this module (llm.c style):
//   batchSize  B  examples in a mini-batch (axis 0 of every activation matrix)
//   fanIn      h_{i-1}  units feeding layer i;  fanOut  h_i  units of layer i
//   layerCount d  number of weight layers (hidden layers + 1);  h_0 = input features,
//                 h_d = k = classCount.

/// One fully connected layer: `z = W·x + b`.
///
/// `weight` has shape (fanOut, fanIn), row-major; row j holds the incoming weights of unit j, and
/// element (j, i) is the weight from input i to unit j (the convention of
/// `LinearAlgebra.Matrix` and ComplexityMeasures). `bias` has fanOut entries.
public struct DenseLayer: Sendable, Equatable {
  /// W, shape (fanOut, fanIn).
  public var weight: Matrix
  /// b, fanOut entries.
  public var bias: [Float]

  /// Creates a layer.
  /// - Precondition: `bias.count == weight.rows`.
  public init(weight: Matrix, bias: [Float]) {
    precondition(bias.count == weight.rows, "DenseLayer: weight is \(weight.rows)×\(weight.columns), bias has \(bias.count)")
    self.weight = weight
    self.bias = bias
  }

  /// Units feeding this layer.
  public var fanIn: Int { weight.columns }
  /// Units of this layer.
  public var fanOut: Int { weight.rows }
}

/// How initial weights and biases are drawn. Every draw uses the seeded
/// `Xoshiro256StarStar` (stream `.initialization`), layer by layer, weights row-major first,
/// then biases.
public enum WeightInitializer: String, Sendable, CaseIterable {
  /// PyTorch's default for `nn.Linear` (`kaiming_uniform_` with a = √5): W and b both
  /// ~ U(−1/√fanIn, 1/√fanIn). The default, so runs match what PyTorch users train.
  case pytorchDefault = "pytorch-default"
  /// He et al. 2015 ("Delving deep into rectifiers") normal: W ~ N(0, 2/fanIn), b = 0.
  case heNormal = "he-normal"
}

/// A feed-forward ReLU network (multilayer perceptron) with biases:
/// `f(x) = W_d·φ(W_{d−1}·φ(… φ(W_1·x + b_1) …) + b_{d−1}) + b_d`, φ = ReLU, producing logits.
///
/// ``layers``[i − 1] holds W_i (shape (h_i, h_{i−1})) and b_i. The output layer has no ReLU; the
/// loss is softmax cross-entropy on the logits (see ``softmaxCrossEntropy(logits:labels:gradient:)``).
/// Value semantics: copying a network copies its parameters (lazily, copy-on-write).
public struct MultilayerPerceptron: Sendable, Equatable {
  /// The weight layers, input side first.
  public var layers: [DenseLayer]

  /// Creates a network from explicit layers.
  /// - Precondition: consecutive layers chain (`layers[i].fanIn == layers[i − 1].fanOut`) and
  ///   there is at least one layer.
  public init(layers: [DenseLayer]) {
    precondition(!layers.isEmpty, "MultilayerPerceptron needs at least one layer")
    for i in 1..<layers.count {
      precondition(
        layers[i].fanIn == layers[i - 1].fanOut,
        "MultilayerPerceptron: layer \(i) is \(layers[i].fanOut)×\(layers[i].fanIn) but layer \(i - 1) has \(layers[i - 1].fanOut) outputs"
      )
    }
    self.layers = layers
  }

  /// Creates a freshly initialized network.
  ///
  /// - Parameters:
  ///   - layerSizes: `[h_0, h_1, …, h_d]`: input features, hidden widths, classes. At least 2
  ///     entries, all ≥ 1. For example `[784, 512, 512, 10]`.
  ///   - initializer: The initialization scheme.
  ///   - seed: The run's seed; equal seeds give bit-identical networks.
  /// - Complexity: O(parameter count).
  public init(layerSizes: [Int], initializer: WeightInitializer = .pytorchDefault, seed: UInt64) {
    precondition(layerSizes.count >= 2 && layerSizes.allSatisfy { $0 >= 1 }, "bad layer sizes \(layerSizes)")
    var rng = Xoshiro256StarStar(seed: seed, stream: .initialization)
    var layers: [DenseLayer] = []
    for i in 1..<layerSizes.count {
      let fanIn = layerSizes[i - 1], fanOut = layerSizes[i]
      var w = Matrix(rows: fanOut, columns: fanIn)
      var b = [Float](repeating: 0, count: fanOut)
      switch initializer {
      case .pytorchDefault:
        let bound = 1 / Double(fanIn).squareRoot()
        for j in 0..<w.count { w.elements[j] = Float((2 * rng.uniformDouble() - 1) * bound) }
        for j in 0..<fanOut { b[j] = Float((2 * rng.uniformDouble() - 1) * bound) }
      case .heNormal:
        let std = (2 / Double(fanIn)).squareRoot()
        for j in 0..<w.count { w.elements[j] = Float(rng.standardNormal() * std) }
      }
      layers.append(DenseLayer(weight: w, bias: b))
    }
    self.layers = layers
  }

  /// `[h_0, h_1, …, h_d]`.
  public var layerSizes: [Int] { [layers[0].fanIn] + layers.map(\.fanOut) }
  /// d, the number of weight layers.
  public var layerCount: Int { layers.count }
  /// h_0, the number of input features.
  public var inputCount: Int { layers[0].fanIn }
  /// k = h_d, the number of classes (logits).
  public var classCount: Int { layers[layers.count - 1].fanOut }
  /// Weights plus biases.
  public var parameterCount: Int { layers.reduce(0) { $0 + $1.weight.count + $1.bias.count } }

  /// The number of weights and biases, Σ_i (h_{i−1}·h_i + h_i), of a network with these layer
  /// sizes, computed without allocating it — for checking a requested shape before building it.
  ///
  /// - Parameter layerSizes: `[h_0, …, h_d]` (any non-negative sizes; fewer than 2 entries: 0).
  /// - Returns: The count, or `nil` when it exceeds `Int.max`.
  /// - Complexity: O(d).
  public static func parameterCount(layerSizes: [Int]) -> Int? {
    var total = 0
    for (fanIn, fanOut) in zip(layerSizes, layerSizes.dropFirst()) {
      let (weights, o1) = fanIn.multipliedReportingOverflow(by: fanOut)
      let (layer, o2) = weights.addingReportingOverflow(fanOut)
      let (sum, o3) = total.addingReportingOverflow(layer)
      if o1 || o2 || o3 { return nil }
      total = sum
    }
    return total
  }

  /// All parameters in one vector: for each layer, W row-major then b.
  /// - Complexity: O(parameter count).
  public func parameterVector() -> [Float] {
    var out: [Float] = []
    out.reserveCapacity(parameterCount)
    for l in layers {
      out.append(contentsOf: l.weight.elements)
      out.append(contentsOf: l.bias)
    }
    return out
  }

  /// Replaces all parameters from a vector laid out as by ``parameterVector()``.
  /// - Precondition: `vector.count == parameterCount`.
  public mutating func setParameters(_ vector: [Float]) {
    precondition(vector.count == parameterCount, "setParameters: \(vector.count) values for \(parameterCount) parameters")
    var o = 0
    for i in layers.indices {
      let w = layers[i].weight.count, b = layers[i].bias.count
      layers[i].weight.elements.replaceSubrange(0..<w, with: vector[o..<(o + w)])
      o += w
      layers[i].bias.replaceSubrange(0..<b, with: vector[o..<(o + b)])
      o += b
    }
  }

  /// The network with hidden unit `unit` of hidden layer `hiddenLayer` (1-based, 1…d−1)
  /// rescaled node-wise: its incoming weights and bias multiplied by `factor` > 0, its outgoing
  /// weights divided by it. Because ReLU is positively homogeneous, the function is unchanged
  /// (up to rounding).
  /// - Precondition: 1 ≤ hiddenLayer < layerCount, unit in range, factor > 0.
  public func rescalingUnit(_ unit: Int, ofHiddenLayer hiddenLayer: Int, by factor: Float) -> MultilayerPerceptron {
    precondition(hiddenLayer >= 1 && hiddenLayer < layerCount, "rescalingUnit: hidden layer \(hiddenLayer) of \(layerCount - 1)")
    precondition(unit >= 0 && unit < layers[hiddenLayer - 1].fanOut && factor > 0, "rescalingUnit: unit \(unit), factor \(factor)")
    var out = self
    let incoming = hiddenLayer - 1
    let fanIn = out.layers[incoming].fanIn
    for j in 0..<fanIn { out.layers[incoming].weight[unit, j] *= factor }
    out.layers[incoming].bias[unit] *= factor
    let outgoing = hiddenLayer
    for r in 0..<out.layers[outgoing].fanOut { out.layers[outgoing].weight[r, unit] /= factor }
    return out
  }
}
