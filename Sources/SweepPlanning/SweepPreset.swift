import FeedForward
/// The seed experiments as ready-made sweeps.
///
/// Each preset scales with the training-set size and the epoch cap, so the same experiment
/// runs as a CI smoke test (`--train-size 256 --epochs 2`) and at full size on a
/// workstation (the defaults).
///
/// - `width`: one hidden layer with 8, 16, …, 4096 hidden units (powers of 2) × true labels
///   vs random labels (`label_noise` 0 and 1), SGD trained to a training cross-entropy of
///   0.01 nats or the epoch cap. Neyshabur, Bhojanapalli, McAllester, Srebro 2017,
///   "Exploring Generalization in Deep Learning", §3 (network size) and the random-label
///   experiment. 20 runs.
/// - `path-sgd`: two hidden layers of 1024 units, SGD vs Path-SGD × balanced vs unbalanced
///   (rescaled) initialization, learning rate 0.01, batch 64. Neyshabur, Salakhutdinov, Srebro
///   2015, "Path-SGD: Path-Normalized Optimization in Deep Neural Networks", §5. 4 runs. The
///   unbalanced start is the authors' construction (ExperimentRunner's
///   `InitialRescaling.unbalanced`), and Path-SGD's first-step ratio is computed at the
///   ℓ2-balanced rescaling, so the two Path-SGD curves coincide (to float rounding) while the
///   two SGD curves differ.
/// - `grid`: a small complete grid in the manner of Jiang et al. 2020, "Fantastic
///   Generalization Measures and Where to Find Them", §3: depth {1, 2, 3} × width
///   {128, 256, 512} × learning rate {0.003, 0.01, 0.03}. 27 runs, enough for τ, Ψ with
///   three ψ axes, and CMI.
public enum SweepPreset: String, CaseIterable, Sendable {
  case width
  case pathSGD = "path-sgd"
  case grid

  /// Default epoch cap of each preset at full size.
  public var defaultEpochs: Int {
    switch self {
    case .width: return 100
    case .pathSGD: return 100
    case .grid: return 30
    }
  }

  /// The hidden-unit counts of the full `width` preset: 8, 16, …, 4096.
  public static let paperWidths: [Int] = (3...12).map { 1 << $0 }

  /// The preset's sweep.
  ///
  /// - Parameters:
  ///   - trainSize: Training examples (`nil`: the whole training set).
  ///   - epochs: Epoch cap (`nil`: ``defaultEpochs``).
  ///   - widths: For `width` only: the hidden-unit counts (default ``paperWidths``).
  /// - Returns: The sweep, named `preset-<name>` unless the caller renames it.
  public func specification(
    trainSize: Int? = nil, epochs: Int? = nil, widths: [Int]? = nil
  ) -> SweepSpecification {
    var fixed: [SweepAxis: SweepValue] = [.epochs: .integer(epochs ?? defaultEpochs)]
    if let trainSize { fixed[.trainSize] = .integer(trainSize) }
    var axes: [SweepAxis: [SweepValue]] = [:]
    switch self {
    case .width:
      fixed[.depth] = .integer(1)
      fixed[.optimizer] = .text(OptimizerName.sgd.rawValue)
      fixed[.learningRate] = .real(0.01)
      fixed[.batchSize] = .integer(64)
      fixed[.targetTrainLoss] = .real(0.01)
      axes[.width] = (widths ?? Self.paperWidths).map { .integer($0) }
      axes[.labelNoise] = [.real(0), .real(1)]
    case .pathSGD:
      fixed[.depth] = .integer(2)
      fixed[.width] = .integer(1024)
      fixed[.learningRate] = .real(0.01)
      fixed[.batchSize] = .integer(64)
      axes[.optimizer] = [.text(OptimizerName.sgd.rawValue), .text(OptimizerName.pathSGD.rawValue)]
      axes[.initialization] = [
        .text(SweepInitialization.balanced.rawValue), .text(SweepInitialization.unbalanced.rawValue),
      ]
    case .grid:
      fixed[.batchSize] = .integer(64)
      axes[.depth] = [.integer(1), .integer(2), .integer(3)]
      axes[.width] = [.integer(128), .integer(256), .integer(512)]
      axes[.learningRate] = [.real(0.003), .real(0.01), .real(0.03)]
    }
    return SweepSpecification(name: "preset-\(rawValue)", fixed: fixed, axes: axes)
  }

  /// The preset with this name.
  ///
  /// - Throws: ``SweepPlanningError/unknownPreset(name:)``.
  public static func named(_ name: String) throws(SweepPlanningError) -> SweepPreset {
    guard let p = SweepPreset(rawValue: name.lowercased()) else { throw .unknownPreset(name: name) }
    return p
  }
}
