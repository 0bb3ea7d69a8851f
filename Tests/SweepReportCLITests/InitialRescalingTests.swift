import Datasets
import ExperimentRunner
import Foundation
import ResultsStore
import FeedForward
import LinearAlgebra
import SweepPlanning
import TestSupport
import Testing

@testable import GapdbCLI
@testable import Sweeps

@Suite struct InitialRescalingTests {
  /// The authors' construction (`makeUnbalanced` in their MATLAB code): per hidden layer of h
  /// units, ⌊h/4⌋ picks with replacement, each × 10·e^z. The expected network is rebuilt here
  /// from the same seeded draws, accumulating each unit's total factor in Double, and compared
  /// weight by weight; the function is unchanged.
  @Test func unbalanced_isTheAuthorsConstruction_andKeepsTheFunction() {
    let network = MultilayerPerceptron(layerSizes: [5, 12, 9, 3], seed: 7)
    let rescaled = InitialRescaling.unbalanced.apply(to: network, seed: 31)
    #expect(InitialRescaling.unbalancedDrawCount(hiddenUnits: 12) == 3)
    #expect(InitialRescaling.unbalancedDrawCount(hiddenUnits: 9) == 2)
    #expect(InitialRescaling.unbalancedDrawCount(hiddenUnits: 3) == 1)
    var rng = Xoshiro256StarStar(seed: 31, stream: .initialRescaling)
    var factors: [[Double]] = [[Double](repeating: 1, count: 12), [Double](repeating: 1, count: 9)]
    for (layer, picks) in [(0, 3), (1, 2)] {
      for _ in 0..<picks {
        let unit = rng.uniformInt(below: factors[layer].count)
        factors[layer][unit] *= 10 * exp(rng.standardNormal())
      }
    }
    #expect(factors.joined().filter { $0 != 1 }.count >= 3, "\(factors)")
    let input = [Double](repeating: 1, count: 5), output = [Double](repeating: 1, count: 3)
    let unitFactors = [input, factors[0], factors[1], output]
    for i in 0..<3 {
      for r in 0..<network.layers[i].fanOut {
        for c in 0..<network.layers[i].fanIn {
          let expected = Double(network.layers[i].weight[r, c]) * unitFactors[i + 1][r] / unitFactors[i][c]
          #expect(abs(Double(rescaled.layers[i].weight[r, c]) - expected) <= 1e-6 * abs(expected) + 1e-12)
        }
        let expectedBias = Double(network.layers[i].bias[r]) * unitFactors[i + 1][r]
        #expect(abs(Double(rescaled.layers[i].bias[r]) - expectedBias) <= 1e-6 * abs(expectedBias) + 1e-12)
      }
    }
    var rng2 = SplitMix64(seed: 1)
    let inputs = Matrix(rows: 8, columns: 5, elements: (0..<40).map { _ in Float(rng2.next() % 1000) / 500 - 1 })
    for (x, y) in zip(network.logits(for: inputs).elements, rescaled.logits(for: inputs).elements) {
      #expect(abs(x - y) <= 1e-4 * max(1, abs(x)))
    }
    #expect(InitialRescaling.none.apply(to: network, seed: 31) == network)
    #expect(InitialRescaling.unbalanced.apply(to: network, seed: 32) != rescaled)
  }

  /// End to end through the `path-sgd` preset (width reduced to 24 for speed): the sweep's
  /// mapping, data loading, trainer and recorder. The Path-SGD curves recorded from the
  /// balanced and the unbalanced start agree to float tolerance in every epoch (losses within
  /// 1e-6 relative, errors equal; measured 4e-9, while the former first-step ratio, computed
  /// from the rescaled weights, gave 1.1e-3), while SGD's differ.
  @Test func pathSGDPreset_balancedAndUnbalancedCurvesAgree_sgdCurvesDiffer() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    try writeTinyIDX(in: dir.url.path)
    let store = dir.path("s.sqlite")
    var configurations = try SweepPreset.pathSGD.specification(epochs: 6).configurations()
    #expect(configurations.count == 4)
    let context = SweepRunContext(
      storePath: store, experiment: "path-sgd", dataDirectory: dir.url.path, blasThreadCount: 1, measureEvery: 100)
    var curves: [String: [[Double]]] = [:]
    for i in configurations.indices {
      configurations[i].settings[.width] = .integer(24)
      try trainSweepConfiguration(configurations[i], context: context)
      let key = "\(configurations[i].optimizer.rawValue)/\(configurations[i].initialization.rawValue)"
      let db = try Database(storePath: store, readOnly: true)
      curves[key] = try db.fetchAll(
        sql: """
          SELECT train_loss, test_loss, train_error, test_error FROM epoch_metric
          WHERE run_id = (SELECT max(id) FROM run) ORDER BY epoch
          """
      ).map { row in row.values.map { $0.doubleValue ?? .nan } }
    }
    let balanced = try #require(curves["path-sgd/balanced"]), unbalanced = try #require(curves["path-sgd/unbalanced"])
    #expect(balanced.count == 7 && unbalanced.count == 7)
    for (p, q) in zip(balanced, unbalanced) {
      #expect(abs(p[0] - q[0]) <= 1e-6 * p[0] && abs(p[1] - q[1]) <= 1e-6 * p[1], "\(p) vs \(q)")
      #expect(p[2] == q[2] && p[3] == q[3], "\(p) vs \(q)")
    }
    #expect(balanced.first![0] - balanced.last![0] > 0.005, "Path-SGD trained: \(balanced.map { $0[0] })")
    let sgdBalanced = try #require(curves["sgd/balanced"]), sgdUnbalanced = try #require(curves["sgd/unbalanced"])
    #expect(abs(sgdBalanced.last![0] - sgdUnbalanced.last![0]) > 1e-3 * sgdBalanced.last![0])
  }

  @Test func sweepConfiguration_mapsToTheTrainer() throws {
    let spec = try SweepSpecification.parseGrid(
      "hidden_layout=32x16;optimizer=momentum,path-sgd;init=unbalanced;label_noise=0.5;train_size=300;epochs=3;lr=0.1;weight_decay=0.0005;seed=9")
    let configs = try spec.configurations()
    let context = SweepRunContext(storePath: "s.sqlite", experiment: "e", dataDirectory: "/d", blasThreadCount: 1, measureEvery: 2)
    let momentum = trainingRunConfiguration(for: configs[0], context: context)
    #expect(momentum.training.hiddenLayerSizes == [32, 16])
    #expect(momentum.training.optimizer.method == .sgd)
    #expect(momentum.training.optimizer.momentum == 0.9)
    #expect(momentum.training.optimizer.weightDecay == 0.0005)
    #expect(momentum.training.learningRate == 0.1)
    #expect(momentum.training.maxEpochs == 3)
    #expect(momentum.training.seed == 9)
    #expect(momentum.training.blasThreadCount == 1)
    #expect(momentum.preparation.trainingSubsetSize == 300)
    #expect(momentum.preparation.labelNoiseFraction == 0.5)
    #expect(momentum.measureEvery == 2)
    #expect(momentum.initialRescaling == .unbalanced)
    #expect(momentum.extraHyperparameters["init"] == .text("unbalanced"))
    #expect(momentum.configAnnotations["sweep_key"] == configs[0].key)
    #expect(momentum.dataSource == .idx(directory: "/d", classCount: 10))
    let path = trainingRunConfiguration(for: configs[1], context: context)
    #expect(path.training.optimizer.method == .pathSGD)
    #expect(path.training.optimizer.pathSGDMatchesFirstStepNorm)
    #expect(path.training.optimizer.momentum == 0)
  }
}
