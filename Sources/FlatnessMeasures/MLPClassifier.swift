import Datasets
import FeedForward
import LinearAlgebra

/// FeedForward's ``MultilayerPerceptron`` on a training set, as a ``PerturbableClassifier``.
///
/// θ is laid out as ``MultilayerPerceptron/parameterVector()``: for each layer, `W_i`
/// row-major (shape (h_i, h_{i−1}), row j = unit j's incoming weights) then `b_i`.
/// Forward and backward passes are FeedForward's (OpenBLAS `sgemm`); accuracy counts an
/// example as correct when its arg-max logit (first index on ties) is the label, and a row
/// with a NaN logit as an error, as FeedForward's evaluation does.
///
/// The gathered rows of the last example list are cached, so the searches, which evaluate
/// the same subset hundreds of times, copy it once. Not thread-safe (it mutates its cache and
/// its scratch network); use one instance per thread.
public final class MLPClassifier: PerturbableClassifier {
  /// The training set the indices refer to.
  public let trainingSet: LabeledDataset
  /// `[h_0, h_1, …, h_d]`.
  public let layerSizes: [Int]
  public let layout: ParameterLayout
  /// Rows per forward pass when evaluating or taking full-batch gradients.
  public var chunkSize: Int

  private var network: MultilayerPerceptron
  private var cachedIndices: [Int] = []
  private var cachedSubset: LabeledDataset?

  /// Wraps an architecture and a training set.
  ///
  /// - Parameters:
  ///   - layerSizes: `[h_0, …, h_d]`, e.g. `[784, 1024, 10]`.
  ///   - trainingSet: Features (m, h_0) and labels in `0..<h_d`.
  ///   - chunkSize: Rows per forward pass (default 1000).
  /// - Throws: ``FlatnessError/invalidInput(_:hint:)`` when the data's feature count or class
  ///   count does not fit the architecture.
  public init(layerSizes: [Int], trainingSet: LabeledDataset, chunkSize: Int = 1000) throws(FlatnessError) {
    guard layerSizes.count >= 2, layerSizes.allSatisfy({ $0 >= 1 }) else {
      throw .invalidInput("layer sizes \(layerSizes)", hint: "give [inputs, hidden…, classes], all ≥ 1")
    }
    guard trainingSet.featureCount == layerSizes[0] else {
      throw .invalidInput(
        "the data has \(trainingSet.featureCount) features per example, the network's first layer expects \(layerSizes[0])",
        hint: "use the dataset the network was trained on (same preprocessing and flattening)")
    }
    guard trainingSet.classCount <= layerSizes[layerSizes.count - 1] else {
      throw .invalidInput(
        "the data has \(trainingSet.classCount) classes, the network has \(layerSizes[layerSizes.count - 1]) outputs",
        hint: "use the dataset the network was trained on")
    }
    self.layerSizes = layerSizes
    self.trainingSet = trainingSet
    self.chunkSize = max(1, chunkSize)
    network = MultilayerPerceptron(layerSizes: layerSizes, seed: 0)
    var blocks: [(name: String, count: Int, kind: ParameterKind)] = []
    for i in 1..<layerSizes.count {
      blocks.append((name: "layer\(i).weight", count: layerSizes[i] * layerSizes[i - 1], kind: .weight))
      blocks.append((name: "layer\(i).bias", count: layerSizes[i], kind: .bias))
    }
    layout = ParameterLayout(blocks)
  }

  public var trainingExampleCount: Int { trainingSet.sampleCount }

  private func rows(_ examples: [Int]) -> LabeledDataset {
    if let cached = cachedSubset, examples == cachedIndices { return cached }
    let subset = trainingSet.selecting(examples)
    // Cache only large lists (the evaluation subset), not every minibatch.
    if examples.count > chunkSize / 2 {
      cachedIndices = examples
      cachedSubset = subset
    }
    return subset
  }

  public func evaluate(parameters: [Float], examples: [Int]) -> ClassifierEvaluation {
    guard !examples.isEmpty else { return ClassifierEvaluation(correct: 0, count: 0, meanLoss: .nan) }
    network.setParameters(parameters)
    let data = rows(examples)
    let e = network.evaluate(on: data, chunkSize: chunkSize)
    let errors = Int((e.errorRate * Double(examples.count)).rounded())
    return ClassifierEvaluation(correct: examples.count - errors, count: examples.count, meanLoss: e.meanLoss)
  }

  public func lossAndGradient(parameters: [Float], examples: [Int]) -> LossAndGradient {
    network.setParameters(parameters)
    let data = rows(examples)
    let n = data.sampleCount
    var gradient = [Double](repeating: 0, count: parameters.count)
    var loss = 0.0
    var start = 0
    while start < n {
      let count = min(chunkSize, n - start)
      let chunk = start == 0 && count == n ? data : data.selecting(Array(start..<(start + count)))
      let (l, g) = network.lossAndGradients(inputs: chunk.features, labels: chunk.labels)
      let weight = Double(count) / Double(n)
      loss += l * weight
      let v = g.vector()
      for i in 0..<v.count { gradient[i] += Double(v[i]) * weight }
      start += count
    }
    return LossAndGradient(loss: loss, gradient: gradient.map { Float($0) })
  }

  /// Per-example `‖∇_θ ℓ_i‖²` in one forward and one backward sweep per chunk: for a dense
  /// layer the per-example weight gradient is the outer product `δ_i a_iᵀ`, so its squared
  /// Frobenius norm is `‖δ_i‖²·‖a_i‖²`, and the bias gradient's is `‖δ_i‖²` (Goodfellow 2015,
  /// "Efficient per-example gradient computations").
  public func perExampleGradientSquaredNorms(parameters: [Float], examples: [Int]) -> [Double] {
    network.setParameters(parameters)
    let data = rows(examples)
    let n = data.sampleCount
    let d = layerSizes.count - 1
    var out = [Double](repeating: 0, count: n)
    var start = 0
    while start < n {
      let count = min(chunkSize, n - start)
      var buffers = BatchBuffers(batchSize: count, layerSizes: layerSizes)
      let chunk = data.selecting(Array(start..<(start + count)))
      buffers.activations[0] = chunk.features
      network.forward(&buffers)
      softmaxCrossEntropy(
        logits: buffers.activations[d], labels: chunk.labels[...], gradient: &buffers.preActivationGradients[d])
      // softmaxCrossEntropy returns the gradient of the *mean* loss; scale back to per-example.
      let scale = Float(count)
      for j in buffers.preActivationGradients[d].elements.indices { buffers.preActivationGradients[d].elements[j] *= scale }
      for i in stride(from: d, through: 1, by: -1) {
        let delta = buffers.preActivationGradients[i]
        let input = buffers.activations[i - 1]
        for r in 0..<count {
          var dd = 0.0
          for j in 0..<delta.columns {
            let v = Double(delta.elements[r * delta.columns + j])
            dd += v * v
          }
          var aa = 0.0
          for j in 0..<input.columns {
            let v = Double(input.elements[r * input.columns + j])
            aa += v * v
          }
          out[start + r] += dd * (aa + 1)
        }
        if i > 1 {
          gemm(delta, network.layers[i - 1].weight, &buffers.preActivationGradients[i - 1])
          let a = buffers.activations[i - 1].elements
          for j in buffers.preActivationGradients[i - 1].elements.indices where !(a[j] > 0) {
            buffers.preActivationGradients[i - 1].elements[j] = 0
          }
        }
      }
      start += count
    }
    return out
  }
}
