import MeasureCatalog

/// The flatness, sharpness and optimization-based measures gapdb computes.
public enum FlatnessRegistry {
  private static let jiang = "Jiang et al. 2020, Fantastic Generalization Measures (arXiv:1912.02178), App. C"
  private static let data: [MeasureNeed] = [.weights, .trainingData]
  private static let dataInit: [MeasureNeed] = [.weights, .trainingData, .initialWeights]
  private static let grad: [MeasureNeed] = [.weights, .trainingData, .gradients]
  private static let gradInit: [MeasureNeed] = [.weights, .trainingData, .gradients, .initialWeights]

  private static func entry(
    _ id: String, _ name: String, _ description: String, _ formula: String, _ source: String,
    _ needs: [MeasureNeed], _ n: Invariance, _ l: Invariance, _ o: Invariance, cost: MeasureCost = .search
  ) -> MeasureDescriptor {
    MeasureDescriptor(
      id: id, name: name, description: description, formula: formula, source: source, needs: needs,
      nodeWiseRescaling: n, layerWiseRescaling: l, outputScaling: o, cost: cost)
  }

  /// All entries, in a stable order: perturbation searches, gradient noise, then the
  /// optimization-based measures read off the training log.
  public static let entries: [MeasureDescriptor] = [
    entry(
      "pacbayes_sigma", "PAC-Bayes noise scale σ",
      "Largest isotropic Gaussian noise std σ at which the mean training accuracy drops by 0.1 (bisection, Monte-Carlo draws).",
      "σ = max{σ : |E_{u∼N(0,σ²I)} acc(w+u) − acc(w)| ≈ 0.1}", "\(jiang), §C (search); spec §3.5, §G.2", data,
      .notInvariant, .notInvariant, .notInvariant),
    entry(
      "pacbayes_flatness", "PAC-Bayes flatness", "1/σ² of the isotropic PAC-Bayes search.", "1/σ²",
      "\(jiang), eq. 53; noise std σ (not σ² as in the Dziugaite code, spec §G.5)", data,
      .notInvariant, .notInvariant, .notInvariant),
    entry(
      "pacbayes_init", "PAC-Bayes bound (distance from init)", "PAC-Bayes KL term with prior at w⁰ and the searched σ.",
      "‖w−w⁰‖²/(4σ²) + log(m/σ) + 10 (weights only)", "\(jiang), eq. 48", dataInit,
      .notInvariant, .notInvariant, .notInvariant),
    entry(
      "pacbayes_orig", "PAC-Bayes bound (distance from origin)", "PAC-Bayes KL term with prior at 0 and the searched σ.",
      "‖w‖²/(4σ²) + log(m/σ) + 10 (weights only)", "\(jiang), eq. 49", data,
      .notInvariant, .notInvariant, .notInvariant),
    entry(
      "pacbayes_mag_sigma", "Magnitude-aware PAC-Bayes noise scale σ′",
      "Largest σ′ such that noise with std sqrt(σ′²w_i² + ε²), ε = 1e-3, lowers the mean training accuracy by 0.1.",
      "σ′ = max{σ′ : |E_u acc(w+u) − acc(w)| ≈ 0.1}, u_i ∼ N(0, σ′²w_i² + ε²)", "\(jiang), §C; spec §G.4", data,
      .approximately, .approximately, .notInvariant),
    entry(
      "pacbayes_mag_flatness", "Magnitude-aware PAC-Bayes flatness", "1/σ′² of the magnitude-aware search.", "1/σ′²",
      "\(jiang), eq. 61", data, .approximately, .approximately, .notInvariant),
    entry(
      "pacbayes_mag_init", "Magnitude-aware PAC-Bayes bound (init)",
      "Magnitude-aware KL term, Dziugaite-code form (w−w⁰ in the denominator).",
      "¼ Σ_i log((ε² + (σ′²+1)‖w−w⁰‖²/ω)/(ε² + σ′²(w_i−w⁰_i)²)) + log(m/σ′) + 10", "\(jiang), eq. 56", dataInit,
      .notInvariant, .notInvariant, .notInvariant),
    entry(
      "pacbayes_mag_orig", "Magnitude-aware PAC-Bayes bound (origin)",
      "As pacbayes_mag_init with ‖w‖² in the numerator; the denominator keeps w−w⁰ (Dziugaite-code form), so w⁰ is needed.",
      "¼ Σ_i log((ε² + (σ′²+1)‖w‖²/ω)/(ε² + σ′²(w_i−w⁰_i)²)) + log(m/σ′) + 10", "\(jiang), eq. 57", dataInit,
      .notInvariant, .notInvariant, .notInvariant),
    entry(
      "sharpness_alpha", "Worst-case sharpness box size α",
      "Largest α such that an adversary in the box |u_i| ≤ α (projected sign-gradient ascent on the training CE, restarts) lowers the training accuracy by 0.1 from acc(w).",
      "α = max{α : acc(w) − min_{|u_i|≤α} acc(w+u) ≈ 0.1}", "\(jiang), §C sharpness; spec §3.6, §G.6", grad,
      .notInvariant, .notInvariant, .notInvariant),
    entry(
      "sharpness_flatness", "Sharpness flatness", "1/α² of the worst-case box search.", "1/α²",
      "\(jiang), sharpness-flatness (equation number not verified)", grad, .notInvariant, .notInvariant, .notInvariant),
    entry(
      "sharpness_init", "Sharpness bound (init)", "Sharpness analogue of pacbayes_init (constants not verified, spec §G.6).",
      "‖w−w⁰‖²·log(2ω/δ)/(4α²) + log(m/α) + 10, δ = 1", "\(jiang), sharpness-init (equation number not verified)",
      gradInit, .notInvariant, .notInvariant, .notInvariant),
    entry(
      "sharpness_orig", "Sharpness bound (origin)", "Sharpness analogue of pacbayes_orig (constants not verified).",
      "‖w‖²·log(2ω/δ)/(4α²) + log(m/α) + 10, δ = 1", "\(jiang), sharpness-orig (equation number not verified)", grad,
      .notInvariant, .notInvariant, .notInvariant),
    entry(
      "sharpness_mag_alpha", "Magnitude-aware sharpness box size α′",
      "Largest α′ such that an adversary in the box |u_i| ≤ α′|w_i| + ε (ε = 1e-6, see SharpnessSettings) lowers the training accuracy by 0.1 from acc(w).",
      "α′ = max{α′ : acc(w) − min_{|u_i|≤α′|w_i|+ε} acc(w+u) ≈ 0.1}", "\(jiang), §C; spec §G.6", grad,
      .approximately, .approximately, .notInvariant),
    entry(
      "sharpness_mag_flatness", "Magnitude-aware sharpness flatness", "1/α′² of the magnitude-aware box search.", "1/α′²",
      "\(jiang), sharpness-mag-flatness (equation number not verified)", grad,
      .approximately, .approximately, .notInvariant),
    entry(
      "sharpness_mag_init", "Magnitude-aware sharpness bound (init)",
      "pacbayes_mag_init with (α′² + 4 log(2ω/δ)) in place of (σ′² + 1) (constants not verified, spec §G.6).",
      "¼ Σ_i log((ε² + (α′²+4log(2ω/δ))‖w−w⁰‖²/ω)/(ε² + α′²(w_i−w⁰_i)²)) + log(m/α′) + 10, δ = 1",
      "\(jiang), sharpness-mag-init (equation number not verified)", gradInit,
      .notInvariant, .notInvariant, .notInvariant),
    entry(
      "sharpness_mag_orig", "Magnitude-aware sharpness bound (origin)",
      "As sharpness_mag_init with ‖w‖² in the numerator (denominator keeps w−w⁰).",
      "¼ Σ_i log((ε² + (α′²+4log(2ω/δ))‖w‖²/ω)/(ε² + α′²(w_i−w⁰_i)²)) + log(m/α′) + 10, δ = 1",
      "\(jiang), sharpness-mag-orig (equation number not verified)", gradInit,
      .notInvariant, .notInvariant, .notInvariant),
    entry(
      "keskar_sharpness_eps1e-3", "Keskar ε-sharpness, ε = 1e-3",
      "Relative loss increase at the worst point of the box |y_i| ≤ ε(|w_i|+1), found by 10 steps of projected sign-gradient ascent (full batch).",
      "100·(max_{y∈C_ε} L̂(w+y) − L̂(w))/(1 + L̂(w))", "Keskar et al. 2017 (arXiv:1609.04836), Metric 2.2; spec §G.7",
      grad, .notInvariant, .notInvariant, .notInvariant, cost: .gradientPasses),
    entry(
      "keskar_sharpness_eps5e-4", "Keskar ε-sharpness, ε = 5e-4", "As keskar_sharpness_eps1e-3 with ε = 5e-4.",
      "100·(max_{y∈C_ε} L̂(w+y) − L̂(w))/(1 + L̂(w))", "Keskar et al. 2017 (arXiv:1609.04836), Metric 2.2; spec §G.7",
      grad, .notInvariant, .notInvariant, .notInvariant, cost: .gradientPasses),
    entry(
      "grad_noise_final", "Gradient noise", "Variance of per-example loss gradients (all parameters) at the checkpoint.",
      "(1/n) Σ_i ‖∇ℓ_i(w) − ḡ‖², ḡ = (1/n) Σ_i ∇ℓ_i(w)", "\(jiang), §C gradient noise; spec §H, §3.7", grad,
      .notInvariant, .notInvariant, .notInvariant, cost: .gradientPasses),
    entry(
      "steps_to_ce_0p1", "Steps to training CE 0.1", "Optimizer steps until the training cross-entropy first reaches 0.1.",
      "min{t : L̂(w_t) ≤ 0.1}", "\(jiang), §C optimization-based measures", [.trainingLog],
      .notApplicable, .notApplicable, .notApplicable, cost: .trainingLog),
    entry(
      "steps_ce_0p1_to_0p01", "Steps from training CE 0.1 to 0.01",
      "Optimizer steps between the first checkpoint with CE ≤ 0.1 and the first with CE ≤ 0.01.",
      "min{t : L̂(w_t) ≤ 0.01} − min{t : L̂(w_t) ≤ 0.1}", "\(jiang), §C optimization-based measures", [.trainingLog],
      .notApplicable, .notApplicable, .notApplicable, cost: .trainingLog),
    entry(
      "sotl", "Sum of training losses", "Sum over all recorded epochs of the epoch's training loss.", "Σ_e L_e",
      "Ru et al. 2021 (SoTL), as in the le-big-mac fork of the Dziugaite code; spec §H", [.trainingLog],
      .notApplicable, .notApplicable, .notApplicable, cost: .trainingLog),
    entry(
      "sotl_10", "Sum of training losses, last 10 epochs", "Sum of the last 10 epochs' training losses.",
      "Σ_{e > E−10} L_e", "Ru et al. 2021 (SoTL-E); spec §H", [.trainingLog],
      .notApplicable, .notApplicable, .notApplicable, cost: .trainingLog),
  ]

  /// The entry with `id`, if any.
  public static func entry(id: String) -> MeasureDescriptor? { entries.first { $0.id == id } }
}
