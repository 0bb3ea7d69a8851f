import FeedForward
import Foundation
import LinearAlgebra
import TestSupport

/// The numpy reference of `Tests/Fixtures/feedforward/make_reference.py`.
struct MLPReference: Decodable {
  var layer_sizes: [Int]
  var weights: [[[Double]]]
  var biases: [[Double]]
  var inputs: [[Double]]
  var labels: [Int]
  var logits: [[Double]]
  var mean_loss: Double
  var weight_gradients: [[[Double]]]
  var bias_gradients: [[Double]]
  var kappa_weights: [[[Double]]]
  var kappa_biases: [[Double]]
  var squared_path_norm: Double
  var spec_example_squared_path_norm_nobias: Double

  static func load() throws -> MLPReference {
    let data = try Data(contentsOf: fixtureURL("feedforward/mlp_reference.json"))
    return try JSONDecoder().decode(MLPReference.self, from: data)
  }

  var network: MultilayerPerceptron {
    MultilayerPerceptron(
      layers: zip(weights, biases).map { w, b in
        DenseLayer(weight: Matrix(w.map { $0.map(Float.init) }), bias: b.map(Float.init))
      })
  }

  var inputMatrix: Matrix { Matrix(inputs.map { $0.map(Float.init) }) }
}

/// An independent float64 forward pass and loss (plain loops, no BLAS), for finite differences.
func referenceLoss(parameters: [Double], layerSizes: [Int], inputs: [[Double]], labels: [Int]) -> Double {
  var total = 0.0
  for (x, y) in zip(inputs, labels) {
    var h = x
    var offset = 0
    for l in 1..<layerSizes.count {
      let fanIn = layerSizes[l - 1], fanOut = layerSizes[l]
      var z = [Double](repeating: 0, count: fanOut)
      for j in 0..<fanOut {
        var s = 0.0
        for i in 0..<fanIn { s += parameters[offset + j * fanIn + i] * h[i] }
        z[j] = s
      }
      offset += fanOut * fanIn
      for j in 0..<fanOut { z[j] += parameters[offset + j] }
      offset += fanOut
      h = l < layerSizes.count - 1 ? z.map { max($0, 0) } : z
    }
    let m = h.max() ?? 0
    let lse = log(h.reduce(0) { $0 + exp($1 - m) }) + m
    total += lse - h[y]
  }
  return total / Double(labels.count)
}
