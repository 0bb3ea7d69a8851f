import CorrelationStatistics
import Foundation
import Reports
import ResultsStore
import SweepPlanning

/// Reads one experiment from a store into ``ExperimentReportData``: runs and
/// hyperparameters, the correlation table (via `CorrelationStatistics.evaluateMeasures`),
/// scatter data of the top measures, per-epoch trajectories and, for a width sweep, the
/// points of the paper-style plots.
///
/// Protocol: the correlation table is `gapdb correlate STORE --experiment NAME --where
/// "r.status = 'finished'"` (its loader and statistics): each run's last recorded epoch is its
/// snapshot, the gap is test error − training error there, only finished runs with a finite
/// gap are correlated (the others are excluded and counted). Ψ and CMI use correlate's default
/// axes (`CorrelationStatistics.defaultGridAxes`, one shared function): the hyperparameters
/// that vary across those runs, not `seed` (seeds are averaged per configuration), and not a
/// key that the other axes determine, such as the trainer's `hidden_layers` text when depth
/// and width vary, which as an extra axis would make the grid look incomplete.
struct StoreReportLoader {
  let database: Database
  /// The store's path (the correlation input is read through `gapdb correlate`'s loader).
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

  /// Experiment names in the store, alphabetical.
  func experimentNames() throws -> [String] {
    try database.fetchAll(sql: "SELECT name FROM experiment ORDER BY name").compactMap {
      $0[0].stringValue
    }
  }

  struct RunRow {
    var run: ReportRun
    var finalEpoch: Int?
  }

  func load(experiment: String, source: String) throws -> ExperimentReportData {
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

    // 3. Which runs are correlated.
    let included = runs.indices.filter {
      runs[$0].run.status == "finished" && (runs[$0].run.generalizationGap?.isFinite ?? false)
    }
    let preExcluded = runs.count - included.count
    let position = Dictionary(uniqueKeysWithValues: included.enumerated().map { ($1, $0) })

    // 4. Measures at each run's final epoch.
    var measureValues: [String: [Double]] = [:]
    for row in try database.fetchAll(
      sql: """
        SELECT v.run_id, v.measure_id, v.value, v.value_kind FROM measure_value AS v
        JOIN final_epoch AS f ON f.run_id = v.run_id AND f.epoch = v.epoch
        JOIN run AS r ON r.id = v.run_id JOIN experiment AS e ON e.id = r.experiment_id
        WHERE e.name = ?1
        """, arguments: exp)
    {
      guard let id = row[0].int64Value, let i = indexOfRun[id], let p = position[i],
        let measure = row[1].stringValue
      else { continue }
      if measureValues[measure] == nil {
        measureValues[measure] = [Double](repeating: .nan, count: included.count)
      }
      measureValues[measure]?[p] = Self.decode(value: row[2], kind: row[3].stringValue)
    }

    // 5–6. The correlation table exactly as `gapdb correlate` computes it, over the finished
    // runs: `gapdb correlate STORE --experiment NAME --where "r.status = 'finished'"`.
    // Default axes (`CorrelationStatistics.defaultGridAxes`, the loader's default), as correlate.
    let input = try loadStoreCorrelationInput(
      path: storePath, experiment: experiment, whereClause: "r.status = 'finished'",
      snapshot: .final, gap: .error, measures: nil, hyperparameters: nil)
    let axisNames = input.grid?.axisNames ?? []
    var options = EvaluationOptions()
    options.threads = 2
    let evaluations = sortEvaluations(
      evaluateMeasures(input.measures, gap: input.gap, grid: input.grid, options: options), by: .absTauA)
    let correlations = evaluations.map { e -> CorrelationRow in
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
        excludedCount: e.correlations.excludedCount + preExcluded, psiLinesByAxis: psiLines)
    }
    let gap = included.map { runs[$0].run.generalizationGap ?? .nan }
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
    let excludedByStatus = Dictionary(grouping: runs.indices.filter { position[$0] == nil }) { runs[$0].run.status }
    for (status, list) in excludedByStatus.sorted(by: { $0.key < $1.key }) {
      notes.append(
        "\(list.count) \(status) run\(list.count == 1 ? "" : "s") excluded from the statistics"
          + (status == "finished" ? " (no finite gap)" : "") + ".")
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
        "Snapshot: each run's last recorded epoch. Gap = test error − training error (fractions). "
        + "\(included.count) finished runs are correlated, as gapdb correlate --experiment '\(experiment)' "
        + "--where \"r.status = 'finished'\""
        + (axisNames.isEmpty ? "" : " --hyperparameters \(axisNames.joined(separator: ","))")
        + " computes it. Ψ and CMI use the independent hyperparameters that vary (not seed): "
        + (axisNames.isEmpty ? "none vary" : axisNames.joined(separator: ", ")) + ".",
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
