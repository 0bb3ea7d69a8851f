import ResultsStore
import TabularOutput

/// The text form of a snapshot, as `gapdb correlate --at` and `gapdb report --at` take it:
/// `final`, `epoch=N`, `train-loss=X`, `best-test-error`.
extension SnapshotSelector: CustomStringConvertible {
  /// Parses the text form, case-insensitively.
  ///
  /// - Parameter text: `final`, `best-test-error`, `epoch=N` (N ≥ 0) or `train-loss=X`
  ///   (X finite, ≥ 0, in nats).
  /// - Returns: `nil` for anything else (`last`, `train-loss=nan`, `epoch=-1`).
  public init?(parsing text: String) {
    let text = text.lowercased()
    if text == "final" {
      self = .final
    } else if text == "best-test-error" {
      self = .bestTestError
    } else if text.hasPrefix("epoch="), let n = Int(text.dropFirst(6)), n >= 0 {
      self = .epoch(n)
    } else if text.hasPrefix("train-loss="), let x = Double(text.dropFirst(11)), x.isFinite, x >= 0 {
      self = .trainLoss(x)
    } else {
      return nil
    }
  }

  /// The text form (``init(parsing:)`` reads it back).
  public var description: String {
    switch self {
    case .final: return "final"
    case .epoch(let n): return "epoch=\(n)"
    case .trainLoss(let x): return "train-loss=\(formatDouble(x))"
    case .bestTestError: return "best-test-error"
    }
  }

  /// The forms help texts list.
  public static let textForms = ["final", "epoch=N", "train-loss=X", "best-test-error"]

  /// A sentence for reports: which epoch of each run is read.
  public var explanation: String {
    switch self {
    case .final: return "each run's last recorded epoch"
    case .epoch(let n): return "epoch \(n) of each run (runs without it are excluded)"
    case .trainLoss(let x):
      return "each run's first epoch with training loss ≤ \(formatDouble(x)) nats (runs that never reach it are excluded)"
    case .bestTestError: return "each run's epoch with the lowest test error (the earliest on ties)"
    }
  }
}

extension GapSelector {
  /// The gap's formula and unit, for reports: `test error − training error (fractions)` or
  /// `test loss − training loss (nats)`.
  public var explanation: String {
    switch self {
    case .error: return "test error − training error (fractions)"
    case .loss: return "test loss − training loss (nats)"
    }
  }

  /// The formula in short, for axis labels: `test − train error` or `test − train loss`.
  public var shortFormula: String {
    switch self {
    case .error: return "test − train error"
    case .loss: return "test − train loss"
    }
  }
}
