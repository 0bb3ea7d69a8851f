import Foundation
import MeasureCatalog

private let logits: [MeasureNeed] = [.trainingLogits]
private let initial: [MeasureNeed] = [.initialWeights]

extension MeasureContext {
  /// ln of Bartlett's spectral complexity R_A with ρ_i = 1:
  /// `Σ ln‖W_i‖₂ + (3/2)·ln Σ (‖(W_i − M_i)ᵀ‖_{2,1}/‖W_i‖₂)^{2/3}`.
  func logBartlett(reference initial: Bool) throws(Undefined) -> Double {
    if initial { try requireInit() }
    var inner = 0.0
    for i in summaries.indices {
      let s = try spectral(i)
      let r = initial ? (summaries[i].distanceRowNormSum ?? .nan) : summaries[i].rowNormSum
      if s == 0 { throw Undefined("layer \(summaries[i].name) has spectral norm 0") }
      inner += Foundation.pow(r / s, 2.0 / 3.0)
    }
    return (try sumLog(spectral)) + 1.5 * Foundation.log(inner)
  }

  /// ln of Neyshabur 2018's d·Π‖W_i‖₂·sqrt(Σ h_i·‖W_i − M_i‖_F²/‖W_i‖₂²) (without γ and m).
  func logNeyshabur2018(reference initial: Bool) throws(Undefined) -> Double {
    var ratio = 0.0
    for i in summaries.indices {
      let s = try spectral(i)
      if s == 0 { throw Undefined("layer \(summaries[i].name) has spectral norm 0") }
      let f = initial ? try frobeniusDistance(i) : summaries[i].frobeniusNorm
      ratio += Double(summaries[i].fanOut) * f * f / (s * s)
    }
    return Foundation.log(depth) + (try sumLog(spectral)) + 0.5 * Foundation.log(ratio)
  }

  func requireTwoLayers() throws(Undefined) {
    if network.depth != 2 {
      throw Undefined("defined for two-layer networks f(x) = V[Ux]_+ only; this network has \(network.depth) layers")
    }
  }
}

/// Closed-form bounds (spec D.2, D.3, F) and the two-layer unit capacity/impact (F.1).
let boundMeasures: [MeasureDefinition] = [
  define(
    "bartlett_spectral_complexity", "Bartlett spectral complexity",
    "R_A with reference matrices M_i = 0 and ρ_i = 1 (ReLU); ‖Aᵀ‖_{2,1} = sum of the ℓ2 norms of A's rows.",
    formula: "Π_i ‖W_i‖₂ · (Σ_i (‖W_iᵀ‖_{2,1}/‖W_i‖₂)^{2/3})^{3/2}",
    source: "Bartlett, Foster, Telgarsky 2017 (arXiv:1706.08498) Thm 1.1", invariant: (false, true, false)
  ) { c throws(Undefined) in .fromLog(try c.logBartlett(reference: false)) },
  define(
    "bartlett_spectral_complexity_over_margin_p5", "Bartlett spectral complexity over margin",
    "R_A (M_i = 0) / γ, γ = 5th percentile (interpolated).",
    formula: "R_A / γ", source: "Bartlett, Foster, Telgarsky 2017 Thm 1.1", needs: logits, invariant: (false, true, true)
  ) { c throws(Undefined) in .fromLog((try c.logBartlett(reference: false)) - (try c.logMargin(.p5))) },
  define(
    "bartlett_spectral_complexity_init", "Bartlett spectral complexity (reference W⁰)", "R_A with M_i = W_i⁰.",
    formula: "Π_i ‖W_i‖₂ · (Σ_i (‖(W_i − W_i⁰)ᵀ‖_{2,1}/‖W_i‖₂)^{2/3})^{3/2}",
    source: "Bartlett, Foster, Telgarsky 2017 Thm 1.1", needs: initial, invariant: (false, false, false)
  ) { c throws(Undefined) in .fromLog(try c.logBartlett(reference: true)) },
  define(
    "bartlett2017_bound", "Bartlett et al. bound (generalization-bounds form)",
    "Constants dropped as in Neyshabur's code: M_i = W_i⁰, γ = 5th percentile (interpolated), ω = weights + biases, m = margin sample size.",
    formula: "log(m)·log(ω)·(Π_i ‖W_i‖₂ / γ)·(Σ_i (‖(W_i − W_i⁰)ᵀ‖_{2,1}/‖W_i‖₂)^{2/3})^{3/2} / sqrt(m)",
    source: "Bartlett et al. 2017; bneyshabur/generalization-bounds measures.py", needs: logits + initial,
    invariant: (false, false, false)
  ) { c throws(Undefined) in
    let m = try c.sampleCount()
    let omega = Double(c.network.totalParameterCount)
    if m < 2 || omega < 2 { throw Undefined("needs m ≥ 2 and ω ≥ 2 (log factors must be positive)") }
    return .fromLog(
      Foundation.log(Foundation.log(m)) + Foundation.log(Foundation.log(omega)) + (try c.logBartlett(reference: true))
        - (try c.logMargin(.p5)) - 0.5 * Foundation.log(m))
  },
  define(
    "neyshabur2018_pacbayes_bound", "Neyshabur 2018 PAC-Bayes spectral bound",
    "generalization-bounds form: distances to initialization, h_i = units of layer i, γ = 5th percentile (interpolated), m = margin sample size; constants dropped.",
    formula: "d·(Π_i ‖W_i‖₂ / γ)·sqrt(Σ_i h_i·‖W_i − W_i⁰‖_F²/‖W_i‖₂²) / sqrt(m)",
    source: "Neyshabur, Bhojanapalli, Srebro 2018 (arXiv:1707.09564) Thm 1; generalization-bounds code",
    needs: logits + initial, invariant: (false, false, false)
  ) { c throws(Undefined) in
    .fromLog((try c.logNeyshabur2018(reference: true)) - (try c.logMargin(.p5)) - 0.5 * Foundation.log(try c.sampleCount()))
  },
  define(
    "neyshabur2018_pacbayes_bound_fro", "Neyshabur 2018 PAC-Bayes spectral bound (Frobenius form)",
    "As neyshabur2018_pacbayes_bound with reference 0: ‖W_i‖_F² instead of the distance to initialization.",
    formula: "d·(Π_i ‖W_i‖₂ / γ)·sqrt(Σ_i h_i·‖W_i‖_F²/‖W_i‖₂²) / sqrt(m)",
    source: "Neyshabur, Bhojanapalli, Srebro 2018 Thm 1", needs: logits, invariant: (false, true, true)
  ) { c throws(Undefined) in
    .fromLog((try c.logNeyshabur2018(reference: false)) - (try c.logMargin(.p5)) - 0.5 * Foundation.log(try c.sampleCount()))
  },
  define(
    "overparam2019_bound", "Neyshabur 2019 over-parametrization bound",
    "Two-layer networks V[Ux]_+ only; exact constants of the authors' code, δ = 0.01, γ = 5th percentile (interpolated), c = classes, H = hidden units; needs mean ‖x‖² and mean ‖[U⁰x]_+‖² over the training inputs.",
    formula: "(R + 3·sqrt(5H + log(max(1, γ·sqrt(m))/δ)))², R = 3√2·(√(2c)+1)·(‖V‖_F+1)·(sqrt(mean‖[U⁰x]_+‖²) + ‖U−U⁰‖_F·sqrt(mean‖x‖²) + 1)/γ",
    source: "Neyshabur et al. 2019 (arXiv:1805.12076) Thm 1; bneyshabur/over-parametrization measures.py",
    needs: logits + initial + [.dataStatistics], invariant: (false, false, false)
  ) { c throws(Undefined) in
    try c.requireTwoLayers()
    try c.requireInit()
    let logGamma = try c.logMargin(.p5)
    guard let inputs = c.inputs, let hidden0 = inputs.meanSquaredInitialHiddenNorm else {
      throw Undefined("needs input statistics: mean ‖x‖² and mean ‖[U⁰x]_+‖² (gapdb measure --inputs X.npy with --init)")
    }
    let gamma = Foundation.exp(logGamma)
    let m = try c.sampleCount()
    let classes = Double(c.network.outputDimension)
    let hiddenUnits = Double(c.network.layers[0].fanOut)
    let vFro = c.summaries[1].frobeniusNorm
    let uDist = try c.frobeniusDistance(0)
    let r = 3 * 2.0.squareRoot() * ((2 * classes).squareRoot() + 1) * (vFro + 1)
      * (hidden0.squareRoot() + uDist * inputs.meanSquaredNorm.squareRoot() + 1) / gamma
    let delta = 0.01
    let b = r + 3 * (5 * hiddenUnits + Foundation.log(Swift.max(1, gamma * m.squareRoot()) / delta)).squareRoot()
    return .direct(b * b)
  },
  define(
    "unit_capacity_mean", "Mean unit capacity", "Two-layer networks only: β_j = ‖u_j − u_j⁰‖₂ over the hidden units (rows of U).",
    formula: "(1/H)·Σ_j ‖u_j − u_j⁰‖₂", source: "Neyshabur et al. 2019 §3", needs: initial, invariant: (false, false, false)
  ) { c throws(Undefined) in
    try c.requireTwoLayers()
    try c.requireInit()
    return .direct(c.summaries[0].distanceRowNormSum! / Double(c.network.layers[0].fanOut))
  },
  define(
    "unit_capacity_max", "Largest unit capacity", "Two-layer networks only: max_j ‖u_j − u_j⁰‖₂.",
    formula: "max_j ‖u_j − u_j⁰‖₂", source: "Neyshabur et al. 2019 §3", needs: initial, invariant: (false, false, false)
  ) { c throws(Undefined) in
    try c.requireTwoLayers()
    try c.requireInit()
    let u = c.network.layers[0]
    return .direct(rowNorms(u.weights.elements, minus: u.initialWeights!.elements, rows: u.fanOut, columns: u.fanIn).max()!)
  },
  define(
    "unit_impact_mean", "Mean unit impact", "Two-layer networks only: α_j = ‖v_j‖₂, column j of V (outgoing weights of hidden unit j).",
    formula: "(1/H)·Σ_j ‖v_j‖₂", source: "Neyshabur et al. 2019 §3", invariant: (false, false, false)
  ) { c throws(Undefined) in
    try c.requireTwoLayers()
    let n = columnNorms(c.network.layers[1])
    return .direct(n.reduce(0, +) / Double(n.count))
  },
  define(
    "unit_impact_max", "Largest unit impact", "Two-layer networks only: max_j ‖v_j‖₂.",
    formula: "max_j ‖v_j‖₂", source: "Neyshabur et al. 2019 §3", invariant: (false, false, false)
  ) { c throws(Undefined) in
    try c.requireTwoLayers()
    return .direct(columnNorms(c.network.layers[1]).max()!)
  },
]

/// ℓ2 norms of the rows of `a − b` (both row-major rows×columns; `b` nil means 0).
func rowNorms(_ a: [Float], minus b: [Float]?, rows: Int, columns: Int) -> [Double] {
  var out = [Double](repeating: 0, count: rows)
  for r in 0..<rows {
    var s = 0.0
    let base = r * columns
    if let b {
      for k in base..<(base + columns) {
        let x = Double(a[k]) - Double(b[k])
        s += x * x
      }
    } else {
      for k in base..<(base + columns) { s += Double(a[k]) * Double(a[k]) }
    }
    out[r] = s.squareRoot()
  }
  return out
}

/// ℓ2 norms of the columns of a layer's W (the outgoing weights of each input unit).
func columnNorms(_ layer: LayerWeights) -> [Double] {
  var s = [Double](repeating: 0, count: layer.fanIn)
  let w = layer.weights
  for r in 0..<w.rows {
    for k in 0..<w.columns {
      let x = Double(w.elements[r * w.columns + k])
      s[k] += x * x
    }
  }
  return s.map { $0.squareRoot() }
}
