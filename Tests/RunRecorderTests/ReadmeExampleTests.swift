import Foundation
import ResultsStore
import RunRecorder
import Testing
import TestSupport

/// The README's "Recording from your own training loop" example compiles and runs: the code
/// between the markers below must equal the README's swift block (a test checks it).
@Suite struct ReadmeExampleTests {
  func readmeExample(in dir: TemporaryDirectory) throws {
    // The example opens "runs.sqlite"; this local function (shadowing the type's initializer)
    // puts that file in the test's directory without changing the process's working
    // directory, which other tests' child processes inherit.
    func Recorder(path: String) throws -> RunRecorder.Recorder {
      try RunRecorder.Recorder(path: dir.path(path))
    }
    // BEGIN README EXAMPLE
    let recorder = try Recorder(path: "runs.sqlite")
    let run = try recorder.beginRun(
      RunSpec(
        experiment: "width-sweep", name: "mlp-512",
        hyperparameters: ["learning_rate": 0.01, "width": 512, "optimizer": "sgd"],
        seed: 1, dataset: "fashion-mnist",
        layers: [LayerInfo(index: 0, name: "fc1", fanIn: 784, fanOut: 512),
                 LayerInfo(index: 1, name: "fc2", fanIn: 512, fanOut: 10)]))
    for epoch in 0...3 {  // epoch 0 = the initial weights; train one epoch before each other
      var fc1 = LayerSummaryRecord(layerIndex: 0)
      fc1.frobeniusNorm = 21.4
      try run.recordEpoch(
        EpochRecord(
          epoch: epoch, step: Int64(epoch) * 469,
          metrics: EpochMetrics(trainLoss: 0.5, testLoss: 0.6, trainError: 0.1, testError: 0.15),
          layerSummaries: [fc1], measures: [MeasureRecord(measureID: "spectral_product", value: 42)]))
    }
    try run.finish(status: .finished, stopReason: "max_epochs")
    // END README EXAMPLE
  }

  @Test func readmeExample_runs_andRecordsFourEpochs() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    try readmeExample(in: dir)
    let db = try Database(storePath: dir.path("runs.sqlite"), readOnly: true)
    #expect(try db.scalar(sql: "SELECT count(*) FROM epoch_metric") == .integer(4))
    #expect(try db.scalar(sql: "SELECT final_step FROM run_summary") == .integer(3 * 469))
    #expect(try db.scalar(sql: "SELECT count(*) FROM measure_value WHERE measure_id = 'spectral_product'") == .integer(4))
  }

  @Test func readmeExample_matchesREADME() throws {
    let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
    let lines = source.components(separatedBy: "\n")
    guard let begin = lines.firstIndex(where: { $0.contains("// BEGIN README EXAMPLE") }),
      let end = lines.firstIndex(where: { $0.contains("// END README EXAMPLE") })
    else {
      Issue.record("markers missing")
      return
    }
    let example = lines[(begin + 1)..<end].map { String($0.dropFirst(4)) }.joined(separator: "\n")
    let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
    let heading = try #require(readme.range(of: "## Recording from your own training loop"))
    let afterHeading = readme[heading.upperBound...]
    let open = try #require(afterHeading.range(of: "```swift\n"))
    let close = try #require(afterHeading[open.upperBound...].range(of: "```"))
    let block = String(afterHeading[open.upperBound..<close.lowerBound])
    #expect(block == "import RunRecorder\n\n" + example + "\n")
  }
}
