import CorrelationStatistics
import Foundation
import TabularOutput

/// The table `gapdb correlate` works on: one gap and any number of measures per run, plus the
/// runs' hyperparameters (the grid axes). Built from a CSV file or from a store.
public struct CorrelationInput {
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
}

/// What `gapdb correlate STORE --experiment NAME` reads: every run's gap and measures at the
/// final epoch, and the grid of the hyperparameters that vary (for benchmarks and tests).
///
/// - Parameters:
///   - storePath: The store.
///   - experiment: The experiment name, or `nil` for all runs.
/// - Returns: The input table.
/// - Throws: ``CommandError`` as `gapdb correlate` does.
public func correlationInput(storePath: String, experiment: String?) throws -> CorrelationInput {
  try loadStoreCorrelationInput(
    path: storePath, experiment: experiment, whereClause: nil, snapshot: .final, gap: .error,
    measures: nil, hyperparameters: nil)
}

/// Parses a numeric CSV cell: empty → `nil` (missing); `nan`, `inf`, `-inf`, `Infinity` and
/// numbers → their value; anything else is not numeric.
func parseNumber(_ text: String) -> (isNumeric: Bool, value: Double?) {
  let trimmed = text.trimmingCharacters(in: .whitespaces)
  if trimmed.isEmpty { return (true, nil) }
  if let v = Double(trimmed) { return (true, v) }
  return (false, nil)
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
/// - Throws: ``CommandError`` naming a missing or non-numeric column.
func makeCorrelationInput(
  table: CSVTable, path: String, gapColumn: String, hyperparameters: [String],
  measureNames: [String]?, ignored: Set<String>
) throws -> CorrelationInput {
  let columnIndex = Dictionary(uniqueKeysWithValues: table.header.enumerated().map { ($1, $0) })
  let available = table.header.joined(separator: ", ")
  guard let gapIndex = columnIndex[gapColumn] else {
    throw CommandError(
      "\(path) has no column \"\(gapColumn)\" for the gap",
      hint: "the columns are: \(available); choose one with --gap-column")
  }
  var axisIndices: [Int] = []
  for name in hyperparameters {
    guard let k = columnIndex[name] else {
      throw CommandError(
        "\(path) has no hyperparameter column \"\(name)\"",
        hint: "the columns are: \(available)")
    }
    axisIndices.append(k)
  }
  guard !table.rows.isEmpty else {
    throw CommandError(
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
      throw CommandError(
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
        throw CommandError(
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
    throw CommandError(
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
    let values = table.rows.map { row in axisIndices.map { GridLevel.key(parsing: cell(row, $0)) } }
    let g = HyperparameterGrid(axisNames: hyperparameters, values: values)
    if g.offGridCount > 0 {
      notes.append("\(g.offGridCount) runs lack a hyperparameter value and are left out of psi, cmi and sign-error")
    }
    grid = g
  }
  var warnings: [String] = []
  for (name, k) in [(gapColumn, gapIndex)] + measures.map({ m in (m.name, columnIndex[m.name]!) }) {
    warnings += conversionWarnings(column: name, texts: table.rows.map { cell($0, k) })
  }
  return CorrelationInput(gap: gap, measures: measures, grid: grid, notes: notes, warnings: warnings)
}

/// Warnings where reading a numeric column as 64-bit floats lost information, naming the
/// column and the first value of each kind: a finite decimal beyond the float range (it reads
/// as ±inf and is excluded), a nonzero decimal that underflows to 0, and two different
/// decimals that read as the same float (the statistics see a tie where the file has an
/// order). Empty when the conversion kept every distinction.
///
/// Decimals with at most 15 significant digits map to distinct doubles (DBL_DIG), so only
/// columns holding a longer decimal are checked for merged values.
/// - Complexity: O(total text length).
func conversionWarnings(column: String, texts: [String]) -> [String] {
  func significantDigits(_ text: String) -> Int {
    var count = 0
    var leading = true
    for b in text.utf8 {
      if b == UInt8(ascii: "e") || b == UInt8(ascii: "E") { break }
      guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else { continue }
      if leading && b == UInt8(ascii: "0") { continue }
      leading = false
      count += 1
    }
    return count
  }
  var warnings: [String] = []
  var overflow: String?
  var underflow: String?
  var long = Set<Double>()
  for text in texts {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard let value = Double(trimmed), let exact = GridLevel.numberKey(trimmed) else { continue }
    if !value.isFinite {
      if overflow == nil { overflow = trimmed }
    } else if value == 0 && exact != "0" {
      if underflow == nil { underflow = trimmed }
    } else if significantDigits(trimmed) > 15 {
      long.insert(value)
    }
  }
  if let overflow {
    warnings.append(
      "column \"\(column)\": \(overflow) is beyond the 64-bit float range; it reads as \(overflow.hasPrefix("-") ? "-inf" : "inf") and is excluded like other non-finite values")
  }
  if let underflow {
    warnings.append(
      "column \"\(column)\": \(underflow) is nonzero but below the 64-bit float range; it reads as 0")
  }
  if long.isEmpty { return warnings }
  var exactOf: [Double: (text: String, exact: String)] = [:]
  for text in texts {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard let value = Double(trimmed), value.isFinite, long.contains(value),
      let exact = GridLevel.numberKey(trimmed)
    else { continue }
    if let first = exactOf[value] {
      if first.exact != exact {
        warnings.append(
          "column \"\(column)\": \(first.text) and \(trimmed) are different numbers but the same 64-bit float \(value.description), so they compare as equal (a tie)")
        break
      }
    } else {
      exactOf[value] = (trimmed, exact)
    }
  }
  return warnings
}
