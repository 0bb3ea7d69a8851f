import Foundation
import MeasureCatalog

private let logits: [MeasureNeed] = [.trainingLogits]
private let initial: [MeasureNeed] = [.initialWeights]

/// Size measures (spec A).
let sizeMeasures: [MeasureDefinition] = [
  define(
    "num_params", "Number of weights", "ω: weight entries of all layers, biases excluded (Jiang/Dziugaite).",
    formula: "ω = Σ_i h_i·h_{i−1}", source: "Jiang et al. 2020 eq. 20 (Dziugaite code)",
    invariant: (true, true, true)
  ) { c in .direct(Double(c.network.weightCount)) },
  define(
    "num_params_total", "Number of parameters", "Weights plus biases (Neyshabur's n_param).",
    formula: "Σ_i (h_i·h_{i−1} + h_i·[layer i has bias])", source: "Neyshabur generalization-bounds code",
    invariant: (true, true, true)
  ) { c in .direct(Double(c.network.totalParameterCount)) },
  define(
    "vc_dim_bound", "VC-dimension bound",
    "Reconstruction of Jiang eq. 19 with c = classes, d = layers and n = input dimension h_0 (the conv version uses the image side length); constants unverified, monotone in ω for fixed d.",
    formula: "3888·c·ω·sqrt(d·log2(6·d·n)³)", source: "Jiang et al. 2020 eq. 19 (le-big-mac reconstruction)",
    invariant: (true, true, true)
  ) { c in
    let d = c.depth
    let n = Double(c.network.inputDimension)
    let l2 = Foundation.log2(6 * d * n)
    return .fromLog(
      Foundation.log(3888 * Double(c.network.outputDimension)) + Foundation.log(Double(c.network.weightCount))
        + 0.5 * Foundation.log(d * l2 * l2 * l2))
  },
]

/// Frobenius-norm family (spec C) and distances from initialization (F).
let frobeniusMeasures: [MeasureDefinition] = [
  define(
    "fro_prod", "Product of squared Frobenius norms", "Computed in the log domain.",
    formula: "Π_i ‖W_i‖_F²", source: "Jiang et al. 2020 eq. 37", invariant: (false, true, false)
  ) { c throws(Undefined) in .fromLog(2 * (try c.sumLog { c.summaries[$0].frobeniusNorm })) },
  define(
    "fro_prod_over_margin", "Frobenius product over margin", "γ = ⌊m/10⌋-th smallest training margin.",
    formula: "Π_i ‖W_i‖_F² / γ²", source: "Jiang et al. 2020 eq. 36", needs: logits, invariant: (false, true, true)
  ) { c throws(Undefined) in
    .fromLog(2 * (try c.sumLog { c.summaries[$0].frobeniusNorm }) - 2 * (try c.logMargin(.p10)))
  },
  define(
    "fro_sum", "Sum of squared Frobenius norms (rescaling-invariant form)",
    "d times the geometric mean of ‖W_i‖_F²: the minimum of Σ‖c_i W_i‖_F² over Π c_i = 1 (AM–GM).",
    formula: "d·(Π_i ‖W_i‖_F²)^{1/d}", source: "Jiang et al. 2020 eq. 39", invariant: (false, true, false)
  ) { c throws(Undefined) in .fromLog(Foundation.log(c.depth) + 2 * (try c.sumLog { c.summaries[$0].frobeniusNorm }) / c.depth) },
  define(
    "fro_sum_over_margin", "Frobenius sum over margin", "γ² sits inside the 1/d power; γ = ⌊m/10⌋-th smallest margin.",
    formula: "d·(Π_i ‖W_i‖_F² / γ²)^{1/d}", source: "Jiang et al. 2020 eq. 38", needs: logits,
    invariant: (false, true, true)
  ) { c throws(Undefined) in
    .fromLog(Foundation.log(c.depth) + (2 * (try c.sumLog { c.summaries[$0].frobeniusNorm }) - 2 * (try c.logMargin(.p10))) / c.depth)
  },
  define(
    "param_norm_sq", "Squared parameter norm", "The literal (non-invariant) sum of squared Frobenius norms.",
    formula: "Σ_i ‖W_i‖_F²", source: "Jiang et al. 2020 eq. 42", invariant: (false, false, false)
  ) { c throws(Undefined) in .direct(try c.sum { c.summaries[$0].frobeniusNorm * c.summaries[$0].frobeniusNorm }) },
  define(
    "param_norm_sq_over_margin", "Squared parameter norm over margin", "γ = ⌊m/10⌋-th smallest margin.",
    formula: "Σ_i ‖W_i‖_F² / γ²", source: "Jiang et al. 2020 eq. 42 normalized as eq. 36", needs: logits,
    invariant: (false, false, false)
  ) { c throws(Undefined) in
    .fromLog(Foundation.log(try c.sum { c.summaries[$0].frobeniusNorm * c.summaries[$0].frobeniusNorm }) - 2 * (try c.logMargin(.p10)))
  },
  define(
    "l2_norm", "L2 norm of all weights", "Square root of param_norm_sq.",
    formula: "(Σ_i ‖W_i‖_F²)^{1/2}", source: "Dziugaite et al. 2020 \"L2\"", invariant: (false, false, false)
  ) { c throws(Undefined) in .direct((try c.sum { c.summaries[$0].frobeniusNorm * c.summaries[$0].frobeniusNorm }).squareRoot()) },
  define(
    "fro_dist_init_sq", "Squared distance from initialization", "Weights only.",
    formula: "Σ_i ‖W_i − W_i⁰‖_F²", source: "Jiang et al. 2020 eq. 40", needs: initial, invariant: (false, false, false)
  ) { c throws(Undefined) in .direct(try c.sum { i throws(Undefined) in let x = try c.frobeniusDistance(i); return x * x }) },
  define(
    "l2_dist_init", "Distance from initialization", "Square root of fro_dist_init_sq.",
    formula: "(Σ_i ‖W_i − W_i⁰‖_F²)^{1/2}", source: "Dziugaite et al. 2020 \"L2_DIST\"", needs: initial,
    invariant: (false, false, false)
  ) { c throws(Undefined) in .direct((try c.sum { i throws(Undefined) in let x = try c.frobeniusDistance(i); return x * x }).squareRoot()) },
]

/// Spectral family (spec D.1).
let spectralMeasures: [MeasureDefinition] = [
  define(
    "spec_prod", "Product of squared spectral norms", "Computed in the log domain.",
    formula: "Π_i ‖W_i‖₂²", source: "Jiang et al. 2020 eq. 32", invariant: (false, true, false)
  ) { c throws(Undefined) in .fromLog(2 * (try c.sumLog(c.spectral))) },
  define(
    "spec_prod_over_margin", "Spectral product over margin", "γ = ⌊m/10⌋-th smallest margin.",
    formula: "Π_i ‖W_i‖₂² / γ²", source: "Jiang et al. 2020 eq. 31", needs: logits, invariant: (false, true, true)
  ) { c throws(Undefined) in .fromLog(2 * (try c.sumLog(c.spectral)) - 2 * (try c.logMargin(.p10))) },
  define(
    "spec_sum", "Sum of squared spectral norms (rescaling-invariant form)", "d times the geometric mean of ‖W_i‖₂².",
    formula: "d·(Π_i ‖W_i‖₂²)^{1/d}", source: "Jiang et al. 2020 eq. 35", invariant: (false, true, false)
  ) { c throws(Undefined) in .fromLog(Foundation.log(c.depth) + 2 * (try c.sumLog(c.spectral)) / c.depth) },
  define(
    "spec_sum_over_margin", "Spectral sum over margin", "γ² inside the 1/d power; γ = ⌊m/10⌋-th smallest margin.",
    formula: "d·(Π_i ‖W_i‖₂² / γ²)^{1/d}", source: "Jiang et al. 2020 eq. 34", needs: logits,
    invariant: (false, true, true)
  ) { c throws(Undefined) in
    .fromLog(Foundation.log(c.depth) + (2 * (try c.sumLog(c.spectral)) - 2 * (try c.logMargin(.p10))) / c.depth)
  },
  define(
    "spec_sum_literal", "Literal sum of squared spectral norms", "Not rescaling-invariant (spec §2.0 note).",
    formula: "Σ_i ‖W_i‖₂²", source: "measures-spec §2.0 (spectral analogue of Jiang eq. 42)", invariant: (false, false, false)
  ) { c throws(Undefined) in .direct(try c.sum { i throws(Undefined) in let s = try c.spectral(i); return s * s }) },
  define(
    "spec_sum_literal_over_margin", "Literal spectral sum over margin", "γ = ⌊m/10⌋-th smallest margin.",
    formula: "Σ_i ‖W_i‖₂² / γ²", source: "measures-spec §2.0", needs: logits, invariant: (false, false, false)
  ) { c throws(Undefined) in
    .fromLog(Foundation.log(try c.sum { i throws(Undefined) in let s = try c.spectral(i); return s * s }) - 2 * (try c.logMargin(.p10)))
  },
  define(
    "stable_rank_sum", "Sum of stable ranks (fro/spec)", "Undefined when a layer's spectral norm is 0.",
    formula: "Σ_i ‖W_i‖_F² / ‖W_i‖₂²", source: "Jiang et al. 2020 eq. 33", invariant: (false, true, true)
  ) { c throws(Undefined) in .direct(try c.stableRankSum()) },
  define(
    "spec_orig_main", "Spectral bound main term (origin)", "γ = ⌊m/10⌋-th smallest margin.",
    formula: "(Π_i ‖W_i‖₂² / γ²)·Σ_i ‖W_i‖_F²/‖W_i‖₂²", source: "Jiang et al. 2020 eq. 30", needs: logits,
    invariant: (false, true, true)
  ) { c throws(Undefined) in
    .fromLog(2 * (try c.sumLog(c.spectral)) - 2 * (try c.logMargin(.p10)) + Foundation.log(try c.stableRankSum()))
  },
  define(
    "spec_init_main", "Spectral bound main term (initialization)", "γ = ⌊m/10⌋-th smallest margin.",
    formula: "(Π_i ‖W_i‖₂² / γ²)·Σ_i ‖W_i − W_i⁰‖_F²/‖W_i‖₂²", source: "Jiang et al. 2020 eq. 29",
    needs: logits + initial, invariant: (false, false, false)
  ) { c throws(Undefined) in
    let ratio = try c.sum { i throws(Undefined) in
      let d = try c.frobeniusDistance(i)
      let s = try c.spectral(i)
      return d * d / (s * s)
    }
    return .fromLog(2 * (try c.sumLog(c.spectral)) - 2 * (try c.logMargin(.p10)) + Foundation.log(ratio))
  },
  define(
    "spec_dist_init_sq", "Squared spectral distance from initialization", "Exact when SVD is on, else power iteration.",
    formula: "Σ_i ‖W_i − W_i⁰‖₂²", source: "Jiang et al. 2020 eq. 41", needs: initial, invariant: (false, false, false)
  ) { c throws(Undefined) in .direct(try c.sum { i throws(Undefined) in let s = try c.spectralDistance(i); return s * s }) },
]

extension MeasureContext {
  func stableRankSum() throws(Undefined) -> Double {
    try sum { i throws(Undefined) in
      let s = try spectral(i)
      if s == 0 { throw Undefined("layer \(summaries[i].name) has spectral norm 0; its stable rank is 0/0") }
      let f = summaries[i].frobeniusNorm
      return f * f / (s * s)
    }
  }
}
