import CorrelationStatistics
import Foundation
import ResultsStore

/// The table `gapdb correlate` works on: one gap and any number of measures per run, plus the
/// runs' hyperparameters (the grid axes). Built from a CSV file or from a store.
public struct CorrelationInput: Sendable {
  /// The generalization gap per run (NaN when missing or not finite).
  public var gap: [Double]
  /// Measures in output order; values NaN where a run lacks the measure.
  public var measures: [(name: String, values: [Double])]
  /// The hyperparameter grid, or `nil` when no axis was given.
  public var grid: HyperparameterGrid?
  /// Notes for standard error (ignored columns, off-grid runs, …).
  public var notes: [String] = []
  /// Warnings for standard error: where reading the input lost information (values that
  /// differ in the input but are equal after conversion), naming the column and the values.
  public var warnings: [String] = []
  /// From a store: the run ids, in the order of `gap` and each measure's values (ascending);
  /// empty for CSV input.
  public var runIDs: [Int64] = []
  /// From a store: each run's snapshot epoch, `nil` where the run has none (same order as
  /// `runIDs`); empty for CSV input.
  public var snapshotEpochs: [Int64?] = []

  /// Creates an input table; `measures[m].values` and `gap` have one entry per run.
  public init(
    gap: [Double], measures: [(name: String, values: [Double])], grid: HyperparameterGrid?,
    notes: [String] = [], warnings: [String] = [], runIDs: [Int64] = [], snapshotEpochs: [Int64?] = []
  ) {
    self.gap = gap
    self.measures = measures
    self.grid = grid
    self.notes = notes
    self.warnings = warnings
    self.runIDs = runIDs
    self.snapshotEpochs = snapshotEpochs
  }
}

/// What `gapdb correlate STORE --experiment NAME` reads: every run's gap and measures at the
/// final epoch, and the grid of the hyperparameters that vary (for benchmarks, tests and other
/// front ends; ``loadStoreCorrelationInput(database:storePath:selection:snapshot:gap:threads:)``
/// takes every selection option).
///
/// - Parameters:
///   - storePath: The store (opened read-only).
///   - experiment: The experiment name, or `nil` for all runs.
/// - Returns: The input table.
/// - Throws: ``AnalysisError`` for an unknown experiment; `DatabaseError` when the store
///   cannot be opened or read.
public func correlationInput(storePath: String, experiment: String?) throws -> CorrelationInput {
  let database = try Database(storePath: storePath, readOnly: true)
  return try loadStoreCorrelationInput(
    database: database, storePath: storePath, selection: RunSelection(experiment: experiment),
    snapshot: .final, gap: .error)
}

/// What `gapdb correlate --csv FILE` reads: the file parsed as CSV
/// (``readCSV(path:)``) and turned into the input table
/// (``makeCorrelationInput(table:path:gapColumn:hyperparameters:measureNames:ignored:)``).
///
/// - Parameters:
///   - path: The CSV file, or `-` for standard input.
///   - gapColumn: The column holding the generalization gap.
///   - hyperparameters: Columns forming the grid axes (may be non-numeric).
///   - measureNames: Measures to keep (`nil` = every other numeric column).
///   - ignored: Columns that are neither measures nor axes.
/// - Returns: The input table.
/// - Throws: ``AnalysisError`` for an unreadable or malformed file (with the ``CSVError``'s
///   text and hint), a missing or non-numeric column.
/// - Complexity: O(bytes of the file).
public func csvCorrelationInput(
  path: String, gapColumn: String, hyperparameters: [String], measureNames: [String]?,
  ignored: Set<String>
) throws -> CorrelationInput {
  let table: CSVTable
  do { table = try readCSV(path: path) } catch let error as CSVError {
    throw AnalysisError(error.description, hint: error.hint)
  }
  return try makeCorrelationInput(
    table: table, path: path, gapColumn: gapColumn, hyperparameters: hyperparameters,
    measureNames: measureNames, ignored: ignored)
}

/// Parses a numeric CSV cell: empty → `nil` (missing); `nan`, `inf`, `-inf`, `Infinity` and
/// numbers → their value; anything else is not numeric.
func parseNumber(_ text: String) -> (isNumeric: Bool, value: Double?) {
  let trimmed = trimmedCell(text)
  if trimmed.isEmpty { return (true, nil) }
  if let v = Double(trimmed) { return (true, v) }
  return (false, nil)
}

/// `text` without leading and trailing spaces (`CharacterSet.whitespaces`); the text itself,
/// without a copy, when it starts and ends with a non-space (the common case).
func trimmedCell(_ text: String) -> String {
  guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return text }
  if !first.properties.isWhitespace && !last.properties.isWhitespace { return text }
  return text.trimmingCharacters(in: .whitespaces)
}

/// Builds the input of `correlate --csv`.
///
/// - Parameters:
///   - table: The parsed CSV.
///   - path: The file name, for messages.
///   - gapColumn: The column holding the generalization gap.
///   - hyperparameters: Columns forming the grid axes (may be non-numeric).
///   - measureNames: Measures to keep (`nil` = every other numeric column).
///   - ignored: Columns that are neither measures nor axes.
/// - Throws: ``AnalysisError`` naming a missing or non-numeric column.
public func makeCorrelationInput(
  table: CSVTable, path: String, gapColumn: String, hyperparameters: [String],
  measureNames: [String]?, ignored: Set<String>
) throws -> CorrelationInput {
  let columnIndex = Dictionary(uniqueKeysWithValues: table.header.enumerated().map { ($1, $0) })
  let available = table.header.joined(separator: ", ")
  guard let gapIndex = columnIndex[gapColumn] else {
    throw AnalysisError(
      "\(path) has no column \"\(gapColumn)\" for the gap",
      hint: "the columns are: \(available); choose one with --gap-column")
  }
  var axisIndices: [Int] = []
  for name in hyperparameters {
    guard let k = columnIndex[name] else {
      throw AnalysisError(
        "\(path) has no hyperparameter column \"\(name)\"",
        hint: "the columns are: \(available)")
    }
    axisIndices.append(k)
  }
  guard !table.rows.isEmpty else {
    throw AnalysisError(
      "\(path) has a header row (\(available)) but no data rows",
      hint: "add one row per run below the header.")
  }
  func cell(_ row: [String], _ k: Int) -> String { k < row.count ? row[k] : "" }
  // The gap must be numeric.
  var gap: [Double] = []
  gap.reserveCapacity(table.rows.count)
  for (r, row) in table.rows.enumerated() {
    let parsed = parseNumber(cell(row, gapIndex))
    guard parsed.isNumeric else {
      throw AnalysisError(
        "\(path) line \(table.lineNumbers[r]): the gap \"\(cell(row, gapIndex))\" in column \"\(gapColumn)\" is not a number",
        hint: "gaps must be numbers (nan/inf are accepted and excluded); check --gap-column")
    }
    gap.append(parsed.value ?? .nan)
  }
  var notes: [String] = []
  let missingGaps = gap.filter { !$0.isFinite }.count
  if missingGaps > 0 {
    notes.append("\(missingGaps) of \(gap.count) runs have a missing or non-finite gap and are excluded from every statistic")
  }
  // Measures: the requested ones, or every other numeric column.
  let reserved = Set([gapColumn] + hyperparameters).union(ignored)
  var candidates: [Int]
  if let measureNames {
    candidates = []
    for name in measureNames {
      guard let k = columnIndex[name] else {
        throw AnalysisError(
          "\(path) has no measure column \"\(name)\"", hint: "the columns are: \(available)")
      }
      candidates.append(k)
    }
  } else {
    candidates = table.header.indices.filter { !reserved.contains(table.header[$0]) }
  }
  var measures: [(name: String, values: [Double])] = []
  var skipped: [String] = []
  for k in candidates {
    var values: [Double] = []
    values.reserveCapacity(table.rows.count)
    var firstBadRow: Int?
    var hasNumber = false
    for (r, row) in table.rows.enumerated() {
      let parsed = parseNumber(cell(row, k))
      if !parsed.isNumeric {
        if firstBadRow == nil { firstBadRow = r }
      } else if parsed.value != nil {
        hasNumber = true
      }
      values.append(parsed.value ?? .nan)
    }
    guard let r = firstBadRow else {
      measures.append((table.header[k], values))
      continue
    }
    if measureNames == nil && !hasNumber {
      // A text column (model names, optimizer, …): not a measure.
      skipped.append(table.header[k])
      continue
    }
    // A requested measure, or a column of numbers with a stray non-number: a data error, not
    // a column to drop silently.
    let name = table.header[k]
    throw AnalysisError(
      "\(path) line \(table.lineNumbers[r]): the measure column \"\(name)\" holds the non-number \"\(cell(table.rows[r], k))\"",
      hint: "measures must be numbers (empty, nan and inf are accepted and excluded)"
        + (measureNames == nil ? "; or leave the column out with --ignore-columns \(name)" : ""))
  }
  if !skipped.isEmpty {
    notes.append("ignored non-numeric columns: \(skipped.joined(separator: ", "))")
  }
  var grid: HyperparameterGrid? = nil
  if !axisIndices.isEmpty {
    // Exact levels (GridLevel): 2^70 and 2^70+1 stay apart, 1 and 1.0 are one level.
    // Cells repeat (a few levels per axis): parse each distinct text once.
    var cache = [[String: String?]](repeating: [:], count: axisIndices.count)
    let values = table.rows.map { row in
      axisIndices.enumerated().map { a, k -> String? in
        let text = cell(row, k)
        if let key = cache[a][text] { return key }
        let key = GridLevel.key(parsing: text)
        cache[a][text] = .some(key)
        return key
      }
    }
    let g = HyperparameterGrid(axisNames: hyperparameters, values: values)
    if g.offGridCount > 0 {
      notes.append("\(g.offGridCount) runs lack a hyperparameter value and are left out of psi, cmi and sign-error")
    }
    grid = g
  }
  var warnings: [String] = []
  for (name, k) in [(gapColumn, gapIndex)] + measures.map({ m in (m.name, columnIndex[m.name]!) }) {
    let values = k == gapIndex ? gap : measures.first { $0.name == name }!.values
    warnings += conversionWarnings(column: name, texts: table.rows.map { cell($0, k) }, values: values)
  }
  return CorrelationInput(gap: gap, measures: measures, grid: grid, notes: notes, warnings: warnings)
}

/// Warnings where reading a numeric column as 64-bit floats lost information, naming the
/// column and the first value of each kind: a finite decimal beyond the float range (it reads
/// as ±inf and is excluded), a nonzero decimal that underflows to 0, and two different
/// decimals that read as the same float (the statistics see a tie where the file has an
/// order). Empty when the conversion kept every distinction.
///
/// Decimals with at most 15 significant digits map to distinct doubles (DBL_DIG), so merged
/// values are looked for only when the column holds a longer decimal, and then only among
/// the values that occur more than once.
///
/// - Parameters:
///   - column: The column name, for the message.
///   - texts: The cells.
///   - values: The cells as read (`Double(text)`, NaN when empty), same length.
/// - Complexity: O(total text length), plus O(n log n) when a long decimal occurs.
func conversionWarnings(column: String, texts: [String], values: [Double]) -> [String] {
  var overflow: Int?
  var underflow: Int?
  var hasLong = false
  for (i, text) in texts.enumerated() {
    let value = values[i]
    // One pass over the bytes: significant digits of the significand, and whether any
    // digit / nonzero digit occurs (inf and nan spellings have none).
    var significant = 0
    var sawDigit = false
    var sawNonzero = false
    var inExponent = false
    for b in text.utf8 {
      if b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
        inExponent = true
      } else if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
        sawDigit = true
        if !inExponent {
          if b != UInt8(ascii: "0") { sawNonzero = true }
          if sawNonzero { significant += 1 }
        }
      }
    }
    if value.isInfinite && sawDigit {
      if overflow == nil { overflow = i }
    } else if value == 0 && sawNonzero {
      if underflow == nil { underflow = i }
    } else if significant > 15 && value.isFinite {
      hasLong = true
    }
  }
  var warnings: [String] = []
  func trimmed(_ i: Int) -> String { trimmedCell(texts[i]) }
  if let overflow {
    warnings.append(
      "column \"\(column)\": \(trimmed(overflow)) is beyond the 64-bit float range; it reads as \(values[overflow] < 0 ? "-inf" : "inf") and is excluded like other non-finite values")
  }
  if let underflow {
    warnings.append(
      "column \"\(column)\": \(trimmed(underflow)) is nonzero but below the 64-bit float range; it reads as 0")
  }
  guard hasLong else { return warnings }
  // Values that occur more than once: the only ones two different decimals can share.
  var sorted = values.filter(\.isFinite)
  sorted.sort()
  var repeated = Set<Double>()
  for j in sorted.indices.dropFirst() where sorted[j] == sorted[j - 1] { repeated.insert(sorted[j]) }
  if repeated.isEmpty { return warnings }
  var first: [Double: (index: Int, exact: String?)] = [:]
  for (i, value) in values.enumerated() where repeated.contains(value) {
    guard let seen = first[value] else {
      first[value] = (i, nil)
      continue
    }
    if texts[i] == texts[seen.index] { continue }
    let exact = seen.exact ?? GridLevel.numberKey(trimmed(seen.index))
    first[value] = (seen.index, exact)
    if let exact, let other = GridLevel.numberKey(trimmed(i)), other != exact {
      warnings.append(
        "column \"\(column)\": \(trimmed(seen.index)) and \(trimmed(i)) are different numbers but the same 64-bit float \(value.description), so they compare as equal (a tie)")
      break
    }
  }
  return warnings
}
