import ArgumentParser
import Foundation
import SweepPlanning
import TabularOutput

/// `gapdb demo`: the README's main job — reduced width and grid experiments on Fashion-MNIST,
/// then the report.
public struct DemoCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Run reduced width and grid experiments on Fashion-MNIST and write their report.",
    discussion: """
      Two experiments, 16 runs, 1 min 50 s of CPU time in total (6 min 26 s of
      wall time were measured with the 2 cores shared by parallel builds, load
      average ~14; an idle 2-core machine needs a few minutes):
        demo-width  one hidden layer of 16, 64, 256, 1024 units × true vs random
                    labels, learning rate 0.05 (Neyshabur et al. 2017, reduced)
        demo-grid   depth {1, 2} × width {64, 256} × learning rate {0.01, 0.05}:
                    a complete 2×2×2 grid for τ, Ψ and CMI (after Jiang et al.)
      Every run trains with SGD (batch 64) on the same seeded 5000-image subset
      of Fashion-MNIST for at most 30 epochs (the width runs stop early at a
      training loss of 0.01); measures are recorded every 2 epochs and at the
      end. Finished runs are reused when the demo is run again, so an
      interrupted demo resumes.

      At the end it writes the HTML report and prints where the store and the
      report are.

      Examples:
        gapdb demo
        gapdb demo --store demo.sqlite --out demo.html --jobs 2
        gapdb demo --train-size 2000 --epochs 5      # a faster, rougher demo
      """)

  /// Hidden units of the reduced width sweep.
  static let widths = [16, 64, 256, 1024]
  /// Default training-subset size.
  static let defaultTrainSize = 5000
  /// Default epoch cap.
  static let defaultEpochs = 30
  /// Measure cadence (epochs).
  static let measureEvery = 2

  @Option(help: "The store to write (reused when it exists).")
  var store = "gapdb-demo.sqlite"

  @Option(help: "The HTML report to write.")
  var out = "gapdb-demo-report.html"

  @Option(help: "Runs trained at once (each in its own process).")
  var jobs = 2

  @Option(help: "Training examples per run.")
  var trainSize = DemoCommand.defaultTrainSize

  @Option(help: "Epoch cap per run.")
  var epochs = DemoCommand.defaultEpochs

  @Option(help: "IDX data directory (default: the installed Fashion-MNIST).")
  var dataDir: String?

  @Flag(help: "No progress line on stderr.")
  var quiet = false

  public init() {}

  public mutating func validate() throws {
    if jobs < 1 { throw ValidationError("--jobs must be ≥ 1; got \(jobs).") }
    if trainSize < 1 { throw ValidationError("--train-size must be ≥ 1; got \(trainSize).") }
    if epochs < 1 { throw ValidationError("--epochs must be ≥ 1; got \(epochs).") }
  }

  /// The demo's two sweeps.
  static func sweeps(trainSize: Int, epochs: Int) -> [SweepSpecification] {
    var width = SweepPreset.width.specification(trainSize: trainSize, epochs: epochs, widths: widths)
    width.name = "demo-width"
    width.fixed[.learningRate] = .real(0.05)
    let grid = SweepSpecification(
      name: "demo-grid",
      fixed: [.trainSize: .integer(trainSize), .epochs: .integer(epochs), .batchSize: .integer(64)],
      axes: [
        .depth: [.integer(1), .integer(2)], .width: [.integer(64), .integer(256)],
        .learningRate: [.real(0.01), .real(0.05)],
      ])
    return [width, grid]
  }

  public func run() throws {
    let start = Date()
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("gapdb-demo-\(UUID().uuidString)")
    try writingFile(work.path) { try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true) }
    defer { try? FileManager.default.removeItem(at: work) }
    var experiments: [String] = []
    for spec in Self.sweeps(trainSize: trainSize, epochs: epochs) {
      let name = spec.name ?? "demo"
      experiments.append(name)
      let file = work.appendingPathComponent("\(name).json").path
      try writingFile(file) { try spec.jsonText().write(toFile: file, atomically: true, encoding: .utf8) }
      var arguments = [
        store, "--file", file, "--experiment", name, "--jobs", String(jobs),
        "--measure-every", String(Self.measureEvery),
      ]
      if let dataDir { arguments += ["--data-dir", dataDir] }
      if quiet { arguments.append("--quiet") }
      let sweep = try SweepCommand.parse(arguments)
      try sweep.run()
    }
    let result = try writeExperimentReport(
      storePath: store, experiments: experiments, outputPath: out, format: .html)
    let fm = FileManager.default
    func absolute(_ p: String) -> String {
      p.hasPrefix("/") ? p : (fm.currentDirectoryPath as NSString).appendingPathComponent(p)
    }
    let sink = StandardOutputSink()
    sink.write("Demo finished in \(formatDuration(Date().timeIntervalSince(start))).\n")
    sink.write("Store:  \(absolute(store))\n")
    sink.write("Report: \(absolute(result.files[0]))\n")
    sink.write("Next:   gapdb correlate \(store) --experiment demo-grid\n")
    sink.flush()
  }
}
