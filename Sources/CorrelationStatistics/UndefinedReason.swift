/// Why a statistic has no value for some data.
///
/// Statistics in this module return `nil` (never 0, never NaN, never a crash) when the data
/// cannot define them, and carry one of these reasons so reports can say why.
public enum UndefinedReason: Sendable, Equatable, CustomStringConvertible {
  /// Fewer usable observations than the statistic needs (after non-finite values were
  /// excluded).
  case tooFewObservations(count: Int, required: Int)
  /// Every usable value of the measure (the first argument) is the same.
  case constantMeasure
  /// Every usable value of the target (the gap, the second argument) is the same.
  case constantTarget
  /// No grid line along any axis holds 2 or more configurations (granulated Kendall Ψ).
  case noUsableLines
  /// No grid line along any axis is complete, i.e. holds a usable model at every level of the
  /// axis (granulated Kendall Ψ with ``PsiLines/complete``).
  case noCompleteLines
  /// The hyperparameter grid has fewer axes than the statistic needs.
  case tooFewAxes(count: Int, required: Int)
  /// The PGDL form needs a complete grid with exactly one configuration per cell.
  case incompleteGrid(cells: Int, filled: Int)
  /// The pairwise computation would exceed the work limit (`pairs` unordered pairs).
  case tooManyPairs(pairs: Int, limit: Int)
  /// The gap's sign has zero entropy under every conditioning set, so the normalized CMI
  /// divides by 0.
  case zeroEntropy
  /// No environment passed the effective-sample-size filter (robust sign-error).
  case noEnvironments
  /// The test-set size needed for the Hoeffding weights is unknown.
  case unknownTestSetSize

  public var description: String {
    switch self {
    case .tooFewObservations(let count, let required):
      return "\(count) usable observations, \(required) needed"
    case .constantMeasure: return "the measure is constant"
    case .constantTarget: return "the gap is constant"
    case .noUsableLines: return "no grid line has 2 or more configurations"
    case .noCompleteLines:
      return "no grid line is complete (a usable model at every level of its axis)"
    case .tooFewAxes(let count, let required):
      return "\(count) hyperparameter axes, \(required) needed"
    case .incompleteGrid(let cells, let filled):
      return "incomplete grid: \(filled) of \(cells) cells hold exactly one configuration"
    case .tooManyPairs(let pairs, let limit):
      return "\(pairs) pairs exceed the limit of \(limit); average seeds per configuration"
    case .zeroEntropy: return "the gap ordering has zero entropy under every conditioning set"
    case .noEnvironments: return "no environment has an effective sample size of 12 or more"
    case .unknownTestSetSize: return "test-set size unknown"
    }
  }
}
