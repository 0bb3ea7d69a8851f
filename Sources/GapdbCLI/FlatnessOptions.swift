import ArgumentParser
import ComplexityMeasures
import Datasets
import ExperimentRunner
import FlatnessMeasures
import LinearAlgebra
import Foundation

/// The knobs of the perturbation suite (PAC-Bayes σ/σ′, sharpness α/α′, Keskar ε-sharpness,
/// gradient noise), shared by `gapdb train` (through ``FlatnessOptions``) and `gapdb measure`.
///
/// Defaults are Jiang et al.'s search settings (interval [0, 2], depth 15, 10 draws, target
/// deviation 0.1, tolerance 0.01) on a 10,000-example seeded subset; the cost grows linearly
/// with the subset, the draws, the depth, the restarts and the ascent steps.
public struct FlatnessSearchOptions: ParsableArguments {
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
    help: ArgumentHelp("Projected sign-gradient ascent steps per restart.", valueName: "K"))
  public var ascentSteps: Int = 20

  @Option(
    name: .customLong("perturb-seed"),
    help: ArgumentHelp("Seed of the subset, noise draws and restarts (default: the run's seed, else 0).", valueName: "S"), transform: parseSeed)
  public var seed: UInt64?

  public init() {}

  public mutating func validate() throws {
    if subset < 0 { throw ValidationError("--perturb-subset must be ≥ 0 (0 = full training set), got \(subset).") }
    if draws < 1 { throw ValidationError("--perturb-draws must be ≥ 1, got \(draws).") }
    if depth < 1 { throw ValidationError("--perturb-depth must be ≥ 1, got \(depth).") }
    if restarts < 1 { throw ValidationError("--perturb-restarts must be ≥ 1, got \(restarts).") }
    if ascentSteps < 0 { throw ValidationError("--perturb-ascent-steps must be ≥ 0, got \(ascentSteps).") }
    // The library's limits (buffers are sized by these counts), named by option here.
    let limit = FlatnessLimits.maximumCount
    for (option, value) in [
      ("--perturb-draws", draws), ("--perturb-depth", depth), ("--perturb-restarts", restarts),
      ("--perturb-ascent-steps", ascentSteps),
    ] where value > limit {
      throw ValidationError("\(option) must be ≤ \(limit), got \(value).")
    }
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

/// `gapdb train`'s perturbation options: `--perturb-every N` (the final epoch always runs) and
/// `--no-perturb`, plus ``FlatnessSearchOptions``.
///
/// Include with `@OptionGroup var flatness: FlatnessOptions` and set
/// `configuration.flatness = flatness.schedule(runSeed: seed)`.
public struct FlatnessOptions: ParsableArguments {
  @Option(
    name: .customLong("perturb-every"),
    help: ArgumentHelp(
      "Run the perturbation suite (PAC-Bayes, sharpness, Keskar, gradient noise) every N epochs; the final epoch always runs (0: final only). (default: 0)",
      valueName: "N"))
  public var perturbEvery: Int?

  @Flag(name: .customLong("no-perturb"), help: "Skip the perturbation suite and the optimization-based measures.")
  public var noPerturb = false

  @OptionGroup public var search: FlatnessSearchOptions

  public init() {}

  public mutating func validate() throws {
    if let perturbEvery, perturbEvery < 0 {
      throw ValidationError("--perturb-every must be ≥ 0, got \(perturbEvery).")
    }
  }

  /// The training-run schedule, `nil` with `--no-perturb`.
  ///
  /// - Parameter runSeed: The run's seed, used when `--perturb-seed` is not given.
  public func schedule(runSeed: UInt64? = nil) -> FlatnessSchedule? {
    noPerturb ? nil : FlatnessSchedule(settings: search.suiteSettings(runSeed: runSeed), every: perturbEvery ?? 0)
  }
}

/// `--scaling` and `--data-scaling` take the library's scaling names (`unit` is accepted for
/// `pixel`, the spelling `gapdb measure` used before).
extension ScalingChoice: ExpressibleByArgument {
  public init?(argument: String) { self.init(spelling: argument) }
}

/// `gapdb measure`'s data options: with `--data`, the perturbation suite runs on the given
/// training set (IDX folder or CSV file) and its measures join the output.
public struct FlatnessDataOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Training data for the flatness and sharpness measures: an IDX folder (MNIST format) or a CSV file (label column and features).",
      valueName: "path"))
  public var data: String?

  @Option(help: ArgumentHelp("Label column of a CSV --data file: 'auto', a 0-based index or a header name.", valueName: "column"))
  public var labelColumn: String = "auto"

  @Option(help: "Feature scaling applied to --data before the searches (auto: IDX ÷255, CSV raw); must match training.")
  public var dataScaling: ScalingChoice = .auto

  @OptionGroup public var search: FlatnessSearchOptions

  public init() {}

  /// Loads the training set for a network with `classCount` outputs.
  func loadTrainingSet(classCount: Int) throws(CommandError) -> LabeledDataset? {
    guard let data else { return nil }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory) else {
      throw CommandError("--data \(data) does not exist", hint: "give an IDX folder or a CSV file")
    }
    do {
      let split: DataSplit
      if isDirectory.boolValue {
        split = try IDXDataset.load(directory: data, classCount: classCount)
      } else {
        let train = try CSVDataset.load(path: data, labelColumn: CSVLabelColumn(labelColumn), classCount: classCount)
        split = DataSplit(train: train, test: nil, sourceName: data, sourceLocation: data)
      }
      let scaling = dataScaling.scaling(isPixelData: isDirectory.boolValue)
      return try prepare(split, with: DataPreparation(scaling: scaling)).0.train
    } catch {
      throw CommandError("cannot read --data \(data): \(error)", hint: "check the path and format (IDX folder or CSV)")
    }
  }
}

/// The perturbation suite for a saved network (`gapdb measure WEIGHTS.npz --data …`).
///
/// The MLP architecture is inferred from the weight matrices (`[fanIn of layer 1, fanOut of
/// each layer]`, ReLU between layers, as gapdb trains them). A network stored without biases
/// gets zero biases that are **not** perturbed (`perturbed = weights`, recorded in the detail),
/// so the searches explore the same function class the network came from. Initial weights
/// (`--init`) enable the `*_init` measures; initial biases are not needed (norms and distances
/// use weights only).
///
/// - Parameters:
///   - network: The weights read from the file(s).
///   - trainingSet: The training set the network was trained on, preprocessed the same way.
///   - settings: The suite's settings.
/// - Returns: One value per perturbation measure, with settings in the detail.
/// - Throws: `CommandError` naming the mismatch when the data does not fit the network.
public func flatnessMeasures(
  network: NetworkWeights, trainingSet: LabeledDataset, settings: FlatnessSuiteSettings
) throws(CommandError) -> [FlatnessMeasureValue] {
  let sizes = [network.inputDimension] + network.layers.map(\.fanOut)
  let hasBiases = network.layers.allSatisfy { $0.bias != nil }
  var parameters: [Float] = []
  var initial: [Float]? = network.hasInitialWeights ? [] : nil
  for layer in network.layers {
    parameters.append(contentsOf: layer.weights.elements)
    parameters.append(contentsOf: layer.bias ?? [Float](repeating: 0, count: layer.fanOut))
    if let w0 = layer.initialWeights {
      initial?.append(contentsOf: w0.elements)
      initial?.append(contentsOf: [Float](repeating: 0, count: layer.fanOut))
    }
  }
  var s = settings
  if !hasBiases {
    s.pacBayes.perturbed = .weights
    s.sharpness.perturbed = .weights
    s.keskar.perturbed = .weights
  }
  do {
    let classifier = try MLPClassifier(layerSizes: sizes, trainingSet: trainingSet)
    let context = try FlatnessContext(
      model: classifier, parameters: parameters, initialParameters: initial, subsetSize: s.subsetSize,
      seed: s.subsetSeed)
    return try runFlatnessSuite(context: context, settings: s).values
  } catch {
    throw CommandError(error.description, hint: error.hint)
  }
}
