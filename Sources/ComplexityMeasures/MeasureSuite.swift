import Foundation
import LinearAlgebra

/// Per-layer summaries and every registry measure for one network state.
public struct MeasureReport: Sendable {
  /// One summary per layer, input side first.
  public var layerSummaries: [LayerSummary]
  /// One result per ``MeasureRegistry/all`` entry, in registry order.
  public var measures: [MeasureResult]
  /// The path-norm logs for p = 1, 1.5, 2 (ingredients worth storing).
  public var pathNorms: [PathNormLogs]

  /// The result with this id, or `nil`.
  public func measure(_ id: String) -> MeasureValue? { measures.first { $0.id == id }?.value }
}

/// Computes layer summaries and measures repeatedly (e.g. once per epoch), carrying the
/// power-iteration warm starts from one call to the next.
///
/// Usage per epoch: `var suite = MeasureSuite(options: .init(spectralMethod: .powerIteration))`,
/// then `let report = suite.evaluate(network)` after every epoch. With power iteration and
/// warm starts, the full data-free suite for 784-1024-1024-10 takes a few tens of ms.
public struct MeasureSuite: Sendable {
  /// Summary options (spectral method, tolerance, near-zero threshold).
  public var options: LayerSummaryOptions
  private var warmStarts: [[Float]?] = []
  private var distanceWarmStarts: [[Float]?] = []

  /// Creates a suite.
  ///
  /// - Parameter options: The layer-summary options.
  public init(options: LayerSummaryOptions = LayerSummaryOptions()) {
    self.options = options
  }

  /// Evaluates every summary and measure.
  ///
  /// - Parameters:
  ///   - network: The weights (and optional W⁰).
  ///   - outputs: Training-set logit statistics, for margin and output measures (else those
  ///     measures are undefined with a reason).
  ///   - inputs: Input statistics, for the over-parametrization bound.
  /// - Returns: The report. Warm starts are kept when the layer shapes are unchanged.
  /// - Complexity: O(ω) plus the spectral work (see ``summarizeLayer(_:index:options:warmStart:distanceWarmStart:)``).
  public mutating func evaluate(
    _ network: NetworkWeights, outputs: TrainingOutputStatistics? = nil, inputs: InputStatistics? = nil
  ) -> MeasureReport {
    if warmStarts.count != network.depth {
      warmStarts = Array(repeating: nil, count: network.depth)
      distanceWarmStarts = warmStarts
    }
    var summaries: [LayerSummary] = []
    for (i, layer) in network.layers.enumerated() {
      let s = summarizeLayer(
        layer, index: i, options: options, warmStart: warmStarts[i], distanceWarmStart: distanceWarmStarts[i])
      warmStarts[i] = s.spectralWarmStart ?? warmStarts[i]
      distanceWarmStarts[i] = s.distanceWarmStart ?? distanceWarmStarts[i]
      summaries.append(s)
    }
    return evaluateMeasures(network, summaries: summaries, outputs: outputs, inputs: inputs)
  }
}

/// Evaluates every registry measure from precomputed layer summaries.
///
/// - Parameters:
///   - network: The weights.
///   - summaries: ``summarizeLayer(_:index:options:warmStart:distanceWarmStart:)`` of each layer.
///   - outputs: Training-set output statistics, or `nil`.
///   - inputs: Input statistics, or `nil`.
/// - Returns: The report with every measure of ``MeasureRegistry/all``.
public func evaluateMeasures(
  _ network: NetworkWeights, summaries: [LayerSummary], outputs: TrainingOutputStatistics? = nil,
  inputs: InputStatistics? = nil
) -> MeasureReport {
  precondition(summaries.count == network.depth, "need one summary per layer: \(summaries.count) vs \(network.depth)")
  let paths = standardPathNormLogs(network)
  let context = MeasureContext(network: network, summaries: summaries, pathNorms: paths, outputs: outputs, inputs: inputs)
  let measures = MeasureRegistry.all.map { MeasureResult(id: $0.id, value: $0.evaluate(context)) }
  return MeasureReport(layerSummaries: summaries, measures: measures, pathNorms: paths)
}

/// Statistics of training inputs for the closed-form bounds.
///
/// - Parameters:
///   - inputs: Row-major (sampleCount, inputDimension): row i is x_i.
///   - network: Its first layer's W⁰ (if present) gives mean ‖[U⁰x]_+‖² (no bias, as in the
///     over-parametrization code).
/// - Returns: m, mean and max ‖x‖², and the initial hidden activation statistic.
/// - Precondition: `inputs.columns == network.inputDimension`.
/// - Complexity: O(m·h_0·h_1) for the initial activations (one `sgemm`).
public func computeInputStatistics(_ inputs: Matrix, network: NetworkWeights) -> InputStatistics {
  precondition(inputs.columns == network.inputDimension, "inputs have \(inputs.columns) features, network expects \(network.inputDimension)")
  let m = inputs.rows
  var meanSq = 0.0, maxSq = 0.0
  for r in 0..<m {
    var s = 0.0
    for k in 0..<inputs.columns {
      let x = Double(inputs.elements[r * inputs.columns + k])
      s += x * x
    }
    meanSq += s
    maxSq = Swift.max(maxSq, s)
  }
  var hidden: Double?
  if let u0 = network.layers[0].initialWeights, m > 0 {
    let a = matmul(inputs, u0, transposeB: .transposed)  // (m, H)
    var s = 0.0
    for x in a.elements where x > 0 { s += Double(x) * Double(x) }
    hidden = s / Double(m)
  }
  return InputStatistics(
    sampleCount: m, meanSquaredNorm: m > 0 ? meanSq / Double(m) : .nan, maxSquaredNorm: maxSq,
    meanSquaredInitialHiddenNorm: hidden)
}
