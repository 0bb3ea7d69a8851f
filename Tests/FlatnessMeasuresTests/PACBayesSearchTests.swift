import Datasets
import Foundation
import Testing
import TestSupport

@testable import FlatnessMeasures

/// A fitted 2-8-3 ReLU network on 150 blob examples (seeded), shared by several tests.
func fittedBlobNetwork() -> (network: TinyNetwork, theta: [Float], initial: [Float]) {
  let data = blobs(count: 150, seed: 11)
  let net = TinyNetwork(sizes: [2, 8, 3], inputs: data.inputs, labels: data.labels)
  let initial = randomParameters(for: net, seed: 5)
  let theta = trainFullBatch(net, from: initial, steps: 300, learningRate: 0.5)
  return (net, theta, initial)
}

@Suite struct PACBayesSearchTests {
  /// One input x = 1, two classes, W = (0.5, −0.5), b = (0, 0): the logit difference is
  /// Δ = 1 plus the noise on 4 parameters, so with iid N(0, σ²) noise
  /// P(correct) = Φ(1/(2σ)) and the deviation is 1 − Φ(1/(2σ)).
  func oneDimensionalProblem() -> (TinyNetwork, [Float]) {
    (TinyNetwork(sizes: [1, 2], inputs: [[1]], labels: [0]), [0.5, -0.5, 0, 0])
  }

  @Test func isotropicSigmaMatchesTheDerivedValue() throws {
    let (net, theta) = oneDimensionalProblem()
    let context = try FlatnessContext(model: net, parameters: theta)
    var settings = PACBayesSettings()
    settings.draws = 4000
    settings.seed = 3
    let result = try searchPACBayesSigma(context: context, geometry: .isotropic, settings: settings)
    #expect(result.outcome.status == .converged)
    // |dev − 0.1| < 0.01 ⇔ Φ(1/(2σ)) ∈ (0.89, 0.91) ⇔ σ ∈ (0.3729, 0.4077). The estimate from
    // 4000 draws has SE sqrt(0.09/4000) = 0.0047; widening by 2.5 SE gives Φ ∈ (0.878, 0.922),
    // i.e. σ ∈ (0.35245, 0.42917) (scipy norm.ppf).
    #expect(result.sigma > 0.35245 && result.sigma < 0.42917, "σ = \(result.sigma)")
  }

  @Test func magnitudeAwareSigmaMatchesTheDerivedValue() throws {
    // std_i = sqrt(σ′²w_i² + ε²): the difference's variance is 2(σ′²·0.25 + ε²) + 2ε², so
    // P(correct) = Φ(1/sqrt(0.5σ′² + 4ε²)); with Φ ∈ (0.878, 0.922) as above,
    // σ′ ∈ (0.99687, 1.21387).
    let (net, theta) = oneDimensionalProblem()
    let context = try FlatnessContext(model: net, parameters: theta)
    var settings = PACBayesSettings()
    settings.draws = 4000
    settings.seed = 4
    let result = try searchPACBayesSigma(context: context, geometry: .magnitudeAware, settings: settings)
    #expect(result.outcome.status == .converged)
    #expect(result.sigma > 0.99687 && result.sigma < 1.21387, "σ′ = \(result.sigma)")
  }

  /// The deviation at σ, recomputed by the test: mean accuracy over the search's own noise
  /// streams (draw k = standard normal vector from stream (seed, k), scaled by σ).
  func remeasure(_ context: FlatnessContext<TinyNetwork>, sigma: Double, settings: PACBayesSettings) -> Double {
    var total = 0.0
    for k in 0..<settings.draws {
      var rng = Xoshiro256StarStar(seed: settings.seed, purpose: .pacBayesNoise, index: k)
      var z = [Float](repeating: 0, count: context.parameters.count)
      rng.fillStandardNormal(&z)
      let perturbed = zip(context.parameters, z).map { Float(Double($0) + sigma * Double($1)) }
      total += context.model.evaluate(parameters: perturbed, examples: context.examples).accuracy
    }
    return abs(total / Double(settings.draws) - context.baseline.accuracy)
  }

  @Test func returnedSigmaHasTheTargetDeviation() throws {
    let (net, theta, _) = fittedBlobNetwork()
    let context = try FlatnessContext(model: net, parameters: theta)
    #expect(context.baseline.accuracy > 0.8)
    var settings = PACBayesSettings()
    settings.seed = 21
    let result = try searchPACBayesSigma(context: context, geometry: .isotropic, settings: settings)
    #expect(result.outcome.status == .converged)
    // Same draws, recomputed here: exactly the reported deviation, within the tolerance.
    let same = remeasure(context, sigma: result.sigma, settings: settings)
    #expect(same == result.outcome.deviation)
    #expect(abs(same - 0.1) < 0.01)
    // Fresh draws (another seed, 400 of them): the deviation is a property of σ, not of the
    // draws. Per-draw accuracy varies with SD ≲ 0.1, so SE ≲ 0.005; allow 0.01 + 0.015.
    var fresh = settings
    fresh.seed = 999
    fresh.draws = 400
    let other = remeasure(context, sigma: result.sigma, settings: fresh)
    #expect(abs(other - 0.1) < 0.025, "deviation with fresh draws \(other)")
  }

  @Test func bruteForceGridBracketsTheSearchResult() throws {
    // Scan σ on a grid with the same draws: the first grid point whose deviation exceeds
    // 0.1 + 0.01 must lie above the returned σ, and the last point below 0.1 − 0.01 below it.
    let (net, theta, _) = fittedBlobNetwork()
    let context = try FlatnessContext(model: net, parameters: theta)
    var settings = PACBayesSettings()
    settings.seed = 8
    let sigma = try searchPACBayesSigma(context: context, geometry: .isotropic, settings: settings).sigma
    let grid = stride(from: 0.01, through: 2.0, by: 0.01).map { $0 }
    let devs = grid.map { remeasure(context, sigma: $0, settings: settings) }
    let firstAbove = zip(grid, devs).first { $0.1 > 0.11 }?.0 ?? 2
    let lastBelow = Array(zip(grid, devs)).last { $0.1 < 0.09 && $0.0 < firstAbove }?.0 ?? 0
    #expect(sigma < firstAbove && sigma > lastBelow, "σ = \(sigma), bracket (\(lastBelow), \(firstAbove))")
  }

  @Test func sameSeedSameSigmaOtherSeedCloseSigma() throws {
    let (net, theta, _) = fittedBlobNetwork()
    let context = try FlatnessContext(model: net, parameters: theta)
    var settings = PACBayesSettings()
    settings.seed = 1
    let a = try searchPACBayesSigma(context: context, geometry: .magnitudeAware, settings: settings)
    let b = try searchPACBayesSigma(context: context, geometry: .magnitudeAware, settings: settings)
    #expect(a == b)
    settings.seed = 2
    let c = try searchPACBayesSigma(context: context, geometry: .magnitudeAware, settings: settings)
    #expect(c.outcome.probes != a.outcome.probes)
    // Different draws, same network: σ′ within 30% (10 draws per probe).
    #expect(close(a.sigma, c.sigma, rel: 0.3))
  }

  @Test func magnitudeAwareSigmaIsInvariantToNodeRescalingIsotropicIsNot() throws {
    let (net, theta, _) = fittedBlobNetwork()
    // Powers of two make the rescaling exact in Float: the function is bit-for-bit unchanged.
    let rescaled = net.rescaled(net.rescaled(theta, layer: 1, unit: 0, by: 8), layer: 1, unit: 3, by: 0.125)
    let all = Array(0..<net.trainingExampleCount)
    #expect(net.evaluate(parameters: theta, examples: all) == net.evaluate(parameters: rescaled, examples: all))
    let original = try FlatnessContext(model: net, parameters: theta)
    let scaled = try FlatnessContext(model: net, parameters: rescaled)
    var settings = PACBayesSettings()
    settings.seed = 5
    // ε = 0: the noise is multiplicative, u_i = σ′|w_i|z_i, so the perturbed rescaled network
    // is the rescaled perturbed network: identical accuracies, identical σ′.
    settings.magnitudeEpsilon = 0
    let exactA = try searchPACBayesSigma(context: original, geometry: .magnitudeAware, settings: settings)
    let exactB = try searchPACBayesSigma(context: scaled, geometry: .magnitudeAware, settings: settings)
    #expect(abs(exactA.sigma - exactB.sigma) < 1e-12)
    // ε = 1e-3: invariant up to the floor; here within 5%.
    settings.magnitudeEpsilon = 1e-3
    let floorA = try searchPACBayesSigma(context: original, geometry: .magnitudeAware, settings: settings)
    let floorB = try searchPACBayesSigma(context: scaled, geometry: .magnitudeAware, settings: settings)
    #expect(close(floorA.sigma, floorB.sigma, rel: 0.05), "σ′ \(floorA.sigma) vs \(floorB.sigma)")
    // Isotropic σ changes: the ×1/8 outgoing weights now drown in the same absolute noise.
    let isoA = try searchPACBayesSigma(context: original, geometry: .isotropic, settings: settings)
    let isoB = try searchPACBayesSigma(context: scaled, geometry: .isotropic, settings: settings)
    #expect(!close(isoA.sigma, isoB.sigma, rel: 0.15), "σ \(isoA.sigma) vs \(isoB.sigma)")
  }

  @Test func weightsOnlyPerturbationLeavesBiasesAlone() throws {
    // With biases excluded, the 1-D problem has noise on 2 parameters only: variance 2σ²,
    // P(correct) = Φ(1/(σ√2)) → σ ∈ (√2·0.35245, √2·0.42917) = (0.49844, 0.60694).
    let net = TinyNetwork(sizes: [1, 2], inputs: [[1]], labels: [0])
    let context = try FlatnessContext(model: net, parameters: [0.5, -0.5, 0, 0])
    var settings = PACBayesSettings()
    settings.draws = 4000
    settings.perturbed = .weights
    let result = try searchPACBayesSigma(context: context, geometry: .isotropic, settings: settings)
    #expect(result.sigma > 0.49844 && result.sigma < 0.60694, "σ = \(result.sigma)")
  }

  @Test func badInputsAreRejectedWithTheValue() throws {
    let net = TinyNetwork(sizes: [1, 2], inputs: [[1]], labels: [0])
    #expect(throws: FlatnessError.self) { try FlatnessContext(model: net, parameters: [0, 0, 0]) }
    #expect(throws: FlatnessError.self) { try FlatnessContext(model: net, parameters: [0, 0, 0, 0], subsetSize: 0) }
    let context = try FlatnessContext(model: net, parameters: [0.5, -0.5, 0, 0])
    var settings = PACBayesSettings()
    settings.draws = 0
    do {
      _ = try searchPACBayesSigma(context: context, geometry: .isotropic, settings: settings)
      Issue.record("expected an error")
    } catch {
      #expect(error.description.contains("draws 0"))
    }
  }

  @Test func subsetIsSeededSortedAndDistinct() {
    let a = seededExampleSubset(exampleCount: 1000, size: 100, seed: 4)
    let b = seededExampleSubset(exampleCount: 1000, size: 100, seed: 4)
    let c = seededExampleSubset(exampleCount: 1000, size: 100, seed: 5)
    #expect(a == b)
    #expect(a != c)
    #expect(a.count == 100 && Set(a).count == 100 && a == a.sorted())
    #expect(seededExampleSubset(exampleCount: 10, size: 50, seed: 1) == Array(0..<10))
    #expect(seededExampleSubset(exampleCount: 10, size: nil, seed: 1) == Array(0..<10))
  }
}
