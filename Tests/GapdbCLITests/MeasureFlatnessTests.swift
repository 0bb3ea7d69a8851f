import ExperimentRunner
import FeedForward
import Foundation
import GapdbCLI
import ResultsStore
import TabularOutput
import TestSupport
import Testing

/// `gapdb measure WEIGHTS --data TRAIN`: the perturbation measures join the output.
@Suite struct MeasureFlatnessTests {
  func run(_ arguments: [String]) throws -> String {
    let command = try MeasureCommand.parse(arguments)
    let sink = StringSink()
    try command.execute(sink: sink)
    return sink.text
  }

  /// A 3-8-2 network as .npz (gapdb's snapshot format) and a 60-row CSV training set.
  func inputs(in dir: TemporaryDirectory, features: Int = 3) throws -> (npz: String, csv: String) {
    let network = MultilayerPerceptron(layerSizes: [3, 8, 2], seed: 4)
    let npz = dir.path("net.npz")
    try Data(WeightSnapshot.encode(network)).write(to: URL(fileURLWithPath: npz))
    var rng = SplitMix64(seed: 3)
    var text = ""
    for i in 0..<60 {
      let values = (0..<features).map { _ in String(Double.random(in: -1...1, using: &rng)) }
      text += "\(i % 2)," + values.joined(separator: ",") + "\n"
    }
    let csv = dir.path("train.csv")
    try text.write(toFile: csv, atomically: true, encoding: .utf8)
    return (npz, csv)
  }

  @Test func dataAddsPerturbationMeasuresWithSettings() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let (npz, csv) = try inputs(in: dir)
    let json = try run([npz, "--data", csv, "--perturb-subset", "0", "--perturb-depth", "6", "--perturb-ascent-steps", "3", "--json"])
    let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
    let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0["id"] as! String, $0) })
    let sigma = try #require(byID["pacbayes_sigma"])
    #expect(sigma["kind"] as? String == "finite")
    let detail = try #require(sigma["detail"] as? String)
    #expect(detail.contains("\"depth\":6") && detail.contains("\"examples_used\":60") && detail.contains("\"perturbed\":\"all\""))
    // No --init: the init forms are undefined with the reason.
    #expect(byID["pacbayes_init"]?["kind"] as? String == "undefined")
    #expect((byID["pacbayes_init"]?["detail"] as? String)?.contains("no initial weights") == true)
    #expect(byID["keskar_sharpness_eps1e-3"]?["kind"] as? String == "finite")
    // The weight-based measures are still there.
    #expect(byID["num_params"]?["value"] as? Double == 40)
  }

  @Test func dataWithTheWrongFeatureCountIsAnErrorNamingBoth() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let (npz, csv) = try inputs(in: dir, features: 5)
    do {
      _ = try run([npz, "--data", csv])
      Issue.record("expected an error")
    } catch {
      let text = "\(error)"
      #expect(text.contains("5 features") && text.contains("expects 3"), "\(text)")
    }
  }
}

/// `gapdb train --perturb-every N` (out of process): the suite at every N-th and the final
/// epoch, `--no-perturb` records none of it, and a bad value is a usage error (64).
@Suite struct TrainPerturbTests {
  func csv(_ dir: TemporaryDirectory) throws -> String {
    var rng = SplitMix64(seed: 5)
    var lines: [String] = []
    for i in 0..<60 {
      let c = i % 2
      lines.append("\(c),\(Double(c) + Double.random(in: -0.7...0.7, using: &rng)),\(Double.random(in: -1...1, using: &rng))")
    }
    let path = dir.path("two.csv")
    try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func perturbEveryRecordsTheSuiteOnSchedule() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let db = dir.path("runs.sqlite")
    let data = try csv(dir)
    let base = ["train", "--db", db, "--csv", data, "--hidden", "4", "--epochs", "3", "--lr", "0.1", "--batch-size", "10", "--quiet"]
    let result = try runProduct(
      "gapdb", base + ["--experiment", "on", "--perturb-every", "2", "--perturb-depth", "5", "--perturb-ascent-steps", "2"])
    #expect(result.status == 0, "\(result.stderr)")
    let off = try runProduct("gapdb", base + ["--experiment", "off", "--no-perturb"])
    #expect(off.status == 0, "\(off.stderr)")
    let store = try Database(path: db, mode: .readOnly)
    let epochs = try store.fetchAll(
      sql: """
        SELECT mv.epoch FROM measure_value mv JOIN run r ON r.id = mv.run_id JOIN experiment e ON e.id = r.experiment_id
        WHERE e.name = 'on' AND mv.measure_id = 'pacbayes_mag_flatness' ORDER BY mv.epoch
        """
    ).compactMap { $0["epoch"]?.int64Value }
    #expect(epochs == [2, 3])
    let offCount = try store.scalar(
      sql: """
        SELECT count(*) FROM measure_value mv JOIN run r ON r.id = mv.run_id JOIN experiment e ON e.id = r.experiment_id
        WHERE e.name = 'off' AND mv.measure_id IN ('pacbayes_sigma', 'sotl')
        """)
    #expect(offCount == .integer(0))
    let bad = try runProduct("gapdb", base + ["--experiment", "bad", "--perturb-every", "-1"])
    #expect(bad.status == 64)
    #expect(bad.stderr.contains("--perturb-every"))
  }
}
