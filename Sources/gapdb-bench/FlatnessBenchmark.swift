import ArgumentParser
import Datasets
import FeedForward
import FlatnessMeasures
import Foundation

/// `gapdb-bench flatness`: the cost of the full perturbation suite at one checkpoint.
///
/// Trains an MLP 784-1024-10 (SGD, batch 128, lr 0.01, as `bench_train.py`) on the 60,000
/// Fashion-MNIST training images, timing each epoch, then runs the whole suite (PAC-Bayes σ
/// and σ′, sharpness α and α′, Keskar ε = 1e-3 and 5e-4, gradient noise) with gapdb's default
/// settings on a seeded 10,000-example subset, cold and then warm-started after one more
/// epoch. Reports seconds per search and the total in multiples of one training epoch, and
/// runs the PyTorch implementation of the same suite (`scripts/bench_flatness_baseline.py`)
/// in the same invocation.
struct FlatnessBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "flatness",
    abstract: "Cost of the perturbation suite (784-1024-10, 10,000-example Fashion-MNIST subset) in seconds and training epochs.",
    discussion: """
      Examples:
        swift run -c release gapdb-bench flatness
        swift run -c release gapdb-bench flatness --epochs 2 --no-baseline
      """)

  @Option(help: "Folder with the four Fashion-MNIST IDX .gz files.")
  var data: String = IDXDataset.defaultFashionMNISTDirectory

  @Option(help: "Training epochs before the first suite run (each is timed).")
  var epochs: Int = 1

  @Option(help: "Examples the suite measures on (seeded subset of the training set).")
  var subset: Int = 10_000

  @Flag(help: "Skip the warm-started second suite run.")
  var noWarm = false

  @Option(help: "Python interpreter with torch, for the baseline.")
  var python: String = "/work/baseline-scratch/venv/bin/python"

  @Option(help: "The baseline script.")
  var baselineScript: String = "scripts/bench_flatness_baseline.py"

  @Flag(help: "Do not run the PyTorch baseline.")
  var noBaseline = false

  func run() throws {
    let loadStart = Date()
    let raw = try IDXDataset.load(directory: data)
    let (split, _) = try prepare(raw, with: DataPreparation(scaling: .divide(by: 255)))
    let trainOnly = DataSplit(train: split.train, test: nil, sourceName: split.sourceName, sourceLocation: split.sourceLocation)
    say(String(format: "loaded %d training images in %.2f s", split.train.sampleCount, Date().timeIntervalSince(loadStart)))
    var config = TrainingConfiguration(hiddenLayerSizes: [1024], learningRate: 0.01, batchSize: 128, maxEpochs: epochs, seed: 0)
    config.marginSubsetSize = 1
    var epochSeconds: [Double] = []
    let result = train(data: trainOnly, configuration: config) { report in
      if report.epoch > 0 {
        epochSeconds.append(report.trainingSeconds)
        say(String(format: "epoch %d: %.2f s training, %.2f s evaluation, train loss %.4f, train error %.4f",
          report.epoch, report.trainingSeconds, report.evaluationSeconds, report.trainLoss, report.trainError))
      }
    }
    let epochTime = epochSeconds.sorted()[epochSeconds.count / 2]
    let sizes = result.network.layerSizes
    let classifier = try MLPClassifier(layerSizes: sizes, trainingSet: split.train)
    var settings = FlatnessSuiteSettings()
    settings.setSeed(0)
    settings.subsetSize = subset

    func runSuite(_ network: MultilayerPerceptron, warm: FlatnessWarmStart, label: String) throws -> FlatnessReport {
      let t0 = Date()
      let context = try FlatnessContext(
        model: classifier, parameters: network.parameterVector(),
        initialParameters: result.initialNetwork.parameterVector(), subsetSize: subset, seed: 0)
      let report = try runFlatnessSuite(context: context, settings: settings, warmStart: warm)
      let total = Date().timeIntervalSince(t0)
      say("\n\(label): baseline accuracy \(String(format: "%.4f", context.baseline.accuracy)) on \(context.examples.count) examples")
      say("search          seconds  probes  status            scale / value")
      for search in FlatnessSearch.allCases {
        let scaleID: String? = [
          .pacBayes: "pacbayes_sigma", .pacBayesMagnitude: "pacbayes_mag_sigma", .sharpness: "sharpness_alpha",
          .sharpnessMagnitude: "sharpness_mag_alpha", .keskar: "keskar_sharpness_eps1e-3", .gradientNoise: "grad_noise_final",
        ][search]
        let v = report.values.first { $0.id == scaleID }
        let json = v?.detail.jsonText ?? ""
        func field(_ key: String) -> String {
          guard let r = json.range(of: "\"\(key)\":") else { return "-" }
          return String(json[r.upperBound...].prefix { $0 != "," && $0 != "}" }).replacingOccurrences(of: "\"", with: "")
        }
        say(
          String(
            format: "%@ %8.2f  %6@  %-16@  %@", search.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0) as NSString,
            report.seconds[search] ?? .nan,
            field("probe_count") as NSString, field("status") as NSString, "\(v?.value ?? .nan)" as NSString))
      }
      say(String(format: "total %.1f s = %.1f training epochs (60,000 images, batch 128, %.2f s/epoch)", total, total / epochTime, epochTime))
      return report
    }

    let cold = try runSuite(result.network, warm: FlatnessWarmStart(), label: "cold start after epoch \(epochs)")
    if !noWarm {
      var oneMore = config
      oneMore.maxEpochs = 1
      oneMore.seed = 1
      let next = train(data: trainOnly, configuration: oneMore, initialNetwork: result.network) { _ in }
      _ = try runSuite(next.network, warm: cold.warmStart, label: "warm start after epoch \(epochs + 1)")
    }

    guard !noBaseline else { return }
    guard FileManager.default.isExecutableFile(atPath: python), FileManager.default.fileExists(atPath: baselineScript) else {
      say("\nbaseline skipped: \(python) or \(baselineScript) not found")
      return
    }
    say("\nPyTorch baseline (same suite and settings, \(python)):")
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("gapdb-flatness-baseline-\(getpid()).json").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [baselineScript, "--data", data, "--epochs", String(epochs), "--subset", String(subset), "--out", out]
    try process.run()
    process.waitUntilExit()
    if process.terminationStatus != 0 { say("baseline failed with status \(process.terminationStatus)") }
  }
}

/// Prints a line to standard output unbuffered, so progress shows when the output is piped.
