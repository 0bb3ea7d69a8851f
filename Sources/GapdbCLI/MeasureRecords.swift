import ComplexityMeasures
import RunRecorder

/// Glue between the measures library and the recorder: registry → `measure` catalogue,
/// ``LayerSummary`` → `layer_summary` rows, ``MeasureReport`` → `measure_value` rows.
///
/// Kept here (not in either library) so ComplexityMeasures knows nothing of SQLite and
/// RunRecorder nothing of the measures.
public enum MeasureRecording {
  /// Every registry entry as a catalogue row (`needs_data` = needs training logits or input
  /// statistics; `needs_init` = needs W⁰).
  public static var catalog: [MeasureCatalogEntry] {
    MeasureRegistry.all.map { d in
      MeasureCatalogEntry(
        id: d.id, name: d.name, description: d.description, formula: d.formula, source: d.source,
        needsData: d.needsData, needsInit: d.needsInit, isNodeRescalingInvariant: d.isNodeRescalingInvariant,
        isLayerRescalingInvariant: d.isLayerRescalingInvariant, isOutputScalingInvariant: d.isOutputScalingInvariant)
    }
  }

  /// One `layer_summary` row. `spectral_norm` is the exact value when computed, else the
  /// power-iteration estimate; nil columns are the ones the summary could not compute.
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
    (r.q01, r.q05, r.q25, r.q50, r.q75, r.q95, r.q99) = (s.q01, s.q05, s.q25, s.q50, s.q75, s.q95, s.q99)
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

  /// One `measure_value` row per measure. Undefined values carry `{"reason": …}`; a value
  /// that over- or underflowed Double carries `{"note": …, "log_value": …}` so the exact log
  /// survives (the store has no log column).
  public static func measureRecords(_ report: MeasureReport) -> [MeasureRecord] {
    report.measures.map { m in
      guard let value = m.value.value else {
        return MeasureRecord.undefined(measureID: m.id, reason: m.value.detail ?? "undefined")
      }
      var detail: String?
      if let note = m.value.detail {
        detail = "{\"note\":\(jsonString(note))" + (m.value.logValue.map { $0.isFinite ? ",\"log_value\":\($0)" : "" } ?? "") + "}"
      }
      return MeasureRecord(measureID: m.id, value: value, detail: detail)
    }
  }

  static func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      default:
        if u.value < 0x20 { out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16) } else { out.unicodeScalars.append(u) }
      }
    }
    return out + "\""
  }
}
