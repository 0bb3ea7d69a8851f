import Datasets
import Foundation
import LinearAlgebra

/// Everything that defines a training run besides the data.
public struct TrainingConfiguration: Sendable, Equatable {
  /// Hidden-layer widths `[h_1, …, h_{d−1}]`; empty gives a linear (softmax-regression) model.
  public var hiddenLayerSizes: [Int]
  /// Initialization scheme.
  public var initializer: WeightInitializer
  /// Update rule, momentum, weight decay.
  public var optimizer: OptimizerConfiguration
  /// Base learning rate η > 0 (unitless).
  public var learningRate: Double
  /// How η changes across epochs.
  public var schedule: LearningRateSchedule
  /// Mini-batch size B ≥ 1. The examples are reshuffled every epoch and the last, smaller batch
  /// is used (⌈m/B⌉ steps per epoch), as PyTorch's `DataLoader(drop_last=False)` does.
  public var batchSize: Int
  /// Stop after this many epochs at most (≥ 0; 0 only evaluates the initial network).
  public var maxEpochs: Int
  /// Jiang et al.'s criterion: stop at the end of the first epoch whose full training-set
  /// cross-entropy is ≤ this value (nats); `nil` disables it.
  public var targetTrainLoss: Double?
  /// The seed of initialization, data order and the margin subset (separate streams).
  public var seed: UInt64
  /// How many training examples (a fixed seeded subset, the same every epoch) get their logits
  /// reported for margin statistics; the whole set when it is smaller.
  public var marginSubsetSize: Int
  /// OpenBLAS threads used during training. Fixing it makes runs bit-identical on one machine
  /// (OpenBLAS partitions work by thread count); 2 suits the 2-core machines gapdb targets.
  public var blasThreadCount: Int
  /// Rows per forward pass when evaluating full sets.
  public var evaluationChunkSize: Int

  /// Creates a configuration. Defaults: one hidden layer of 512, PyTorch's initializer, SGD with
  /// η = 0.01, constant, B = 64, 20 epochs, no loss target, seed 1, margins on 10,000 examples.
  public init(
    hiddenLayerSizes: [Int] = [512], initializer: WeightInitializer = .pytorchDefault,
    optimizer: OptimizerConfiguration = OptimizerConfiguration(), learningRate: Double = 0.01,
    schedule: LearningRateSchedule = .constant, batchSize: Int = 64, maxEpochs: Int = 20,
    targetTrainLoss: Double? = nil, seed: UInt64 = 1, marginSubsetSize: Int = 10_000, blasThreadCount: Int = 2,
    evaluationChunkSize: Int = 1000
  ) {
    self.hiddenLayerSizes = hiddenLayerSizes
    self.initializer = initializer
    self.optimizer = optimizer
    self.learningRate = learningRate
    self.schedule = schedule
    self.batchSize = batchSize
    self.maxEpochs = maxEpochs
    self.targetTrainLoss = targetTrainLoss
    self.seed = seed
    self.marginSubsetSize = marginSubsetSize
    self.blasThreadCount = blasThreadCount
    self.evaluationChunkSize = evaluationChunkSize
  }

  /// The widest hidden layer accepted: 1,000,000 units (a network that wide with any input
  /// needs terabytes; the memory estimate refuses narrower ones that do not fit either).
  public static let maximumHiddenWidth = 1_000_000
  /// The most epochs accepted: 1,000,000, far beyond any real run and small enough that step
  /// counts (epochs × steps per epoch) and ETAs cannot overflow.
  public static let maximumEpochs = 1_000_000
  /// The most OpenBLAS threads accepted: 1,024.
  public static let maximumBLASThreadCount = 1024

  /// The one range check of a learning rate η, shared by ``validationProblem()``, `gapdb train
  /// --lr` and the sweep axis `learning_rate`: η must be finite and > 0, and stay so once
  /// rounded to float32 (training is float32: a rate that rounds to 0 or ∞ there is not the
  /// rate asked for; float32's positive range is 1.4e-45 … 3.4e38).
  /// - Returns: A message naming the value (`learning rate 1e-300 is outside float32's range
  ///   (it rounds to 0.0 in float32, which training uses)`), or `nil`.
  public static func learningRateProblem(_ learningRate: Double) -> String? {
    if !(learningRate > 0) || !learningRate.isFinite {
      return "learning rate \(learningRate) must be a finite positive number"
    }
    if !(Float(learningRate) > 0) || !Float(learningRate).isFinite {
      return "learning rate \(learningRate) is outside float32's range (it rounds to \(Float(learningRate)) in float32, "
        + "which training uses)"
    }
    return nil
  }

  /// Checks the ranges; returns a message naming the first bad value, or `nil`.
  public func validationProblem() -> String? {
    if let bad = hiddenLayerSizes.first(where: { $0 < 1 }) { return "hidden layer width \(bad) must be ≥ 1" }
    if let bad = hiddenLayerSizes.first(where: { $0 > Self.maximumHiddenWidth }) {
      return "hidden layer width \(bad) is too large; each layer may have at most \(Self.maximumHiddenWidth) units"
    }
    if let problem = Self.learningRateProblem(learningRate) { return problem }
    if batchSize < 1 { return "batch size \(batchSize) must be ≥ 1" }
    if maxEpochs < 0 { return "epoch count \(maxEpochs) must be ≥ 0" }
    if maxEpochs > Self.maximumEpochs { return "epoch count \(maxEpochs) is too large; at most \(Self.maximumEpochs) are allowed" }
    if !(optimizer.momentum >= 0 && optimizer.momentum < 1) { return "momentum \(optimizer.momentum) must lie in [0, 1)" }
    if !(optimizer.weightDecay >= 0) || !optimizer.weightDecay.isFinite {
      return "weight decay \(optimizer.weightDecay) must be a finite number ≥ 0"
    }
    if let t = targetTrainLoss, !(t >= 0) || !t.isFinite {
      return "target training loss \(t) must be a finite number ≥ 0"
    }
    if marginSubsetSize < 1 { return "margin subset size \(marginSubsetSize) must be ≥ 1" }
    if blasThreadCount < 1 { return "BLAS thread count \(blasThreadCount) must be ≥ 1" }
    if blasThreadCount > Self.maximumBLASThreadCount {
      return "BLAS thread count \(blasThreadCount) is too large; at most \(Self.maximumBLASThreadCount) are allowed"
    }
    return nil
  }
}

/// Why training stopped.
public enum StopReason: String, Sendable, Equatable {
  /// The epoch limit was reached without meeting the loss target (or no target was set).
  case maxEpochs = "max_epochs"
  /// The full training-set cross-entropy reached the target.
  case targetReached = "target_reached"
  /// A mini-batch loss or the epoch's training loss was NaN or ±Inf.
  case diverged
}

/// What the trainer reports after epoch 0 (the initial network) and after every epoch.
///
/// Losses are mean softmax cross-entropy in nats on the **full** sets; errors are fractions in
/// [0, 1]. The training set is the prepared one (subset, noisy labels included).
public struct EpochReport: Sendable {
  /// 0 for the initial network, then 1, 2, …
  public var epoch: Int
  /// Optimizer updates applied so far.
  public var optimizerSteps: Int
  /// Mean training cross-entropy (nats).
  public var trainLoss: Double
  /// Training error rate.
  public var trainError: Double
  /// Mean test cross-entropy (nats), `nil` without a test set.
  public var testLoss: Double?
  /// Test error rate, `nil` without a test set.
  public var testError: Double?
  /// The learning rate used during this epoch (the base rate for epoch 0).
  public var learningRate: Double
  /// Seconds since training started (after data loading), at the end of this epoch's evaluation.
  public var elapsedSeconds: Double
  /// Seconds spent in this epoch's optimizer steps.
  public var trainingSeconds: Double
  /// Seconds spent evaluating the full training and test sets.
  public var evaluationSeconds: Double
  /// The network's current parameters.
  public var network: MultilayerPerceptron
  /// The initial (epoch 0) parameters, for distance-from-initialization measures.
  public var initialNetwork: MultilayerPerceptron
  /// Logits of the fixed margin subset, shape (marginSubsetSize, k), rows in the order of
  /// ``marginLabels``.
  public var marginLogits: Matrix
  /// Training labels (as trained on) of the margin subset.
  public var marginLabels: [Int]
  /// Whether this is the last report of the run.
  public var isFinal: Bool
  /// Set on the final report.
  public var stopReason: StopReason?
  /// Whether the training loss target has been reached (false when none was set).
  public var hasReachedTarget: Bool
}

/// Progress after one optimizer step, for progress bars and heartbeats.
public struct StepProgress: Sendable {
  /// The epoch in progress (1-based).
  public var epoch: Int
  /// Steps taken in this epoch (1…stepsPerEpoch).
  public var stepInEpoch: Int
  /// ⌈m/B⌉.
  public var stepsPerEpoch: Int
  /// Optimizer updates applied so far in the run.
  public var optimizerSteps: Int
  /// The mini-batch's mean cross-entropy before the update (nats).
  public var batchLoss: Double
  /// The learning rate of this epoch.
  public var learningRate: Double
}

/// The outcome of ``train(data:configuration:initialNetwork:onStep:observer:)``.
public struct TrainingResult: Sendable {
  /// The network after the last update.
  public var network: MultilayerPerceptron
  /// The network before the first update.
  public var initialNetwork: MultilayerPerceptron
  /// Why training stopped.
  public var stopReason: StopReason
  /// Epochs completed (a diverged epoch counts).
  public var epochs: Int
  /// Optimizer updates applied.
  public var optimizerSteps: Int
  /// The last full-training-set loss (nats).
  public var finalTrainLoss: Double
  /// The last training error rate.
  public var finalTrainError: Double
  /// The last test loss and error.
  public var finalTestLoss: Double?
  /// The last test error rate.
  public var finalTestError: Double?
  /// Whether the loss target was reached.
  public var hasReachedTarget: Bool { stopReason == .targetReached }
  /// Whether training diverged.
  public var hasDiverged: Bool { stopReason == .diverged }
}

/// Trains a ReLU MLP by mini-batch SGD or Path-SGD on `data.train`, evaluating the full training
/// and test sets after every epoch and handing each epoch to `observer`.
///
/// Order of events: epoch 0 evaluates and reports the initial network; then each epoch shuffles
/// the training indices (seeded stream `dataOrder`), takes ⌈m/B⌉ steps, evaluates, decides
/// whether to stop (divergence, loss target, epoch limit — in that order) and reports.
/// A non-finite mini-batch loss stops the epoch at once; the network is still evaluated and
/// reported with ``StopReason/diverged`` (its losses will usually be NaN): divergence is data,
/// not a crash.
///
/// **Determinism.** Same data, configuration and seed ⇒ bit-identical weights and reports on one
/// machine: all randomness is seeded, BLAS runs with ``TrainingConfiguration/blasThreadCount``
/// threads (set here for the process), and every reduction has a fixed order. Different CPU
/// kernels (OpenBLAS's auto-detected core) or thread counts may change the last bits.
///
/// - Parameters:
///   - data: Training set (and optional test set) with the network's input width.
///   - configuration: Model and optimization settings; see ``TrainingConfiguration/validationProblem()``.
///   - initialNetwork: Start from these parameters instead of a fresh initialization (its layer
///     sizes must match `[featureCount] + hiddenLayerSizes + [classCount]`).
///   - onStep: Called after every optimizer step (keep it cheap: progress bars, heartbeats);
///     throwing stops training and rethrows.
///   - observer: Called after each epoch's evaluation; throwing stops training and rethrows.
/// - Returns: The final network and why training stopped.
/// - Throws: Whatever `onStep` or `observer` throws.
/// - Complexity: O(epochs · m · Σ h_{i−1}·h_i), plus O(m · …) per epoch for evaluation.
public func train(
  data: DataSplit, configuration: TrainingConfiguration, initialNetwork: MultilayerPerceptron? = nil,
  onStep: (StepProgress) throws -> Void, observer: (EpochReport) throws -> Void
) rethrows -> TrainingResult {
  if let problem = configuration.validationProblem() { preconditionFailure("train: \(problem)") }
  setBLASThreadCount(configuration.blasThreadCount)
  let trainSet = data.train
  let sizes = [trainSet.featureCount] + configuration.hiddenLayerSizes + [trainSet.classCount]
  var network =
    initialNetwork
    ?? MultilayerPerceptron(layerSizes: sizes, initializer: configuration.initializer, seed: configuration.seed)
  precondition(network.layerSizes == sizes, "train: initial network is \(network.layerSizes), data needs \(sizes)")
  let initial = network
  let m = trainSet.sampleCount
  precondition(m > 0, "train: empty training set")

  let marginRows = marginSubsetRows(sampleCount: m, size: configuration.marginSubsetSize, seed: configuration.seed)
  let marginLabels = marginRows.map { trainSet.labels[$0] }
  let clock = ContinuousClock()
  let start = clock.now
  func seconds(since t: ContinuousClock.Instant) -> Double {
    let d = clock.now - t
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
  }

  var optimizer = Optimizer(configuration.optimizer)
  let b = min(configuration.batchSize, m)
  var fullBatch = BatchBuffers(batchSize: b, layerSizes: sizes)
  var lastBatch: BatchBuffers? = m % b == 0 ? nil : BatchBuffers(batchSize: m % b, layerSizes: sizes)
  var gradients = ParameterGradients(zeroLike: network)
  var order = Array(0..<m)
  var orderRNG = Xoshiro256StarStar(seed: configuration.seed, stream: .dataOrder)
  let f = trainSet.featureCount
  let d = network.layerCount
  var batchLabels = [Int](repeating: 0, count: b)

  var epoch = 0
  var stop: StopReason? = nil
  var last = Evaluation(meanLoss: .nan, errorRate: .nan, sampleCount: 0, keptLogits: Matrix(rows: 0, columns: 0))
  var lastTest: Evaluation? = nil
  while true {
    // Train one epoch (skipped for epoch 0).
    var trainingSeconds = 0.0
    var learningRate = configuration.schedule.learningRate(base: configuration.learningRate, epoch: epoch)
    if epoch > 0 {
      let t0 = clock.now
      learningRate = configuration.schedule.learningRate(base: configuration.learningRate, epoch: epoch)
      orderRNG.shuffle(&order)
      var position = 0
      let stepsPerEpoch = (m + b - 1) / b
      var stepInEpoch = 0
      while position < m {
        let count = min(b, m - position)
        var diverged = false
        var batchLoss = Double.nan
        func step(_ buffers: inout BatchBuffers) {
          trainSet.features.elements.withUnsafeBufferPointer { src in
            buffers.activations[0].elements.withUnsafeMutableBufferPointer { dst in
              guard let s = src.baseAddress, let dd = dst.baseAddress else { return }
              for r in 0..<count { (dd + r * f).update(from: s + order[position + r] * f, count: f) }
            }
          }
          for r in 0..<count { batchLabels[r] = trainSet.labels[order[position + r]] }
          network.forward(&buffers)
          let loss = softmaxCrossEntropy(
            logits: buffers.activations[d], labels: batchLabels[0..<count], gradient: &buffers.preActivationGradients[d])
          batchLoss = loss.meanLoss
          if !loss.meanLoss.isFinite {
            diverged = true
            return
          }
          if optimizer.supportsFusedStep {
            optimizer.backwardAndStep(&network, &buffers, learningRate: learningRate)
          } else {
            network.backward(&buffers, into: &gradients)
            optimizer.step(&network, gradients: gradients, learningRate: learningRate)
          }
        }
        if count == b { step(&fullBatch) } else if lastBatch != nil { step(&lastBatch!) }
        if diverged {
          stop = .diverged
          break
        }
        position += count
        stepInEpoch += 1
        try onStep(
          StepProgress(
            epoch: epoch, stepInEpoch: stepInEpoch, stepsPerEpoch: stepsPerEpoch,
            optimizerSteps: optimizer.stepCount, batchLoss: batchLoss, learningRate: learningRate))
      }
      trainingSeconds = seconds(since: t0)
    }
    // Evaluate on the full sets.
    let t1 = clock.now
    last = network.evaluate(on: trainSet, chunkSize: configuration.evaluationChunkSize, keepingLogitsOf: marginRows)
    lastTest = data.test.map { network.evaluate(on: $0, chunkSize: configuration.evaluationChunkSize) }
    let evaluationSeconds = seconds(since: t1)
    if stop == nil && !last.meanLoss.isFinite { stop = .diverged }
    var reached = false
    if stop == nil, let target = configuration.targetTrainLoss, last.meanLoss <= target {
      reached = true
      if epoch > 0 || configuration.maxEpochs == 0 { stop = .targetReached }
    }
    if stop == nil && epoch >= configuration.maxEpochs { stop = .maxEpochs }
    let report = EpochReport(
      epoch: epoch, optimizerSteps: optimizer.stepCount, trainLoss: last.meanLoss, trainError: last.errorRate,
      testLoss: lastTest?.meanLoss, testError: lastTest?.errorRate, learningRate: learningRate,
      elapsedSeconds: seconds(since: start), trainingSeconds: trainingSeconds, evaluationSeconds: evaluationSeconds,
      network: network, initialNetwork: initial, marginLogits: last.keptLogits, marginLabels: marginLabels,
      isFinal: stop != nil, stopReason: stop, hasReachedTarget: reached || stop == .targetReached)
    try observer(report)
    if stop != nil { break }
    epoch += 1
  }
  return TrainingResult(
    network: network, initialNetwork: initial, stopReason: stop ?? .maxEpochs, epochs: epoch,
    optimizerSteps: optimizer.stepCount, finalTrainLoss: last.meanLoss, finalTrainError: last.errorRate,
    finalTestLoss: lastTest?.meanLoss, finalTestError: lastTest?.errorRate)
}

/// Trains with an epoch observer only; see ``train(data:configuration:initialNetwork:onStep:observer:)``.
public func train(
  data: DataSplit, configuration: TrainingConfiguration, initialNetwork: MultilayerPerceptron? = nil,
  observer: (EpochReport) throws -> Void
) rethrows -> TrainingResult {
  try train(data: data, configuration: configuration, initialNetwork: initialNetwork, onStep: { _ in }, observer: observer)
}

/// Trains without an observer; see ``train(data:configuration:initialNetwork:observer:)``.
public func train(
  data: DataSplit, configuration: TrainingConfiguration, initialNetwork: MultilayerPerceptron? = nil
) -> TrainingResult {
  train(data: data, configuration: configuration, initialNetwork: initialNetwork, onStep: { _ in }, observer: { _ in })
}

/// The fixed margin subset: `size` rows drawn without replacement by seed (stream
/// `marginSubset`), ascending; all rows when `size ≥ sampleCount`.
public func marginSubsetRows(sampleCount: Int, size: Int, seed: UInt64) -> [Int] {
  if size >= sampleCount { return Array(0..<sampleCount) }
  var rng = Xoshiro256StarStar(seed: seed, stream: .marginSubset)
  return rng.permutation(sampleCount)[..<size].sorted()
}
