import ExperimentRunner
import FeedForward
import LinearAlgebra
import SweepPlanning
import TestSupport
import Testing

@testable import GapdbCLI

@Suite struct InitialRescalingTests {
  @Test func unbalanced_keepsTheFunctionAndUnbalancesTheNorms() {
    let network = MultilayerPerceptron(layerSizes: [5, 6, 4, 3], seed: 7)
    let rescaled = InitialRescaling.unbalanced.apply(to: network)
    var rng = SplitMix64(seed: 1)
    let inputs = Matrix(
      rows: 8, columns: 5, elements: (0..<40).map { _ in Float(rng.next() % 1000) / 500 - 1 })
    let a = network.logits(for: inputs)
    let b = rescaled.logits(for: inputs)
    for (x, y) in zip(a.elements, b.elements) {
      #expect(abs(x - y) <= 1e-4 * max(1, abs(x)))
    }
    // Unit 1 of hidden layer 1: incoming weights and bias × 10, outgoing weights ÷ 10;
    // unit 0 is unchanged.
    let c = InitialRescaling.unbalancedFactor
    for j in 0..<5 {
      #expect(rescaled.layers[0].weight[1, j] == network.layers[0].weight[1, j] * c)
      #expect(rescaled.layers[0].weight[0, j] == network.layers[0].weight[0, j])
    }
    #expect(rescaled.layers[0].bias[1] == network.layers[0].bias[1] * c)
    // layers[1] maps hidden layer 1 to hidden layer 2, whose odd units are rescaled too:
    // element (r, u) is × 10 for odd r and ÷ 10 for odd u.
    #expect(rescaled.layers[1].weight[0, 0] == network.layers[1].weight[0, 0])
    #expect(abs(rescaled.layers[1].weight[0, 1] - network.layers[1].weight[0, 1] / c) <= 1e-7)
    #expect(rescaled.layers[1].weight[1, 0] == network.layers[1].weight[1, 0] * c)
    #expect(abs(rescaled.layers[1].weight[1, 1] - network.layers[1].weight[1, 1]) <= 1e-6)
    #expect(InitialRescaling.none.apply(to: network) == network)
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
