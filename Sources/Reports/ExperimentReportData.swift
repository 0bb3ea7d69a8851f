/// One training run as a report shows it.
///
/// Errors are fractions in [0, 1]; the generalization gap is test error − training error
/// (the sign convention of `gapdb correlate --gap error`). `nil` means not recorded.
public struct ReportRun: Sendable, Equatable {
  /// The store's run id.
  public var id: Int64
  /// The run's name.
  public var name: String
  /// The run's status (`finished`, `diverged`, `failed`, `running`, …).
  public var status: String
  /// Hyperparameters by name (canonical text).
  public var hyperparameters: [String: String]
  /// Epochs trained.
  public var epochs: Int?
  /// Final training error, fraction.
  public var trainError: Double?
  /// Final test error, fraction.
  public var testError: Double?
  /// Generalization gap at the correlated snapshot (test error − training error).
  public var generalizationGap: Double?

  /// Creates a run row.
  public init(
    id: Int64, name: String, status: String, hyperparameters: [String: String],
    epochs: Int? = nil, trainError: Double? = nil, testError: Double? = nil,
    generalizationGap: Double? = nil
  ) {
    self.id = id
    self.name = name
    self.status = status
    self.hyperparameters = hyperparameters
    self.epochs = epochs
    self.trainError = trainError
    self.testError = testError
    self.generalizationGap = generalizationGap
  }
}

/// One measure's row of the correlation table (what `gapdb correlate` prints).
///
/// τ_a is Kendall's τ as Jiang et al. 2020 define it (ties count 0), τ_b is SciPy's; Ψ is
/// the granulated Kendall coefficient (Jiang et al. eq. 4), the mean of the per-axis ψ; `cmi`
/// is the paper's conditional mutual information and `cmi_pgdl` the PGDL scoring program's
/// form. `nil` means undefined for this data (n < 2, constant input, no complete lines).
public struct CorrelationRow: Sendable, Equatable {
  /// The measure's name.
  public var measure: String
  /// Kendall τ_a with the gap.
  public var tauA: Double?
  /// Kendall τ_b with the gap.
  public var tauB: Double?
  /// Spearman ρ with the gap.
  public var spearman: Double?
  /// Granulated Kendall Ψ.
  public var psi: Double?
  /// ψ per hyperparameter axis, in the table's axis order.
  public var psiByAxis: [String: Double?]
  /// Conditional mutual information (paper form), in [0, 1].
  public var cmi: Double?
  /// Conditional mutual information (PGDL form), in [0, 1].
  public var cmiPGDL: Double?
  /// Runs used.
  public var usedCount: Int
  /// Runs excluded (no snapshot, non-finite value, diverged).
  public var excludedCount: Int
  /// The grid lines behind each ψ, per hyperparameter axis (empty without a grid).
  public var psiLinesByAxis: [String: PsiLineCount]

  /// Creates a row.
  public init(
    measure: String, tauA: Double?, tauB: Double?, spearman: Double?, psi: Double?,
    psiByAxis: [String: Double?] = [:], cmi: Double?, cmiPGDL: Double?, usedCount: Int,
    excludedCount: Int, psiLinesByAxis: [String: PsiLineCount] = [:]
  ) {
    self.psiLinesByAxis = psiLinesByAxis
    self.measure = measure
    self.tauA = tauA
    self.tauB = tauB
    self.spearman = spearman
    self.psi = psi
    self.psiByAxis = psiByAxis
    self.cmi = cmi
    self.cmiPGDL = cmiPGDL
    self.usedCount = usedCount
    self.excludedCount = excludedCount
  }
}

/// How many grid lines one ψ_<axis> averaged and left out (a line: the runs that differ only
/// in that hyperparameter; see `gapdb correlate --psi-lines`).
public struct PsiLineCount: Sendable, Equatable {
  /// Lines averaged into ψ.
  public var used: Int
  /// Lines left out.
  public var skipped: Int
  /// Why lines were left out (and used lines that are incomplete or tied), e.g. "1 with one
  /// model, 2 non-finite"; empty when nothing to say.
  public var why: String

  /// Creates a count.
  public init(used: Int, skipped: Int, why: String = "") {
    self.used = used
    self.skipped = skipped
    self.why = why
  }
}

/// A measure's value and the gap for each run (one scatter plot).
public struct MeasureScatter: Sendable, Equatable {
  /// The measure's name.
  public var measure: String
  /// One point per run: x = measure value, y = generalization gap, label = run name.
  public var points: [PlotPoint]

  /// Creates scatter data.
  public init(measure: String, points: [PlotPoint]) {
    self.measure = measure
    self.points = points
  }
}

/// Per-epoch values of one run.
public struct RunTrajectory: Sendable, Equatable {
  /// The run's name (legend text).
  public var runName: String
  /// Epoch numbers (0 = initialization), ascending.
  public var epochs: [Int]
  /// Training error per epoch, fraction (same length as `epochs`; NaN where missing).
  public var trainError: [Double]
  /// Test error per epoch, fraction (NaN where missing).
  public var testError: [Double]
  /// Measure values per epoch by measure name (NaN where not measured that epoch).
  public var measures: [String: [Double]]

  /// Creates a trajectory.
  public init(
    runName: String, epochs: [Int], trainError: [Double], testError: [Double],
    measures: [String: [Double]] = [:]
  ) {
    self.runName = runName
    self.epochs = epochs
    self.trainError = trainError
    self.testError = testError
    self.measures = measures
  }
}

/// One network of a width sweep (Neyshabur et al. 2017, Fig. 1 and 2).
public struct WidthSweepPoint: Sendable, Equatable {
  /// Hidden units of the single hidden layer.
  public var hiddenUnits: Int
  /// Whether the training labels were random (label noise 1) rather than true.
  public var hasRandomLabels: Bool
  /// Final training error, fraction.
  public var trainError: Double
  /// Final test error, fraction.
  public var testError: Double
  /// Final measure values by name.
  public var measures: [String: Double]

  /// Creates a point.
  public init(
    hiddenUnits: Int, hasRandomLabels: Bool, trainError: Double, testError: Double,
    measures: [String: Double] = [:]
  ) {
    self.hiddenUnits = hiddenUnits
    self.hasRandomLabels = hasRandomLabels
    self.trainError = trainError
    self.testError = testError
    self.measures = measures
  }
}

/// Everything an experiment report shows, as plain data (no store access here).
public struct ExperimentReportData: Sendable, Equatable {
  /// The experiment's name.
  public var experiment: String
  /// Where the data came from (store path), shown in the header.
  public var source: String
  /// When the report was generated (ISO-8601 UTC text).
  public var generatedAt: String
  /// How the gap and the snapshot were chosen, e.g. "gap = test error − train error at the
  /// final epoch".
  public var protocolDescription: String
  /// The gap's axis label in the scatter plots, e.g. `gap (test − train error)`.
  public var gapLabel: String = "gap (test − train error)"
  /// Which value of a measure each scatter point shows, e.g. `final` or
  /// `snapshot (train-loss=0.05)`.
  public var snapshotName: String = "final"
  /// Hyperparameter names for the runs table (in column order).
  public var hyperparameterNames: [String]
  /// The runs.
  public var runs: [ReportRun]
  /// The hyperparameter axes of the ψ columns (in column order).
  public var axisNames: [String]
  /// The correlation table, in display order (ranked by |τ_a| by the caller).
  public var correlations: [CorrelationRow]
  /// Scatter data of the top measures vs the gap.
  public var scatter: [MeasureScatter]
  /// Per-epoch trajectories (one per run shown).
  public var trajectories: [RunTrajectory]
  /// Measures whose trajectories are plotted.
  public var trajectoryMeasures: [String]
  /// The width-sweep points, empty if the experiment is not a width sweep.
  public var widthSweep: [WidthSweepPoint]
  /// Measures plotted against hidden units.
  public var widthSweepMeasures: [String]
  /// Extra remarks (exclusions, warnings), shown as a list.
  public var notes: [String]

  /// Creates report data; everything but the experiment name may be empty.
  public init(
    experiment: String, source: String = "", generatedAt: String = "",
    protocolDescription: String = "", gapLabel: String = "gap (test − train error)",
    snapshotName: String = "final", hyperparameterNames: [String] = [],
    runs: [ReportRun] = [], axisNames: [String] = [], correlations: [CorrelationRow] = [],
    scatter: [MeasureScatter] = [], trajectories: [RunTrajectory] = [],
    trajectoryMeasures: [String] = [], widthSweep: [WidthSweepPoint] = [],
    widthSweepMeasures: [String] = [], notes: [String] = []
  ) {
    self.experiment = experiment
    self.source = source
    self.generatedAt = generatedAt
    self.protocolDescription = protocolDescription
    self.gapLabel = gapLabel
    self.snapshotName = snapshotName
    self.hyperparameterNames = hyperparameterNames
    self.runs = runs
    self.axisNames = axisNames
    self.correlations = correlations
    self.scatter = scatter
    self.trajectories = trajectories
    self.trajectoryMeasures = trajectoryMeasures
    self.widthSweep = widthSweep
    self.widthSweepMeasures = widthSweepMeasures
    self.notes = notes
  }
}
