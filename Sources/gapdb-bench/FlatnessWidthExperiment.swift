import ArgumentParser
import ComplexityMeasures
import Datasets
import FeedForward
import FlatnessMeasures
import Foundation
import LinearAlgebra

/// `gapdb-bench flatness-width`: a reduced `width` experiment (one hidden layer, widths in
/// powers of two, Neyshabur et al. 2017) on Fashion-MNIST, reporting Kendall's τ_a (Jiang's τ)
/// of the flatness measures and of norm-based measures with the error gap.
///
/// Each width trains on a seeded training subset to the training-CE target (or the epoch cap)
/// with SGD + momentum; at the final epoch the perturbation suite runs (FlatnessMonitor) on the
/// whole training subset and the weight-based measures come from ComplexityMeasures.
struct FlatnessWidthExperiment: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "flatness-width",
    abstract: "Reduced width experiment: Kendall τ of flatness and norm measures with the error gap.",
    discussion: """
      Examples:
        swift run -c release gapdb-bench flatness-width
        swift run -c release gapdb-bench flatness-width --widths 8,32,128,512 --train-size 1000
      """)

  @Option(help: "Folder with the four Fashion-MNIST IDX .gz files.")
  var data: String = IDXDataset.defaultFashionMNISTDirectory

  @Option(help: "Comma-separated hidden widths.")
  var widths: String = "8,16,32,64,128,256,512,1024"

  @Option(help: "Training examples (seeded subset).")
  var trainSize: Int = 2000

  @Option(help: "Epoch cap.")
  var maxEpochs: Int = 80

  @Option(help: "Seeds per width.")
  var seeds: Int = 1

  func run() throws {
    let widthList = widths.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    let raw = try IDXDataset.load(directory: data)
    let (split, _) = try prepare(raw, with: DataPreparation(trainingSubsetSize: trainSize, scaling: .divide(by: 255), seed: 7))
    var rows: [(width: Int, seed: Int, gap: Double, values: [String: Double])] = []
    for width in widthList {
      for seed in 0..<seeds {
        let t0 = Date()
        var config = TrainingConfiguration(
          hiddenLayerSizes: [width], optimizer: OptimizerConfiguration(momentum: 0.9), learningRate: 0.01, batchSize: 64,
          maxEpochs: maxEpochs, targetTrainLoss: 0.01, seed: UInt64(seed + 1))
        config.marginSubsetSize = trainSize
        var settings = FlatnessSuiteSettings()
        settings.setSeed(UInt64(seed))
        settings.subsetSize = nil
        let monitor = try FlatnessMonitor(
          trainingSet: split.train, layerSizes: [784, width, 10], settings: settings, every: 0)
        var flat: [FlatnessMeasureValue] = []
        var finalReport: EpochReport?
        _ = try train(data: split, configuration: config) { report in
          flat = try monitor.measures(for: report)
          if report.isFinal { finalReport = report }
        }
        guard let report = finalReport else { continue }
        var values: [String: Double] = [:]
        for v in flat { if let x = v.value { values[v.id] = x } }
        let network = try NetworkWeights(
          layers: zip(report.network.layers, report.initialNetwork.layers).enumerated().map { i, pair in
            LayerWeights(name: "layer\(i + 1)", weights: pair.0.weight, bias: pair.0.bias, initialWeights: pair.1.weight)
          })
        let logits = report.marginLogits.elements.map(Double.init)
        let outputs = try TrainingOutputStatistics(logits: logits, classCount: 10, labels: report.marginLabels)
        var suite = MeasureSuite()
        let measures = suite.evaluate(network, outputs: outputs)
        for m in measures.measures { if let x = m.value.value { values[m.id] = x } }
        let gap = (report.testError ?? .nan) - report.trainError
        rows.append((width, seed, gap, values))
        say(
          String(
            format: "width %5d seed %d: %3d epochs, train CE %.4f, train err %.4f, test err %.4f, gap %.4f, %.0f s",
            width, seed, report.epoch, report.trainLoss, report.trainError, report.testError ?? .nan, gap,
            Date().timeIntervalSince(t0)))
      }
    }
    let ids = [
      "pacbayes_flatness", "pacbayes_mag_flatness", "pacbayes_orig", "pacbayes_init", "pacbayes_mag_init",
      "sharpness_flatness", "sharpness_mag_flatness", "sharpness_orig", "keskar_sharpness_eps1e-3",
      "keskar_sharpness_eps5e-4", "grad_noise_final", "steps_to_ce_0p1", "steps_ce_0p1_to_0p01", "sotl", "sotl_10",
      "num_params", "inverse_margin_sq", "fro_prod", "fro_prod_over_margin", "spec_prod_over_margin",
      "path_norm_sq_over_margin", "fro_dist_init_sq", "spec_orig_main", "spec_init_main",
    ]
    say("\nKendall τ_a with the error gap (test error − train error) over \(rows.count) runs:")
    for id in ids {
      let pairs = rows.compactMap { r in r.values[id].flatMap { $0.isNaN ? nil : ($0, r.gap) } }
      say(id.padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: " τ_a = %+.3f  (n = %d)", kendallTauA(pairs), pairs.count))
    }
  }
}

/// Jiang et al.'s τ: (concordant − discordant) / (n(n−1)/2), ties count 0.
func kendallTauA(_ pairs: [(Double, Double)]) -> Double {
  let n = pairs.count
  guard n >= 2 else { return .nan }
  var s = 0
  for i in 0..<n {
    for j in (i + 1)..<n {
      let a = pairs[i].0 - pairs[j].0, b = pairs[i].1 - pairs[j].1
      if a * b > 0 { s += 1 } else if a * b < 0 { s -= 1 }
    }
  }
  return Double(s) / Double(n * (n - 1) / 2)
}
