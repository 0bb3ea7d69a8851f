import Datasets
import FeedForward

/// Runs the perturbation suite during training: at the final epoch and every `every` epochs,
/// warm-starting each search from the previous checkpoint's scales, and the
/// optimization-based measures from the training log at every epoch.
///
/// The recording glue calls ``measures(for:)`` with each ``EpochReport`` in order (epoch 0
/// included) and records the returned values with that epoch. The suite costs many forward
/// passes (see ``FlatnessSuiteSettings``), which is why it runs only on a schedule.
///
/// Training-log conventions: a checkpoint is `(optimizerSteps, trainLoss)` of each report, with
/// `trainLoss` the full-training-set cross-entropy at the epoch's end; the sum-of-training-losses
/// measures sum those per-epoch values for epochs ≥ 1.
public final class FlatnessMonitor {
  /// Run the suite every this many epochs (0: only at the final epoch).
  public let every: Int
  /// The suite's settings (subset, draws, depth, seeds…).
  public let settings: FlatnessSuiteSettings
  private let classifier: MLPClassifier
  private var log = TrainingLog(checkpoints: [], epochLosses: [])
  private var warmStart = FlatnessWarmStart()
  /// Called before each search of the suite; the recording glue refreshes the run's heartbeat
  /// here, since a full suite can take minutes.
  public var willRunSearch: (FlatnessSearch) -> Void = { _ in }

  /// Creates a monitor for one run.
  ///
  /// - Parameters:
  ///   - trainingSet: The training set as trained on (subset, label noise included).
  ///   - layerSizes: `[h_0, …, h_d]`.
  ///   - settings: The suite's settings.
  ///   - every: Suite period in epochs, ≥ 0 (0 = final epoch only).
  /// - Throws: ``FlatnessError`` when the data does not fit the architecture or `every < 0`.
  public init(trainingSet: LabeledDataset, layerSizes: [Int], settings: FlatnessSuiteSettings, every: Int)
    throws(FlatnessError)
  {
    guard every >= 0 else { throw .invalidSetting("--perturb-every \(every)", hint: "use N ≥ 1, or 0 for the final epoch only") }
    classifier = try MLPClassifier(layerSizes: layerSizes, trainingSet: trainingSet)
    self.settings = settings
    self.every = every
  }

  /// Whether the suite runs at this epoch: the final epoch always, and every `every`-th epoch.
  public func runsSuite(epoch: Int, isFinal: Bool) -> Bool {
    isFinal || (every > 0 && epoch > 0 && epoch % every == 0)
  }

  /// Adds the report to the training log and returns the measures for its epoch: the
  /// optimization-based measures (every epoch ≥ 1) and, when scheduled, the perturbation suite.
  ///
  /// A diverged network (non-finite training loss) gets its perturbation measures as undefined,
  /// with the reason, instead of a search over a network that is not a number.
  ///
  /// - Parameters:
  ///   - report: The trainer's report for this epoch.
  ///   - shouldCancel: Passed to ``runFlatnessSuite(context:settings:warmStart:willRun:shouldCancel:)``;
  ///     returning true stops the suite between probes, ascent steps or batches.
  /// - Returns: Values with their detail, ready to record with `report.epoch`.
  /// - Throws: ``FlatnessError`` for bad settings, ``FlatnessError/cancelled`` when
  ///   `shouldCancel` returned true (the warm start is left as it was).
  public func measures(for report: EpochReport, shouldCancel: () -> Bool = { false }) throws(FlatnessError)
    -> [FlatnessMeasureValue]
  {
    log.checkpoints.append(.init(step: report.optimizerSteps, crossEntropy: report.trainLoss))
    guard report.epoch >= 1 else { return [] }
    log.epochLosses.append(report.trainLoss)
    var values = optimizationMeasures(log: log)
    guard runsSuite(epoch: report.epoch, isFinal: report.isFinal) else { return values }
    if !report.trainLoss.isFinite {
      let reason = "the network diverged (training loss \(report.trainLoss)); perturbation searches were skipped"
      for entry in FlatnessRegistry.entries where !entry.needs.contains(.trainingLog) {
        values.append(FlatnessMeasureValue(id: entry.id, value: nil, undefinedReason: reason, detail: .object([:])))
      }
      return values
    }
    try checkCancellation(shouldCancel)
    let context = try FlatnessContext(
      model: classifier, parameters: report.network.parameterVector(),
      initialParameters: report.initialNetwork.parameterVector(), subsetSize: settings.subsetSize,
      seed: settings.subsetSeed)
    let suite = try runFlatnessSuite(
      context: context, settings: settings, warmStart: warmStart, willRun: willRunSearch, shouldCancel: shouldCancel)
    warmStart = suite.warmStart
    values.append(contentsOf: suite.values)
    return values
  }
}
