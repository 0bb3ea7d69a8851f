import FlatnessMeasures
import Foundation
import TestSupport

/// A small ReLU MLP with softmax cross-entropy, written out in plain Swift (Double
/// arithmetic) as the tests' reference classifier. `sizes = [d, k]` is softmax regression.
///
/// Layout of θ: `W_1` (h_1 × d, row-major, row j = unit j's incoming weights), `b_1`, `W_2`,
/// `b_2`, … Checked against numpy in `ReferenceModelTests` (fixture `tiny_reference.json`).
struct TinyNetwork: PerturbableClassifier {
  let sizes: [Int]
  let inputs: [[Double]]
  let labels: [Int]
  let layout: ParameterLayout

  init(sizes: [Int], inputs: [[Double]], labels: [Int]) {
    precondition(sizes.count >= 2 && inputs.count == labels.count)
    self.sizes = sizes
    self.inputs = inputs
    self.labels = labels
    var blocks: [(name: String, count: Int, kind: ParameterKind)] = []
    for l in 1..<sizes.count {
      blocks.append((name: "layer\(l).weight", count: sizes[l] * sizes[l - 1], kind: .weight))
      blocks.append((name: "layer\(l).bias", count: sizes[l], kind: .bias))
    }
    layout = ParameterLayout(blocks)
  }

  var trainingExampleCount: Int { inputs.count }

  /// Offsets of W_l and b_l in θ (l = 1…L).
  func offsets(_ l: Int) -> (weight: Int, bias: Int) {
    (layout.segments[2 * (l - 1)].offset, layout.segments[2 * (l - 1) + 1].offset)
  }

  /// Pre-activations of every layer for one example (index 0 is the input).
  func forward(_ theta: [Float], _ x: [Double]) -> [[Double]] {
    var acts: [[Double]] = [x]
    var a = x
    for l in 1..<sizes.count {
      let (wo, bo) = offsets(l)
      var z = [Double](repeating: 0, count: sizes[l])
      for j in 0..<sizes[l] {
        var s = Double(theta[bo + j])
        for i in 0..<sizes[l - 1] { s += Double(theta[wo + j * sizes[l - 1] + i]) * a[i] }
        z[j] = s
      }
      acts.append(z)
      a = l == sizes.count - 1 ? z : z.map { max($0, 0) }
    }
    return acts
  }

  func logits(_ theta: [Float], example: Int) -> [Double] { forward(theta, inputs[example]).last ?? [] }

  static func crossEntropy(_ z: [Double], label: Int) -> Double {
    let mx = z.max() ?? 0
    let lse = mx + Foundation.log(z.reduce(0) { $0 + Foundation.exp($1 - mx) })
    return lse - z[label]
  }

  func evaluate(parameters: [Float], examples: [Int]) -> ClassifierEvaluation {
    var correct = 0
    var loss = 0.0
    for e in examples {
      let z = logits(parameters, example: e)
      var best = 0
      for j in 1..<z.count where z[j] > z[best] { best = j }
      if best == labels[e] { correct += 1 }
      loss += Self.crossEntropy(z, label: labels[e])
    }
    return ClassifierEvaluation(correct: correct, count: examples.count, meanLoss: examples.isEmpty ? .nan : loss / Double(examples.count))
  }

  func lossAndGradient(parameters theta: [Float], examples: [Int]) -> LossAndGradient {
    var grad = [Double](repeating: 0, count: layout.count)
    var loss = 0.0
    let L = sizes.count - 1
    for e in examples {
      let pre = forward(theta, inputs[e])
      let z = pre[L]
      loss += Self.crossEntropy(z, label: labels[e])
      let mx = z.max() ?? 0
      let ex = z.map { Foundation.exp($0 - mx) }
      let total = ex.reduce(0, +)
      var delta = ex.map { $0 / total }
      delta[labels[e]] -= 1
      for l in stride(from: L, through: 1, by: -1) {
        let input = l == 1 ? pre[0] : pre[l - 1].map { max($0, 0) }
        let (wo, bo) = offsets(l)
        for j in 0..<sizes[l] {
          grad[bo + j] += delta[j]
          for i in 0..<sizes[l - 1] { grad[wo + j * sizes[l - 1] + i] += delta[j] * input[i] }
        }
        if l > 1 {
          var back = [Double](repeating: 0, count: sizes[l - 1])
          for i in 0..<sizes[l - 1] {
            var s = 0.0
            for j in 0..<sizes[l] { s += Double(theta[wo + j * sizes[l - 1] + i]) * delta[j] }
            back[i] = pre[l - 1][i] > 0 ? s : 0
          }
          delta = back
        }
      }
    }
    let n = Double(examples.count)
    return LossAndGradient(loss: loss / n, gradient: grad.map { Float($0 / n) })
  }

  /// Node-wise rescaling: hidden unit `unit` of hidden layer `layer` (1-based) gets incoming
  /// weights and bias × c and outgoing weights × 1/c. The function is unchanged (ReLU is
  /// positively homogeneous).
  func rescaled(_ theta: [Float], layer: Int, unit: Int, by c: Float) -> [Float] {
    var out = theta
    let (wo, bo) = offsets(layer)
    for i in 0..<sizes[layer - 1] { out[wo + unit * sizes[layer - 1] + i] *= c }
    out[bo + unit] *= c
    let (wn, _) = offsets(layer + 1)
    for j in 0..<sizes[layer + 1] { out[wn + j * sizes[layer] + unit] /= c }
    return out
  }
}

/// Seeded random parameters (uniform in ±1/sqrt(fan-in), as PyTorch's Linear default).
func randomParameters(for network: TinyNetwork, seed: UInt64) -> [Float] {
  var rng = SplitMix64(seed: seed)
  var theta = [Float](repeating: 0, count: network.layout.count)
  for l in 1..<network.sizes.count {
    let bound = 1 / Double(network.sizes[l - 1]).squareRoot()
    let (wo, _) = network.offsets(l)
    let end = network.layout.segments[2 * (l - 1) + 1].range.upperBound
    for i in wo..<end { theta[i] = Float(Double.random(in: -bound...bound, using: &rng)) }
  }
  return theta
}

/// A seeded 2-D, 3-class dataset of Gaussian blobs (centres on a circle of radius 2, unit
/// variance), `count` examples.
func blobs(count: Int, seed: UInt64) -> (inputs: [[Double]], labels: [Int]) {
  var rng = SplitMix64(seed: seed)
  var inputs: [[Double]] = []
  var labels: [Int] = []
  for i in 0..<count {
    let c = i % 3
    let angle = 2 * Double.pi * Double(c) / 3
    let u1 = Double.random(in: Double.ulpOfOne...1, using: &rng)
    let u2 = Double.random(in: 0..<1, using: &rng)
    let r = (-2 * Foundation.log(u1)).squareRoot()
    inputs.append([2 * cos(angle) + 0.7 * r * cos(2 * .pi * u2), 2 * sin(angle) + 0.7 * r * sin(2 * .pi * u2)])
    labels.append(c)
  }
  return (inputs, labels)
}

/// Trains `network` by full-batch gradient descent from `theta` (a fixed recipe, so tests get
/// a reasonably fitted network without depending on FeedForward).
func trainFullBatch(_ network: TinyNetwork, from theta: [Float], steps: Int, learningRate: Float) -> [Float] {
  var t = theta
  let all = Array(0..<network.trainingExampleCount)
  for _ in 0..<steps {
    let g = network.lossAndGradient(parameters: t, examples: all).gradient
    for i in 0..<t.count { t[i] -= learningRate * g[i] }
  }
  return t
}
