import ArgumentParser
import Foundation
import RunRecorder

/// `gapdb-bench record-new-ids`: one epoch that brings many measure ids the catalogue has
/// never seen, at several sizes, to show how the cost grows with the number of new ids.
struct NewMeasureIDsBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "record-new-ids",
    abstract: "Time one recordEpoch whose N measure ids are all new to the catalogue.",
    discussion: """
      For each N of --sizes: a fresh store, one run, one recordEpoch with N values of N \
      distinct, unregistered measure ids (each gets its minimal catalogue row in the same \
      transaction). Prints seconds and microseconds per id; a linear recorder keeps µs/id \
      flat as N grows, a quadratic one grows it in proportion to N. Build with -c release.

      Example:
        swift run -c release gapdb-bench record-new-ids --sizes 5000,10000,20000,40000
      """)

  @Option(help: "Comma-separated numbers of new ids per epoch.") var sizes = "5000,10000,20000,40000"
  @Option(help: "Repetitions per size (the median is reported).") var repeats = 3

  func run() throws {
    let counts = sizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !counts.isEmpty, counts.allSatisfy({ $0 > 0 }), repeats > 0 else {
      throw ValidationError("--sizes takes positive whole numbers (e.g. 5000,40000); --repeats ≥ 1.")
    }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gapdb-bench-ids-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    for n in counts {
      let measures = (0..<n).map { MeasureRecord(measureID: "new_\($0)", value: Double($0)) }
      var seconds: [Double] = []
      for repetition in 0..<repeats {
        let path = dir.appendingPathComponent("n\(n)-\(repetition).sqlite").path
        let recorder = try Recorder(path: path)
        let run = try recorder.beginRun(RunSpec(experiment: "bench", name: "ids"))
        let start = ContinuousClock.now
        try run.recordEpoch(EpochRecord(epoch: 0, step: 0, metrics: EpochMetrics(), measures: measures))
        let elapsed = ContinuousClock.now - start
        seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
      }
      let median = seconds.sorted()[seconds.count / 2]
      print(String(format: "%7d new ids: %.3f s (%.2f µs per id)", n, median, median / Double(n) * 1e6))
    }
  }
}
