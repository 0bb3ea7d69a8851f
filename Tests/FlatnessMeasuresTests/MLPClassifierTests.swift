import Datasets
import FeedForward
import Foundation
import LinearAlgebra
import Testing
import TestSupport

@testable import FlatnessMeasures

@Suite struct MLPClassifierTests {
  func referenceClassifier() throws -> (MLPClassifier, TinyReference) {
    let ref = try TinyReference.load()
    let features = Matrix(rows: ref.inputs.count, columns: 2, elements: ref.inputs.flatMap { $0.map(Float.init) })
    let data = LabeledDataset(features: features, labels: ref.labels, classCount: 3)
    return (try MLPClassifier(layerSizes: ref.sizes, trainingSet: data), ref)
  }

  @Test func matchesNumpyReference() throws {
    // Float32 forward/backward (OpenBLAS) against numpy float64: 1e-5 relative.
    let (mlp, ref) = try referenceClassifier()
    #expect(mlp.layout == ref.network.layout)
    let all = Array(0..<ref.labels.count)
    let e = mlp.evaluate(parameters: ref.theta, examples: all)
    #expect(e.accuracy == ref.accuracy)
    #expect(close(e.meanLoss, ref.mean_loss, rel: 1e-5))
    let g = mlp.lossAndGradient(parameters: ref.theta, examples: all)
    #expect(close(g.loss, ref.mean_loss, rel: 1e-5))
    for (a, b) in zip(g.gradient, ref.mean_gradient) { #expect(close(Double(a), b, rel: 1e-4, abs: 1e-6)) }
    let norms = mlp.perExampleGradientSquaredNorms(parameters: ref.theta, examples: all)
    for (a, b) in zip(norms, ref.per_example_gradient_norm_sq) { #expect(close(a, b, rel: 1e-5)) }
    // The outer-product route agrees with the generic one (batch-of-one gradients).
    let generic = all.map { i -> Double in
      mlp.lossAndGradient(parameters: ref.theta, examples: [i]).gradient.reduce(0) { $0 + Double($1) * Double($1) }
    }
    for (a, b) in zip(norms, generic) { #expect(close(a, b, rel: 1e-5)) }
    let context = try FlatnessContext(model: mlp, parameters: ref.theta)
    #expect(close(try #require(try gradientNoise(context: context).value), ref.gradient_variance, rel: 1e-5))
  }

  @Test func chunkedGradientEqualsOneBatch() throws {
    let (mlp, ref) = try referenceClassifier()
    let all = Array(0..<ref.labels.count)
    let whole = mlp.lossAndGradient(parameters: ref.theta, examples: all)
    mlp.chunkSize = 3  // 7 examples in chunks of 3, 3, 1
    let chunked = mlp.lossAndGradient(parameters: ref.theta, examples: all)
    #expect(close(whole.loss, chunked.loss, rel: 1e-6))
    for (a, b) in zip(whole.gradient, chunked.gradient) { #expect(close(Double(a), Double(b), rel: 1e-5, abs: 1e-7)) }
    #expect(mlp.evaluate(parameters: ref.theta, examples: all) == ClassifierEvaluation(correct: 4, count: 7, meanLoss: mlp.evaluate(parameters: ref.theta, examples: all).meanLoss))
  }

  @Test func mismatchedDataIsRejected() throws {
    let data = LabeledDataset(features: Matrix(rows: 2, columns: 3), labels: [0, 1], classCount: 2)
    #expect(throws: FlatnessError.self) { try MLPClassifier(layerSizes: [4, 5, 2], trainingSet: data) }
    #expect(throws: FlatnessError.self) { try MLPClassifier(layerSizes: [3, 5, 1], trainingSet: data) }
  }
}

@Suite struct FlatnessMonitorTests {
  func blobSplit() -> DataSplit {
    let b = blobs(count: 120, seed: 2)
    let features = Matrix(rows: 120, columns: 2, elements: b.inputs.flatMap { $0.map(Float.init) })
    return DataSplit(
      train: LabeledDataset(features: features, labels: b.labels, classCount: 3), test: nil, sourceName: "blobs",
      sourceLocation: "")
  }

  @Test func suiteRunsEveryNEpochsAndAtTheFinalEpochWithWarmStarts() throws {
    let split = blobSplit()
    var settings = FlatnessSuiteSettings()
    settings.setSeed(3)
    settings.subsetSize = nil
    settings.searches = [.pacBayes, .sharpness]
    settings.sharpness.ascent.steps = 4
    let monitor = try FlatnessMonitor(trainingSet: split.train, layerSizes: [2, 8, 3], settings: settings, every: 2)
    let config = TrainingConfiguration(hiddenLayerSizes: [8], learningRate: 0.1, batchSize: 16, maxEpochs: 5, seed: 1)
    var perEpoch: [Int: [FlatnessMeasureValue]] = [:]
    _ = try train(data: split, configuration: config) { report in perEpoch[report.epoch] = try monitor.measures(for: report) }
    #expect(perEpoch[0]?.isEmpty == true)
    for epoch in 1...5 {
      let ids = Set((perEpoch[epoch] ?? []).map(\.id))
      #expect(ids.contains("sotl") && ids.contains("steps_to_ce_0p1"), "epoch \(epoch)")
      // Suite at 2, 4 (every 2) and 5 (final).
      #expect(ids.contains("pacbayes_sigma") == [2, 4, 5].contains(epoch), "epoch \(epoch)")
    }
    // Epoch 4's searches are warm-started from epoch 2's σ and α.
    let sigma4 = try #require(perEpoch[4]?.first { $0.id == "pacbayes_sigma" })
    #expect(sigma4.detail.jsonText.contains("\"warm_started\":true"))
    let sigma2 = try #require(perEpoch[2]?.first { $0.id == "pacbayes_sigma" })
    #expect(sigma2.detail.jsonText.contains("\"warm_started\":false"))
    // sotl at epoch 5 is the sum of the five epoch-end training losses.
    #expect(perEpoch[5]?.first { $0.id == "sotl" }?.detail.jsonText.contains("\"epochs_used\":5") == true)
  }

  @Test func divergedNetworkGetsUndefinedPerturbationMeasures() throws {
    let split = blobSplit()
    let monitor = try FlatnessMonitor(trainingSet: split.train, layerSizes: [2, 8, 3], settings: FlatnessSuiteSettings(), every: 0)
    // A learning rate this large diverges within a few steps on these blobs.
    let config = TrainingConfiguration(hiddenLayerSizes: [8], learningRate: 1e6, batchSize: 16, maxEpochs: 3, seed: 1)
    var last: [FlatnessMeasureValue] = []
    var diverged = false
    _ = try train(data: split, configuration: config) { report in
      last = try monitor.measures(for: report)
      if report.isFinal { diverged = !report.trainLoss.isFinite }
    }
    #expect(diverged)
    let sigma = try #require(last.first { $0.id == "pacbayes_sigma" })
    #expect(sigma.value == nil)
    #expect(sigma.undefinedReason?.contains("diverged") == true)
    #expect(last.first { $0.id == "sotl" }?.value?.isNaN == true || last.first { $0.id == "sotl" }?.value?.isInfinite == true)
  }
}
