import Datasets
import LinearAlgebra

/// Loss and error of a network on a whole dataset.
public struct Evaluation: Sendable {
  /// Mean softmax cross-entropy over all examples, in nats (NaN/+Inf if the network diverged).
  public var meanLoss: Double
  /// Fraction of examples misclassified (arg-max logit ≠ label), in [0, 1].
  public var errorRate: Double
  /// The number of examples evaluated.
  public var sampleCount: Int
  /// The logits of the rows requested with `keepingLogitsOf`, in that order, shape (rows, k).
  public var keptLogits: Matrix
}

extension MultilayerPerceptron {
  /// Evaluates the network on every example of `dataset`, in chunks.
  ///
  /// - Parameters:
  ///   - dataset: Shape (m, h_0) features with labels.
  ///   - chunkSize: Rows per forward pass (memory ≈ chunkSize · Σ h_i floats).
  ///   - rows: Row indices (ascending, in `0..<m`) whose logits to return in
  ///     ``Evaluation/keptLogits``, for example a fixed margin subset; the logits are taken from
  ///     the same pass, at no extra cost.
  /// - Returns: Mean loss (nats), error rate and the kept logits.
  /// - Complexity: O(m · Σ h_{i−1}·h_i).
  public func evaluate(on dataset: LabeledDataset, chunkSize: Int = 1000, keepingLogitsOf rows: [Int] = [])
    -> Evaluation
  {
    precondition(dataset.featureCount == inputCount, "evaluate: dataset has \(dataset.featureCount) features, network expects \(inputCount)")
    let m = dataset.sampleCount
    let k = classCount
    var kept = Matrix(rows: rows.count, columns: k)
    guard m > 0 else { return Evaluation(meanLoss: .nan, errorRate: .nan, sampleCount: 0, keptLogits: kept) }
    let chunk = max(1, min(chunkSize, m))
    var full = BatchBuffers(batchSize: chunk, layerSizes: layerSizes)
    var tail: BatchBuffers? = m % chunk == 0 ? nil : BatchBuffers(batchSize: m % chunk, layerSizes: layerSizes)
    let f = inputCount
    var lossSum = 0.0
    var errors = 0
    var nextKept = 0
    var start = 0
    while start < m {
      let count = min(chunk, m - start)
      func run(_ buffers: inout BatchBuffers) {
        dataset.features.elements.withUnsafeBufferPointer { src in
          buffers.activations[0].elements.withUnsafeMutableBufferPointer { dst in
            guard let s = src.baseAddress, let d = dst.baseAddress else { return }
            d.update(from: s + start * f, count: count * f)
          }
        }
        forward(&buffers)
        let result = crossEntropyLoss(
          logits: buffers.logits, rowCount: count, labels: dataset.labels[start..<(start + count)])
        lossSum += result.lossSum
        errors += result.errorCount
        let logitsIndex = buffers.activations.count - 1
        while nextKept < rows.count, rows[nextKept] < start + count {
          let r = rows[nextKept] - start
          precondition(r >= 0, "evaluate: keepingLogitsOf must be ascending and in range")
          for j in 0..<k { kept.elements[nextKept * k + j] = buffers.activations[logitsIndex].elements[r * k + j] }
          nextKept += 1
        }
      }
      if count == chunk { run(&full) } else if tail != nil { run(&tail!) }
      start += count
    }
    precondition(nextKept == rows.count, "evaluate: keepingLogitsOf has rows outside 0..<\(m)")
    return Evaluation(
      meanLoss: lossSum / Double(m), errorRate: Double(errors) / Double(m), sampleCount: m, keptLogits: kept)
  }
}
