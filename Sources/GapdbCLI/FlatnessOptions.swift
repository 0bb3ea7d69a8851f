import ArgumentParser
import FlatnessMeasures
import RunRecorder

/// Options of the perturbation suite (PAC-Bayes σ/σ′, sharpness α/α′, Keskar ε-sharpness,
/// gradient noise), shared by `gapdb train` (`--perturb-every`) and `gapdb measure`.
///
/// Include with `@OptionGroup var flatness: FlatnessOptions`; ``suiteSettings(seed:)`` turns
/// the options into ``FlatnessSuiteSettings``. Defaults are Jiang et al.'s search settings
/// (interval [0, 2], depth 15, 10 draws, target 0.1, tolerance 0.01) on a 10,000-example
/// seeded subset.
public struct FlatnessOptions: ParsableArguments {
  @Option(
    name: .customLong("perturb-every"),
    help: ArgumentHelp(
      "Run the perturbation suite every N epochs (0: only at the final epoch, which always runs).",
      valueName: "N"))
  public var perturbEvery: Int = 0

  @Flag(name: .customLong("no-perturb"), help: "Skip the perturbation suite (sharpness, PAC-Bayes, Keskar, gradient noise).")
  public var noPerturb = false

  @Option(
    name: .customLong("perturb-subset"),
    help: ArgumentHelp("Training examples the searches measure on (a fixed seeded subset; 0 = all).", valueName: "n"))
  public var subset: Int = 10_000

  @Option(name: .customLong("perturb-draws"), help: ArgumentHelp("Monte-Carlo noise draws per σ probe.", valueName: "M"))
  public var draws: Int = 10

  @Option(name: .customLong("perturb-depth"), help: ArgumentHelp("Bisection steps per search.", valueName: "D"))
  public var depth: Int = 15

  @Option(name: .customLong("perturb-restarts"), help: ArgumentHelp("Adversarial restarts per α probe.", valueName: "R"))
  public var restarts: Int = 3

  @Option(
    name: .customLong("perturb-ascent-steps"),
    help: ArgumentHelp("Projected gradient-ascent steps per restart.", valueName: "K"))
  public var ascentSteps: Int = 20

  @Option(
    name: .customLong("perturb-seed"),
    help: ArgumentHelp("Seed of the subset, noise draws and restarts (default: the run's seed, else 0).", valueName: "S"))
  public var seed: UInt64?

  public init() {}

  public mutating func validate() throws {
    if perturbEvery < 0 { throw ValidationError("--perturb-every must be ≥ 0, got \(perturbEvery).") }
    if subset < 0 { throw ValidationError("--perturb-subset must be ≥ 0 (0 = full training set), got \(subset).") }
    if draws < 1 { throw ValidationError("--perturb-draws must be ≥ 1, got \(draws).") }
    if depth < 1 { throw ValidationError("--perturb-depth must be ≥ 1, got \(depth).") }
    if restarts < 1 { throw ValidationError("--perturb-restarts must be ≥ 1, got \(restarts).") }
    if ascentSteps < 0 { throw ValidationError("--perturb-ascent-steps must be ≥ 0, got \(ascentSteps).") }
  }

  /// The suite settings these options describe.
  ///
  /// - Parameter runSeed: The run's seed, used when `--perturb-seed` is not given.
  public func suiteSettings(runSeed: UInt64? = nil) -> FlatnessSuiteSettings {
    var s = FlatnessSuiteSettings()
    s.setSeed(seed ?? runSeed ?? 0)
    s.subsetSize = subset == 0 ? nil : subset
    s.pacBayes.draws = draws
    s.pacBayes.bisection.depth = depth
    s.sharpness.bisection.depth = depth
    s.sharpness.restarts = restarts
    s.sharpness.ascent.steps = ascentSteps
    s.sharpness.ascent.stepFraction = ascentSteps > 0 ? 2.5 / Double(ascentSteps) : 0.125
    return s
  }
}

extension FlatnessMeasureValue {
  /// The value as a store record: NaN and ±Inf as such, `nil` as undefined with the reason;
  /// `detail` holds the settings and diagnostics JSON.
  public var measureRecord: MeasureRecord {
    if let value { return MeasureRecord(measureID: id, value: value, detail: detailJSON) }
    var record = MeasureRecord.undefined(measureID: id, reason: undefinedReason ?? "undefined")
    record.detail = detailJSON
    return record
  }
}

extension FlatnessRegistry {
  /// The entries as rows of the store's `measure` catalogue.
  public static var catalogEntries: [MeasureCatalogEntry] {
    entries.map {
      MeasureCatalogEntry(
        id: $0.id, name: $0.name, description: $0.description, formula: $0.formula, source: $0.source,
        needsData: $0.needsData, needsInit: $0.needsInit, isNodeRescalingInvariant: $0.isNodeRescalingInvariant,
        isLayerRescalingInvariant: $0.isLayerRescalingInvariant, isOutputScalingInvariant: $0.isOutputScalingInvariant)
    }
  }
}
