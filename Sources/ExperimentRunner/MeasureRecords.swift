import TabularOutput
import ComplexityMeasures
import FeedForward
import Foundation
import LinearAlgebra
import RunRecorder

/// Converting between the trainer's, the measures library's and the recorder's types.
public enum MeasureRecords {
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

  /// A layer summary as a `layer_summary` row: every column of
  /// ``RunRecorder/LayerSummaryRecord/columns`` from its source in ``layerSummarySources``.
  public static func layerSummaryRecord(_ s: LayerSummary) -> LayerSummaryRecord {
    var r = LayerSummaryRecord(layerIndex: s.layerIndex)
    for column in LayerSummaryRecord.columns {
      r[keyPath: column.keyPath] = layerSummarySources[column.name]?(s) ?? nil
    }
    return r
  }

  /// Where each `layer_summary` column comes from in the measures library's
  /// ``ComplexityMeasures/LayerSummary``, by column name (a test checks that every column of
  /// ``RunRecorder/LayerSummaryRecord/columns`` has a source and no source is left over).
  public static let layerSummarySources: [String: @Sendable (LayerSummary) -> Double?] = [
    "frobenius_norm": { $0.frobeniusNorm }, "spectral_norm": { $0.bestSpectralNorm },
    "stable_rank": { $0.stableRank }, "l1_norm": { $0.l1Norm }, "max_abs": { $0.maxAbs }, "mean": { $0.mean },
    "std": { $0.standardDeviation }, "min": { $0.minimum }, "max": { $0.maximum }, "q01": { $0.q01 },
    "q05": { $0.q05 }, "q25": { $0.q25 }, "q50": { $0.q50 }, "q75": { $0.q75 }, "q95": { $0.q95 },
    "q99": { $0.q99 }, "near_zero_fraction": { $0.nearZeroFraction }, "group_norm_1_inf": { $0.groupNormP1QInfinity },
    "group_norm_2_2": { $0.groupNormP2Q2 }, "group_norm_3_1p5": { $0.groupNormP3Q1p5 },
    "schatten_1": { $0.schattenNorm1 }, "schatten_1p5": { $0.schattenNorm1p5 },
    "frobenius_distance_init": { $0.frobeniusDistanceFromInit }, "spectral_distance_init": { $0.spectralDistanceFromInit },
  ]

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

