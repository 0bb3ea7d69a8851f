import ArgumentParser
import ComplexityMeasures
import Datasets
import ExperimentRunner
import FeedForward
import Foundation
import LinearAlgebra
import RunRecorder

/// `gapdb-bench train`: seconds per SGD epoch on the full Fashion-MNIST training set, next to
/// PyTorch (CPU) measured by `bench_train.py` in the same invocation.
struct TrainBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Time SGD epochs on Fashion-MNIST (784-1024-10, 784-512-512-10) next to PyTorch CPU.",
    discussion: """
      Each architecture trains --epochs epochs of plain SGD (batch 128, lr 0.01, shuffled, last
      partial batch used) on the 60,000 training images scaled to [0, 1]. The figure is the
      median time of the optimizer steps of one epoch (full-set evaluation is timed separately
      and reported as eval_s). Then the PyTorch baseline runs the same workload via
      bench_train.py with the same thread count. gapdb and PyTorch alternate for --rounds
      rounds, so a slow spell of a shared machine hits both; the table gives the median and
      the fastest epoch of each side over all rounds and the ratios gapdb / torch of both.

      Examples:
        swift run -c release gapdb-bench train
        swift run -c release gapdb-bench train --epochs 5 --threads 2 --python /usr/bin/python3
      """)

  @Option(help: "Folder with the Fashion-MNIST IDX files.")
  var dataDir: String = IDXDataset.defaultFashionMNISTDirectory

  @Option(help: "Epochs per architecture and round (the median epoch time is reported).")
  var epochs: Int = 3

  @Option(help: "Rounds of gapdb then PyTorch; epoch times are pooled over the rounds.")
  var rounds: Int = 2

  @Option(help: "Architectures, comma-separated, each as layer sizes joined by '-'.")
  var archs: String = "784-1024-10,784-512-512-10"

  @Option(help: "OpenBLAS threads for gapdb and torch.set_num_threads for PyTorch.")
  var threads: Int = 2

  @Option(help: "Folder holding bench_train.py (default: ../shared/baselines from the current folder).")
  var baselineDir: String?

  @Option(help: "Python interpreter with torch (default: /work/baseline-scratch/venv/bin/python if present).")
  var python: String?

  @Flag(help: "Skip the PyTorch baseline.")
  var skipBaseline = false

  @Flag(help: "Skip the recording-overhead measurement (gapdb train's per-epoch measures and store writes).")
  var skipRecording = false

  func run() throws {
    say("OpenBLAS kernel \(BLASKernel.coreName), \(threads) thread(s)")
    let t0 = Date()
    let loaded = try IDXDataset.load(directory: dataDir)
    let (data, _) = try prepare(loaded, with: DataPreparation(scaling: .divide(by: 255)))
    say("loaded \(data.train.sampleCount) train / \(data.test?.sampleCount ?? 0) test images in "
      + String(format: "%.2f s", Date().timeIntervalSince(t0)))
    guard epochs >= 1, rounds >= 1 else { throw ValidationError("--epochs and --rounds must be at least 1") }
    let architectures = archs.split(separator: ",").map(String.init)
    var ours: [String: [Double]] = [:]
    var torch: [String: [Double]] = [:]
    for round in 1...rounds {
      if rounds > 1 { say("round \(round) of \(rounds)") }
      for arch in architectures {
        ours[arch, default: []] += try timeEpochs(arch: arch, data: data)
      }
      if !skipBaseline {
        for (arch, samples) in runBaseline(architectures: architectures) { torch[arch, default: []] += samples }
      }
    }
    if !skipRecording, let arch = architectures.first {
      try measureRecordingOverhead(data: data, arch: arch)
    }
    say("")
    say("arch             gapdb_median torch_median ratio   gapdb_min torch_min ratio   target")
    say("(epoch seconds pooled over \(rounds) alternating round(s) of \(epochs) epoch(s) in this one invocation)")
    for arch in architectures {
      let g = ours[arch] ?? [], t = torch[arch] ?? []
      let (gm, tm) = (median(g), median(t))
      let (gMin, tMin) = (g.min() ?? .nan, t.min() ?? .nan)
      say(arch.padding(toLength: 16, withPad: " ", startingAt: 0)
        + String(format: " %12.3f %12.3f %5.2f   %9.3f %9.3f %5.2f   ≤ 0.80", gm, tm, gm / tm, gMin, tMin, gMin / tMin))
    }
  }

  /// Trains `arch` for `epochs` epochs and returns the seconds of each epoch's optimizer steps.
  private func timeEpochs(arch: String, data: DataSplit) throws -> [Double] {
    let sizes = arch.split(separator: "-").compactMap { Int($0) }
    guard sizes.count >= 2, sizes.first == data.train.featureCount, sizes.last == data.train.classCount else {
      throw ValidationError("architecture '\(arch)' must start with \(data.train.featureCount) and end with 10")
    }
    let config = TrainingConfiguration(
      hiddenLayerSizes: Array(sizes.dropFirst().dropLast()), learningRate: 0.01, batchSize: 128, maxEpochs: epochs,
      seed: 0, blasThreadCount: threads)
    var times: [Double] = []
    var evals: [Double] = []
    let result = train(data: data, configuration: config) { report in
      guard report.epoch > 0 else { return }
      times.append(report.trainingSeconds)
      evals.append(report.evaluationSeconds)
    }
    let med = median(times)
    say("gapdb  " + arch.padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: " epoch median %.3f s (min %.3f max %.3f, n=%d) = %.0f images/s; eval %.3f s; test acc %.3f",
      med, times.min() ?? .nan, times.max() ?? .nan, times.count,
      Double(data.train.sampleCount) / med, median(evals), 1 - (result.finalTestError ?? .nan)))
    return times
  }

  /// Trains `arch` through `runTraining` into a temporary store, measuring every epoch, and
  /// reports the time spent measuring and recording relative to training + evaluation.
  private func measureRecordingOverhead(data: DataSplit, arch: String) throws {
    let sizes = arch.split(separator: "-").compactMap { Int($0) }
    for method in [SpectralMethod.exact, .powerIteration] {
      let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gapdb-bench-train-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: dir) }
      let recorder = try Recorder(path: dir.appendingPathComponent("bench.sqlite").path)
      let config = TrainingRunConfiguration(
        experiment: "bench", dataSource: .idx(directory: dataDir, classCount: 10),
        preparation: DataPreparation(),  // data is already scaled
        training: TrainingConfiguration(
          hiddenLayerSizes: Array(sizes.dropFirst().dropLast()), learningRate: 0.01, batchSize: 128, maxEpochs: epochs,
          seed: 0, blasThreadCount: threads),
        measureEvery: 1, spectralMethod: method)
      let summary = try runTraining(config, data: data, recorder: recorder)
      let n = Double(summary.measuredEpochs.count)
      let perEpochTrain = summary.trainingSeconds / Double(max(summary.epochs, 1))
      let perEpochEval = summary.evaluationSeconds / Double(summary.epochs + 1)
      let perEpochRecord = summary.recordingSeconds / n
      say("gapdb  " + arch.padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: " with recording (spectral %@): train %.3f s + eval %.3f s + measures/store %.3f s per epoch; "
        + "measures/store = %.1f%% of train+eval (target < 10%%), eval = %.1f%% of train",
        method.rawValue as NSString, perEpochTrain, perEpochEval, perEpochRecord,
        100 * perEpochRecord / (perEpochTrain + perEpochEval), 100 * perEpochEval / perEpochTrain))
    }
  }

  /// Runs bench_train.py once for all architectures; returns each one's epoch seconds.
  private func runBaseline(architectures: [String]) -> [String: [Double]] {
    let fm = FileManager.default
    let dir = baselineDir ?? (fm.currentDirectoryPath as NSString).appendingPathComponent("../shared/baselines")
    let script = (dir as NSString).appendingPathComponent("bench_train.py")
    guard fm.fileExists(atPath: script) else {
      say("skipped PyTorch baseline: \(script) not found (pass --baseline-dir)")
      return [:]
    }
    let defaultPython = "/work/baseline-scratch/venv/bin/python"
    guard let interpreter = python ?? (fm.isExecutableFile(atPath: defaultPython) ? defaultPython : nil) else {
      say("skipped PyTorch baseline: no Python with torch (pass --python)")
      return [:]
    }
    let out = fm.temporaryDirectory.appendingPathComponent("gapdb-bench-train-\(UUID().uuidString).json")
    defer { try? fm.removeItem(at: out) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: interpreter)
    process.arguments = [
      script, "--data", dataDir, "--frameworks", "torch", "--epochs", String(epochs), "--threads", String(threads),
      "--archs", architectures.joined(separator: ","), "--out", out.path,
    ]
    say("running PyTorch baseline: \(interpreter) \(process.arguments?.joined(separator: " ") ?? "")")
    do {
      try process.run()
      process.waitUntilExit()
    } catch {
      say("skipped PyTorch baseline: \(error)")
      return [:]
    }
    guard process.terminationStatus == 0, let data = try? Data(contentsOf: out),
      let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let runs = json["runs"] as? [String: Any]
    else {
      say("PyTorch baseline failed (exit \(process.terminationStatus))")
      return [:]
    }
    var result: [String: [Double]] = [:]
    for arch in architectures {
      if let run = runs["torch \(arch)"] as? [String: Any], let samples = run["samples"] as? [Double] {
        result[arch] = samples
      }
    }
    return result
  }
}

/// The median of `values` (mean of the two middle values for an even count); NaN when empty.
func median(_ values: [Double]) -> Double {
  guard !values.isEmpty else { return .nan }
  let s = values.sorted()
  return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
