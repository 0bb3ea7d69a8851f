import FeedForward
import Foundation

/// The values a configuration takes for settings the sweep leaves open.
///
/// Chosen to be a quick, sensible MLP run on Fashion-MNIST: learning rate 0.01, batch size
/// 64, no weight decay, plain SGD, balanced initialization, true labels, seed 1, the full
/// training set, 20 epochs, no training-loss target, one hidden layer of 512 units.
public enum SweepDefaults {
  /// Hidden units per layer when neither `width` nor `hidden_layout` is given.
  public static let width = 512
  /// Hidden layers when neither `depth` nor `hidden_layout` is given.
  public static let depth = 1
  /// Learning rate (unitless).
  public static let learningRate = 0.01
  /// Minibatch size (examples).
  public static let batchSize = 64
  /// ℓ2 weight-decay coefficient.
  public static let weightDecay = 0.0
  /// Optimizer.
  public static let optimizer = OptimizerName.sgd
  /// Initialization.
  public static let initialization = SweepInitialization.balanced
  /// Fraction of random training labels.
  public static let labelNoise = 0.0
  /// Seed for initialization, data order, subset and label noise.
  public static let seed = 1
  /// Epoch cap.
  public static let epochs = 20
}

/// One fully resolved training configuration of a sweep.
///
/// Settings the sweep did not give take ``SweepDefaults``. `trainSize == nil` means the
/// whole training set; `targetTrainLoss == nil` means "train for `epochs` epochs".
public struct SweepConfiguration: Sendable, Equatable, Hashable {
  /// Position in ``SweepSpecification/configurations()`` (0-based).
  public var index: Int
  /// Exactly the settings the sweep gave (fixed and varied), before defaults.
  public var settings: [SweepAxis: SweepValue]
  /// The sweep's varied axes, in canonical order (the hyperparameter grid for Ψ and CMI).
  public var variedAxes: [SweepAxis]

  /// Creates a configuration from explicit settings (validated by the sweep).
  public init(index: Int, settings: [SweepAxis: SweepValue], variedAxes: [SweepAxis]) {
    self.index = index
    self.settings = settings
    self.variedAxes = variedAxes
  }

  /// Hidden units per hidden layer, input side first: `hidden_layout`, else `depth` copies
  /// of `width`.
  public var hiddenLayout: [Int] {
    if case .layout(let units)? = settings[.hiddenLayout] { return units }
    let depth = integer(.depth) ?? SweepDefaults.depth
    let width = integer(.width) ?? SweepDefaults.width
    return Array(repeating: width, count: depth)
  }
  /// Learning rate (unitless).
  public var learningRate: Double { real(.learningRate) ?? SweepDefaults.learningRate }
  /// Minibatch size.
  public var batchSize: Int { integer(.batchSize) ?? SweepDefaults.batchSize }
  /// ℓ2 weight-decay coefficient.
  public var weightDecay: Double { real(.weightDecay) ?? SweepDefaults.weightDecay }
  /// Optimizer.
  public var optimizer: OptimizerName {
    if case .text(let s)? = settings[.optimizer], let o = OptimizerName(rawValue: s) { return o }
    return SweepDefaults.optimizer
  }
  /// Initialization.
  public var initialization: SweepInitialization {
    if case .text(let s)? = settings[.initialization],
      let i = SweepInitialization(rawValue: s)
    {
      return i
    }
    return SweepDefaults.initialization
  }
  /// Fraction of training labels replaced by random labels, in [0, 1].
  public var labelNoise: Double { real(.labelNoise) ?? SweepDefaults.labelNoise }
  /// Seed.
  public var seed: Int { integer(.seed) ?? SweepDefaults.seed }
  /// Training examples, or `nil` for the whole training set.
  public var trainSize: Int? { integer(.trainSize) }
  /// Epoch cap.
  public var epochs: Int { integer(.epochs) ?? SweepDefaults.epochs }
  /// Training cross-entropy target in nats, or `nil` for none.
  public var targetTrainLoss: Double? { real(.targetTrainLoss) }

  /// Every resolved setting as (snake_case name, canonical text), sorted by name: what the
  /// recorder stores as the run's hyperparameters.
  ///
  /// The network's shape is given without redundancy, so no hyperparameter axis repeats
  /// another (which would distort Ψ and CMI): a uniform layout is `depth` and `width`, a
  /// non-uniform one is `depth` and `hidden_layout` (`512x256`). `train_size` is `all` for
  /// the whole set and `target_train_loss` is `none` when unset.
  public var resolvedHyperparameters: [(name: String, value: String)] {
    let layout = hiddenLayout
    var pairs = settingPairs.filter { $0.0 != "hidden_layout" }
    pairs.append(("depth", String(layout.count)))
    if let first = layout.first, layout.allSatisfy({ $0 == first }) {
      pairs.append(("width", String(first)))
    } else {
      pairs.append(("hidden_layout", SweepValue.layout(layout).canonicalText))
    }
    return pairs.sorted { $0.0 < $1.0 }
  }

  /// The resolved settings with the layout as `hidden_layout`, sorted by name.
  private var settingPairs: [(String, String)] {
    [
      ("batch_size", String(batchSize)),
      ("epochs", String(epochs)),
      ("hidden_layout", SweepValue.layout(hiddenLayout).canonicalText),
      ("init", initialization.rawValue),
      ("label_noise", SweepValue.real(labelNoise).canonicalText),
      ("learning_rate", SweepValue.real(learningRate).canonicalText),
      ("optimizer", optimizer.rawValue),
      ("seed", String(seed)),
      ("target_train_loss", targetTrainLoss.map { SweepValue.real($0).canonicalText } ?? "none"),
      ("train_size", trainSize.map(String.init) ?? "all"),
      ("weight_decay", SweepValue.real(weightDecay).canonicalText),
    ]
  }

  /// A stable text key identifying this configuration's training run, for resuming.
  ///
  /// It is the resolved settings as `name=value` pairs sorted by name and joined by `;`,
  /// with the network given as `hidden_layout`, e.g.
  /// `batch_size=64;epochs=2;hidden_layout=64;init=balanced;label_noise=0;…`. Two
  /// configurations that train the same network the same way have the same key, however
  /// they were written (`depth=1;width=64` and `hidden_layout=64` agree; so do TOML, JSON,
  /// YAML and `--grid`). The key does not depend on ``index`` or on which axes varied.
  public var key: String {
    settingPairs.map { "\($0.0)=\($0.1)" }.joined(separator: ";")
  }

  /// The varied axes' values as (name, canonical text), in canonical axis order: what
  /// tells this configuration apart from its siblings (used for run names and Ψ's grid).
  public var variedValues: [(name: String, value: String)] {
    variedAxes.map { ($0.rawValue, settings[$0]?.canonicalText ?? "") }
  }

  /// A short human-readable run name: the varied values, e.g. `width=64,label_noise=1`
  /// (`default` when nothing varies).
  public var displayName: String {
    let parts = variedValues.map { "\($0.name)=\($0.value)" }
    return parts.isEmpty ? "default" : parts.joined(separator: ",")
  }

  private func integer(_ axis: SweepAxis) -> Int? {
    if case .integer(let v)? = settings[axis] { return v }
    return nil
  }

  private func real(_ axis: SweepAxis) -> Double? { settings[axis]?.numericValue }

  public static func == (a: SweepConfiguration, b: SweepConfiguration) -> Bool {
    a.index == b.index && a.settings == b.settings && a.variedAxes == b.variedAxes
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(index)
    hasher.combine(key)
  }
}

/// A `--shard i/n` selection: configurations whose index ≡ i (mod n).
///
/// `i` is 0-based so it matches Slurm's `$SLURM_ARRAY_TASK_ID` with `--array=0-(n-1)`.
/// The n shards partition the sweep: every configuration is in exactly one shard.
public struct SweepShard: Sendable, Equatable {
  /// This shard's number, 0 ≤ index < count.
  public let index: Int
  /// How many shards the sweep is split into (≥ 1).
  public let count: Int

  /// Creates a shard; returns `nil` unless 0 ≤ index < count.
  public init?(index: Int, count: Int) {
    guard count >= 1, index >= 0, index < count else { return nil }
    self.index = index
    self.count = count
  }

  /// Parses `i/n`.
  ///
  /// - Parameter text: e.g. `0/4`.
  /// - Returns: The shard.
  /// - Throws: ``SweepPlanningError/malformedShard(text:)`` unless the text is two integers
  ///   `i/n` with 0 ≤ i < n.
  public static func parse(_ text: String) throws(SweepPlanningError) -> SweepShard {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2,
      let i = Int(parts[0].trimmingCharacters(in: .whitespaces)),
      let n = Int(parts[1].trimmingCharacters(in: .whitespaces)),
      let shard = SweepShard(index: i, count: n)
    else { throw .malformedShard(text: text) }
    return shard
  }

  /// The configurations of this shard, in sweep order.
  ///
  /// - Parameter configurations: The whole sweep, as ``SweepSpecification/configurations()``
  ///   returns it.
  /// - Returns: Those whose ``SweepConfiguration/index`` ≡ ``index`` (mod ``count``).
  public func select(_ configurations: [SweepConfiguration]) -> [SweepConfiguration] {
    configurations.filter { $0.index % count == index }
  }
}
