import Dispatch
import Synchronization

/// What ``evaluateMeasures(_:gap:grid:options:)`` computes besides the rank correlations.
public struct EvaluationOptions: Sendable {
  /// How seeds enter Ψ and CMI (default: averaged per configuration).
  public var seeds: SeedHandling = .average
  /// Which lines ψ_i averages on an incomplete grid (default: every line with 2 or more
  /// usable models; ``PsiLines/complete`` = complete lines only).
  public var psiLines: PsiLines = .all
  /// Bootstrap resamples for τ's confidence interval; 0 = no interval.
  public var bootstrapResamples: Int = 0
  /// The bootstrap generator's seed.
  public var bootstrapSeed: UInt64 = 0
  /// The interval's confidence level.
  public var confidenceLevel: Double = 0.95
  /// Test-set size for the robust sign-error; `nil` = skip the sign-error.
  public var signErrorTestSetSize: Int? = nil
  /// The CMI pair limit (see ``conditionalMutualInformation(measure:gap:grid:form:seeds:pairLimit:)``).
  public var cmiPairLimit: Int = 20_000_000
  /// Worker threads for evaluating measures in parallel (1 = serial).
  public var threads: Int = 2

  /// Default options: averaged seeds, no bootstrap, no sign-error, 2 threads.
  public init() {}
}

/// Every statistic gapdb reports for one measure against the generalization gap.
public struct MeasureEvaluation: Sendable {
  /// The measure's name.
  public var name: String
  /// τ_a, τ_b, Spearman's ρ, Pearson's r over all runs with finite values.
  public var correlations: RankCorrelations
  /// Granulated Kendall Ψ and every ψ_i; `nil` without a grid.
  public var granulatedKendall: GranulatedKendall?
  /// CMI, paper form (`cmi`); `nil` without a grid.
  public var cmi: ConditionalMutualInformation?
  /// CMI, PGDL scoring-program form (`cmi_pgdl`); `nil` without a grid.
  public var cmiPGDL: ConditionalMutualInformation?
  /// Robust sign-error; `nil` unless a test-set size was given and a grid exists.
  public var signError: RobustSignError?
  /// Bootstrap interval for τ; `nil` unless resamples were requested.
  public var bootstrap: KendallBootstrap?
}

/// Evaluates many measures against one gap: the rank correlations over all runs, and over the
/// hyperparameter grid Ψ with every ψ_i, both CMI forms and (optionally) the robust
/// sign-error and a bootstrap interval for τ.
///
/// The gap is sorted once (``TargetRanking``); measures are evaluated in parallel on
/// `options.threads` threads. Results come back in the order of `measures`.
///
/// - Parameters:
///   - measures: (name, one value per run) pairs; NaN/±Inf values exclude that run from that
///     measure's statistics only, and the counts say how many.
///   - gap: The generalization gap per run.
///   - grid: The runs' hyperparameters, or `nil` for correlations only.
///   - options: What else to compute.
/// - Returns: One ``MeasureEvaluation`` per measure.
/// - Precondition: every value array and the grid have `gap.count` runs.
/// - Complexity: per measure O(n log n) for the correlations, plus the grid statistics' costs.
public func evaluateMeasures(
  _ measures: [(name: String, values: [Double])], gap: [Double], grid: HyperparameterGrid?,
  options: EvaluationOptions = EvaluationOptions()
) -> [MeasureEvaluation] {
  for m in measures {
    precondition(m.values.count == gap.count, "\(m.name) has \(m.values.count) values for \(gap.count) runs")
  }
  if let grid { precondition(grid.runCount == gap.count, "grid has \(grid.runCount) runs for \(gap.count)") }
  let ranking = TargetRanking(target: gap)
  let results = Mutex([MeasureEvaluation?](repeating: nil, count: measures.count))
  let work: @Sendable (Int) -> Void = { k in
    let (name, values) = measures[k]
    var evaluation = MeasureEvaluation(
      name: name, correlations: ranking.correlations(with: values), granulatedKendall: nil,
      cmi: nil, cmiPGDL: nil, signError: nil, bootstrap: nil)
    if let grid {
      let units = GridUnits(measure: values, gap: gap, grid: grid, seeds: options.seeds)
      evaluation.granulatedKendall = granulatedKendall(
        units: units, grid: grid, seeds: options.seeds, lines: options.psiLines)
      evaluation.cmi = conditionalMutualInformation(
        units: units, grid: grid, form: .paper, pairLimit: options.cmiPairLimit)
      evaluation.cmiPGDL = conditionalMutualInformation(
        units: units, grid: grid, form: .pgdl, pairLimit: options.cmiPairLimit)
      if let n = options.signErrorTestSetSize {
        evaluation.signError = robustSignError(
          measure: values, gap: gap, grid: grid, testSetSize: n)
      }
    }
    if options.bootstrapResamples > 0 {
      evaluation.bootstrap = bootstrapKendallTau(
        values, gap, resamples: options.bootstrapResamples,
        seed: options.bootstrapSeed, confidenceLevel: options.confidenceLevel)
    }
    results.withLock { $0[k] = evaluation }
  }
  if options.threads <= 1 || measures.count < 2 {
    for k in measures.indices { work(k) }
  } else {
    let threads = min(options.threads, measures.count)
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
      while true {
        let k = next.wrappingAdd(1, ordering: .relaxed).oldValue
        if k >= measures.count { break }
        work(k)
      }
    }
  }
  return results.withLock { $0.map { $0! } }
}
