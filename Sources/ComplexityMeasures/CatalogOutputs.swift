import Foundation
import MeasureCatalog

private let logits: [MeasureNeed] = [.trainingLogits]

private func marginMeasure(
  _ id: String, _ name: String, _ description: String, formula: String, source: String,
  invariant: (Bool, Bool, Bool), _ pick: @escaping @Sendable (TrainingOutputStatistics) -> Double
) -> MeasureDefinition {
  define(id, name, description, formula: formula, source: source, needs: logits, invariant: invariant) {
    c throws(Undefined) in .direct(pick(try c.requireOutputs()))
  }
}

/// Output-based measures (spec B, §1.2): signed margins, cross-entropy, output entropy.
let outputMeasures: [MeasureDefinition] = [
  marginMeasure(
    "margin_min", "Smallest training margin", "Signed: negative when an example is misclassified.",
    formula: "min_i γ_i, γ_i = f(x_i)[y_i] − max_{j≠y_i} f(x_i)[j]", source: "measures-spec §1.2",
    invariant: (true, true, false)
  ) { $0.marginMinimum },
  marginMeasure(
    "margin_p1", "1st-percentile margin", "The max(1,⌊m/100⌋)-th smallest signed margin (kthvalue).",
    formula: "kthvalue(γ, ⌊m/100⌋)", source: "measures-spec §1.2", invariant: (true, true, false)
  ) { $0.marginP1 },
  marginMeasure(
    "margin_p5", "5th-percentile margin (kthvalue)", "The max(1,⌊m/20⌋)-th smallest signed margin.",
    formula: "kthvalue(γ, ⌊m/20⌋)", source: "measures-spec §1.2", invariant: (true, true, false)
  ) { $0.marginP5 },
  marginMeasure(
    "margin_p10", "10th-percentile margin (Jiang's γ)", "The max(1,⌊m/10⌋)-th smallest signed margin; no abs().",
    formula: "γ = kthvalue(γ_i, ⌊m/10⌋)", source: "Jiang et al. 2020 (Dziugaite code)", invariant: (true, true, false)
  ) { $0.marginP10 },
  marginMeasure(
    "margin_p50", "Median margin", "The max(1,⌊m/2⌋)-th smallest signed margin.",
    formula: "kthvalue(γ, ⌊m/2⌋)", source: "measures-spec §3.4", invariant: (true, true, false)
  ) { $0.marginP50 },
  marginMeasure(
    "margin_p5_interp", "5th-percentile margin (Neyshabur's γ)", "numpy.percentile(margins, 5), linear interpolation.",
    formula: "percentile(γ_i, 5)", source: "Neyshabur generalization-bounds / over-parametrization code",
    invariant: (true, true, false)
  ) { $0.marginP5Interpolated },
  marginMeasure(
    "margin_fraction_nonpositive", "Fraction of margins ≤ 0", "Training examples misclassified or tied.",
    formula: "(1/m)·#{i : γ_i ≤ 0}", source: "measures-spec §1.2", invariant: (true, true, true)
  ) { $0.fractionNonPositiveMargin },
  marginMeasure(
    "margin_sample_count", "Margin sample size", "m: examples with finite logits used for every output statistic.",
    formula: "m", source: "measures-spec §1.2", invariant: (true, true, true)
  ) { Double($0.sampleCount) },
  define(
    "inverse_margin_sq", "Inverse squared margin", "γ = ⌊m/10⌋-th smallest margin; undefined when γ ≤ 0.",
    formula: "1/γ²", source: "Jiang et al. 2020 eq. 22", needs: logits, invariant: (true, true, false)
  ) { c throws(Undefined) in .fromLog(-2 * (try c.logMargin(.p10))) },
  marginMeasure(
    "train_cross_entropy", "Training cross-entropy", "Mean cross-entropy of the softmax outputs, in nats.",
    formula: "(1/m)·Σ_i (logsumexp f(x_i) − f(x_i)[y_i])", source: "Jiang et al. 2020 eq. 21",
    invariant: (true, true, false)
  ) { $0.crossEntropy },
  marginMeasure(
    "output_entropy", "Output entropy", "Mean entropy of softmax outputs in nats (the entropy itself, not its negative).",
    formula: "(1/m)·Σ_i H(softmax(f(x_i)))", source: "Jiang et al. 2020 eq. 23", invariant: (true, true, false)
  ) { $0.outputEntropy },
]
