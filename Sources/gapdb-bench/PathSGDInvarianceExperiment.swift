import ArgumentParser
import Datasets
import ExperimentRunner
import FeedForward
import Foundation
import LinearAlgebra

/// `gapdb-bench path-sgd-invariance`: the `path-sgd` preset's four runs on a Fashion-MNIST
/// subset, plus gapdb's former unbalanced initialization for comparison, printing the
/// per-epoch curves (Neyshabur, Salakhutdinov, Srebro 2015, §5: SGD from an unbalanced network
/// trains worse, Path-SGD is unaffected).
///
/// Settings follow the preset (`gapdb sweep --preset path-sgd`): 784-w-w-10 ReLU MLP, PyTorch's
/// initializer, plain SGD and Path-SGD with the first step matched on the ℓ2-balanced network,
/// learning rate 0.01, batch 64, pixels divided by 255, a seeded training subset and the full
/// 10,000-image test set. Initializations: `balanced` (as drawn), `unbalanced` (the authors'
/// construction, ``InitialRescaling/unbalanced``) and `odd-x10` (gapdb's former one: every
/// odd unit of every hidden layer × 10).
struct PathSGDInvarianceExperiment: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "path-sgd-invariance",
    abstract: "SGD vs Path-SGD from balanced and unbalanced initializations (per-epoch curves).",
    discussion: """
      Examples:
        swift run -c release gapdb-bench path-sgd-invariance
        swift run gapdb-bench path-sgd-invariance --train-size 1000 --epochs 5 --width 256
      """)

  @Option(help: "Folder with the four Fashion-MNIST IDX .gz files.")
  var data: String = IDXDataset.defaultFashionMNISTDirectory

  @Option(help: "Training examples (seeded subset).")
  var trainSize: Int = 2000

  @Option(help: "Epochs.")
  var epochs: Int = 10

  @Option(help: "Units per hidden layer (two hidden layers).")
  var width: Int = 1024

  @Option(help: "Learning rate.")
  var learningRate: Double = 0.01

  @Option(help: "Seed of initialization, data order and the unbalanced draws.")
  var seed: UInt64 = 1

  func run() throws {
    let raw = try IDXDataset.load(directory: data)
    let (split, _) = try prepare(
      raw, with: DataPreparation(trainingSubsetSize: trainSize, scaling: .divide(by: 255), seed: seed))
    let sizes = [split.train.featureCount, width, width, split.train.classCount]
    let drawn = MultilayerPerceptron(layerSizes: sizes, seed: seed)
    var oddTimesTen = drawn
    for hidden in 1..<oddTimesTen.layers.count {
      let fanIn = oddTimesTen.layers[hidden - 1].fanIn
      for unit in stride(from: 1, to: oddTimesTen.layers[hidden - 1].fanOut, by: 2) {
        for j in 0..<fanIn { oddTimesTen.layers[hidden - 1].weight[unit, j] *= 10 }
        oddTimesTen.layers[hidden - 1].bias[unit] *= 10
        for r in 0..<oddTimesTen.layers[hidden].fanOut { oddTimesTen.layers[hidden].weight[r, unit] /= 10 }
      }
    }
    let starts: [(String, MultilayerPerceptron)] = [
      ("balanced", drawn), ("unbalanced", InitialRescaling.unbalanced.apply(to: drawn, seed: seed)),
      ("odd-x10", oddTimesTen),
    ]
    print("# \(sizes.map(String.init).joined(separator: "-")), m = \(split.train.sampleCount), lr \(learningRate), batch 64, seed \(seed)")
    print("method\tinit\tepoch\ttrain_loss\ttrain_error\ttest_loss\ttest_error\tseconds")
    for method in [OptimizationMethod.sgd, .pathSGD] {
      var curves: [String: [Double]] = [:]
      for (name, start) in starts {
        let config = TrainingConfiguration(
          hiddenLayerSizes: [width, width],
          optimizer: OptimizerConfiguration(method: method, pathSGDMatchesFirstStepNorm: method == .pathSGD),
          learningRate: learningRate, batchSize: 64, maxEpochs: epochs, seed: seed, marginSubsetSize: 1)
        var losses: [Double] = []
        _ = train(data: split, configuration: config, initialNetwork: start) { r in
          losses.append(r.trainLoss)
          print(
            "\(method.rawValue)\t\(name)\t\(r.epoch)\t\(fmt(r.trainLoss))\t\(fmt(r.trainError))\t"
              + "\(fmt(r.testLoss ?? .nan))\t\(fmt(r.testError ?? .nan))\t\(String(format: "%.1f", r.elapsedSeconds))")
        }
        curves[name] = losses
      }
      if let b = curves["balanced"] {
        for other in ["unbalanced", "odd-x10"] {
          guard let o = curves[other] else { continue }
          let gap = zip(b, o).map { abs($0 - $1) / $0 }.max() ?? .nan
          print("# \(method.rawValue): largest relative train-loss gap, balanced vs \(other): \(fmt(gap))")
        }
      }
    }
  }

  private func fmt(_ x: Double) -> String { String(format: "%.6g", x) }
}
