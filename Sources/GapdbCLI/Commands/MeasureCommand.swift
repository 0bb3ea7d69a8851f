import ArgumentParser
import ComplexityMeasures
import ExperimentRunner
import FlatnessMeasures
import Foundation
import RunRecorder
import TabularOutput

extension SpectralMethod: ExpressibleByArgument {}

/// `gapdb measure`: every complexity measure of a network's weights, from NumPy files.
public struct MeasureCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "measure",
    abstract: "Compute every complexity measure of a network's weights given as NumPy files.",
    discussion: """
      WEIGHTS is one .npz whose arrays are the layers' weights (fanOut × fanIn, PyTorch's
      nn.Linear layout) and biases, named like a state dict (0.weight, 0.bias, fc1.weight,
      layers.10.weight), or several .npy files in layer order (each 2-D array is a layer; a 1-D
      array right after it with one entry per unit is its bias). Layers named <stem><n><rest>
      with a shared stem are ordered by n (layers.2 before layers.10); otherwise as stored.
      Dense (linear) layers only: any other array (a convolution kernel, BatchNorm weights or
      statistics, a stray vector or scalar) is refused, listed with its shape, since the
      measures of the dense layers alone would not be the network's.

      Prints one row per measure: id, value, log_value (natural log; exact even when the value
      overflows), kind (finite, nan, +inf, -inf, undefined) and detail (why a value is
      undefined, e.g. a margin ≤ 0 or a missing --init). Measures that need training logits,
      initial weights or input statistics are undefined without them. With --layers, prints
      the per-layer summaries instead (one table per run, so CSV/JSON stay valid).

      Examples:
        gapdb measure model.npz
        gapdb measure model.npz --init init.npz --logits train_logits.npy --labels train_labels.npy
        gapdb measure w1.npy b1.npy w2.npy b2.npy --format csv
        gapdb measure model.npz --layers --json
        gapdb measure model.npz --init init.npz --data /usr/share/datasets/fashion-mnist --perturb-subset 2000

      With --data (the training set: an IDX folder or a CSV file, scaled as in training), the
      perturbation measures are added: PAC-Bayes σ, σ′ and their bounds, sharpness α, α′ and
      their bounds, Keskar ε-sharpness (1e-3, 5e-4) and gradient noise, each with its search
      settings and diagnostics as JSON in detail. They cost hundreds of forward passes over the
      --perturb-subset examples; --perturb-* options trade accuracy for time.
      """)

  @Argument(help: ArgumentHelp("Weight files: one .npz state dict or .npy arrays in layer order.", valueName: "weights"))
  var weights: [String]

  @Option(name: .customLong("init"), help: ArgumentHelp("Initial weights (same keys and shapes), for distance-from-initialization measures.", valueName: "file"))
  var initialWeights: [String] = []

  @Option(help: ArgumentHelp("Training-set logits, a 2-D .npy (examples × classes), raw outputs before softmax.", valueName: "file"))
  var logits: String?

  @Option(help: ArgumentHelp("Training-set labels, a 1-D .npy of class indices (with --logits).", valueName: "file"))
  var labels: String?

  @Option(help: ArgumentHelp("Training inputs, a .npy (examples × features…), for the over-parametrization bound's data terms.", valueName: "file"))
  var inputs: String?

  @Option(help: "Spectral norms: exact (LAPACK SVD, also Schatten norms), power (power iteration, tolerance 1e-6), or both.")
  var spectral: SpectralMethod = .both

  @Flag(help: "Print the per-layer summaries instead of the network measures.")
  var layers = false

  @OptionGroup(title: "Flatness and sharpness measures (with --data)") var flatness: FlatnessDataOptions

  @OptionGroup var output: OutputOptions

  public init() {}

  public mutating func validate() throws {
    if (logits == nil) != (labels == nil) {
      throw ValidationError("--logits and --labels go together; got only \(logits == nil ? "--labels" : "--logits").")
    }
    if weights.isEmpty { throw ValidationError("Give at least one weight file (.npz or .npy).") }
    for path in weights { try validateNonEmptyPath(path, "<weights>") }
    for path in initialWeights { try validateNonEmptyPath(path, "--init") }
    for (path, option) in [(logits, "--logits"), (labels, "--labels"), (inputs, "--inputs")] {
      if let path { try validateNonEmptyPath(path, option) }
    }
  }

  public func run() throws {
    let sink = StandardOutputSink()
    defer { sink.flush() }
    try execute(sink: sink)
  }

  /// Runs the command, writing rows to `sink` (for in-process tests).
  public func execute(sink: TextSink) throws(CommandError) {
    let (network, _) = try MeasureInputLoader.loadNetwork(weights: weights, initial: initialWeights)
    var outputs: TrainingOutputStatistics?
    if let logits, let labels {
      outputs = try MeasureInputLoader.loadOutputs(logits: logits, labels: labels, networkClasses: network.outputDimension)
      if outputs?.classCount != network.outputDimension {
        throw CommandError(
          "--logits have \(outputs?.classCount ?? 0) classes but the network's last layer has \(network.outputDimension) outputs",
          hint: "pass the logits this network produced on its training set.")
      }
    }
    let inputStatistics = try inputs.map { (path: String) throws(CommandError) in try MeasureInputLoader.loadInputs(path, network: network) }
    var suite = MeasureSuite(options: LayerSummaryOptions(spectralMethod: spectral))
    let report = suite.evaluate(network, outputs: outputs, inputs: inputStatistics)
    let flat = try flatness.loadTrainingSet(classCount: network.outputDimension).map { (train) throws(CommandError) in
      try flatnessMeasures(network: network, trainingSet: train, settings: flatness.search.suiteSettings())
    } ?? []
    let writer = output.makeWriter(sink: sink)
    if layers {
      writer.begin(columns: LayerSummaryColumns.names)
      for s in report.layerSummaries { writer.write(LayerSummaryColumns.cells(s)) }
    } else {
      writer.begin(columns: ["id", "value", "log_value", "kind", "detail"])
      for r in report.measures {
        writer.write([
          .text(r.id), r.value.value.map(Cell.real) ?? .null, r.value.logValue.map(Cell.real) ?? .null,
          .text(r.value.kind.rawValue), r.value.detail.map(Cell.text) ?? .null,
        ])
      }
      for v in flat {
        let kind = MeasureValue(value: v.value, logValue: nil).kind
        let log: Cell = v.value.flatMap { $0 > 0 ? .real(Foundation.log($0)) : nil } ?? .null
        writer.write([.text(v.id), v.value.map(Cell.real) ?? .null, log, .text(kind.rawValue), .text(v.detailJSON)])
      }
    }
    writer.finish()
  }
}

/// The `--layers` columns: the layer's shape, the store's `layer_summary` statistic columns
/// (``RunRecorder/LayerSummaryRecord/columns``, in their order; `spectral_norm` is the exact
/// value only, followed by the power-iteration estimate and its iteration count), then the
/// reason a spectral value is missing.
enum LayerSummaryColumns {
  static let names =
    ["layer_index", "name", "fan_out", "fan_in", "weight_count", "bias_count"]
    + LayerSummaryRecord.columnNames.flatMap {
      $0 == "spectral_norm" ? [$0, "spectral_norm_power_iteration", "power_iterations"] : [$0]
    } + ["detail"]

  static func cells(_ s: LayerSummary) -> [Cell] {
    func real(_ x: Double?) -> Cell { x.map(Cell.real) ?? .null }
    var cells: [Cell] = [
      .integer(Int64(s.layerIndex)), .text(s.name), .integer(Int64(s.fanOut)), .integer(Int64(s.fanIn)),
      .integer(Int64(s.weightCount)), .integer(Int64(s.biasCount)),
    ]
    for name in LayerSummaryRecord.columnNames {
      if name == "spectral_norm" {
        cells += [
          real(s.spectralNorm), real(s.spectralNormPowerIteration), s.powerIterations.map { .integer(Int64($0)) } ?? .null,
        ]
      } else {
        cells.append(real(MeasureRecords.layerSummarySources[name]?(s) ?? nil))
      }
    }
    return cells + [s.spectralUndefinedReason.map(Cell.text) ?? .null]
  }
}
