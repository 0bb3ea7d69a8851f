import TabularOutput
import ComplexityMeasures
import FeedForward
import Foundation
import LinearAlgebra
import RunRecorder

/// Converting between the trainer's, the measures library's and the recorder's types.
public enum MeasureRecords {
  /// The measure catalogue of ``ComplexityMeasures/MeasureRegistry``, as recorder entries.
  public static var catalogue: [MeasureCatalogEntry] {
    MeasureRegistry.all.map {
      MeasureCatalogEntry(
        id: $0.id, name: $0.name, description: $0.description, formula: $0.formula, source: $0.source,
        needsData: $0.needsData, needsInit: $0.needsInit, isNodeRescalingInvariant: $0.isNodeRescalingInvariant,
        isLayerRescalingInvariant: $0.isLayerRescalingInvariant, isOutputScalingInvariant: $0.isOutputScalingInvariant)
    }
  }

  /// The network (and its initial weights) in the measures library's representation.
  /// Layer names are `layers.0`, `layers.1`, … (forward order).
  public static func networkWeights(_ network: MultilayerPerceptron, initial: MultilayerPerceptron?) -> NetworkWeights? {
    let layers = network.layers.enumerated().map { i, layer in
      LayerWeights(
        name: "layers.\(i)", weights: layer.weight, bias: layer.bias, initialWeights: initial?.layers[i].weight)
    }
    return try? NetworkWeights(layers: layers)
  }

  /// The recorder's layer declarations for a network.
  public static func layerInfos(_ network: MultilayerPerceptron) -> [LayerInfo] {
    network.layers.enumerated().map { i, l in LayerInfo(index: i, name: "layers.\(i)", fanIn: l.fanIn, fanOut: l.fanOut) }
  }

  /// A layer summary as a `layer_summary` row.
  public static func layerSummaryRecord(_ s: LayerSummary) -> LayerSummaryRecord {
    var r = LayerSummaryRecord(layerIndex: s.layerIndex)
    r.frobeniusNorm = s.frobeniusNorm
    r.spectralNorm = s.bestSpectralNorm
    r.stableRank = s.stableRank
    r.l1Norm = s.l1Norm
    r.maxAbs = s.maxAbs
    r.mean = s.mean
    r.std = s.standardDeviation
    r.min = s.minimum
    r.max = s.maximum
    r.q01 = s.q01
    r.q05 = s.q05
    r.q25 = s.q25
    r.q50 = s.q50
    r.q75 = s.q75
    r.q95 = s.q95
    r.q99 = s.q99
    r.nearZeroFraction = s.nearZeroFraction
    r.groupNorm1Inf = s.groupNormP1QInfinity
    r.groupNorm22 = s.groupNormP2Q2
    r.groupNorm31p5 = s.groupNormP3Q1p5
    r.schatten1 = s.schattenNorm1
    r.schatten1p5 = s.schattenNorm1p5
    r.frobeniusDistanceInit = s.frobeniusDistanceFromInit
    r.spectralDistanceInit = s.spectralDistanceFromInit
    return r
  }

  /// A measure result as a `measure_value` row.
  ///
  /// `detail` is a JSON object with `log` (the natural log of the value, computed in the log
  /// domain, when it is a finite number), `note` (the library's note, e.g. about overflow) and,
  /// for measures that need training logits, `margin_sample_count` (the size m of the fixed
  /// margin subset) and `margin_excluded_count` (examples dropped for non-finite logits).
  /// Undefined values keep their reason in `detail.reason`.
  public static func measureRecord(
    _ result: MeasureResult, usesTrainingLogits: Bool, outputs: TrainingOutputStatistics?
  ) -> MeasureRecord {
    let v = result.value
    guard let value = v.value else {
      return MeasureRecord.undefined(measureID: result.id, reason: v.detail ?? "undefined")
    }
    var fields: [String] = []
    if let l = v.logValue, l.isFinite { fields.append("\"log\":\(l)") }
    if let note = v.detail { fields.append("\"note\":\(jsonStringLiteral(note))") }
    if usesTrainingLogits, let outputs {
      fields.append("\"margin_sample_count\":\(outputs.sampleCount)")
      fields.append("\"margin_excluded_count\":\(outputs.excludedCount)")
    }
    return MeasureRecord(
      measureID: result.id, value: value, detail: fields.isEmpty ? nil : "{" + fields.joined(separator: ",") + "}")
  }

  /// Training-output statistics from the trainer's margin-subset logits, or `nil` with the
  /// reason when they cannot be formed (fewer than 2 classes, all logits non-finite).
  public static func outputStatistics(logits: Matrix, labels: [Int], classCount: Int) -> (
    TrainingOutputStatistics?, String?
  ) {
    do {
      return (try TrainingOutputStatistics(logits: logits.elements.map(Double.init), classCount: classCount, labels: labels), nil)
    } catch {
      return (nil, error.description)
    }
  }
}

