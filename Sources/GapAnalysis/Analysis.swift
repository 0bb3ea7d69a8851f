import CorrelationStatistics
import ResultsStore
import TabularOutput

/// The result of one analysis: the input table, the grid axes and every measure's
/// evaluation, in the requested row order. `gapdb correlate` prints it; `gapdb report` draws
/// its table, scatter plots and width plots from it.
public struct AnalysisResult: Sendable {
  /// What was read: gap, measures, grid, notes and warnings (and, from a store, run ids and
  /// snapshot epochs).
  public var input: CorrelationInput
  /// The options the measures were evaluated with (`signErrorTestSetSize` is `nil` when the
  /// input has no grid).
  public var options: EvaluationOptions
  /// One evaluation per measure, sorted (``sortEvaluations(_:by:)``).
  public var evaluations: [MeasureEvaluation]

  /// The grid axes (one `psi_<axis>` column each); empty without a grid.
  public var axes: [String] { input.grid?.axisNames ?? [] }
  /// Whether the rows carry bootstrap intervals.
  public var hasBootstrap: Bool { options.bootstrapResamples > 0 }
  /// Whether the rows carry the robust sign-error.
  public var hasSignError: Bool { options.signErrorTestSetSize != nil }

  /// The column names of the correlation table
  /// (``correlationColumns(axes:bootstrap:signError:)``).
  public var columns: [String] {
    correlationColumns(axes: axes, bootstrap: hasBootstrap, signError: hasSignError)
  }

  /// The rows of the correlation table, one per evaluation, in order
  /// (``correlationRow(_:axes:bootstrap:signError:)``).
  public var rows: [[Cell]] {
    evaluations.map { correlationRow($0, axes: axes, bootstrap: hasBootstrap, signError: hasSignError) }
  }
}

/// Evaluates every measure of `input` against its gap and sorts the rows.
///
/// - Parameters:
///   - input: The table (from a store or a CSV file).
///   - options: Seeds, ψ lines, bootstrap, sign-error and threads; the sign-error is dropped
///     when the input has no grid (it needs environments).
///   - sort: The row order.
/// - Returns: The evaluations with the input.
/// - Complexity: that of `evaluateMeasures` (O(M · n log n) for τ and ρ, plus the grid
///   statistics), spread over `options.threads` threads.
public func analyze(
  _ input: CorrelationInput, options: EvaluationOptions, sort: CorrelationSort = .absTauA
) -> AnalysisResult {
  var options = options
  if input.grid == nil { options.signErrorTestSetSize = nil }
  let evaluations = sortEvaluations(
    evaluateMeasures(input.measures, gap: input.gap, grid: input.grid, options: options), by: sort)
  return AnalysisResult(input: input, options: options, evaluations: evaluations)
}

/// The analysis of a store: reads the selected runs at one snapshot
/// (``loadStoreCorrelationInput(database:storePath:selection:snapshot:gap:threads:)``, one
/// read of the measure values) and evaluates every measure
/// (``analyze(_:options:sort:)``). What `gapdb correlate DATABASE` and `gapdb report` run.
///
/// - Parameters:
///   - database: An open connection to the store (read-only is enough).
///   - storePath: The same store's path.
///   - selection: Runs, measures and axes.
///   - snapshot: The epoch of each run.
///   - gap: Which gap.
///   - options: The evaluation options; `options.threads` also reads the values in parallel.
///   - sort: The row order.
/// - Returns: The input and the evaluations.
/// - Throws: ``AnalysisError`` for an unknown experiment, measure or hyperparameter, or a bad
///   `--where` condition; `DatabaseError` otherwise.
public func analyze(
  database: Database, storePath: String, selection: RunSelection, snapshot: SnapshotSelector = .final,
  gap: GapSelector = .error, options: EvaluationOptions = EvaluationOptions(),
  sort: CorrelationSort = .absTauA
) throws -> AnalysisResult {
  let input = try loadStoreCorrelationInput(
    database: database, storePath: storePath, selection: selection, snapshot: snapshot, gap: gap,
    threads: options.threads)
  return analyze(input, options: options, sort: sort)
}
