import ArgumentParser
import ComplexityMeasures
import TabularOutput

/// `gapdb measures --list`: the measure registry.
public struct MeasuresCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "measures",
    abstract: "List the complexity measures gapdb computes, with formulas, sources and invariances.",
    discussion: """
      Columns: id, name, formula, source, needs (weights, initial_weights, training_logits,
      data_statistics), needs_data, needs_init, and the invariances is_node_rescaling_invariant,
      is_layer_rescaling_invariant, is_output_scaling_invariant (1 = exactly invariant), then
      description. Ids ending in _over_margin use Jiang's γ (the ⌊m/10⌋-th smallest training
      margin); ids ending in _over_margin_p5 use Neyshabur's (5th percentile, interpolated).

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

  /// Writes the registry to `sink`.
  public func execute(sink: TextSink) {
    let writer = output.makeWriter(sink: sink)
    writer.begin(columns: [
      "id", "name", "formula", "source", "needs", "needs_data", "needs_init", "is_node_rescaling_invariant",
      "is_layer_rescaling_invariant", "is_output_scaling_invariant", "description",
    ])
    func flag(_ b: Bool) -> Cell { .integer(b ? 1 : 0) }
    for d in MeasureRegistry.all {
      writer.write([
        .text(d.id), .text(d.name), .text(d.formula), .text(d.source), .text(d.needs.map(\.rawValue).joined(separator: ",")),
        flag(d.needsData), flag(d.needsInit), flag(d.isNodeRescalingInvariant), flag(d.isLayerRescalingInvariant),
        flag(d.isOutputScalingInvariant), .text(d.description),
      ])
    }
    writer.finish()
  }
}
