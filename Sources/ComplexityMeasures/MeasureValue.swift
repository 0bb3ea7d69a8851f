import Foundation

/// How a measure's value is stored: the `value_kind` column of the store
/// (`finite`, `nan`, `+inf`, `-inf`, `undefined`).
public enum ValueKind: String, Sendable, CaseIterable {
  case finite
  case nan
  case positiveInfinity = "+inf"
  case negativeInfinity = "-inf"
  case undefined
}

/// The value of one measure: a number (any Double, NaN and ±Inf included, stored
/// faithfully) with its natural log, or *undefined* with a reason.
///
/// `logValue` is `ln(value)` when it is meaningful: products and geometric means are
/// computed in the log domain, so `logValue` stays finite and exact even where `value`
/// overflows to `+inf` (the `detail` then says so). For `value ≤ 0` the log is `nil`
/// (`-inf` for exactly 0). A margin-normalized measure whose margin is ≤ 0 is undefined.
public struct MeasureValue: Sendable, Equatable {
  /// The value, or `nil` when undefined.
  public var value: Double?
  /// ln(value), or `nil` when undefined or `value < 0`.
  public var logValue: Double?
  /// Why the value is undefined, or a note about it (e.g. overflow); `nil` otherwise.
  public var detail: String?

  /// Creates a value from its parts.
  public init(value: Double?, logValue: Double?, detail: String? = nil) {
    self.value = value
    self.logValue = logValue
    self.detail = detail
  }

  /// The kind of the value (see ``ValueKind``).
  public var kind: ValueKind {
    guard let value else { return .undefined }
    if value.isNaN { return .nan }
    if value == .infinity { return .positiveInfinity }
    if value == -.infinity { return .negativeInfinity }
    return .finite
  }

  /// An undefined value with the reason.
  public static func undefined(_ reason: String) -> MeasureValue {
    MeasureValue(value: nil, logValue: nil, detail: reason)
  }

  /// A value computed directly; its log is `ln(v)` for v > 0, `-inf` for 0, NaN for NaN,
  /// `nil` for negative values.
  public static func direct(_ v: Double) -> MeasureValue {
    let l: Double?
    if v.isNaN { l = .nan } else if v > 0 { l = Foundation.log(v) } else if v == 0 { l = -.infinity } else { l = nil }
    return MeasureValue(value: v, logValue: l)
  }

  /// A positive quantity computed in the log domain: `value = exp(log)`.
  ///
  /// When `exp(log)` overflows, the value is `+inf` and `detail` says the log is exact.
  public static func fromLog(_ l: Double) -> MeasureValue {
    let v = Foundation.exp(l)
    if v.isInfinite && l.isFinite {
      return MeasureValue(value: v, logValue: l, detail: "value overflows Double; log_value is exact")
    }
    if v == 0 && l.isFinite {
      return MeasureValue(value: v, logValue: l, detail: "value underflows Double; log_value is exact")
    }
    return MeasureValue(value: v, logValue: l)
  }
}

/// One computed measure: its registry id and value.
public struct MeasureResult: Sendable, Equatable {
  /// The stable snake_case id (see ``MeasureRegistry``).
  public var id: String
  /// The value.
  public var value: MeasureValue

  /// Creates a result.
  public init(id: String, value: MeasureValue) {
    self.id = id
    self.value = value
  }
}
