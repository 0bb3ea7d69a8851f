import Foundation

/// Why logits and labels cannot be summarized.
public enum OutputStatisticsError: Error, CustomStringConvertible, Sendable, Equatable {
  /// `logits.count` is not `labels.count × classCount`.
  case shapeMismatch(logitCount: Int, labelCount: Int, classCount: Int)
  /// Fewer than two classes: a margin needs a competing class.
  case tooFewClasses(Int)
  /// A label outside `0..<classCount`.
  case labelOutOfRange(index: Int, label: Int, classCount: Int)
  /// No examples, or none with finite logits.
  case noFiniteExamples(total: Int)

  public var description: String {
    switch self {
    case .shapeMismatch(let l, let n, let k):
      return "logits have \(l) values, expected \(n) labels × \(k) classes = \(n * k)"
    case .tooFewClasses(let k): return "logits have \(k) class(es); margins need at least 2"
    case .labelOutOfRange(let i, let y, let k): return "label \(y) of example \(i) is outside 0..<\(k)"
    case .noFiniteExamples(let total): return "none of the \(total) examples has finite logits"
    }
  }
}

/// Statistics of a network's outputs on its training set: signed margins, cross-entropy
/// and output entropy (spec "Margin" decision, §1.2, §3.4, B.1–B.3).
///
/// Shapes: `logits` is row-major (sampleCount, classCount): row i holds the raw outputs
/// f_w(x_i) (not softmax); `labels[i]` ∈ 0..<classCount. The per-example margin is
/// `γ_i = f(x_i)[y_i] − max_{j≠y_i} f(x_i)[j]`, signed (never `abs`).
///
/// Percentile conventions (measure ids say which):
/// - `marginP1`, `marginP5`, `marginP10`, `marginP50` (Jiang/Dziugaite `kthvalue`): the
///   k-th smallest margin with k = max(1, ⌊m·q⌋) (1-based; k = 1 when m·q < 1);
/// - `marginP5Interpolated` (Neyshabur's `numpy.percentile(margins, 5)`): linear
///   interpolation at position 0.05·(m−1).
/// Examples with any non-finite logit are excluded from every statistic and counted in
/// ``excludedCount``; m = ``sampleCount`` is the number used.
public struct TrainingOutputStatistics: Sendable, Equatable {
  /// m, the number of examples used (finite logits).
  public var sampleCount: Int
  /// Examples excluded because a logit was NaN or ±Inf.
  public var excludedCount: Int
  /// k, the number of classes.
  public var classCount: Int
  /// Smallest margin.
  public var marginMinimum: Double
  /// ⌊m/100⌋-th smallest margin.
  public var marginP1: Double
  /// ⌊m/20⌋-th smallest margin.
  public var marginP5: Double
  /// ⌊m/10⌋-th smallest margin (Jiang's γ).
  public var marginP10: Double
  /// ⌊m/2⌋-th smallest margin.
  public var marginP50: Double
  /// 5th percentile with linear interpolation (Neyshabur's γ).
  public var marginP5Interpolated: Double
  /// Fraction of examples with margin ≤ 0 (misclassified or tied).
  public var fractionNonPositiveMargin: Double
  /// Mean cross-entropy `mean_i (logsumexp(f(x_i)) − f(x_i)[y_i])`, in nats.
  public var crossEntropy: Double
  /// Mean entropy of the softmax outputs `mean_i H(softmax(f(x_i)))`, in nats (the entropy
  /// itself, ≥ 0; Jiang eq. 23's sign is unverified, so gapdb stores the entropy).
  public var outputEntropy: Double
  /// Fraction of examples whose argmax is not the label (ties count as errors).
  public var errorRate: Double

  /// Computes the statistics.
  ///
  /// - Parameters:
  ///   - logits: Row-major (sampleCount, classCount) raw outputs.
  ///   - classCount: k ≥ 2.
  ///   - labels: One label in `0..<classCount` per row.
  /// - Throws: ``OutputStatisticsError`` for a shape mismatch, fewer than 2 classes, a label
  ///   out of range, or no example with finite logits.
  /// - Complexity: O(m·k + m log m) (the margins are sorted once).
  public init(logits: [Double], classCount: Int, labels: [Int]) throws(OutputStatisticsError) {
    if classCount < 2 { throw .tooFewClasses(classCount) }
    if logits.count != labels.count * classCount {
      throw .shapeMismatch(logitCount: logits.count, labelCount: labels.count, classCount: classCount)
    }
    var margins: [Double] = []
    margins.reserveCapacity(labels.count)
    var ce = 0.0, entropy = 0.0
    var excluded = 0, errors = 0
    for (i, y) in labels.enumerated() {
      if y < 0 || y >= classCount { throw .labelOutOfRange(index: i, label: y, classCount: classCount) }
      let row = logits[(i * classCount)..<((i + 1) * classCount)]
      if row.contains(where: { !$0.isFinite }) {
        excluded += 1
        continue
      }
      let zy = row[row.startIndex + y]
      var other = -Double.infinity
      var top = -Double.infinity
      for (j, z) in row.enumerated() {
        if z > top { top = z }
        if j != y && z > other { other = z }
      }
      margins.append(zy - other)
      if zy - other <= 0 { errors += 1 }
      var s = 0.0
      for z in row { s += Foundation.exp(z - top) }
      let lse = top + Foundation.log(s)
      ce += lse - zy
      var h = 0.0
      for z in row {
        let pz = Foundation.exp(z - lse)
        if pz > 0 { h -= pz * (z - lse) }
      }
      entropy += h
    }
    let m = margins.count
    if m == 0 { throw .noFiniteExamples(total: labels.count) }
    margins.sort()
    func kth(_ q: Double) -> Double { margins[Swift.max(1, Int((Double(m) * q).rounded(.down))) - 1] }
    let span = linearQuantileRanks(0.05, count: m)
    sampleCount = m
    excludedCount = excluded
    self.classCount = classCount
    marginMinimum = margins[0]
    marginP1 = kth(0.01)
    marginP5 = kth(0.05)
    marginP10 = kth(0.10)
    marginP50 = kth(0.50)
    marginP5Interpolated = interpolate(margins[span.lower], margins[span.upper], span.fraction)
    fractionNonPositiveMargin = Double(margins.filter { $0 <= 0 }.count) / Double(m)
    crossEntropy = ce / Double(m)
    outputEntropy = entropy / Double(m)
    errorRate = Double(errors) / Double(m)
  }
}

/// Input-data statistics the closed-form bounds need (spec D.2, D.3, F.2).
public struct InputStatistics: Sendable, Equatable {
  /// m, the number of training examples the statistics come from.
  public var sampleCount: Int
  /// mean_x ‖x‖².
  public var meanSquaredNorm: Double
  /// max_x ‖x‖².
  public var maxSquaredNorm: Double
  /// mean_x ‖[U⁰ x]_+‖², the initial network's first-layer ReLU activations (no bias, as
  /// in the over-parametrization code); `nil` without initial weights.
  public var meanSquaredInitialHiddenNorm: Double?

  /// Creates the statistics from their values.
  public init(sampleCount: Int, meanSquaredNorm: Double, maxSquaredNorm: Double, meanSquaredInitialHiddenNorm: Double?) {
    self.sampleCount = sampleCount
    self.meanSquaredNorm = meanSquaredNorm
    self.maxSquaredNorm = maxSquaredNorm
    self.meanSquaredInitialHiddenNorm = meanSquaredInitialHiddenNorm
  }
}
