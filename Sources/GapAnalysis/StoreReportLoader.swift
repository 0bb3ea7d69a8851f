import CorrelationStatistics
import Foundation
import Reports
import ResultsStore
import SweepPlanning

/// What `gapdb report` analyses per experiment: the runs (finished ones, further narrowed by
/// `whereClause`), the snapshot, the gap, the measures and axes, and the evaluation options —
/// the options of `gapdb correlate`.
public struct ReportSelection: Sendable {
  /// An SQL condition over `run AS r` and `experiment AS e` (`--where`), ANDed with
  /// `r.status = 'finished'`; `nil` for every finished run.
  public var whereClause: String?
  /// Measures for the table, or `nil` for all.
  public var measures: [String]?
  /// Grid axes, or `nil` for the default (``defaultGridAxes(_:)``).
  public var hyperparameters: [String]?
  /// The epoch of each run.
  public var snapshot: SnapshotSelector
  /// Which gap.
  public var gap: GapSelector
  /// Seeds, ψ lines and threads (bootstrap and sign-error are not drawn in reports).
  public var options: EvaluationOptions

  /// Creates a selection: by default correlate's defaults (final epoch, error gap, every
  /// measure, default axes, 2 threads).
  public init(
    whereClause: String? = nil, measures: [String]? = nil, hyperparameters: [String]? = nil,
    snapshot: SnapshotSelector = .final, gap: GapSelector = .error, options: EvaluationOptions? = nil
  ) {
    self.whereClause = whereClause
    self.measures = measures
    self.hyperparameters = hyperparameters
    self.snapshot = snapshot
    self.gap = gap
    var defaults = EvaluationOptions()
    defaults.threads = 2
    self.options = options ?? defaults
  }

  /// The run selection of one experiment: its finished runs matching `whereClause`.
  public func runSelection(experiment: String) -> RunSelection {
    RunSelection(
      experiment: experiment,
      whereClause: "r.status = 'finished'" + (whereClause.map { " AND (\($0))" } ?? ""),
      measures: measures, hyperparameters: hyperparameters)
  }

  /// The `gapdb correlate` command line that computes the same table for `experiment`.
  public func correlateCommand(experiment: String, axes: [String]) -> String {
    var words = ["gapdb correlate STORE --experiment '\(experiment)'"]
    words.append("--where \"" + (runSelection(experiment: experiment).whereClause ?? "") + "\"")
    if snapshot != .final { words.append("--at \(snapshot)") }
    if gap != .error { words.append("--gap \(gap.rawValue)") }
    if let measures { words.append("--measures " + measures.joined(separator: ",")) }
    if !axes.isEmpty { words.append("--hyperparameters " + axes.joined(separator: ",")) }
    if options.psiLines != .all { words.append("--psi-lines \(options.psiLines.rawValue)") }
    if options.seeds != .average { words.append("--seeds \(options.seeds.rawValue)") }
    return words.joined(separator: " ")
  }
}

/// Reads one experiment from a store into ``ExperimentReportData``: runs and
/// hyperparameters, the correlation table (``analyze(database:storePath:selection:snapshot:gap:options:sort:)``,
/// `gapdb correlate`'s analysis), scatter data of the top measures, per-epoch trajectories
/// and, for a width sweep, the points of the paper-style plots.
///
/// Protocol: the correlation table is `gapdb correlate STORE --experiment NAME --where
/// "r.status = 'finished'"` with the report's `--at`, `--gap`, `--where`, `--measures`,
/// `--hyperparameters` and `--psi-lines` (``ReportSelection``): only finished runs with a
/// finite gap at their snapshot are correlated (the others are excluded and counted). By
/// default the snapshot is each run's last recorded epoch and the gap is test error −
/// training error there. Ψ and CMI use correlate's default axes
/// (`CorrelationStatistics.defaultGridAxes`, one shared function): the hyperparameters that
/// vary across those runs, not `seed` (seeds are averaged per configuration), and not a key
/// that the other axes determine, such as the trainer's `hidden_layers` text when depth and
/// width vary, which as an extra axis would make the grid look incomplete.
///
/// The measure values and gaps are read once, by the analysis; the table, the scatter plots
/// and the width plots all use them. The runs table (every run of the experiment, with its
/// final epoch's errors and its hyperparameters) and the trajectories are separate, small
/// reads.
public struct StoreReportLoader {
  let database: Database
  /// The store's path (the analysis reads the values on several connections).
  let storePath: String
  /// How many top measures get a scatter plot.
  var scatterMeasureCount = 4
  /// How many runs' trajectories are drawn (spread evenly over the runs).
  var trajectoryRunCount = 8
  /// How many top measures get a trajectory plot.
  var trajectoryMeasureCount = 3
  /// Measures of Neyshabur et al. 2017's width plots, shown (up to 4, topped up with the
  /// best-ranked measures) when they have at least two positive finite values.
  static let widthSweepPreferredMeasures = [
    "fro_prod_over_margin", "path_norm_sq_over_margin", "spec_prod_over_margin",
    "bartlett_spectral_complexity_over_margin_p5", "fro_prod", "path_norm_sq", "spec_prod",
  ]

  /// A loader over an open store.
  ///
  /// - Parameters:
  ///   - database: The store (read-only is enough; it is never modified).
  ///   - storePath: The same store's path.
  public init(database: Database, storePath: String) {
    self.database = database
    self.storePath = storePath
  }

  /// Experiment names in the store, alphabetical.
  public func experimentNames() throws -> [String] {
    try database.fetchAll(sql: "SELECT name FROM experiment ORDER BY name").compactMap {
      $0[0].stringValue
    }
  }

  struct RunRow {
    var run: ReportRun
    var finalEpoch: Int?
  }

  /// The report data of one experiment.
  ///
  /// - Parameters:
  ///   - experiment: The experiment's name (it must exist).
  ///   - source: The store's name as the report shows it.
  ///   - selection: Snapshot, gap, runs, measures, axes and options of the table.
  /// - Returns: The data ``ExperimentReport`` renders.
  /// - Throws: ``AnalysisError`` for an unknown measure or hyperparameter or a bad `--where`
  ///   condition; `DatabaseError` otherwise.
  public func load(
    experiment: String, source: String, selection: ReportSelection = ReportSelection()
  ) throws -> ExperimentReportData {
    let exp = [DatabaseValue(experiment)]
    // 1. Runs with their last recorded epoch.
    let runRows = try database.fetchAll(
      sql: """
        SELECT r.id, r.name, r.status, f.epoch, f.train_error, f.test_error, f.error_gap
        FROM run AS r JOIN experiment AS e ON e.id = r.experiment_id
        LEFT JOIN final_epoch AS f ON f.run_id = r.id
        WHERE e.name = ?1 ORDER BY r.id
        """, arguments: exp)
    var runs: [RunRow] = runRows.map { row in
      RunRow(
        run: ReportRun(
          id: row[0].int64Value ?? 0, name: row[1].stringValue ?? "", status: row[2].stringValue ?? "",
          hyperparameters: [:], epochs: row[3].int64Value.map { Int($0) },
          trainError: row[4].doubleValue, testError: row[5].doubleValue,
          generalizationGap: row[6].doubleValue),
        finalEpoch: row[3].int64Value.map { Int($0) })
    }
    var indexOfRun: [Int64: Int] = [:]
    for (i, r) in runs.enumerated() { indexOfRun[r.run.id] = i }

    // 2. Hyperparameters.
    var keys = Set<String>()
    for row in try database.fetchAll(
      sql: """
        SELECT h.run_id, h.key, h.value_text FROM hyperparameter AS h
        JOIN run AS r ON r.id = h.run_id JOIN experiment AS e ON e.id = r.experiment_id
        WHERE e.name = ?1
        """, arguments: exp)
    {
      guard let id = row[0].int64Value, let i = indexOfRun[id], let key = row[1].stringValue else {
        continue
      }
      runs[i].run.hyperparameters[key] = row[2].stringValue ?? ""
      keys.insert(key)
    }

    // 3. The correlation table exactly as `gapdb correlate` computes it, over the finished
    // runs: `gapdb correlate STORE --experiment NAME --where "r.status = 'finished'"` with the
    // selection's options. Its input holds each selected run's gap and measures at the
    // snapshot: the only read of the measure values.
    let analysis = try analyze(
      database: database, storePath: storePath, selection: selection.runSelection(experiment: experiment),
      snapshot: selection.snapshot, gap: selection.gap, options: selection.options)
    let input = analysis.input
    let axisNames = analysis.axes

    // 4. Which runs are correlated: selected, with a finite gap at the snapshot. Runs the
    // selection left out (not finished, or not matching --where) count as excluded.
    let notSelected = runs.count - input.runIDs.count
    let correlated = input.runIDs.indices.filter { input.gap[$0].isFinite && indexOfRun[input.runIDs[$0]] != nil }
    let included = correlated.map { indexOfRun[input.runIDs[$0]]! }
    let position = Dictionary(uniqueKeysWithValues: included.enumerated().map { ($1, $0) })
    var measureValues: [String: [Double]] = [:]
    for m in input.measures { measureValues[m.name] = correlated.map { m.values[$0] } }

    let correlations = analysis.evaluations.map { e -> CorrelationRow in
      var psiByAxis: [String: Double?] = [:]
      var psiLines: [String: PsiLineCount] = [:]
      for a in e.granulatedKendall?.axes ?? [] {
        psiByAxis[a.name] = a.psi
        psiLines[a.name] = PsiLineCount(
          used: a.linesUsed, skipped: a.linesSkipped, why: lineReasons(a).joined(separator: ", "))
      }
      return CorrelationRow(
        measure: e.name, tauA: e.correlations.kendallTauA, tauB: e.correlations.kendallTauB,
        spearman: e.correlations.spearmanRho, psi: e.granulatedKendall?.psi, psiByAxis: psiByAxis,
        cmi: e.cmi?.value, cmiPGDL: e.cmiPGDL?.value, usedCount: e.correlations.usedCount,
        excludedCount: e.correlations.excludedCount + notSelected, psiLinesByAxis: psiLines)
    }
    let gap = correlated.map { input.gap[$0] }
    let ranked = correlations.filter { $0.tauA != nil }.map(\.measure)

    // 7. Scatter of the top measures vs the gap.
    let scatter = ranked.prefix(scatterMeasureCount).map { m in
      MeasureScatter(
        measure: m,
        points: included.enumerated().map { p, i in
          PlotPoint(x: measureValues[m]?[p] ?? .nan, y: gap[p], label: runs[i].run.name)
        })
    }

    // 8. Trajectories of a few runs.
    let trajectoryMeasures = Array(ranked.prefix(trajectoryMeasureCount))
    let chosen = Self.spread(included, count: trajectoryRunCount)
    let allHyper = runs.map(\.run.hyperparameters)
    let varying = Self.orderedAxes(keys).filter { k in Set(allHyper.map { $0[k] ?? "" }).count > 1 }
    let labelKeys =
      defaultGridAxes(
        varying.map { k in (name: k, values: allHyper.map { $0[k] }) }, preferredOrder: SweepAxis.gridAxisPreference)
      + (varying.contains("seed") ? ["seed"] : [])
    let trajectories = try chosen.map { i in
      var t = try trajectory(of: runs[i].run, measures: trajectoryMeasures)
      t.runName = Self.shortLabel(runs[i].run, keys: labelKeys)
      return t
    }

    // 9. Width sweep (one hidden layer, varying width, label noise 0 vs 1).
    var widthPoints: [WidthSweepPoint] = []
    let hyper = included.map { runs[$0].run.hyperparameters }
    let oneLayer = hyper.allSatisfy { Double($0["depth"] ?? "") == 1 }
    if oneLayer, Set(hyper.map { $0["width"] ?? "" }).count > 1 {
      for (p, i) in included.enumerated() {
        let r = runs[i].run
        guard let w = r.hyperparameters["width"].flatMap({ Int($0) }),
          let noise = r.hyperparameters["label_noise"].flatMap({ Double($0) }), noise == 0 || noise == 1,
          let train = r.trainError, let test = r.testError
        else { continue }
        var m: [String: Double] = [:]
        for (name, values) in measureValues { m[name] = values[p] }
        widthPoints.append(
          WidthSweepPoint(hiddenUnits: w, hasRandomLabels: noise == 1, trainError: train, testError: test, measures: m))
      }
    }
    // The paper's measures when they are defined here (margin-normalized ones are undefined
    // while the 5th-percentile margin is ≤ 0), then the best-ranked measures: 4 plots at most.
    func isPlottable(_ m: String) -> Bool {
      (measureValues[m] ?? []).filter { $0.isFinite && $0 > 0 }.count >= 2
    }
    var widthMeasures = Self.widthSweepPreferredMeasures.filter(isPlottable)
    for m in ranked where widthMeasures.count < 4 && !widthMeasures.contains(m) && isPlottable(m) {
      widthMeasures.append(m)
    }
    widthMeasures = Array(widthMeasures.prefix(4))

    var notes: [String] = []
    let selected = Set(input.runIDs)
    let excludedByStatus = Dictionary(grouping: runs.indices.filter { position[$0] == nil }) { runs[$0].run.status }
    for (status, list) in excludedByStatus.sorted(by: { $0.key < $1.key }) {
      let unselected = list.filter { !selected.contains(runs[$0].run.id) }.count
      for (count, why) in [
        (list.count - unselected, status == "finished" ? " (no finite gap at the snapshot)" : ""),
        (unselected, status == "finished" ? " (not matching --where)" : ""),
      ] where count > 0 {
        notes.append("\(count) \(status) run\(count == 1 ? "" : "s") excluded from the statistics" + why + ".")
      }
    }
    notes += input.notes.filter { !$0.hasPrefix("grid axes") }.map { $0.prefix(1).uppercased() + $0.dropFirst() + "." }
    notes += input.warnings.map { "Warning: " + $0 + "." }
    // Say when the perturbation (flatness) suite is absent, so that no reader takes its
    // measures for ranked and lost (the demo leaves it out: it would multiply its time).
    if !measureValues.isEmpty, !measureValues.keys.contains(where: { $0.hasPrefix("pacbayes_") }) {
      notes.append(
        "No perturbation (flatness) measures were recorded for these runs (PAC-Bayes σ, sharpness, "
          + "ε-sharpness); gapdb train --perturb-every N or gapdb measure adds them.")
    }
    // The runs table shows the hyperparameters that vary; the constant ones are one note.
    let hyperparameterNames = varying
    let constant = Self.orderedAxes(keys).filter { !varying.contains($0) }
    if !constant.isEmpty {
      notes.append(
        "Same for every run: "
          + constant.map { k in "\(k) = \(allHyper.first?[k] ?? "")" + (Self.keyExplanations[k].map { " (\($0))" } ?? "") }
          .joined(separator: ", ") + ".")
    }
    return ExperimentReportData(
      experiment: experiment, source: source,
      generatedAt: ISO8601DateFormatter().string(from: Date()),
      protocolDescription:
        "Snapshot: \(selection.snapshot.explanation). Gap = \(selection.gap.explanation). "
        + "\(included.count) finished runs are correlated, as "
        + selection.correlateCommand(experiment: experiment, axes: axisNames)
        + " computes it. Ψ and CMI use "
        + (selection.hyperparameters == nil ? "the independent hyperparameters that vary (not seed): " : "the axes ")
        + (axisNames.isEmpty ? "none vary" : axisNames.joined(separator: ", ")) + ".",
      gapLabel: "gap (\(selection.gap.shortFormula))",
      snapshotName: selection.snapshot == .final ? "final" : "snapshot (\(selection.snapshot))",
      hyperparameterNames: hyperparameterNames, runs: runs.map(\.run), axisNames: axisNames,
      correlations: correlations, scatter: Array(scatter), trajectories: trajectories,
      trajectoryMeasures: trajectoryMeasures, widthSweep: widthPoints, widthSweepMeasures: widthMeasures,
      notes: notes)
  }

  func trajectory(of run: ReportRun, measures: [String]) throws -> RunTrajectory {
    let rows = try database.fetchAll(
      sql: "SELECT epoch, train_error, test_error FROM epoch_metric WHERE run_id = ?1 ORDER BY epoch",
      arguments: [DatabaseValue(run.id)])
    let epochs = rows.map { Int($0[0].int64Value ?? 0) }
    var index: [Int: Int] = [:]
    for (k, e) in epochs.enumerated() { index[e] = k }
    var values: [String: [Double]] = [:]
    for m in measures { values[m] = [Double](repeating: .nan, count: epochs.count) }
    if !measures.isEmpty {
      let placeholders = measures.indices.map { "?\($0 + 2)" }.joined(separator: ", ")
      for row in try database.fetchAll(
        sql: """
          SELECT epoch, measure_id, value, value_kind FROM measure_value
          WHERE run_id = ?1 AND measure_id IN (\(placeholders)) ORDER BY epoch
          """, arguments: [DatabaseValue(run.id)] + measures.map { DatabaseValue($0) })
      {
        guard let e = row[0].int64Value, let k = index[Int(e)], let m = row[1].stringValue else { continue }
        values[m]?[k] = Self.decode(value: row[2], kind: row[3].stringValue)
      }
    }
    // Keep only epochs where a measure was recorded, per measure, by leaving NaN there: the
    // report draws markers, so sparse cadences still show.
    return RunTrajectory(
      runName: run.name, epochs: epochs, trainError: rows.map { $0[1].doubleValue ?? .nan },
      testError: rows.map { $0[2].doubleValue ?? .nan }, measures: values)
  }

  /// A stored measure value: `finite` → the value, `+inf`/`-inf` → ±∞, `nan`/`undefined` → NaN.
  static func decode(value: DatabaseValue, kind: String?) -> Double {
    switch kind {
    case "finite": return value.doubleValue ?? .nan
    case "+inf": return .infinity
    case "-inf": return -.infinity
    default: return .nan
    }
  }

  /// Short explanations of hyperparameters whose meaning is not obvious from the name.
  static let keyExplanations: [String: String] = [
    "init":
      "balanced = the trainer's standard initialization; unbalanced = the same network rescaled node-wise "
      + "to very different layer norms, Neyshabur et al. 2015",
    "label_noise": "fraction of training labels replaced by random ones",
    "target_train_loss": "training stops early once the training cross-entropy reaches it",
  ]

  /// A run's legend label: `key=value` of the given keys (those that vary), else its name.
  static func shortLabel(_ run: ReportRun, keys: [String]) -> String {
    let parts = keys.compactMap { k in run.hyperparameters[k].map { "\(k)=\($0)" } }
    return parts.isEmpty ? run.name : parts.joined(separator: ", ")
  }

  /// Axes in sweep order (depth, width, …), then any others alphabetically
  /// (``orderedByAxisPreference(_:preferredOrder:)`` with the sweep axes first, the order the
  /// default grid axes are chosen in).
  static func orderedAxes(_ keys: Set<String>) -> [String] {
    orderedByAxisPreference(keys, preferredOrder: SweepAxis.gridAxisPreference)
  }

  /// Up to `count` elements spread evenly over `items` (first and last included).
  static func spread<T>(_ items: [T], count: Int) -> [T] {
    guard items.count > count, count > 1 else { return items }
    return (0..<count).map { items[$0 * (items.count - 1) / (count - 1)] }
  }
}
