import TabularOutput

/// A JSON value for a measure's `detail`: the settings a search used and its diagnostics.
///
/// Serialized by ``jsonText`` with sorted object keys, so equal details give equal text.
/// Doubles use Swift's shortest round-trip text; NaN, +Inf and −Inf have no JSON spelling and
/// are written as the strings `"NaN"`, `"Infinity"` and `"-Infinity"` (data, not null).
public indirect enum DetailValue: Sendable, Equatable {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case array([DetailValue])
  case object([String: DetailValue])

  /// Compact JSON text with sorted keys.
  public var jsonText: String {
    var out = ""
    write(into: &out)
    return out
  }

  private func write(into out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .double(let d):
      if d.isNaN {
        out += "\"NaN\""
      } else if d.isInfinite {
        out += d > 0 ? "\"Infinity\"" : "\"-Infinity\""
      } else {
        out += "\(d)"
      }
    case .string(let s): DetailValue.writeString(s, into: &out)
    case .array(let items):
      out += "["
      for (i, item) in items.enumerated() {
        if i > 0 { out += "," }
        item.write(into: &out)
      }
      out += "]"
    case .object(let dict):
      out += "{"
      for (i, key) in dict.keys.sorted().enumerated() {
        if i > 0 { out += "," }
        DetailValue.writeString(key, into: &out)
        out += ":"
        dict[key]?.write(into: &out)
      }
      out += "}"
    }
  }

  private static func writeString(_ s: String, into out: inout String) {
    out += jsonStringLiteral(s)
  }
}

/// One computed flatness/optimization measure: registry id, value and detail.
///
/// `value == nil` means *undefined* (e.g. training CE never reached 0.1, or no initial weights
/// were given): store it as undefined, not as a number. A search that ended at σ = 0 gives
/// `pacbayes_flatness = +Inf`, which is a value and is stored as such.
public struct FlatnessMeasureValue: Sendable, Equatable {
  /// The registry id (see ``FlatnessRegistry``), e.g. `pacbayes_mag_flatness`.
  public var id: String
  /// The value, or `nil` when undefined.
  public var value: Double?
  /// Why the value is undefined, when it is.
  public var undefinedReason: String?
  /// Settings and diagnostics, for `measure_value.detail`.
  public var detail: DetailValue

  /// Creates a measure value.
  public init(id: String, value: Double?, undefinedReason: String? = nil, detail: DetailValue) {
    self.id = id
    self.value = value
    self.undefinedReason = undefinedReason
    self.detail = detail
  }

  /// The JSON text for `measure_value.detail`: ``detail`` plus, for an undefined value, a
  /// `"reason"` key (the store's convention for undefined values).
  public var detailJSON: String {
    guard value == nil, let reason = undefinedReason, case .object(var dict) = detail else { return detail.jsonText }
    dict["reason"] = .string(reason)
    return DetailValue.object(dict).jsonText
  }
}
