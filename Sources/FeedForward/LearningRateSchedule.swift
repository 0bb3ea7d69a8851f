#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The learning rate as a function of the epoch (constant within an epoch).
public enum LearningRateSchedule: Sendable, Equatable {
  /// η_e = η.
  case constant
  /// Step decay: η_e = η · factor^⌊(e − 1) / every⌋ (epochs counted from 1), e.g.
  /// `stepDecay(factor: 0.1, every: 30)`.
  case stepDecay(factor: Double, every: Int)
  /// Cosine annealing to 0 over `epochs` (Loshchilov and Hutter 2017, SGDR, without restarts):
  /// η_e = η · ½(1 + cos(π (e − 1) / epochs)).
  case cosine(epochs: Int)

  /// The learning rate during epoch `epoch` (1-based) for base rate `base`.
  /// Epoch 0 (before training) reports the base rate.
  public func learningRate(base: Double, epoch: Int) -> Double {
    let e = max(epoch, 1)
    switch self {
    case .constant:
      return base
    case .stepDecay(let factor, let every):
      return base * pow(factor, Double((e - 1) / max(every, 1)))
    case .cosine(let epochs):
      let t = Double(min(e - 1, max(epochs, 1))) / Double(max(epochs, 1))
      return base * 0.5 * (1 + cos(Double.pi * t))
    }
  }

  /// Parses `constant`, `step:FACTOR:EVERY` (e.g. `step:0.1:30`) or `cosine` (over the maximum
  /// number of epochs) / `cosine:EPOCHS`.
  /// - Parameters:
  ///   - text: The option value.
  ///   - maxEpochs: The run's epoch limit, for plain `cosine`.
  /// - Returns: The schedule, or `nil` if the text is not one of the forms.
  public init?(parsing text: String, maxEpochs: Int) {
    let parts = text.lowercased().split(separator: ":").map(String.init)
    switch parts.first {
    case "constant" where parts.count == 1:
      self = .constant
    case "step" where parts.count == 3:
      guard let f = Double(parts[1]), f > 0, f.isFinite, let n = Int(parts[2]), n >= 1 else { return nil }
      self = .stepDecay(factor: f, every: n)
    case "cosine" where parts.count <= 2:
      if parts.count == 2 {
        guard let n = Int(parts[1]), n >= 1 else { return nil }
        self = .cosine(epochs: n)
      } else {
        self = .cosine(epochs: max(maxEpochs, 1))
      }
    default:
      return nil
    }
  }

  /// A compact text form (the inverse of ``init(parsing:maxEpochs:)``).
  public var text: String {
    switch self {
    case .constant: return "constant"
    case .stepDecay(let f, let n): return "step:\(f):\(n)"
    case .cosine(let n): return "cosine:\(n)"
    }
  }
}
