import FeedForward
import Foundation

/// A hyperparameter that a sweep can vary or fix.
///
/// The raw value is the snake_case name used in `--grid` text, sweep files and the store.
/// The declaration order is the *canonical axis order*: the cartesian product always varies
/// the first axis slowest, whatever order a grid text or file lists the axes in, so the same
/// sweep written in TOML, JSON, YAML or `--grid` gives the same configurations in the same
/// order.
///
/// | axis | value | unit / range |
/// |---|---|---|
/// | `depth` | integer ≥ 1 | hidden layers |
/// | `width` | integer ≥ 1 | hidden units per hidden layer |
/// | `hidden_layout` | `512x256` (units per hidden layer, `x`-separated) | replaces depth × width |
/// | `learning_rate` | real > 0 | unitless step size |
/// | `batch_size` | integer ≥ 1 | examples per step |
/// | `weight_decay` | real ≥ 0 | ℓ2 coefficient, unitless |
/// | `optimizer` | `sgd`, `momentum`, `path-sgd` | |
/// | `init` | `balanced`, `unbalanced` | unbalanced = rescaled init (Neyshabur et al. 2015) |
/// | `label_noise` | real in [0, 1] | fraction of training labels made random |
/// | `seed` | integer ≥ 0 | |
/// | `train_size` | integer ≥ 1 | training examples (fixed seeded subset) |
/// | `epochs` | integer ≥ 1 | epoch cap |
/// | `target_train_loss` | real > 0 | stop when training cross-entropy (nats) ≤ this |
public enum SweepAxis: String, CaseIterable, Sendable, Hashable, Comparable {
  case depth
  case width
  case hiddenLayout = "hidden_layout"
  case learningRate = "learning_rate"
  case batchSize = "batch_size"
  case weightDecay = "weight_decay"
  case optimizer
  case initialization = "init"
  case labelNoise = "label_noise"
  case seed
  case trainSize = "train_size"
  case epochs
  case targetTrainLoss = "target_train_loss"

  /// The preference order of default grid axes (`gapdb correlate`, `gapdb report`): the
  /// sweep axes in canonical order, passed to `CorrelationStatistics.defaultGridAxes`, so an
  /// axis a sweep varies is kept over a hyperparameter derived from it (`hidden_layers`).
  public static var gridAxisPreference: [String] { allCases.map(\.rawValue) }

  /// Canonical position (declaration order).
  public var canonicalIndex: Int { Self.allCases.firstIndex(of: self) ?? 0 }

  public static func < (lhs: SweepAxis, rhs: SweepAxis) -> Bool {
    lhs.canonicalIndex < rhs.canonicalIndex
  }

  /// The axis with this snake_case name; `-` is accepted for `_` (`learning-rate`), and the run
  /// configuration's key names (`hidden_layers`, `max_epochs`, the keys of `run.config` and the
  /// hyperparameter rows) name the axes that set them (`hidden_layout`, `epochs`).
  ///
  /// - Parameter name: An axis name as a user typed it (surrounding spaces ignored).
  /// - Returns: The axis, or `nil` for an unknown name.
  public static func named(_ name: String) -> SweepAxis? {
    let normalized = name.trimmingCharacters(in: .whitespaces).lowercased()
      .replacingOccurrences(of: "-", with: "_")
    switch normalized {
    case "lr": return .learningRate
    case "hidden", "hidden_layers": return .hiddenLayout
    case "max_epochs": return .epochs
    case "initialization": return .initialization
    default: return SweepAxis(rawValue: normalized)
    }
  }

  /// What a value of this axis looks like, for error messages.
  public var expectedValueDescription: String {
    switch self {
    case .depth: return "an integer ≥ 1 (hidden layers)"
    case .width: return "an integer ≥ 1 (hidden units)"
    case .hiddenLayout: return "hidden units per layer joined by 'x', e.g. 512x256"
    case .learningRate: return "a finite real > 0 that float32 can hold (1.4e-45 to 3.4e38)"
    case .batchSize: return "an integer ≥ 1"
    case .weightDecay: return "a finite real ≥ 0"
    case .optimizer: return "one of \(OptimizerName.allCases.map(\.rawValue).joined(separator: ", "))"
    case .initialization:
      return "one of \(SweepInitialization.allCases.map(\.rawValue).joined(separator: ", "))"
    case .labelNoise: return "a real in [0, 1] (fraction of random training labels)"
    case .seed: return "an integer ≥ 0"
    case .trainSize: return "an integer ≥ 1 (training examples)"
    case .epochs: return "an integer ≥ 1"
    case .targetTrainLoss: return "a finite real > 0 (cross-entropy in nats)"
    }
  }

  /// Parses and validates one value of this axis from text.
  ///
  /// - Parameter text: The value as typed (surrounding spaces ignored).
  /// - Returns: The typed value.
  /// - Throws: ``SweepPlanningError/invalidValue(axis:value:expected:)`` when the text is not
  ///   a valid value of this axis (wrong type, out of range, NaN/±Inf).
  public func parseValue(_ text: String) throws(SweepPlanningError) -> SweepValue {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    let fail = SweepPlanningError.invalidValue(
      axis: rawValue, value: trimmed, expected: expectedValueDescription)
    switch self {
    case .depth, .width, .batchSize, .trainSize, .epochs:
      guard let v = Self.parseInteger(trimmed), v >= 1 else { throw fail }
      return .integer(v)
    case .seed:
      guard let v = Self.parseInteger(trimmed), v >= 0 else { throw fail }
      return .integer(v)
    case .learningRate:
      // The trainer's own check (float32 range included), so a sweep refuses what training would.
      guard let v = Double(trimmed), TrainingConfiguration.learningRateProblem(v) == nil else { throw fail }
      return .real(v)
    case .targetTrainLoss:
      guard let v = Double(trimmed), v.isFinite, v > 0 else { throw fail }
      return .real(v)
    case .weightDecay:
      guard let v = Double(trimmed), v.isFinite, v >= 0 else { throw fail }
      return .real(v)
    case .labelNoise:
      guard let v = Double(trimmed), v.isFinite, v >= 0, v <= 1 else { throw fail }
      return .real(v)
    case .optimizer:
      guard let v = OptimizerName(rawValue: trimmed.lowercased()) else { throw fail }
      return .text(v.rawValue)
    case .initialization:
      guard let v = SweepInitialization(rawValue: trimmed.lowercased()) else { throw fail }
      return .text(v.rawValue)
    case .hiddenLayout:
      let parts = trimmed.lowercased().split(separator: "x", omittingEmptySubsequences: false)
      var units: [Int] = []
      for part in parts {
        guard let v = Self.parseInteger(String(part)), v >= 1 else { throw fail }
        units.append(v)
      }
      guard !units.isEmpty else { throw fail }
      return .layout(units)
    }
  }

  /// Validates an already typed value (from a sweep file) by its canonical text.
  func validate(_ value: SweepValue) throws(SweepPlanningError) -> SweepValue {
    switch (self, value) {
    case (.learningRate, .integer(let i)), (.weightDecay, .integer(let i)),
      (.labelNoise, .integer(let i)), (.targetTrainLoss, .integer(let i)):
      return try parseValue(String(i))
    case (.depth, .real(let r)), (.width, .real(let r)), (.batchSize, .real(let r)),
      (.trainSize, .real(let r)), (.epochs, .real(let r)), (.seed, .real(let r)):
      // 1e3 in YAML/TOML is a real; accept it when it is integral.
      guard r.isFinite, r == r.rounded(), abs(r) < 1e15 else {
        throw .invalidValue(axis: rawValue, value: value.canonicalText,
          expected: expectedValueDescription)
      }
      return try parseValue(String(Int(r)))
    case (.hiddenLayout, .integer(let i)):
      return try parseValue(String(i))
    default:
      return try parseValue(value.canonicalText)
    }
  }

  private static func parseInteger(_ text: String) -> Int? {
    if let v = Int(text) { return v }
    // Accept "1e3" style integral reals.
    if let r = Double(text), r.isFinite, r == r.rounded(), abs(r) < 1e15 { return Int(r) }
    return nil
  }
}

/// The weight initializations a sweep can choose.
public enum SweepInitialization: String, CaseIterable, Sendable {
  /// The trainer's standard initializer.
  case balanced
  /// The standard initializer followed by a node-wise rescaling that leaves the network
  /// function unchanged but makes the units' incoming norms very different (Neyshabur et al.
  /// 2015's "unbalanced initialization": in each hidden layer of h units, h/4 units picked with
  /// replacement, each rescaled by 10·e^z, z ~ N(0, 1); see ExperimentRunner's
  /// `InitialRescaling.unbalanced`). SGD is hurt by it, Path-SGD is invariant to it.
  case unbalanced
}

/// One value of a sweep axis.
public enum SweepValue: Hashable, Sendable, CustomStringConvertible {
  /// An integer (depth, width, batch size, seed, training-set size, epochs).
  case integer(Int)
  /// A finite real (learning rate, weight decay, label noise, loss target).
  case real(Double)
  /// A name (optimizer, initialization).
  case text(String)
  /// Hidden units per hidden layer, input side first.
  case layout([Int])

  /// The canonical spelling used in configuration keys and the store: integers in decimal,
  /// reals in Swift's shortest round-trip form (`0.1`, `1e-05`), layouts `512x256`.
  public var canonicalText: String {
    switch self {
    case .integer(let v): return String(v)
    case .real(let v):
      if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
      return v.description
    case .text(let s): return s
    case .layout(let units): return units.map(String.init).joined(separator: "x")
    }
  }

  public var description: String { canonicalText }

  /// The value as a double when it is a number.
  public var numericValue: Double? {
    switch self {
    case .integer(let v): return Double(v)
    case .real(let v): return v
    default: return nil
    }
  }
}

