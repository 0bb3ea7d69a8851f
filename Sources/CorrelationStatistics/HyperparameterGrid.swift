/// Runs placed on a grid of hyperparameters: the axes Θ_1 × … × Θ_n of Jiang et al. 2020.
///
/// Each run has one value per axis, given as canonical text: two runs are on the same level
/// exactly when their texts are equal. Build the texts with ``GridLevel`` (exact values:
/// `0.1` and `0.10` one level, `2^70` and `2^70+1` two, text as text) rather than through a
/// `Double`, which would merge distinct levels. Runs with the same value on every axis share
/// a *configuration*; several runs of one configuration are seeds.
///
/// A run that lacks a value on some axis (`nil`) is *off the grid*: grid statistics (Ψ, CMI,
/// sign-error) exclude it and count it, plain correlations still use it.
public struct HyperparameterGrid: Sendable {
  /// Axis names (hyperparameter keys), in the order given.
  public let axisNames: [String]
  /// The distinct values of each axis, in order of first appearance.
  public let levels: [[String]]
  /// Number of runs (on and off the grid).
  public let runCount: Int
  /// For each run, its configuration index, or −1 when the run is off the grid.
  public let configurationOfRun: [Int32]
  /// Level indices of each configuration, configuration-major (count × axis count).
  let configurationLevels: [Int32]
  /// Number of distinct configurations.
  public var configurationCount: Int {
    axisNames.isEmpty ? (runCount > offGridCount ? 1 : 0) : configurationLevels.count / axisNames.count
  }
  /// Number of runs lacking a value on some axis.
  public let offGridCount: Int
  /// Per axis i, the line of each configuration along axis i: configurations that agree on
  /// every other axis share a line (dense ids in `0..<lineCounts[i]`).
  let lineOfConfiguration: [[Int32]]
  /// Per axis, the number of lines holding at least one configuration.
  let lineCounts: [Int]
  /// Runs of each configuration.
  let runsOfConfiguration: [Int32]

  /// Builds the grid.
  ///
  /// - Parameters:
  ///   - axisNames: The hyperparameter names.
  ///   - values: `values[run][axis]`, the run's value on each axis (`nil` = missing).
  /// - Precondition: every row of `values` has `axisNames.count` entries.
  /// - Complexity: O(runs · axes) expected (hashing).
  public init(axisNames: [String], values: [[String?]]) {
    self.axisNames = axisNames
    runCount = values.count
    var levels = [[String]](repeating: [], count: axisNames.count)
    var levelIndex = [[String: Int32]](repeating: [:], count: axisNames.count)
    var configurationIndex: [[Int32]: Int32] = [:]
    var configurationLevels: [Int32] = []
    var configurationOfRun: [Int32] = []
    configurationOfRun.reserveCapacity(values.count)
    var offGrid = 0
    for row in values {
      precondition(row.count == axisNames.count, "a run has \(row.count) values for \(axisNames.count) axes")
      var key: [Int32] = []
      key.reserveCapacity(axisNames.count)
      var complete = true
      for (axis, value) in row.enumerated() {
        guard let value else {
          complete = false
          break
        }
        if let level = levelIndex[axis][value] {
          key.append(level)
        } else {
          let level = Int32(levels[axis].count)
          levels[axis].append(value)
          levelIndex[axis][value] = level
          key.append(level)
        }
      }
      guard complete else {
        offGrid += 1
        configurationOfRun.append(-1)
        continue
      }
      if let c = configurationIndex[key] {
        configurationOfRun.append(c)
      } else {
        let c = Int32(configurationIndex.count)
        configurationIndex[key] = c
        configurationLevels.append(contentsOf: key)
        configurationOfRun.append(c)
      }
    }
    self.levels = levels
    self.configurationOfRun = configurationOfRun
    self.configurationLevels = configurationLevels
    offGridCount = offGrid
    var runsOfConfiguration = [Int32](repeating: 0, count: configurationIndex.count)
    for c in configurationOfRun where c >= 0 { runsOfConfiguration[Int(c)] += 1 }
    self.runsOfConfiguration = runsOfConfiguration
    var lineOfConfiguration: [[Int32]] = []
    var lineCounts: [Int] = []
    for axis in axisNames.indices {
      let others = axisNames.indices.filter { $0 != axis }
      let (codes, count) = groupCodes(levels: configurationLevels, axisCount: axisNames.count, axes: others)
      lineOfConfiguration.append(codes)
      lineCounts.append(count)
    }
    self.lineOfConfiguration = lineOfConfiguration
    self.lineCounts = lineCounts
  }

  /// Number of axes n.
  public var axisCount: Int { axisNames.count }

  /// Number of lines along `axis` in the full grid, m_i = Π_{j≠i}|Θ_j| (Jiang et al.'s
  /// normalizer; saturating at `Int.max`).
  public func possibleLineCount(axis: Int) -> Int {
    var product = 1
    for (j, l) in levels.enumerated() where j != axis {
      let (p, overflow) = product.multipliedReportingOverflow(by: l.count)
      if overflow { return Int.max }
      product = p
    }
    return product
  }

  /// Number of cells of the full grid Π|Θ_i| (saturating at `Int.max`).
  public var cellCount: Int {
    var product = 1
    for l in levels {
      let (p, overflow) = product.multipliedReportingOverflow(by: l.count)
      if overflow { return Int.max }
      product = p
    }
    return product
  }
}

/// How seeds (several runs of one configuration) enter the grid statistics.
public enum SeedHandling: String, Sendable, CaseIterable {
  /// Average μ and g over the runs of each configuration first (the default; Dziugaite et
  /// al.'s `average_over_repeats`); each configuration is then one unit.
  case average
  /// Keep every run as its own unit; same-configuration pairs then enter τ and CMI.
  case keep
}

/// The units (configurations or runs) one grid statistic works on, for one measure.
struct GridUnits {
  /// Measure value per unit.
  var measure: [Double]
  /// Gap value per unit.
  var gap: [Double]
  /// Level indices per unit, unit-major (unitCount × axisCount).
  var levels: [Int32]
  /// Configuration index per unit.
  var configuration: [Int32]
  /// Runs used (finite measure and gap, on the grid).
  var runsUsed: Int
  var count: Int { measure.count }

  /// ``UndefinedReason/constantMeasure`` when 2 or more units all have the same measure value,
  /// ``UndefinedReason/constantTarget`` when they all have the same gap, else `nil`: Ψ and CMI
  /// of constant input are undefined, as Kendall's τ is.
  var constantInputReason: UndefinedReason? {
    guard count >= 2 else { return nil }
    if measure.allSatisfy({ $0 == measure[0] }) { return .constantMeasure }
    if gap.allSatisfy({ $0 == gap[0] }) { return .constantTarget }
    return nil
  }

  /// Collects the units of `measure`/`gap` on `grid`.
  ///
  /// Runs with a non-finite measure or gap, or off the grid, are left out. With
  /// ``SeedHandling/average`` the measure and gap of each configuration are the means over
  /// its usable runs (the same runs for both).
  init(measure: [Double], gap: [Double], grid: HyperparameterGrid, seeds: SeedHandling) {
    let axes = grid.axisCount
    var runsUsed = 0
    switch seeds {
    case .keep:
      var m: [Double] = []
      var g: [Double] = []
      var levels: [Int32] = []
      var configuration: [Int32] = []
      for run in 0..<grid.runCount {
        let c = grid.configurationOfRun[run]
        guard c >= 0, measure[run].isFinite, gap[run].isFinite else { continue }
        m.append(measure[run])
        g.append(gap[run])
        let base = Int(c) * axes
        levels.append(contentsOf: grid.configurationLevels[base..<base + axes])
        configuration.append(c)
        runsUsed += 1
      }
      self.measure = m
      self.gap = g
      self.levels = levels
      self.configuration = configuration
    case .average:
      let configurations = grid.configurationCount
      var sumM = [Double](repeating: 0, count: configurations)
      var sumG = [Double](repeating: 0, count: configurations)
      var count = [Int](repeating: 0, count: configurations)
      for run in 0..<grid.runCount {
        let c = Int(grid.configurationOfRun[run])
        guard c >= 0, measure[run].isFinite, gap[run].isFinite else { continue }
        sumM[c] += measure[run]
        sumG[c] += gap[run]
        count[c] += 1
        runsUsed += 1
      }
      var m: [Double] = []
      var g: [Double] = []
      var levels: [Int32] = []
      var configuration: [Int32] = []
      for c in 0..<configurations where count[c] > 0 {
        m.append(sumM[c] / Double(count[c]))
        g.append(sumG[c] / Double(count[c]))
        if axes > 0 {
          levels.append(contentsOf: grid.configurationLevels[c * axes..<(c + 1) * axes])
        }
        configuration.append(Int32(c))
      }
      self.measure = m
      self.gap = g
      self.levels = levels
      self.configuration = configuration
    }
    self.runsUsed = runsUsed
  }
}

/// Dense group ids of units by their levels on a subset of axes.
///
/// - Returns: `codes[unit]` in `0..<groupCount`, and `groupCount`.
func groupCodes(levels: [Int32], axisCount: Int, axes subset: [Int]) -> (codes: [Int32], groupCount: Int) {
  let units = axisCount == 0 ? 0 : levels.count / axisCount
  if subset.isEmpty { return ([Int32](repeating: 0, count: units), units > 0 ? 1 : 0) }
  var ids: [[Int32]: Int32] = [:]
  var codes = [Int32](repeating: 0, count: units)
  var key = [Int32](repeating: 0, count: subset.count)
  for u in 0..<units {
    for (k, axis) in subset.enumerated() { key[k] = levels[u * axisCount + axis] }
    if let id = ids[key] {
      codes[u] = id
    } else {
      let id = Int32(ids.count)
      ids[key] = id
      codes[u] = id
    }
  }
  return (codes, ids.count)
}
