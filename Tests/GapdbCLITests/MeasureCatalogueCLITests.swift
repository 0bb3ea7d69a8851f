import Foundation
import GapdbCLI
import ResultsStore
import TabularOutput
import TestSupport
import Testing

/// `gapdb measures --list` against what `gapdb train` actually records: every id a run writes
/// is listed, and the catalogue rows the run writes are the listed rows.
@Suite struct MeasureCatalogueCLITests {
  /// `gapdb measures --list --format json` as one dictionary per measure, by id.
  func listed() throws -> [String: [String: Any]] {
    let sink = StringSink()
    try MeasuresCommand.parse(["--list", "--format", "json"]).execute(sink: sink)
    let rows = try #require(try JSONSerialization.jsonObject(with: Data(sink.text.utf8)) as? [[String: Any]])
    var byID: [String: [String: Any]] = [:]
    for row in rows { byID[try #require(row["id"] as? String)] = row }
    #expect(byID.count == rows.count, "ids are unique")
    return byID
  }

  @Test func list_containsEveryIDATrainRunRecords_andStoreCatalogueEqualsTheList() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    var rng = SplitMix64(seed: 5)
    var lines: [String] = []
    for i in 0..<60 {
      let c = i % 2
      lines.append("\(c),\(Double(c) + Double.random(in: -0.7...0.7, using: &rng)),\(Double.random(in: -1...1, using: &rng))")
    }
    let csv = dir.path("two.csv")
    try lines.joined(separator: "\n").write(toFile: csv, atomically: true, encoding: .utf8)
    let db = dir.path("runs.sqlite")
    // Data-free, margin, perturbation (final epoch) and optimization measures.
    let result = try runProduct(
      "gapdb",
      [
        "train", "--db", db, "--experiment", "catalogue", "--csv", csv, "--no-test-set", "--hidden", "4", "--epochs", "2", "--lr", "0.1",
        "--batch-size", "10", "--quiet", "--perturb-depth", "5", "--perturb-ascent-steps", "2",
      ])
    #expect(result.status == 0, "\(result.stderr)")
    let store = try Database(path: db, mode: .readOnly)
    let recorded = Set(
      try store.fetchAll(sql: "SELECT DISTINCT measure_id FROM measure_value").compactMap { $0["measure_id"]?.stringValue })
    let list = try listed()
    #expect(recorded.subtracting(list.keys).isEmpty, "recorded but not listed: \(recorded.subtracting(list.keys).sorted())")
    // Today a run with the perturbation suite records every listed measure.
    #expect(Set(list.keys) == recorded, "listed but never recorded: \(Set(list.keys).subtracting(recorded).sorted())")
    #expect(recorded.contains("pacbayes_sigma") && recorded.contains("sotl") && recorded.contains("spec_prod"))

    let columns = [
      "id", "name", "description", "formula", "source", "needs_data", "needs_init", "is_node_rescaling_invariant",
      "is_layer_rescaling_invariant", "is_output_scaling_invariant",
    ]
    let rows = try store.fetchAll(sql: "SELECT \(columns.joined(separator: ", ")) FROM measure")
    #expect(rows.count == list.count)
    for row in rows {
      let id = try #require(row["id"]?.stringValue)
      let entry = try #require(list[id], "catalogue row \(id) is not listed")
      for column in columns {
        let stored: String
        switch row[column] {
        case .text(let t)?: stored = t
        case .integer(let i)?: stored = String(i)
        default: stored = "\(String(describing: row[column]))"
        }
        let shown = entry[column].map { "\($0)" } ?? "missing"
        #expect(stored == shown, "\(id).\(column): store \(stored), list \(shown)")
      }
      // needs: the list's needs column implies the store's flags.
      let needs = try #require(entry["needs"] as? String).split(separator: ",").map(String.init)
      let needsData = !Set(needs).isDisjoint(with: ["training_logits", "data_statistics", "training_data", "gradients"])
      #expect(row["needs_data"] == .integer(needsData ? 1 : 0), "\(id)")
      #expect(row["needs_init"] == .integer(needs.contains("initial_weights") ? 1 : 0), "\(id)")
    }
  }
}
