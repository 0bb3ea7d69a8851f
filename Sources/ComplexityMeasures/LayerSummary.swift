import Foundation
import LinearAlgebra

/// How spectral quantities (‖W‖₂, Schatten norms, ‖W − W⁰‖₂) are computed.
public enum SpectralMethod: String, Sendable, CaseIterable {
  /// Full singular values from the float64 Gram matrix (``LinearAlgebra/singularValues(of:)``:
  /// exact ‖W‖₂ and Schatten norms); about half the time of float32 `sgesdd`.
  case exact
  /// Power iteration only (‖W‖₂ within the tolerance; no Schatten norms). Cheap with warm starts.
  case powerIteration = "power"
  /// Both: exact values, plus the power-iteration estimate for comparison.
  case both
}

/// Options for ``summarizeLayer(_:index:options:warmStart:distanceWarmStart:)``.
public struct LayerSummaryOptions: Sendable {
  /// Which spectral computation to run (default `.both`).
  public var spectralMethod: SpectralMethod
  /// Relative-change stopping tolerance of power iteration (default 1e-6).
  public var powerIterationTolerance: Double
  /// Iteration cap of power iteration (default 1000).
  public var maxPowerIterations: Int
  /// A weight counts as near zero when `|w| < nearZeroThreshold` (absolute, default 1e-6:
  /// the threshold the store's `layer_summary.near_zero_fraction` column documents).
  public var nearZeroThreshold: Double

  /// Creates options; see the properties for the defaults.
  public init(
    spectralMethod: SpectralMethod = .both, powerIterationTolerance: Double = 1e-6,
    maxPowerIterations: Int = 1000, nearZeroThreshold: Double = 1e-6
  ) {
    self.spectralMethod = spectralMethod
    self.powerIterationTolerance = powerIterationTolerance
    self.maxPowerIterations = maxPowerIterations
    self.nearZeroThreshold = nearZeroThreshold
  }
}

/// Per-layer weight summaries: the columns of the store's `layer_summary` table.
///
/// All norms use the weights W only (shape (fanOut, fanIn), row j = incoming weights of
/// unit j); biases are excluded. Values are in the weights' units; "squared" quantities are
/// not stored here (the network measures square them). Where a quantity cannot be computed
/// it is `nil` and ``spectralUndefinedReason`` (or the documentation) says why:
/// - spectral quantities (‖W‖₂, stable rank, Schatten norms, ‖W − W⁰‖₂) are `nil` when the
///   layer has NaN/±Inf entries, and Schatten norms are `nil` when the method is `.powerIteration`;
/// - the stable rank is `nil` when ‖W‖₂ = 0 (all-zero matrix: 0/0);
/// - distances from initialization are `nil` without W⁰.
/// NaN entries propagate into the sums (norms, mean, std are NaN) and make min, max and the
/// quantiles NaN, as numpy does.
public struct LayerSummary: Sendable {
  /// The quantile levels of ``quantiles``: 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99.
  public static let quantileLevels: [Double] = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]

  /// 0-based position of the layer in the network (input side first).
  public var layerIndex: Int
  /// The layer's name.
  public var name: String
  /// Rows of W (units).
  public var fanOut: Int
  /// Columns of W (inputs).
  public var fanIn: Int
  /// Weight entries fanOut·fanIn (bias excluded).
  public var weightCount: Int
  /// Bias entries (0 without bias).
  public var biasCount: Int
  /// Number of NaN or ±Inf weight entries.
  public var nonFiniteCount: Int

  /// ‖W‖_F = sqrt(Σ w²).
  public var frobeniusNorm: Double
  /// ‖W‖₂ = σ_max(W), exact (all singular values, `dsyrk` + LAPACK `dsyevd`); `nil` unless the method includes `.exact`.
  public var spectralNorm: Double?
  /// ‖W‖₂ by power iteration; `nil` unless the method includes power iteration.
  public var spectralNormPowerIteration: Double?
  /// Power iterations used for ``spectralNormPowerIteration``.
  public var powerIterations: Int?
  /// The right singular vector from power iteration: the warm start for the next call.
  public var spectralWarmStart: [Float]?
  /// Why spectral quantities are `nil`, if they are.
  public var spectralUndefinedReason: String?
  /// ‖W‖_F² / ‖W‖₂² (in [1, rank]); `nil` when ‖W‖₂ = 0 or undefined.
  public var stableRank: Double?
  /// Σ |w| (entry-wise ℓ1 norm).
  public var l1Norm: Double
  /// max |w|.
  public var maxAbs: Double
  /// Mean of the entries.
  public var mean: Double
  /// Population standard deviation (ddof = 0, numpy's default) of the entries.
  public var standardDeviation: Double
  /// Smallest entry.
  public var minimum: Double
  /// Largest entry.
  public var maximum: Double
  /// Quantiles at ``quantileLevels`` with numpy's default linear interpolation.
  public var quantiles: [Double]
  /// Fraction of entries with |w| < threshold (default 1e-6; see ``LayerSummaryOptions``).
  public var nearZeroFraction: Double
  /// ‖W‖_{1,∞} = max_j Σ_k |W[j,k]| (largest per-unit ℓ1 norm; Neyshabur 2015 eq. group norms).
  public var groupNormP1QInfinity: Double
  /// ‖W‖_{2,2} = ‖W‖_F.
  public var groupNormP2Q2: Double
  /// ‖W‖_{3,1.5} = (Σ_j (Σ_k |W[j,k]|³)^{1/2})^{2/3}.
  public var groupNormP3Q1p5: Double
  /// Schatten-1 (trace/nuclear) norm Σ σ_i; `nil` without the exact spectrum.
  public var schattenNorm1: Double?
  /// Schatten-1.5 norm (Σ σ_i^1.5)^{2/3}; `nil` without the exact spectrum.
  public var schattenNorm1p5: Double?
  /// ‖W − W⁰‖_F; `nil` without initial weights.
  public var frobeniusDistanceFromInit: Double?
  /// ‖W − W⁰‖₂ (exact if the method includes `.exact`, else power iteration); `nil` without W⁰.
  public var spectralDistanceFromInit: Double?
  /// Power-iteration warm start for ‖W − W⁰‖₂.
  public var distanceWarmStart: [Float]?
  /// Σ_j ‖W[j,:]‖₂ = ‖Wᵀ‖_{2,1} (Bartlett et al. 2017 with M = 0).
  public var rowNormSum: Double
  /// Σ_j ‖(W − W⁰)[j,:]‖₂ = ‖(W − W⁰)ᵀ‖_{2,1}; `nil` without W⁰.
  public var distanceRowNormSum: Double?

  /// The spectral norm the network measures use: exact if available, else power iteration.
  public var bestSpectralNorm: Double? { spectralNorm ?? spectralNormPowerIteration }

  /// The 1st percentile. The other quantiles are ``q05`` … ``q99``.
  public var q01: Double { quantiles[0] }
  /// The 5th percentile.
  public var q05: Double { quantiles[1] }
  /// The 25th percentile.
  public var q25: Double { quantiles[2] }
  /// The median.
  public var q50: Double { quantiles[3] }
  /// The 75th percentile.
  public var q75: Double { quantiles[4] }
  /// The 95th percentile.
  public var q95: Double { quantiles[5] }
  /// The 99th percentile.
  public var q99: Double { quantiles[6] }
}

/// Computes every per-layer summary of one layer.
///
/// - Parameters:
///   - layer: The layer (W of shape (fanOut, fanIn), optional W⁰).
///   - index: Its 0-based position in the network.
///   - options: Spectral method, power-iteration tolerance, near-zero threshold.
///   - warmStart: Previous ``LayerSummary/spectralWarmStart`` for this layer, if any.
///   - distanceWarmStart: Previous ``LayerSummary/distanceWarmStart``, if any.
/// - Returns: The summary; see ``LayerSummary`` for `nil` cases.
/// - Complexity: O(ω) for the entry-wise statistics (a few passes plus a multi-quickselect
///   for the quantiles), O(iterations·ω) for power iteration, O(ω·min(fanIn, fanOut)) for
///   the exact SVD (twice with W⁰).
public func summarizeLayer(
  _ layer: LayerWeights, index: Int, options: LayerSummaryOptions = LayerSummaryOptions(),
  warmStart: [Float]? = nil, distanceWarmStart: [Float]? = nil
) -> LayerSummary {
  let w = layer.weights
  let n = w.count
  let rows = w.rows
  let cols = w.columns
  var sum = 0.0, sumAbs = 0.0, sumSq = 0.0, maxAbs = 0.0
  var nanCount = 0, infCount = 0
  var maxRowL1 = 0.0, sumRowL3Sqrt = 0.0, rowNormSum = 0.0
  var minimum = Double.infinity, maximum = -Double.infinity
  w.elements.withUnsafeBufferPointer { p in
    guard let base = p.baseAddress else { return }
    for r in 0..<rows {
      let m = moments(base + r * cols, count: cols)
      sum += m.sum
      sumAbs += m.sumAbs
      sumSq += m.sumSquares
      maxRowL1 = Swift.max(maxRowL1, m.sumAbs)
      sumRowL3Sqrt += m.sumAbsCubes.squareRoot()
      rowNormSum += m.sumSquares.squareRoot()
      maxAbs = Swift.max(maxAbs, Double(m.maxAbs))
      minimum = Swift.min(minimum, Double(m.minimum))
      maximum = Swift.max(maximum, Double(m.maximum))
    }
    if !sumSq.isFinite {
      for x in p where !x.isFinite {
        if x.isNaN { nanCount += 1 } else { infCount += 1 }
      }
    }
  }
  if nanCount > 0 {
    maxAbs = .nan
    maxRowL1 = .nan
  } else if infCount > 0 {
    maxAbs = .infinity
  }
  let mean = sum / Double(n)
  var (centered, nearZero) = (0.0, 0)
  w.elements.withUnsafeBufferPointer { p in
    guard let base = p.baseAddress else { return }
    // The float32 threshold t with (x < t) ⇔ (Double(x) < nearZeroThreshold) for every float x.
    var t = Float(options.nearZeroThreshold)
    if Double(t) < options.nearZeroThreshold { t = t.nextUp }
    (centered, nearZero) = centeredSquaresAndSmallCount(base, count: n, center: mean, threshold: t)
  }
  var quantiles = [Double](repeating: .nan, count: LayerSummary.quantileLevels.count)
  if nanCount > 0 {
    minimum = .nan
    maximum = .nan
  } else {
    let spans = LayerSummary.quantileLevels.map { linearQuantileRanks($0, count: n) }
    let stats = w.elements.withUnsafeBufferPointer { histogramOrderStatistics($0, ranks: spans.flatMap { [$0.lower, $0.upper] }) }
    for (i, s) in spans.enumerated() {
      quantiles[i] = interpolate(Double(stats[s.lower]!), Double(stats[s.upper]!), s.fraction)
    }
  }
  let frobenius = sumSq.squareRoot()
  var summary = LayerSummary(
    layerIndex: index, name: layer.name, fanOut: rows, fanIn: cols, weightCount: n,
    biasCount: layer.bias?.count ?? 0, nonFiniteCount: nanCount + infCount,
    frobeniusNorm: frobenius, spectralNorm: nil, spectralNormPowerIteration: nil,
    powerIterations: nil, spectralWarmStart: nil, spectralUndefinedReason: nil, stableRank: nil,
    l1Norm: sumAbs, maxAbs: maxAbs, mean: mean, standardDeviation: (centered / Double(n)).squareRoot(),
    minimum: minimum, maximum: maximum, quantiles: quantiles,
    nearZeroFraction: nanCount > 0 ? .nan : Double(nearZero) / Double(n),
    groupNormP1QInfinity: maxRowL1, groupNormP2Q2: frobenius,
    groupNormP3Q1p5: Foundation.pow(sumRowL3Sqrt, 2.0 / 3.0), schattenNorm1: nil,
    schattenNorm1p5: nil, frobeniusDistanceFromInit: nil, spectralDistanceFromInit: nil,
    distanceWarmStart: nil, rowNormSum: rowNormSum, distanceRowNormSum: nil)

  let useExact = options.spectralMethod != .powerIteration
  let usePower = options.spectralMethod != .exact
  if nanCount + infCount > 0 {
    summary.spectralUndefinedReason =
      "layer \(layer.name) has \(nanCount + infCount) non-finite weights (\(nanCount) NaN, \(infCount) ±Inf); spectral quantities are undefined"
  } else {
    if useExact {
      if let s = try? singularValues(of: w) {
        let top = Double(s.first ?? 0)
        summary.spectralNorm = top
        var s1 = 0.0, s15 = 0.0
        for x in s {
          let d = Double(x)
          s1 += d
          s15 += d * d.squareRoot()
        }
        summary.schattenNorm1 = s1
        summary.schattenNorm1p5 = Foundation.pow(s15, 2.0 / 3.0)
      } else {
        summary.spectralUndefinedReason = "LAPACK dsyevd did not converge for layer \(layer.name)"
      }
    }
    if usePower {
      let r = topSingularValue(
        of: w, warmStart: warmStart, relativeTolerance: options.powerIterationTolerance,
        maxIterations: options.maxPowerIterations)
      summary.spectralNormPowerIteration = r.value
      summary.powerIterations = r.iterations
      summary.spectralWarmStart = r.rightVector
    }
    if let spec = summary.bestSpectralNorm {
      if spec > 0 && spec.isFinite {
        summary.stableRank = sumSq / (spec * spec)
      } else if !spec.isFinite {
        // finite/∞ would be a wrong 0: an overflowed ‖W‖₂ leaves the stable rank NaN, not 0.
        summary.stableRank = .nan
      }
    }
  }

  if let w0 = layer.initialWeights {
    var diff = w
    var distSq = 0.0, distRowSum = 0.0
    var diffNonFinite = 0
    diff.elements.withUnsafeMutableBufferPointer { d in
      w0.elements.withUnsafeBufferPointer { p0 in
        for r in 0..<rows {
          var rowSq = 0.0
          for c in 0..<cols {
            let i = r * cols + c
            d[i] -= p0[i]
            let x = Double(d[i])
            if !x.isFinite { diffNonFinite += 1 }
            rowSq += x * x
          }
          distSq += rowSq
          distRowSum += rowSq.squareRoot()
        }
      }
    }
    summary.frobeniusDistanceFromInit = distSq.squareRoot()
    summary.distanceRowNormSum = distRowSum
    if diffNonFinite == 0 {
      if useExact, let s = try? singularValues(of: diff) {
        summary.spectralDistanceFromInit = Double(s.first ?? 0)
      }
      if usePower {
        let r = topSingularValue(
          of: diff, warmStart: distanceWarmStart, relativeTolerance: options.powerIterationTolerance,
          maxIterations: options.maxPowerIterations)
        if summary.spectralDistanceFromInit == nil { summary.spectralDistanceFromInit = r.value }
        summary.distanceWarmStart = r.rightVector
      }
    }
  }
  return summary
}
