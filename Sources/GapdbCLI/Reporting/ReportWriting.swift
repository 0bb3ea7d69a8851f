import Foundation
import GapAnalysis
import Reports
import ResultsStore

/// The report file formats.
enum ReportFormat: String, CaseIterable, Sendable {
  case html, markdown

  /// The format implied by a path's extension, case-insensitively: `.html`, `.htm` → html;
  /// `.md`, `.markdown` → markdown; any other extension (or none) → `nil`, so that
  /// `report.pdf` is never silently written as HTML.
  init?(path: String) {
    switch URL(fileURLWithPath: path).pathExtension.lowercased() {
    case "html", "htm": self = .html
    case "md", "markdown": self = .markdown
    default: return nil
    }
  }
}

/// Builds the report of some experiments of a store and writes it.
///
/// - HTML: one self-contained file (inline CSS and SVG).
/// - Markdown: the `.md` file plus its figures as SVG files in `<name>_files/` beside it.
///
/// - Parameters:
///   - storePath: The store (opened read-only; it is never modified).
///   - experiments: Experiment names; empty means every experiment in the store.
///   - outputPath: The report file.
///   - format: HTML or Markdown.
///   - selection: Snapshot, gap, runs, measures and axes of the correlation table.
/// - Returns: The experiments reported, and the files written.
/// - Throws: ``CommandError`` for a missing store or an unknown experiment; `DatabaseError`,
///   `MigrationError` or file errors.
func writeExperimentReport(
  storePath: String, experiments: [String], outputPath: String, format: ReportFormat,
  selection: ReportSelection = ReportSelection()
) throws -> (experiments: [String], files: [String]) {
  guard FileManager.default.fileExists(atPath: storePath) else {
    throw CommandError(
      "No store at '\(storePath)'.", hint: "Give the .sqlite file that gapdb sweep or gapdb train wrote.")
  }
  let database = try openStore(storePath, readOnly: true)  // one error + hint (directory, …)
  let loader = StoreReportLoader(database: database, storePath: storePath)
  let available = try loader.experimentNames()
  var chosen = experiments
  if chosen.isEmpty {
    guard !available.isEmpty else {
      throw CommandError(
        "The store '\(storePath)' has no experiments yet.", hint: "Record runs first: gapdb sweep or gapdb train.")
    }
    chosen = available
  }
  for name in chosen where !available.contains(name) {
    throw CommandError(
      "No experiment named '\(name)' in '\(storePath)'.",
      hint: "Experiments in this store: \(available.joined(separator: ", ")).")
  }
  let source = (storePath as NSString).standardizingPath
  var document = ReportDocument(title: "gapdb report: " + chosen.joined(separator: ", "))
  for name in chosen {
    let data = try loader.load(experiment: name, source: source, selection: selection)
    document.blocks += ExperimentReport.makeDocument(data).blocks
  }
  // Every path written, checked before the first is (--out was checked by validate(); the
  // Markdown figure folder and files are checked here too).
  func guardOutput(_ path: String) throws {
    if let what = storeFileOverwritten(by: path, store: storePath) {
      throw CommandError(
        "cannot write \(path): it is \(what)", hint: "give the report its own name, e.g. --out report.html.")
    }
  }
  try guardOutput(outputPath)
  var files = [outputPath]
  switch format {
  case .html:
    try writingFile(outputPath) {
      try document.renderHTML().write(toFile: outputPath, atomically: true, encoding: .utf8)
    }
  case .markdown:
    let stem = ((outputPath as NSString).lastPathComponent as NSString).deletingPathExtension
    let assetName = stem + "_files"
    let directory = ((outputPath as NSString).deletingLastPathComponent as NSString)
      .appendingPathComponent(assetName)
    let rendering = document.renderMarkdown(assetDirectory: assetName)
    try guardOutput(directory)
    for asset in rendering.assets {
      try guardOutput((directory as NSString).appendingPathComponent(asset.name))
    }
    try writingFile(directory) {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    for asset in rendering.assets {
      let path = (directory as NSString).appendingPathComponent(asset.name)
      try writingFile(path) { try asset.contents.write(toFile: path, atomically: true, encoding: .utf8) }
      files.append(path)
    }
    try writingFile(outputPath) {
      try rendering.text.write(toFile: outputPath, atomically: true, encoding: .utf8)
    }
  }
  return (chosen, files)
}
