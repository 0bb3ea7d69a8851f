import Foundation
import LinearAlgebra

/// Which CSV column holds the class label.
public enum CSVLabelColumn: Sendable, Equatable {
  /// The column whose header is `label` (any case) if the file has a header with one,
  /// otherwise the first column.
  case automatic
  /// The column at this 0-based position.
  case index(Int)
  /// The column with this header name (the file must have a header row).
  case name(String)

  /// Parses a command-line value: a non-negative integer is a position, anything else a name.
  /// - Parameter text: `"0"`, `"label"`, `"auto"`…
  public init(_ text: String) {
    if text.lowercased() == "auto" {
      self = .automatic
    } else if let i = Int(text), i >= 0 {
      self = .index(i)
    } else {
      self = .name(text)
    }
  }
}

/// Loading small custom datasets from CSV files: one row per example, a label column and numeric
/// feature columns.
///
/// - A header row is detected when any field of the first row, outside the label column, is not
///   a number. Fields may be quoted (RFC 4180); separators are commas.
/// - Labels must be integers 0, 1, …, k−1. Features must be finite numbers: a missing value,
///   `nan` or `inf` is an error naming the line and column, since it would poison training.
public enum CSVDataset {
  /// Reads one CSV file.
  ///
  /// - Parameters:
  ///   - path: The file.
  ///   - labelColumn: Which column holds the label.
  ///   - classCount: k, or `nil` to use (largest label + 1).
  /// - Returns: A dataset of shape (rows, columns − 1).
  /// - Throws: ``DatasetError/unreadableFile(path:reason:)``,
  ///   ``DatasetError/malformedCSV(path:line:reason:)`` for ragged rows, bad numbers or an empty
  ///   file, and ``DatasetError/labelOutOfRange(path:index:label:classCount:)``.
  /// - Complexity: O(file size).
  public static func load(path: String, labelColumn: CSVLabelColumn = .automatic, classCount: Int? = nil) throws
    -> LabeledDataset
  {
    let (features, labelValues, featureCount) = try parse(path: path, labelColumn: labelColumn)
    let k = try classCount ?? inferredClassCount([(path, labelValues)])
    let labels = try checkedLabels(labelValues, classCount: max(k, 1), path: path)
    return LabeledDataset(
      features: Matrix(rows: labels.count, columns: featureCount, elements: features), labels: labels,
      classCount: max(k, 1))
  }

  /// Reads a training file and, optionally, a test file, or splits the training file.
  ///
  /// - Parameters:
  ///   - trainPath: Training CSV.
  ///   - testPath: Test CSV with the same columns, or `nil`.
  ///   - holdoutFraction: When `testPath` is `nil` and this is > 0, a seeded random
  ///     `round(fraction · rows)` examples become the test set.
  ///   - seed: Seed of the holdout split (stream ``RandomStream/holdoutSplit``).
  ///   - labelColumn: Which column holds the label.
  ///   - classCount: k, or `nil` for (largest label in either file + 1).
  /// - Returns: The split.
  /// - Throws: The errors of ``load(path:labelColumn:classCount:)``,
  ///   ``DatasetError/featureCountMismatch(trainCount:testCount:)`` and
  ///   ``DatasetError/invalidOption(name:value:reason:)`` for a fraction outside [0, 1).
  public static func loadSplit(
    trainPath: String, testPath: String?, holdoutFraction: Double = 0, seed: UInt64 = 0,
    labelColumn: CSVLabelColumn = .automatic, classCount: Int? = nil
  ) throws -> DataSplit {
    guard holdoutFraction >= 0, holdoutFraction < 1 else {
      throw DatasetError.invalidOption(
        name: "--holdout-fraction", value: String(holdoutFraction), reason: "it must lie in [0, 1)")
    }
    let a = try parse(path: trainPath, labelColumn: labelColumn)
    let b = try testPath.map { try parse(path: $0, labelColumn: labelColumn) }
    if let b, b.2 != a.2 { throw DatasetError.featureCountMismatch(trainCount: a.2, testCount: b.2) }
    let k = try max(1, classCount ?? inferredClassCount([(trainPath, a.1)] + (b.map { [(testPath ?? "", $0.1)] } ?? [])))
    let trainLabels = try checkedLabels(a.1, classCount: k, path: trainPath)
    var train = LabeledDataset(
      features: Matrix(rows: trainLabels.count, columns: a.2, elements: a.0), labels: trainLabels, classCount: k)
    var test: LabeledDataset?
    if let b, let testPath {
      let testLabels = try checkedLabels(b.1, classCount: k, path: testPath)
      test = LabeledDataset(
        features: Matrix(rows: testLabels.count, columns: b.2, elements: b.0), labels: testLabels, classCount: k)
    } else if holdoutFraction > 0 {
      var rng = Xoshiro256StarStar(seed: seed, stream: .holdoutSplit)
      let order = rng.permutation(train.sampleCount)
      let testCount = Int((holdoutFraction * Double(train.sampleCount)).rounded())
      test = train.selecting(Array(order[..<testCount]).sorted())
      train = train.selecting(Array(order[testCount...]).sorted())
    }
    let location = [trainPath, testPath].compactMap { $0 }.joined(separator: ", ")
    return DataSplit(
      train: train, test: test, sourceName: ((trainPath as NSString).lastPathComponent as NSString).deletingPathExtension,
      sourceLocation: location)
  }

  /// The most classes a CSV file's labels may imply (largest label + 1): 2^31.
  public static let maximumInferredClassCount = 1 << 31

  /// Largest label + 1 over the files (1 when there are no labels).
  /// - Throws: ``DatasetError/oversized(path:reason:)`` naming the file, the example and the
  ///   label when a label is ≥ ``maximumInferredClassCount`` (where `Int(label) + 1` would be
  ///   meaningless or overflow).
  static func inferredClassCount(_ files: [(path: String, labels: [Double])]) throws -> Int {
    var k = 1
    for (path, labels) in files {
      for (i, v) in labels.enumerated() where v >= Double(k) {
        guard v < Double(maximumInferredClassCount) else {
          throw DatasetError.oversized(
            path: path,
            reason: "label \(v) of example \(i) would make \(v)+1 classes; at most \(maximumInferredClassCount) are supported")
        }
        k = Int(v) + 1
      }
    }
    return k
  }

  /// Parses the file into row-major features, raw label values and the feature count.
  static func parse(path: String, labelColumn: CSVLabelColumn) throws -> ([Float], [Double], Int) {
    let bytes = try readFileBytes(path)
    let text = String(decoding: bytes, as: UTF8.self)
    var rows: [(line: Int, fields: [String])] = []
    var lineNumber = 0
    // Swift reads "\r\n" as one Character, so splitting on "\n" alone would see a CRLF file
    // as a single line: split on either; a lone "\r" left at the end of a line is dropped below.
    for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
      lineNumber += 1
      var line = Substring(rawLine)
      if line.hasSuffix("\r") { line = line.dropLast() }
      if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
      rows.append((lineNumber, try splitFields(line, path: path, line: lineNumber)))
    }
    guard let first = rows.first else {
      throw DatasetError.malformedCSV(path: path, line: 1, reason: "the file has no rows")
    }
    let columnCount = first.fields.count
    guard columnCount >= 2 else {
      throw DatasetError.malformedCSV(
        path: path, line: first.line, reason: "need a label column and at least one feature column, found 1 column")
    }
    // A header row has a non-numeric field.
    let hasHeader = first.fields.contains { parseNumber($0) == nil }
    let header = hasHeader ? first.fields.map { $0.trimmingCharacters(in: .whitespaces) } : nil
    let labelIndex: Int
    switch labelColumn {
    case .automatic:
      labelIndex = header?.firstIndex { $0.lowercased() == "label" } ?? 0
    case .index(let i):
      guard i < columnCount else {
        throw DatasetError.invalidOption(
          name: "--label-column", value: String(i), reason: "'\(path)' has \(columnCount) columns (0-based positions)")
      }
      labelIndex = i
    case .name(let name):
      guard let header, let i = header.firstIndex(of: name) else {
        throw DatasetError.invalidOption(
          name: "--label-column", value: name,
          reason: header.map { "'\(path)' has columns \($0.joined(separator: ", "))" }
            ?? "'\(path)' has no header row; give a 0-based column position")
      }
      labelIndex = i
    }
    let dataRows = hasHeader ? rows.dropFirst() : rows[...]
    let featureCount = columnCount - 1
    var features: [Float] = []
    features.reserveCapacity(dataRows.count * featureCount)
    var labels: [Double] = []
    labels.reserveCapacity(dataRows.count)
    for row in dataRows {
      guard row.fields.count == columnCount else {
        throw DatasetError.malformedCSV(
          path: path, line: row.line, reason: "expected \(columnCount) fields, found \(row.fields.count)")
      }
      for (c, field) in row.fields.enumerated() {
        guard let v = parseNumber(field), v.isFinite else {
          let what = c == labelIndex ? "label" : "feature"
          throw DatasetError.malformedCSV(
            path: path, line: row.line,
            reason: "\(what) column \(c) holds '\(field)', which is not a finite number")
        }
        if c == labelIndex { labels.append(v) } else { features.append(Float(v)) }
      }
    }
    guard !labels.isEmpty else {
      throw DatasetError.malformedCSV(path: path, line: first.line, reason: "the file has a header but no data rows")
    }
    return (features, labels, featureCount)
  }

  private static func parseNumber(_ field: String) -> Double? {
    Double(field.trimmingCharacters(in: .whitespaces))
  }

  /// Splits one line into fields, honouring double-quoted fields with `""` escapes.
  private static func splitFields(_ line: Substring, path: String, line number: Int) throws -> [String] {
    var fields: [String] = []
    var current = ""
    var inQuotes = false
    var iterator = line.makeIterator()
    var pending: Character? = nil
    while let ch = pending ?? iterator.next() {
      pending = nil
      if inQuotes {
        if ch == "\"" {
          if let next = iterator.next() {
            if next == "\"" { current.append("\"") } else { inQuotes = false; pending = next }
          } else {
            inQuotes = false
          }
        } else {
          current.append(ch)
        }
      } else if ch == "\"" {
        inQuotes = true
      } else if ch == "," {
        fields.append(current)
        current = ""
      } else {
        current.append(ch)
      }
    }
    if inQuotes { throw DatasetError.malformedCSV(path: path, line: number, reason: "unterminated quoted field") }
    fields.append(current)
    return fields
  }
}
