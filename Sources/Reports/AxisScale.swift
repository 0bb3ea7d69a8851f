import Foundation

/// How data values map to positions along a plot axis.
public enum PlotScale: Sendable, Equatable {
  /// Position proportional to the value.
  case linear
  /// Position proportional to log_base(value); only values > 0 can be drawn. Base 2 suits
  /// hidden-unit counts (8, 16, …, 4096), base 10 suits norms and error rates.
  case logarithmic(base: Double)

  /// `log10`-scale shorthand.
  public static let log10 = PlotScale.logarithmic(base: 10)
  /// `log2`-scale shorthand.
  public static let log2 = PlotScale.logarithmic(base: 2)

  /// Whether a value can be placed on this scale (finite, and > 0 on a log scale).
  public func canPlot(_ value: Double) -> Bool {
    guard value.isFinite else { return false }
    if case .logarithmic = self { return value > 0 }
    return true
  }

  /// The value in the scale's transformed space (identity, or log_base).
  public func transform(_ value: Double) -> Double {
    switch self {
    case .linear: return value
    case .logarithmic(let base): return Foundation.log(value) / Foundation.log(base)
    }
  }
}

/// Tick marks and the padded domain of one axis.
///
/// Linear axes use "nice numbers" (Heckbert 1990, "Nice numbers for graph labels",
/// Graphics Gems): the step is 1, 2 or 5 × 10^k chosen for about `targetCount` ticks, and the
/// domain is widened outward to whole steps. Logarithmic axes tick at integer powers of the
/// base (every k-th power when there would be more than ~10), and the domain is widened to
/// whole powers; a base-10 axis spanning at most one decade also ticks at 2× and 5×.
public struct AxisTicks: Sendable, Equatable {
  /// The drawn range, `lower < upper`, containing the data.
  public var lower: Double
  /// See ``lower``.
  public var upper: Double
  /// Tick positions (data units), ascending, within `lower…upper`.
  public var values: [Double]
  /// Tick labels, one per value.
  public var labels: [String]

  /// Computes ticks for data spanning `minimum…maximum`.
  ///
  /// - Parameters:
  ///   - minimum: The smallest plotted value (finite; > 0 on a log scale).
  ///   - maximum: The largest plotted value (≥ `minimum`).
  ///   - scale: The axis scale.
  ///   - targetCount: About how many ticks to aim for on a linear axis (≥ 2).
  ///   - integerStep: Whether linear ticks must be whole numbers (epochs, counts): the step
  ///     is then at least 1.
  /// - Returns: Ticks and padded domain. A zero-width range is widened (±1 around 0, ±50 %
  ///   otherwise on a linear axis; one power of the base either side on a log axis).
  public static func make(
    minimum: Double, maximum: Double, scale: PlotScale, targetCount: Int = 5,
    integerStep: Bool = false
  ) -> AxisTicks {
    switch scale {
    case .linear:
      return linear(
        minimum: minimum, maximum: maximum, targetCount: targetCount, integerStep: integerStep)
    case .logarithmic(let base): return logarithmic(minimum: minimum, maximum: maximum, base: base)
    }
  }

  /// The "nice" step nearest to `rawStep`: 1, 2, 5 or 10 × 10^k.
  public static func niceStep(_ rawStep: Double) -> Double {
    let magnitude = pow(10, floor(log10(rawStep)))
    let normalized = rawStep / magnitude
    let nice: Double
    if normalized < 1.5 {
      nice = 1
    } else if normalized < 3 {
      nice = 2
    } else if normalized < 7 {
      nice = 5
    } else {
      nice = 10
    }
    return nice * magnitude
  }

  static func linear(
    minimum: Double, maximum: Double, targetCount: Int, integerStep: Bool
  ) -> AxisTicks {
    var lo = minimum
    var hi = maximum
    if lo == hi {
      let pad = lo == 0 ? 1 : abs(lo) / 2
      lo -= pad
      hi += pad
    }
    var step = niceStep((hi - lo) / Double(max(targetCount - 1, 1)))
    if integerStep { step = max(step, 1) }
    let first = (lo / step).rounded(.down)
    let last = (hi / step).rounded(.up)
    // Multiply integer counts by the step, then round away binary noise (0.30000000000000004).
    let decimals = max(0, -Int(floor(log10(step))))
    let values = stride(from: first, through: last, by: 1).map { k -> Double in
      let v = k * step
      let factor = pow(10, Double(min(decimals, 15)))
      return (v * factor).rounded() / factor
    }
    let labels = values.map { formatTick($0, decimals: decimals) }
    return AxisTicks(
      lower: values.first ?? lo, upper: values.last ?? hi, values: values, labels: labels)
  }

  static func logarithmic(minimum: Double, maximum: Double, base: Double) -> AxisTicks {
    let scale = PlotScale.logarithmic(base: base)
    var lowExponent = scale.transform(minimum).rounded(.down)
    var highExponent = scale.transform(maximum).rounded(.up)
    // Guard against log rounding: 1000 → 2.9999999999999996.
    if abs(scale.transform(minimum) - (lowExponent + 1)) < 1e-9 { lowExponent += 1 }
    if abs(scale.transform(maximum) - (highExponent - 1)) < 1e-9 { highExponent -= 1 }
    if lowExponent == highExponent {
      lowExponent -= 1
      highExponent += 1
    }
    let span = Int(highExponent - lowExponent)
    let stride = max(1, Int((Double(span) / 10).rounded(.up)))
    var values: [Double] = []
    var e = lowExponent
    while e <= highExponent {
      values.append(pow(base, e))
      e += Double(stride)
    }
    if base == 10, span == 1 {
      let a = pow(10, lowExponent)
      values = [a, 2 * a, 5 * a, 10 * a]
    }
    let labels = values.map { formatLogTick($0) }
    return AxisTicks(
      lower: pow(base, lowExponent), upper: pow(base, highExponent), values: values,
      labels: labels)
  }

  /// Fixed-point text with `decimals` places, or scientific for very large/small values.
  static func formatTick(_ value: Double, decimals: Int) -> String {
    if value == 0 { return "0" }
    if abs(value) >= 1e6 || abs(value) < 1e-4 { return String(format: "%g", value) }
    return String(format: "%.\(min(decimals, 10))f", value)
  }

  static func formatLogTick(_ value: Double) -> String {
    if value >= 1, value < 1e6, value == value.rounded() { return String(Int(value)) }
    if value >= 1e-4, value < 1 { return String(format: "%g", value) }
    return String(format: "%g", value)
  }
}

/// Maps data values on one axis to pixel positions.
///
/// `pixel = start + (t(value) − t(lower)) / (t(upper) − t(lower)) · (end − start)`, with t the
/// scale's transform. `end < start` is allowed (the y axis grows upward on screen).
public struct AxisMapping: Sendable, Equatable {
  /// The data domain's lower end (maps to `start`).
  public var lower: Double
  /// The data domain's upper end (maps to `end`).
  public var upper: Double
  /// Pixel position of `lower`.
  public var start: Double
  /// Pixel position of `upper`.
  public var end: Double
  /// The scale.
  public var scale: PlotScale

  /// Creates a mapping.
  public init(lower: Double, upper: Double, start: Double, end: Double, scale: PlotScale) {
    self.lower = lower
    self.upper = upper
    self.start = start
    self.end = end
    self.scale = scale
  }

  /// The pixel position of `value` (callers check ``PlotScale/canPlot(_:)`` first).
  public func position(of value: Double) -> Double {
    let t0 = scale.transform(lower)
    let t1 = scale.transform(upper)
    guard t1 != t0 else { return (start + end) / 2 }
    return start + (scale.transform(value) - t0) / (t1 - t0) * (end - start)
  }
}
