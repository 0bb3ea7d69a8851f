import LinearAlgebra

/// A classification dataset held in memory: a feature matrix and one integer label per example.
///
/// Shapes: `features` is row-major with shape (sampleCount, featureCount); row `i` is example
/// `i` (the batch axis is axis 0, as everywhere in gapdb). `labels[i]` ∈ `0..<classCount` is
/// the class of example `i`. Image datasets are flattened row by row (28×28 → 784).
public struct LabeledDataset: Sendable {
  /// Features, shape (sampleCount, featureCount).
  public var features: Matrix
  /// Class labels, one per row of ``features``, each in `0..<classCount`.
  public var labels: [Int]
  /// The number of classes k.
  public var classCount: Int

  /// Creates a dataset.
  ///
  /// - Parameters:
  ///   - features: Shape (sampleCount, featureCount).
  ///   - labels: `sampleCount` labels in `0..<classCount`.
  ///   - classCount: k ≥ 1.
  /// - Precondition: `labels.count == features.rows` and every label lies in `0..<classCount`.
  public init(features: Matrix, labels: [Int], classCount: Int) {
    precondition(
      labels.count == features.rows,
      "LabeledDataset: \(features.rows)×\(features.columns) features but \(labels.count) labels")
    precondition(classCount >= 1, "LabeledDataset: classCount must be ≥ 1, got \(classCount)")
    precondition(
      labels.allSatisfy { $0 >= 0 && $0 < classCount },
      "LabeledDataset: a label lies outside 0..<\(classCount)")
    self.features = features
    self.labels = labels
    self.classCount = classCount
  }

  /// The number of examples (rows).
  public var sampleCount: Int { features.rows }
  /// The number of features per example (columns).
  public var featureCount: Int { features.columns }

  /// The examples at `indices`, in that order (repeats allowed).
  ///
  /// - Parameter indices: Row indices in `0..<sampleCount`.
  /// - Returns: A dataset with `indices.count` rows.
  /// - Complexity: O(indices.count · featureCount).
  public func selecting(_ indices: [Int]) -> LabeledDataset {
    let f = featureCount
    var out = Matrix(rows: indices.count, columns: f)
    features.elements.withUnsafeBufferPointer { src in
      out.elements.withUnsafeMutableBufferPointer { dst in
        for (r, i) in indices.enumerated() {
          precondition(i >= 0 && i < sampleCount, "selecting: index \(i) outside 0..<\(sampleCount)")
          guard f > 0, let s = src.baseAddress, let d = dst.baseAddress else { continue }
          (d + r * f).update(from: s + i * f, count: f)
        }
      }
    }
    return LabeledDataset(features: out, labels: indices.map { labels[$0] }, classCount: classCount)
  }

  /// How many examples each class has, indexed by class.
  public var classCounts: [Int] {
    var counts = [Int](repeating: 0, count: classCount)
    for l in labels { counts[l] += 1 }
    return counts
  }
}

/// A training set with an optional test set, plus a description of how it was prepared.
public struct DataSplit: Sendable {
  /// The examples used for training (after subsetting and label noise).
  public var train: LabeledDataset
  /// The held-out examples (never subsetted or relabelled), if any.
  public var test: LabeledDataset?
  /// A short human-readable name of the source (for example `fashion-mnist`).
  public var sourceName: String
  /// Where the data came from (folder or file paths).
  public var sourceLocation: String

  /// Creates a split.
  /// - Parameters:
  ///   - train: Training examples.
  ///   - test: Test examples, same feature count and class count.
  ///   - sourceName: Short name.
  ///   - sourceLocation: Paths.
  public init(train: LabeledDataset, test: LabeledDataset?, sourceName: String, sourceLocation: String) {
    self.train = train
    self.test = test
    self.sourceName = sourceName
    self.sourceLocation = sourceLocation
  }
}
