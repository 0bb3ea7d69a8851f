import ArgumentParser
import FeedForward
import Foundation
import SweepPlanning
import Sweeps
import TabularOutput

/// `text` as one shell word: unchanged when it only holds safe characters, else in single quotes.
func shellWord(_ text: String) -> String {
  let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
  if !text.isEmpty, text.allSatisfy(safe.contains) { return text }
  return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// `gapdb demo`: the README's main job — reduced width and grid experiments on Fashion-MNIST,
/// then the report.
public struct DemoCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Run reduced width and grid experiments on Fashion-MNIST and write their report.",
    discussion: """
      Two experiments, 16 runs:
        demo-width  one hidden layer of 16, 64, 256, 1024 units × true vs random
                    labels (Neyshabur et al. 2017, reduced): SGD with momentum
                    0.9, learning rate 0.05, batch 64, on a seeded 1000-image
                    subset, until the training cross-entropy reaches 0.01 (at
                    most 300 epochs), so that the networks fit their training
                    set, random labels included (16 units cannot: too small)
        demo-grid   depth {1, 2} × width {64, 256} × learning rate {0.01, 0.05}:
                    a complete 2×2×2 grid for τ, Ψ and CMI (after Jiang et al.),
                    plain SGD, batch 64, a 5000-image subset, 30 epochs
      Measures are recorded every 10 epochs (width) or 2 epochs (grid) and at
      the end. The perturbation (flatness) measures are left out: they would
      multiply the demo's time. Finished runs are reused when the demo is run
      again, so an interrupted demo resumes.

      At the end it writes the HTML report and prints where the store and the
      report are, and the commands to look further.

      Examples:
        gapdb demo
        gapdb demo --store demo.sqlite --out demo.html --jobs 2
        gapdb demo --train-size 2000 --epochs 5      # a faster, rougher grid
      """)

  /// Hidden units of the reduced width sweep.
  static let widths = [16, 64, 256, 1024]
  /// Default training-subset size of the grid.
  static let defaultTrainSize = 5000
  /// Default epoch cap of the grid.
  static let defaultEpochs = 30
  /// Default training-subset size of the width sweep: small enough that random labels are
  /// memorised within the epoch cap.
  static let defaultWidthTrainSize = 1000
  /// Default epoch cap of the width sweep (runs stop earlier at ``widthTargetTrainLoss``).
  static let defaultWidthEpochs = 300
  /// The width sweep's stopping target (training cross-entropy, nats; Jiang et al.'s 0.01).
  static let widthTargetTrainLoss = 0.01
  /// Measure cadence (epochs) of the grid.
  static let measureEvery = 2
  /// Measure cadence (epochs) of the width sweep.
  static let widthMeasureEvery = 10

  @Option(help: "The store to write (reused when it exists).")
  var store = "gapdb-demo.sqlite"

  @Option(help: "The HTML report to write (.html or .htm).")
  var out = "gapdb-demo-report.html"

  @Option(help: "Runs trained at once (each in its own process).")
  var jobs = 2

  @Option(help: "Training examples per run of the grid.")
  var trainSize = DemoCommand.defaultTrainSize

  @Option(help: "Epoch cap per run of the grid.")
  var epochs = DemoCommand.defaultEpochs

  @Option(help: "Training examples per run of the width sweep.")
  var widthTrainSize = DemoCommand.defaultWidthTrainSize

  @Option(help: "Epoch cap per run of the width sweep (it stops at a training loss of 0.01).")
  var widthEpochs = DemoCommand.defaultWidthEpochs

  @Option(help: "IDX data directory (default: the installed Fashion-MNIST).")
  var dataDir: String?

  @Flag(help: "No progress line on stderr.")
  var quiet = false

  public init() {}

  public mutating func validate() throws {
    if jobs < 1 { throw ValidationError("--jobs must be ≥ 1; got \(jobs).") }
    if trainSize < 1 { throw ValidationError("--train-size must be ≥ 1; got \(trainSize).") }
    if epochs < 1 { throw ValidationError("--epochs must be ≥ 1; got \(epochs).") }
    if widthTrainSize < 1 { throw ValidationError("--width-train-size must be ≥ 1; got \(widthTrainSize).") }
    if widthEpochs < 1 { throw ValidationError("--width-epochs must be ≥ 1; got \(widthEpochs).") }
    if let what = storeFileOverwritten(by: out, store: store) {
      throw ValidationError(
        "--out '\(out)' is \(what); writing the report there would destroy the store. "
          + "Hint: give the report its own name, e.g. --out report.html.")
    }
    if ReportFormat(path: out) != .html {
      throw ValidationError("--out '\(out)': the demo writes an HTML report. Hint: name it .html or .htm.")
    }
  }

  /// The demo's two sweeps, with their measure cadences.
  static func sweeps(
    trainSize: Int, epochs: Int, widthTrainSize: Int = defaultWidthTrainSize, widthEpochs: Int = defaultWidthEpochs
  ) -> [(spec: SweepSpecification, measureEvery: Int)] {
    var width = SweepPreset.width.specification(trainSize: widthTrainSize, epochs: widthEpochs, widths: widths)
    width.name = "demo-width"
    width.fixed[.optimizer] = .text(OptimizerName.momentum.rawValue)
    width.fixed[.learningRate] = .real(0.05)
    width.fixed[.targetTrainLoss] = .real(widthTargetTrainLoss)
    let grid = SweepSpecification(
      name: "demo-grid",
      fixed: [.trainSize: .integer(trainSize), .epochs: .integer(epochs), .batchSize: .integer(64)],
      axes: [
        .depth: [.integer(1), .integer(2)], .width: [.integer(64), .integer(256)],
        .learningRate: [.real(0.01), .real(0.05)],
      ])
    return [(width, widthMeasureEvery), (grid, measureEvery)]
  }

  /// How to type this gapdb in a shell, for the "Next:" hints: `gapdb` when that name on
  /// `PATH` is this very binary; else its path relative to the working directory when it lies
  /// below it (`.build/release/gapdb` after `swift run -c release gapdb demo`); else its
  /// absolute path; `swift run -c release gapdb` when the binary is unknown. Quoted for the
  /// shell when needed.
  static func invocation(executablePath: String?, currentDirectory: String, searchPath: String) -> String {
    guard let executablePath else { return "swift run -c release gapdb" }
    let binary = URL(fileURLWithPath: executablePath).standardizedFileURL.resolvingSymlinksInPath().path
    for directory in searchPath.split(separator: ":") where !directory.isEmpty {
      let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("gapdb")
      if FileManager.default.isExecutableFile(atPath: candidate.path),
        candidate.standardizedFileURL.resolvingSymlinksInPath().path == binary
      {
        return "gapdb"
      }
    }
    let base = URL(fileURLWithPath: currentDirectory).standardizedFileURL.path
    let prefix = base.hasSuffix("/") ? base : base + "/"
    if base != "/", binary.hasPrefix(prefix) { return shellWord(String(binary.dropFirst(prefix.count))) }
    return shellWord(binary)
  }

  public func run() throws {
    let start = Date()
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("gapdb-demo-\(UUID().uuidString)")
    try writingFile(work.path) { try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true) }
    defer { try? FileManager.default.removeItem(at: work) }
    var experiments: [String] = []
    let plan = Self.sweeps(
      trainSize: trainSize, epochs: epochs, widthTrainSize: widthTrainSize, widthEpochs: widthEpochs)
    for (spec, measureEvery) in plan {
      let name = spec.name ?? "demo"
      experiments.append(name)
      let file = work.appendingPathComponent("\(name).json").path
      try writingFile(file) { try spec.jsonText().write(toFile: file, atomically: true, encoding: .utf8) }
      var arguments = [
        store, "--file", file, "--experiment", name, "--jobs", String(jobs),
        "--measure-every", String(measureEvery),
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
    let gapdb = Self.invocation(
      executablePath: currentGapdbExecutable(), currentDirectory: fm.currentDirectoryPath,
      searchPath: ProcessInfo.processInfo.environment["PATH"] ?? "")
    sink.write("Next:   \(gapdb) correlate \(shellWord(store)) --experiment demo-grid\n")
    sink.write("        \(gapdb) correlate \(shellWord(store)) --experiment demo-width\n")
    sink.flush()
  }
}
