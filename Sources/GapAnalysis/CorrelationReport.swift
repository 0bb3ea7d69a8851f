import CorrelationStatistics
import TabularOutput

/// How `correlate` orders its rows.
public enum CorrelationSort: String, CaseIterable, Sendable {
  case absTauA = "abs-tau-a"
  case tauA = "tau-a"
  case tauB = "tau-b"
  case spearman
  case psi
  case cmi
  case cmiPGDL = "cmi-pgdl"
  case name

  /// The sort key of one evaluation (`nil` sorts last).
  public func key(_ e: MeasureEvaluation) -> Double? {
    switch self {
    case .absTauA: return e.correlations.kendallTauA.map(abs)
    case .tauA: return e.correlations.kendallTauA
    case .tauB: return e.correlations.kendallTauB
    case .spearman: return e.correlations.spearmanRho
    case .psi: return e.granulatedKendall?.psi
    case .cmi: return e.cmi?.value
    case .cmiPGDL: return e.cmiPGDL?.value
    case .name: return nil
    }
  }
}

/// Orders evaluations: by name ascending, or by the key descending with undefined values
/// last; ties keep the input order.
public func sortEvaluations(_ evaluations: [MeasureEvaluation], by sort: CorrelationSort) -> [MeasureEvaluation] {
  let indexed = Array(evaluations.enumerated())
  let sorted = indexed.sorted { a, b in
    if sort == .name {
      return a.element.name != b.element.name ? a.element.name < b.element.name : a.offset < b.offset
    }
    switch (sort.key(a.element), sort.key(b.element)) {
    case (let x?, let y?): return x != y ? x > y : a.offset < b.offset
    case (.some, nil): return true
    case (nil, .some): return false
    case (nil, nil): return a.offset < b.offset
    }
  }
  return sorted.map(\.element)
}

/// Text of a conditioning set: `{}` for ∅, `{bs,lr}` otherwise.
func conditioningSetText(_ axes: [String]?) -> Cell {
  guard let axes else { return .null }
  return .text("{" + axes.joined(separator: ",") + "}")
}

/// The columns and rows `correlate` prints. The JSON keys are the column names; they are
/// stable (new ones may be added):
///
/// `measure`, `tau_a`, `tau_b`, `spearman`, `pearson`, `psi`, `psi_<axis>` per axis,
/// `lines_used_<axis>` and `lines_skipped_<axis>` per axis (the lines ψ_<axis> averaged and
/// left out), `lines_why` (per axis, why lines were left out, and the used lines
/// that are incomplete or tied; empty when nothing to say), `cmi`,
/// `cmi_set`, `cmi_pgdl`, `cmi_pgdl_set`, `n_used`, `n_excluded`; with `--bootstrap`:
/// `tau_a_ci_low`, `tau_a_ci_high`, `tau_b_ci_low`, `tau_b_ci_high`; with `--test-size`:
/// `sign_error_mean`, `sign_error_max`, `sign_error_p90`, `sign_error_environments`; and
/// `note` (why a value is undefined; empty otherwise). Undefined values are NULL.
public func correlationColumns(axes: [String], bootstrap: Bool, signError: Bool) -> [String] {
  var columns = ["measure", "tau_a", "tau_b", "spearman", "pearson", "psi"]
  columns += axes.map { "psi_" + $0 }
  for axis in axes { columns += ["lines_used_" + axis, "lines_skipped_" + axis] }
  if !axes.isEmpty { columns.append("lines_why") }
  columns += ["cmi", "cmi_set", "cmi_pgdl", "cmi_pgdl_set", "n_used", "n_excluded"]
  if bootstrap { columns += ["tau_a_ci_low", "tau_a_ci_high", "tau_b_ci_low", "tau_b_ci_high"] }
  if signError {
    columns += ["sign_error_mean", "sign_error_max", "sign_error_p90", "sign_error_environments"]
  }
  columns.append("note")
  return columns
}

/// One output row (see ``correlationColumns(axes:bootstrap:signError:)``).
public func correlationRow(
  _ e: MeasureEvaluation, axes: [String], bootstrap: Bool, signError: Bool
) -> [Cell] {
  func real(_ v: Double?) -> Cell { v.map(Cell.real) ?? .null }
  let c = e.correlations
  var row: [Cell] = [
    .text(e.name), real(c.kendallTauA), real(c.kendallTauB), real(c.spearmanRho),
    real(c.pearsonR), real(e.granulatedKendall?.psi),
  ]
  for (k, _) in axes.enumerated() { row.append(real(e.granulatedKendall?.axes[k].psi)) }
  for (k, _) in axes.enumerated() {
    let a = e.granulatedKendall?.axes[k]
    row += [
      a.map { .integer(Int64($0.linesUsed)) } ?? .null, a.map { .integer(Int64($0.linesSkipped)) } ?? .null,
    ]
  }
  if !axes.isEmpty { row.append(.text(e.granulatedKendall.map(linesExplanation) ?? "")) }
  row += [
    real(e.cmi?.value), conditioningSetText(e.cmi?.minimizingSet), real(e.cmiPGDL?.value),
    conditioningSetText(e.cmiPGDL?.minimizingSet), .integer(Int64(c.usedCount)),
    .integer(Int64(c.excludedCount)),
  ]
  if bootstrap {
    row += [
      real(e.bootstrap?.tauA?.lowerBound), real(e.bootstrap?.tauA?.upperBound),
      real(e.bootstrap?.tauB?.lowerBound), real(e.bootstrap?.tauB?.upperBound),
    ]
  }
  if signError {
    let s = e.signError
    row += [
      real(s?.mean), real(s?.max), real(s?.p90),
      s.map { .integer(Int64($0.environmentsKept)) } ?? .null,
    ]
  }
  var notes: [String] = []
  if let reason = c.undefinedReason { notes.append("tau: \(reason)") }
  if let g = e.granulatedKendall, let reason = g.undefinedReason { notes.append("psi: \(reason)") }
  if let m = e.cmi, let reason = m.undefinedReason { notes.append("cmi: \(reason)") }
  if let m = e.cmiPGDL, let reason = m.undefinedReason { notes.append("cmi_pgdl: \(reason)") }
  if let s = e.signError, let reason = s.undefinedReason { notes.append("sign_error: \(reason)") }
  row.append(.text(notes.joined(separator: "; ")))
  return row
}

/// Why lines of one axis were skipped, and the used lines that are incomplete or tied:
/// `["1 empty", "2 with one model", "1 non-finite", "3 incomplete", "2 used incomplete",
/// "1 used tied (tau 0)"]`, only the nonzero ones.
public func lineReasons(_ a: GranulatedKendall.Axis) -> [String] {
  let counts: [(Int, String)] = [
    (a.linesEmpty, "empty"), (a.linesWithOneModel, "with one model"), (a.linesNonFinite, "non-finite"),
    (a.linesIncomplete, "incomplete"), (a.usedLinesIncomplete, "used incomplete"),
    (a.usedLinesTied, "used tied (tau 0)"),
  ]
  return counts.filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
}

/// Why ψ's lines were skipped, per axis with anything to say (``lineReasons(_:)``):
/// `lr: 1 empty, 2 with one model | depth: 1 used incomplete`; empty when every possible
/// line was used, complete and untied.
public func linesExplanation(_ g: GranulatedKendall) -> String {
  g.axes.compactMap { a in
    let reasons = lineReasons(a)
    return reasons.isEmpty ? nil : "\(a.name): \(reasons.joined(separator: ", "))"
  }.joined(separator: " | ")
}

/// The default `correlate` report (sorted by |τ_a|, no bootstrap or sign-error columns) as
/// CSV text, for benchmarks and tests.
///
/// - Parameters:
///   - evaluations: The evaluated measures.
///   - axes: The grid axes (one `psi_<axis>` column each).
/// - Returns: The CSV text.
public func renderCorrelationReport(_ evaluations: [MeasureEvaluation], axes: [String]) -> String {
  let sink = StringSink()
  let writer = RowWriter(format: .csv, sink: sink)
  writer.begin(columns: correlationColumns(axes: axes, bootstrap: false, signError: false))
  for e in sortEvaluations(evaluations, by: .absTauA) {
    writer.write(correlationRow(e, axes: axes, bootstrap: false, signError: false))
  }
  writer.finish()
  return sink.text
}
