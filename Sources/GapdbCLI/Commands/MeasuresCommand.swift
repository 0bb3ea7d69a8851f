import ArgumentParser
import ExperimentRunner
import MeasureCatalog
import TabularOutput

/// `gapdb measures --list`: the measure catalogue (every measure gapdb computes).
public struct MeasuresCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "measures",
    abstract: "List every measure gapdb computes, with formulas, sources, invariances and cost.",
    discussion: """
      Lists the measures computed from weights (and training logits), the perturbation
      measures (PAC-Bayes, sharpness, Keskar), gradient noise and the optimization-based
      measures (steps to a training loss, sum of training losses): every id a run can record.

      Columns: id, name, formula, source, needs (weights, initial_weights, training_logits,
      data_statistics, training_data, gradients, training_log), needs_data, needs_init, and
      the invariances is_node_rescaling_invariant, is_layer_rescaling_invariant,
      is_output_scaling_invariant (1 = exactly invariant; invariant only up to an ε floor,
      and not applicable, are 0), then description, then cost (training_log, weights,
      forward_pass, gradient_passes, search: from free to a bisection search). Ids ending in
      _over_margin use Jiang's γ (the ⌊m/10⌋-th smallest training margin); ids ending in
      _over_margin_p5 use Neyshabur's (5th percentile, interpolated).

      Examples:
        gapdb measures --list
        gapdb measures --list --format csv > measures.csv
      """)

  @Flag(help: "List every measure (the default and only action).")
  var list = false

  @OptionGroup var output: OutputOptions

  public init() {}

  public func run() throws {
    let sink = StandardOutputSink()
    defer { sink.flush() }
    execute(sink: sink)
  }

  /// Writes the catalogue (``ExperimentRunner/GapdbMeasures/all``) to `sink`, one row per
  /// measure in catalogue order.
  public func execute(sink: TextSink) {
    let writer = output.makeWriter(sink: sink)
    writer.begin(columns: [
      "id", "name", "formula", "source", "needs", "needs_data", "needs_init", "is_node_rescaling_invariant",
      "is_layer_rescaling_invariant", "is_output_scaling_invariant", "description", "cost",
    ])
    func flag(_ b: Bool) -> Cell { .integer(b ? 1 : 0) }
    for d in GapdbMeasures.all {
      writer.write([
        .text(d.id), .text(d.name), .text(d.formula), .text(d.source), .text(d.needs.map(\.rawValue).joined(separator: ",")),
        flag(d.needsData), flag(d.needsInit), flag(d.isNodeRescalingInvariant), flag(d.isLayerRescalingInvariant),
        flag(d.isOutputScalingInvariant), .text(d.description), .text(d.cost.rawValue),
      ])
    }
    writer.finish()
  }
}
