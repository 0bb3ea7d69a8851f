import Foundation
import ResultsStore
import RunRecorder
import TestSupport

/// A small store built through the recorder API, shared by the correlate and query tests.
///
/// Experiment `grid` (the spec's §4.3 example): lr ∈ {0.1, 0.01, 0.001} × depth ∈ {2, 4}, one
/// seed each, 3 epochs. At the final epoch (3) the measure `mu` and the error gap are the
/// worked example's (μ, g) — so τ_a = 7/15, ψ_lr = 2/3, ψ_depth = −1/3, Ψ = 1/6. The measure
/// `flat` is constant; `partial` is recorded by 4 runs only (a ragged table). Training loss
/// reaches 0.01 at epoch 2 for lr = 0.1 and 0.01 runs only; the test error is lowest at
/// epoch 2 for every run.
///
/// Plus a seventh run (lr 0.1, depth 8) that diverged at epoch 2: NaN losses and a NaN test
/// error — its gap is NaN, so every statistic excludes it (case 5).
///
/// Experiment `widths` (width sweep, true vs random labels): 4 runs of a 784-h-10 MLP with
/// h ∈ {64, 256}, label_noise ∈ {0, 1}, one epoch each.
struct FixtureStore {
  let directory: TemporaryDirectory
  let path: String

  static let lr = ["0.1", "0.01", "0.001", "0.1", "0.01", "0.001"]
  static let depth: [Int64] = [2, 2, 2, 4, 4, 4]
  static let mu = [1.0, 2.0, 3.0, 2.5, 1.5, 3.5]
  static let gap = [0.05, 0.08, 0.12, 0.03, 0.06, 0.09]

  init() throws {
    directory = try TemporaryDirectory(prefix: "gapdb-cli")
    path = directory.path("fixture.sqlite")
    let recorder = try Recorder(path: path)
    for i in 0..<6 {
      let run = try recorder.beginRun(
        RunSpec(
          experiment: "grid", name: "run \(i)",
          hyperparameters: [
            "lr": .real(Double(Self.lr[i]) ?? 0), "depth": .integer(Self.depth[i]), "seed": 0,
          ],
          seed: 0,
          layers: [
            LayerInfo(index: 0, name: "fc1", fanIn: 784, fanOut: 100),
            LayerInfo(index: 1, name: "fc2", fanIn: 100, fanOut: 10),
          ]))
      for epoch in 1...3 {
        // Final (epoch 3) train error 0.01, test error 0.01 + gap; epoch 2 has a lower test
        // error; epoch 1 is far from converged.
        let trainError = epoch == 1 ? 0.3 : 0.01
        let testError = epoch == 1 ? 0.5 : (epoch == 2 ? 0.011 + Self.gap[i] / 2 : 0.01 + Self.gap[i])
        let reachesTarget = i % 3 != 2  // lr = 0.001 runs never reach train loss 0.01
        let trainLoss = epoch == 1 ? 1.0 : (reachesTarget ? 0.005 : 0.05)
        var measures = [
          MeasureRecord(measureID: "mu", value: epoch == 3 ? Self.mu[i] : Double(epoch * 10 + i)),
          MeasureRecord(measureID: "flat", value: 1.0),
        ]
        if i < 4 { measures.append(MeasureRecord(measureID: "partial", value: Double(i))) }
        try run.recordEpoch(
          EpochRecord(
            epoch: epoch, step: Int64(epoch * 100),
            metrics: EpochMetrics(
              trainLoss: trainLoss, testLoss: trainLoss + Self.gap[i], trainError: trainError,
              testError: testError),
            measures: measures))
      }
      try run.finish(status: .finished, stopReason: "max_epochs")
    }
    let diverged = try recorder.beginRun(
      RunSpec(
        experiment: "grid", name: "diverged",
        hyperparameters: ["lr": 0.1, "depth": 8, "seed": 0], seed: 0))
    try diverged.recordEpoch(
      EpochRecord(
        epoch: 1, step: 100,
        metrics: EpochMetrics(trainLoss: 2.0, testLoss: 2.1, trainError: 0.8, testError: 0.85),
        measures: [MeasureRecord(measureID: "mu", value: 9), MeasureRecord(measureID: "flat", value: 1)]))
    try diverged.recordEpoch(
      EpochRecord(
        epoch: 2, step: 200,
        metrics: EpochMetrics(trainLoss: .nan, testLoss: .nan, trainError: 0.9, testError: .nan),
        measures: [MeasureRecord(measureID: "mu", value: .nan), MeasureRecord(measureID: "flat", value: 1)]))

    for (k, (width, noise)) in [(64, 0.0), (256, 0.0), (64, 1.0), (256, 1.0)].enumerated() {
      let run = try recorder.beginRun(
        RunSpec(
          experiment: "widths", name: "w\(width) noise\(noise)",
          hyperparameters: ["width": .integer(Int64(width)), "label_noise": .real(noise)],
          layers: [
            LayerInfo(index: 0, name: "fc1", fanIn: 784, fanOut: width),
            LayerInfo(index: 1, name: "fc2", fanIn: width, fanOut: 10),
          ]))
      let testError = noise == 0 ? (width == 64 ? 0.12 : 0.10) : 0.9
      let trainError = noise == 0 ? 0.0 : (width == 64 ? 0.2 : 0.0)
      try run.recordEpoch(
        EpochRecord(
          epoch: 1, step: 10,
          metrics: EpochMetrics(trainLoss: 0.01, testLoss: 1, trainError: trainError, testError: testError),
          measures: [MeasureRecord(measureID: "spec_prod", value: Double(10 * (k + 1)))]))
      try run.finish(status: .finished)
    }
  }

  func remove() { directory.remove() }
}
