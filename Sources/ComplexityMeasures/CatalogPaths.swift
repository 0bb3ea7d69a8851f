import Foundation
import MeasureCatalog

private let logits: [MeasureNeed] = [.trainingLogits]

private func pLabel(_ p: Double) -> String { p == 1 ? "l1" : p == 1.5 ? "l1p5" : "l2" }

private func pathMeasures(p: Double) -> [MeasureDefinition] {
  let label = pLabel(p)
  let pText = p == 1.5 ? "1.5" : String(Int(p))
  var out: [MeasureDefinition] = []
  for biases in [true, false] {
    let id = "\(label)_path_norm" + (biases ? "" : "_nobias")
    let which = biases ? "Biases are extra input edges fed by 1 (as in the all-ones forward pass of the authors' code)." : "Weights only (biases dropped)."
    out.append(
      define(
        id, "ℓ\(pText) path norm" + (biases ? "" : " without biases"), which,
        formula: "(Σ_paths Π_e |w_e|^\(pText))^{1/\(pText)}", source: "Neyshabur, Tomioka, Srebro 2015 (COLT) §4; generalization-bounds code",
        invariant: (true, true, false)
      ) { c in .fromLog(c.pathLog(p, biases: biases) / p) })
    out.append(
      define(
        id + "_over_margin_p5", "ℓ\(pText) path norm over margin" + (biases ? "" : " without biases"),
        which + " γ = 5th percentile (interpolated), as in Neyshabur's code.",
        formula: "(Σ_paths Π_e |w_e|^\(pText))^{1/\(pText)} / γ", source: "Neyshabur et al. 2017 §2; generalization-bounds code",
        needs: logits, invariant: (true, true, true)
      ) { c throws(Undefined) in .fromLog(c.pathLog(p, biases: biases) / p - (try c.logMargin(.p5))) })
  }
  return out
}

/// Path norms (spec E.2, E.4): Jiang's squared ℓ2 form and Neyshabur's ℓ1/ℓ1.5/ℓ2 forms.
let pathMeasures: [MeasureDefinition] =
  [
    define(
      "path_norm_sq", "Squared ℓ2 path norm", "Sum of outputs of the squared-weight network on the all-ones input, biases included.",
      formula: "Σ_out f_{w∘w}(𝟏) = Σ_paths Π_e w_e²", source: "Jiang et al. 2020 eq. 44", invariant: (true, true, false)
    ) { c in .fromLog(c.pathLog(2, biases: true)) },
    define(
      "path_norm_sq_nobias", "Squared ℓ2 path norm without biases", "As path_norm_sq with biases dropped.",
      formula: "Σ_paths Π_e w_e² (weights only)", source: "Jiang et al. 2020 eq. 44 (bias-free variant)",
      invariant: (true, true, false)
    ) { c in .fromLog(c.pathLog(2, biases: false)) },
    define(
      "path_norm_sq_over_margin", "Squared path norm over margin", "γ = ⌊m/10⌋-th smallest margin.",
      formula: "Σ_paths Π_e w_e² / γ²", source: "Jiang et al. 2020 eq. 43", needs: logits, invariant: (true, true, true)
    ) { c throws(Undefined) in .fromLog(c.pathLog(2, biases: true) - 2 * (try c.logMargin(.p10))) },
    define(
      "path_norm_sq_nobias_over_margin", "Squared path norm without biases over margin", "γ = ⌊m/10⌋-th smallest margin.",
      formula: "Σ_paths Π_e w_e² / γ² (weights only)", source: "Jiang et al. 2020 eq. 43 (bias-free variant)", needs: logits,
      invariant: (true, true, true)
    ) { c throws(Undefined) in .fromLog(c.pathLog(2, biases: false) - 2 * (try c.logMargin(.p10))) },
  ] + pathMeasures(p: 1) + pathMeasures(p: 1.5) + pathMeasures(p: 2)

/// Group-norm products (spec E.1) and Schatten-norm products (D.4).
let groupAndSchattenMeasures: [MeasureDefinition] = {
  var out: [MeasureDefinition] = []
  let groups: [(String, String, String, @Sendable (LayerSummary) -> Double)] = [
    ("p1_qinf", "(1,∞)", "max_j Σ_k |W[j,k]| (per-unit ℓ1, Bartlett 1998)", { $0.groupNormP1QInfinity }),
    ("p2_q2", "(2,2)", "‖W‖_F (weight decay)", { $0.groupNormP2Q2 }),
    ("p3_q1p5", "(3,1.5)", "(Σ_j (Σ_k |W[j,k]|³)^{1/2})^{2/3}", { $0.groupNormP3Q1p5 }),
  ]
  for (suffix, pq, def, pick) in groups {
    out.append(
      define(
        "group_norm_prod_\(suffix)", "Product of \(pq) group norms", "‖W‖_{p,q} = (Σ_j (Σ_k |W[j,k]|^p)^{q/p})^{1/q}, row j = unit j; here \(def).",
        formula: "Π_i ‖W_i‖_{\(pq.dropFirst().dropLast())}", source: "Neyshabur, Tomioka, Srebro 2015 (COLT) §3; generalization-bounds code",
        invariant: (false, true, false)
      ) { c throws(Undefined) in .fromLog(try c.sumLog { pick(c.summaries[$0]) }) })
    out.append(
      define(
        "group_norm_prod_\(suffix)_over_margin_p5", "Product of \(pq) group norms over margin", "γ = 5th percentile (interpolated).",
        formula: "Π_i ‖W_i‖_{\(pq.dropFirst().dropLast())} / γ", source: "generalization-bounds code", needs: logits,
        invariant: (false, true, true)
      ) { c throws(Undefined) in .fromLog((try c.sumLog { pick(c.summaries[$0]) }) - (try c.logMargin(.p5))) })
  }
  let schatten: [(String, String, Double?)] = [("p1", "1 (trace)", 1), ("p1p5", "1.5", 1.5), ("pinf", "∞ (spectral)", nil)]
  for (suffix, label, p) in schatten {
    let value: @Sendable (MeasureContext, Int) throws(Undefined) -> Double = { c, i throws(Undefined) in
      if let p { return try c.schatten(i, p) }
      return try c.spectral(i)
    }
    out.append(
      define(
        "schatten_prod_\(suffix)", "Product of Schatten-\(label) norms", "‖σ(W)‖_p over the singular values; p = 1 and 1.5 need the exact SVD.",
        formula: "Π_i ‖σ(W_i)‖_\(p.map { $0 == 1 ? "1" : "1.5" } ?? "∞")", source: "generalization-bounds code (measures.py)",
        invariant: (false, true, false)
      ) { c throws(Undefined) in .fromLog(try c.sumLog { i throws(Undefined) in try value(c, i) }) })
    out.append(
      define(
        "schatten_prod_\(suffix)_over_margin_p5", "Product of Schatten-\(label) norms over margin", "γ = 5th percentile (interpolated).",
        formula: "Π_i ‖σ(W_i)‖_\(p.map { $0 == 1 ? "1" : "1.5" } ?? "∞") / γ", source: "generalization-bounds code (measures.py)",
        needs: logits, invariant: (false, true, true)
      ) { c throws(Undefined) in .fromLog((try c.sumLog { i throws(Undefined) in try value(c, i) }) - (try c.logMargin(.p5))) })
  }
  return out
}()
