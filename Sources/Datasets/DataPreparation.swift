import LinearAlgebra

/// How features are scaled before training.
public enum FeatureScaling: Sendable, Equatable {
  /// Features are used as stored.
  case none
  /// Every feature is divided by a constant; `divide(by: 255)` maps 8-bit pixels to [0, 1].
  case divide(by: Float)
  /// Per-feature standardization `(x − μ_j) / σ_j`, with the mean μ_j and the population standard
  /// deviation σ_j (ddof 0) of feature j computed on the **training set only** (after subsetting)
  /// and applied unchanged to the test set. A feature that is constant on the training set
  /// (σ_j = 0, for example the always-black border pixels of MNIST) is only centered.
  case standardize
}

/// Feature scaling as users name it: the one vocabulary of `gapdb train --scaling` and
/// `gapdb measure --data-scaling`.
public enum ScalingChoice: String, CaseIterable, Sendable {
  /// Divide by 255 (8-bit pixels → [0, 1]); also spelled `unit`.
  case pixel
  /// Per-feature standardization with training-set statistics.
  case standardize
  /// Features as stored.
  case none
  /// `pixel` for IDX data (images), `none` for CSV data.
  case auto

  /// The choice with this spelling (any case): a raw value, or `unit` for ``pixel``.
  /// - Returns: `nil` for any other text.
  public init?(spelling: String) {
    let t = spelling.lowercased()
    if t == "unit" { self = .pixel } else if let c = ScalingChoice(rawValue: t) { self = c } else { return nil }
  }

  /// The scaling applied: `pixel` → ÷255, `standardize`, `none`; `auto` → ÷255 when `isPixelData`
  /// (IDX images), else none.
  public func scaling(isPixelData: Bool) -> FeatureScaling {
    switch self {
    case .pixel: return .divide(by: 255)
    case .standardize: return .standardize
    case .none: return .none
    case .auto: return isPixelData ? .divide(by: 255) : .none
    }
  }
}

/// The options users of generalization studies set on the data, applied in a fixed order:
/// training subset → label noise → scaling.
public struct DataPreparation: Sendable, Equatable {
  /// Use a fixed random subset of this many training examples (`nil` = all of them).
  public var trainingSubsetSize: Int?
  /// The fraction p ∈ [0, 1] of training labels replaced by random labels (see
  /// ``applyLabelNoise(_:fraction:seed:)``).
  public var labelNoiseFraction: Double
  /// Feature scaling.
  public var scaling: FeatureScaling
  /// The seed of the subset and label-noise draws (separate streams, see ``RandomStream``).
  public var seed: UInt64

  /// Creates options; the defaults use all data, no label noise and no scaling.
  public init(
    trainingSubsetSize: Int? = nil, labelNoiseFraction: Double = 0, scaling: FeatureScaling = .none, seed: UInt64 = 0
  ) {
    self.trainingSubsetSize = trainingSubsetSize
    self.labelNoiseFraction = labelNoiseFraction
    self.scaling = scaling
    self.seed = seed
  }
}

/// What ``prepare(_:with:)`` did, for recording alongside a run.
public struct PreparationSummary: Sendable, Equatable {
  /// Training examples before subsetting.
  public var originalTrainingCount: Int
  /// Training examples used.
  public var trainingCount: Int
  /// Test examples (0 when there is no test set).
  public var testCount: Int
  /// The number of labels replaced by a random draw, exactly round(p · m).
  public var replacedLabelCount: Int
  /// How many of the replaced labels actually differ from the original label.
  public var changedLabelCount: Int
}

/// Applies subsetting, label noise and scaling to a split, in that order.
///
/// - Parameters:
///   - split: The loaded data.
///   - options: What to do.
/// - Returns: The prepared split and a summary.
/// - Throws: ``DatasetError/invalidOption(name:value:reason:)`` when the subset size is < 1 or
///   larger than the training set, or the label-noise fraction is outside [0, 1] or NaN, or the
///   divisor is zero or not finite.
/// - Complexity: O(sampleCount · featureCount).
public func prepare(_ split: DataSplit, with options: DataPreparation) throws -> (DataSplit, PreparationSummary) {
  var out = split
  let original = split.train.sampleCount
  if let size = options.trainingSubsetSize {
    guard size >= 1, size <= original else {
      throw DatasetError.invalidOption(
        name: "--train-size", value: String(size), reason: "the training set has \(original) examples (allowed 1…\(original))")
    }
    out.train = fixedSubset(of: split.train, size: size, seed: options.seed)
  }
  let noise = try applyLabelNoise(out.train, fraction: options.labelNoiseFraction, seed: options.seed)
  out.train = noise.dataset
  switch options.scaling {
  case .none:
    break
  case .divide(let divisor):
    guard divisor.isFinite, divisor != 0 else {
      throw DatasetError.invalidOption(name: "scaling divisor", value: String(divisor), reason: "it must be finite and non-zero")
    }
    divideInPlace(&out.train.features, by: divisor)
    if out.test != nil { divideInPlace(&out.test!.features, by: divisor) }
  case .standardize:
    let stats = FeatureStatistics(of: out.train.features)
    stats.standardize(&out.train.features)
    if out.test != nil { stats.standardize(&out.test!.features) }
  }
  let summary = PreparationSummary(
    originalTrainingCount: original, trainingCount: out.train.sampleCount, testCount: out.test?.sampleCount ?? 0,
    replacedLabelCount: noise.replacedIndices.count, changedLabelCount: noise.changedCount)
  return (out, summary)
}

/// A fixed random subset of `size` examples, drawn without replacement by seed (stream
/// ``RandomStream/trainingSubset``) and kept in the original order.
///
/// Equal seeds give equal subsets; a larger size does not contain a smaller one.
/// - Complexity: O(sampleCount + size · featureCount).
public func fixedSubset(of dataset: LabeledDataset, size: Int, seed: UInt64) -> LabeledDataset {
  precondition(size >= 0 && size <= dataset.sampleCount, "fixedSubset: size \(size) of \(dataset.sampleCount)")
  if size == dataset.sampleCount { return dataset }
  var rng = Xoshiro256StarStar(seed: seed, stream: .trainingSubset)
  let chosen = rng.permutation(dataset.sampleCount)[..<size].sorted()
  return dataset.selecting(chosen)
}

/// Replaces exactly round(p · m) training labels by uniformly random labels (the random-label
/// experiment of Zhang et al. 2017, "Understanding deep learning requires rethinking
/// generalization", and of Neyshabur et al. 2017).
///
/// Which examples: a uniformly random set of exactly `round(p · m)` distinct indices (rounding
/// half away from zero), drawn without replacement by seed (stream ``RandomStream/labelNoise``).
/// What label: each chosen example gets a label drawn uniformly from all k classes, **which may
/// equal its true label**, as in Zhang et al.'s "partially corrupted labels". So with p = 1 the
/// labels are fully random and independent of the images, and the expected fraction of labels
/// that actually change is p · (1 − 1/k). Both counts are returned.
///
/// - Parameters:
///   - dataset: The training set.
///   - fraction: p ∈ [0, 1].
///   - seed: The run's seed.
/// - Returns: The relabelled dataset, the replaced indices (ascending) and how many changed.
/// - Throws: ``DatasetError/invalidOption(name:value:reason:)`` when p is NaN or outside [0, 1].
/// - Complexity: O(m).
public func applyLabelNoise(_ dataset: LabeledDataset, fraction: Double, seed: UInt64) throws
  -> (dataset: LabeledDataset, replacedIndices: [Int], changedCount: Int)
{
  guard fraction >= 0, fraction <= 1 else {
    throw DatasetError.invalidOption(name: "--label-noise", value: String(fraction), reason: "it must lie in [0, 1]")
  }
  let m = dataset.sampleCount
  let count = Int((fraction * Double(m)).rounded(.toNearestOrAwayFromZero))
  guard count > 0 else { return (dataset, [], 0) }
  var rng = Xoshiro256StarStar(seed: seed, stream: .labelNoise)
  let chosen = rng.permutation(m)[..<count].sorted()
  var out = dataset
  var changed = 0
  for i in chosen {
    let newLabel = rng.uniformInt(below: dataset.classCount)
    if newLabel != out.labels[i] { changed += 1 }
    out.labels[i] = newLabel
  }
  return (out, chosen, changed)
}

/// Per-feature mean and population standard deviation of a feature matrix (accumulated in Double).
public struct FeatureStatistics: Sendable {
  /// Mean of each column.
  public var mean: [Double]
  /// Population standard deviation (ddof 0) of each column.
  public var standardDeviation: [Double]

  /// Computes the statistics of `features` (shape (sampleCount, featureCount)) by two passes.
  /// - Complexity: O(sampleCount · featureCount).
  public init(of features: Matrix) {
    let n = features.rows, f = features.columns
    var mean = [Double](repeating: 0, count: f)
    var sq = [Double](repeating: 0, count: f)
    features.elements.withUnsafeBufferPointer { x in
      for i in 0..<n { for j in 0..<f { mean[j] += Double(x[i * f + j]) } }
      if n > 0 { for j in 0..<f { mean[j] /= Double(n) } }
      for i in 0..<n {
        for j in 0..<f {
          let d = Double(x[i * f + j]) - mean[j]
          sq[j] += d * d
        }
      }
    }
    self.mean = mean
    standardDeviation = sq.map { n > 0 ? ($0 / Double(n)).squareRoot() : 0 }
  }

  /// Replaces each feature x by (x − μ) / σ, or by x − μ where σ = 0.
  /// - Complexity: O(sampleCount · featureCount).
  public func standardize(_ features: inout Matrix) {
    let n = features.rows, f = features.columns
    precondition(f == mean.count, "standardize: matrix has \(f) features, statistics have \(mean.count)")
    let shift = mean.map { Float($0) }
    let scale = standardDeviation.map { $0 > 0 ? Float(1 / $0) : 1 }
    features.elements.withUnsafeMutableBufferPointer { x in
      for i in 0..<n { for j in 0..<f { x[i * f + j] = (x[i * f + j] - shift[j]) * scale[j] } }
    }
  }
}

/// x ← x / divisor, correctly rounded per element (the same float32 values as numpy's `x / 255`).
private func divideInPlace(_ m: inout Matrix, by divisor: Float) {
  m.elements.withUnsafeMutableBufferPointer { x in
    for i in x.indices { x[i] /= divisor }
  }
}
