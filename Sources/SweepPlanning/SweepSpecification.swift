import Foundation

/// A sweep: fixed hyperparameters plus axes whose values are combined as a cartesian product.
///
/// Build one from ``parseGrid(_:)``, ``SweepFileParser`` or ``SweepPreset``, then call
/// ``configurations()``. Settings not given fall back to ``SweepDefaults``.
///
/// Example:
/// ```swift
/// var spec = try SweepSpecification.parseGrid("width=64,256,1024;label_noise=0,1")
/// spec.fixed[.epochs] = .integer(2)
/// let runs = try spec.configurations()   // 6 configurations, width slowest
/// ```
public struct SweepSpecification: Sendable, Equatable {
  /// The experiment name runs are recorded under, if the sweep names one.
  public var name: String?
  /// Values held constant for every configuration.
  public var fixed: [SweepAxis: SweepValue]
  /// The varied axes and their values, in the order given (values are not sorted).
  public var axes: [SweepAxis: [SweepValue]]

  /// Creates a sweep.
  ///
  /// - Parameters:
  ///   - name: The experiment name, if any.
  ///   - fixed: Constant settings.
  ///   - axes: Varied settings; each must have at least one value.
  public init(
    name: String? = nil, fixed: [SweepAxis: SweepValue] = [:],
    axes: [SweepAxis: [SweepValue]] = [:]
  ) {
    self.name = name
    self.fixed = fixed
    self.axes = axes
  }

  /// The varied axes in canonical order (``SweepAxis`` declaration order).
  public var orderedAxes: [SweepAxis] { axes.keys.sorted() }

  /// Number of configurations: the product of the axes' value counts (1 with no axes),
  /// saturating at `Int.max` (``validate()`` refuses more than ``maximumConfigurationCount``).
  public var configurationCount: Int {
    var product = 1
    for values in axes.values {
      let (p, overflow) = product.multipliedReportingOverflow(by: values.count)
      if overflow { return Int.max }
      product = p
    }
    return product
  }

  /// The most configurations one sweep may have: 1,000,000 (each is a training run).
  public static let maximumConfigurationCount = 1_000_000

  /// Checks that the axes and fixed values fit together.
  ///
  /// - Throws: ``SweepPlanningError/emptyAxis(name:)``,
  ///   ``SweepPlanningError/duplicateAxis(name:)`` (an axis both fixed and varied),
  ///   ``SweepPlanningError/repeatedValue(axis:value:)``, or
  ///   ``SweepPlanningError/conflictingAxes(_:_:)`` (`hidden_layout` with depth or width),
  ///   ``SweepPlanningError/tooManyConfigurations(axisSizes:limit:)``.
  public func validate() throws(SweepPlanningError) {
    for axis in orderedAxes {
      guard let values = axes[axis], !values.isEmpty else {
        throw .emptyAxis(name: axis.rawValue)
      }
      if fixed[axis] != nil { throw .duplicateAxis(name: axis.rawValue) }
      var seen = Set<SweepValue>()
      for v in values where !seen.insert(v).inserted {
        throw .repeatedValue(axis: axis.rawValue, value: v.canonicalText)
      }
    }
    let present = Set(axes.keys).union(fixed.keys)
    if present.contains(.hiddenLayout) {
      for other in [SweepAxis.depth, .width] where present.contains(other) {
        throw .conflictingAxes(SweepAxis.hiddenLayout.rawValue, other.rawValue)
      }
    }
    if configurationCount > Self.maximumConfigurationCount {
      throw .tooManyConfigurations(
        axisSizes: orderedAxes.map { ($0.rawValue, axes[$0]?.count ?? 0) }.map { "\($0.0) \($0.1)" },
        limit: Self.maximumConfigurationCount)
    }
  }

  /// Every configuration of the sweep, in a stable order.
  ///
  /// The order is the cartesian product over ``orderedAxes`` with the first axis varying
  /// slowest and each axis's values in the order given (like Python's `itertools.product`).
  /// Position `i` in this array is the configuration's ``SweepConfiguration/index``, which
  /// `--shard` uses.
  ///
  /// - Returns: ``configurationCount`` configurations.
  /// - Throws: What ``validate()`` throws.
  /// - Complexity: O(configurations × axes).
  public func configurations() throws(SweepPlanningError) -> [SweepConfiguration] {
    try validate()
    let order = orderedAxes
    let lists = order.map { axes[$0] ?? [] }
    var result: [SweepConfiguration] = []
    result.reserveCapacity(configurationCount)
    var counters = [Int](repeating: 0, count: order.count)
    for index in 0..<configurationCount {
      var values = fixed
      for (k, axis) in order.enumerated() { values[axis] = lists[k][counters[k]] }
      result.append(SweepConfiguration(index: index, settings: values, variedAxes: order))
      // Odometer increment: last axis fastest.
      var k = order.count - 1
      while k >= 0 {
        counters[k] += 1
        if counters[k] < lists[k].count { break }
        counters[k] = 0
        k -= 1
      }
    }
    return result
  }

  /// Parses `--grid` text: `axis=v1,v2,…` groups separated by `;`.
  ///
  /// Axis names are snake_case (`-` accepted for `_`); spaces around names and values are
  /// ignored; a trailing `;` is allowed. A one-value axis is still an axis (it is recorded
  /// as a hyperparameter). Hidden layouts use `x` inside a value: `hidden_layout=512x512,1024`.
  ///
  /// - Parameter text: The grid, e.g. `width=64,256,1024;label_noise=0,1`.
  /// - Returns: A sweep with those axes and nothing fixed.
  /// - Throws: ``SweepPlanningError`` naming the bad group, axis or value.
  public static func parseGrid(_ text: String) throws(SweepPlanningError) -> SweepSpecification {
    var axes: [SweepAxis: [SweepValue]] = [:]
    var groups = text.split(separator: ";", omittingEmptySubsequences: false)
      .map { $0.trimmingCharacters(in: .whitespaces) }
    if groups.count > 1, groups.last == "" { groups.removeLast() }  // trailing ';'
    if groups == [""] { throw .malformedGrid(text: text, problem: "no axes given") }
    for group in groups {
      guard !group.isEmpty else {
        throw .malformedGrid(text: text, problem: "empty group between ';'")
      }
      let parts = group.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      guard parts.count == 2 else {
        throw .malformedGrid(text: text, problem: "group '\(group)' has no '='")
      }
      let name = String(parts[0]).trimmingCharacters(in: .whitespaces)
      guard !name.isEmpty else {
        throw .malformedGrid(text: text, problem: "group '\(group)' has no axis name")
      }
      guard let axis = SweepAxis.named(name) else { throw .unknownAxis(name: name) }
      guard axes[axis] == nil else { throw .duplicateAxis(name: axis.rawValue) }
      let rawValues = parts[1].split(separator: ",", omittingEmptySubsequences: false)
        .map { $0.trimmingCharacters(in: .whitespaces) }
      if rawValues.allSatisfy(\.isEmpty) { throw .emptyAxis(name: axis.rawValue) }
      var values: [SweepValue] = []
      for raw in rawValues {
        guard !raw.isEmpty else {
          throw .malformedGrid(text: text, problem: "axis \(axis.rawValue) has an empty value")
        }
        values.append(try axis.parseValue(raw))
      }
      axes[axis] = values
    }
    let spec = SweepSpecification(axes: axes)
    try spec.validate()
    return spec
  }
}
