import Datasets
import Foundation
import Testing
import TestSupport

@testable import FlatnessMeasures

@Suite struct SharpnessTests {
  @Test func boxAscentNeverLeavesTheBoxAndBeatsRandomPoints() throws {
    let (net, theta, _) = fittedBlobNetwork()
    let all = Array(0..<net.trainingExampleCount)
    for geometry in [PerturbationGeometry.isotropic, .magnitudeAware] {
      let mask = net.layout.mask(for: .all)
      let radii = boxRadii(center: theta, scale: geometry == .isotropic ? 0.05 : 0.1, geometry: geometry, epsilon: 1e-3, mask: mask)
      var settings = BoxAscentSettings()
      settings.batchSize = all.count  // full batch: the ascent's objective is the loss compared below
      var rng = Xoshiro256StarStar(seed: 9, purpose: .sharpnessBatches)
      var steps = 0
      var outside = 0
      let run = projectedBoxAscent(
        model: net, center: theta, radii: radii, start: [Float](repeating: 0, count: theta.count), pool: all,
        settings: settings, batchRNG: &rng
      ) { u in
        steps += 1
        for i in 0..<u.count where abs(u[i]) > radii[i] { outside += 1 }
      }
      #expect(steps == 20)
      #expect(outside == 0)
      let ascended = net.evaluate(parameters: zip(theta, run.perturbation).map { $0 + $1 }, examples: all).meanLoss
      // 300 uniform random points of the box, and 300 random vertices.
      var gen = SplitMix64(seed: 77)
      var bestRandom = -Double.infinity
      for trial in 0..<600 {
        let point = (0..<theta.count).map { i -> Float in
          let r = radii[i]
          let u = trial < 300 ? Float.random(in: -r...r, using: &gen) : (Bool.random(using: &gen) ? r : -r)
          return theta[i] + u
        }
        bestRandom = max(bestRandom, net.evaluate(parameters: point, examples: all).meanLoss)
      }
      #expect(ascended >= bestRandom, "\(geometry): ascent \(ascended) vs random \(bestRandom)")
      #expect(ascended > net.evaluate(parameters: theta, examples: all).meanLoss)
    }
  }

  /// 200 examples x_i = (i+1)/200, all of class 0, softmax regression with W = (1, 0),
  /// b = (0.05, 0): margin d_i = x_i + 0.05 > 0. The worst perturbation in |u_j| ≤ α is the
  /// corner u = (−α, α, −α, α) for every example at once, which lowers d_i by 2α(x_i + 1), so
  /// example i is misclassified iff α > α_i = (x_i + 0.05)/(2(x_i + 1)), increasing in i.
  func linearProblem() -> (TinyNetwork, [Float], [Double]) {
    let xs = (0..<200).map { Double($0 + 1) / 200 }
    let net = TinyNetwork(sizes: [1, 2], inputs: xs.map { [$0] }, labels: Array(repeating: 0, count: 200))
    let thresholds = xs.map { ($0 + 0.05) / (2 * ($0 + 1)) }
    return (net, [1, 0, 0.05, 0], thresholds)
  }

  @Test func alphaMatchesTheDerivedValue() throws {
    let (net, theta, thresholds) = linearProblem()
    let context = try FlatnessContext(model: net, parameters: theta)
    #expect(context.baseline.accuracy == 1)
    var settings = SharpnessSettings()
    settings.seed = 12
    let result = try searchSharpnessAlpha(context: context, geometry: .isotropic, settings: settings)
    #expect(result.outcome.status == .converged)
    // Deviation within [0.09, 0.11] ⇔ 18…22 of 200 misclassified ⇔ α ∈ (α_17, α_22]
    // (0-based, sorted; floating point lets 0.11 − 0.1 < 0.01 count as a hit).
    #expect(result.alpha > thresholds[17] && result.alpha <= thresholds[22], "α = \(result.alpha)")
    // The deviation is measured against acc(w) = 1: dev = 1 − worst accuracy.
    #expect(abs(result.outcome.deviation - 0.1) < 0.0100001)
  }

  @Test func magnitudeAwareAlphaMatchesTheDerivedValue() throws {
    // Box |u_j| ≤ α′|w_j| + ε with w = (1, 0, 0.05, 0), ε = 1e-3 (set here; large enough
    // to matter in the formula): the corner lowers d_i by
    // (α′ + ε)x_i + ε·x_i + (0.05α′ + ε) + ε, so α′_i = (x_i + 0.05 − 2ε·x_i − 2ε)/(x_i + 0.05).
    let (net, theta, _) = linearProblem()
    let eps = 1e-3
    let thresholds = (0..<200).map { i -> Double in
      let x = Double(i + 1) / 200
      return (x + 0.05 - 2 * eps * x - 2 * eps) / (x + 0.05)
    }.sorted()
    let context = try FlatnessContext(model: net, parameters: theta)
    var settings = SharpnessSettings()
    settings.magnitudeEpsilon = eps
    let result = try searchSharpnessAlpha(context: context, geometry: .magnitudeAware, settings: settings)
    #expect(result.outcome.status == .converged)
    #expect(result.alpha > thresholds[17] && result.alpha <= thresholds[22], "α′ = \(result.alpha)")
  }

  @Test func magnitudeAwareAlphaIsInvariantToNodeRescalingIsotropicIsNot() throws {
    let (net, theta, _) = fittedBlobNetwork()
    let rescaled = net.rescaled(net.rescaled(theta, layer: 1, unit: 0, by: 8), layer: 1, unit: 3, by: 0.125)
    let original = try FlatnessContext(model: net, parameters: theta)
    let scaled = try FlatnessContext(model: net, parameters: rescaled)
    var settings = SharpnessSettings()
    settings.seed = 2
    settings.bisection.depth = 12
    settings.ascent.steps = 8
    // ε = 0: sign-gradient steps of size η·α′|w_i| are equivariant under the rescaling (the
    // gradient's sign is unchanged, the box and the start point scale with w), so every probe
    // sees the same accuracies.
    settings.magnitudeEpsilon = 0
    let a = try searchSharpnessAlpha(context: original, geometry: .magnitudeAware, settings: settings)
    let b = try searchSharpnessAlpha(context: scaled, geometry: .magnitudeAware, settings: settings)
    #expect(abs(a.alpha - b.alpha) < 1e-12, "α′ \(a.alpha) vs \(b.alpha)")
    // Default ε = 1e-6: invariant up to the floor; within 5% here.
    settings.magnitudeEpsilon = 1e-6
    let floorA = try searchSharpnessAlpha(context: original, geometry: .magnitudeAware, settings: settings)
    let floorB = try searchSharpnessAlpha(context: scaled, geometry: .magnitudeAware, settings: settings)
    #expect(close(floorA.alpha, floorB.alpha, rel: 0.05), "α′ \(floorA.alpha) vs \(floorB.alpha)")
    let isoA = try searchSharpnessAlpha(context: original, geometry: .isotropic, settings: settings)
    let isoB = try searchSharpnessAlpha(context: scaled, geometry: .isotropic, settings: settings)
    #expect(!close(isoA.alpha, isoB.alpha, rel: 0.15), "α \(isoA.alpha) vs \(isoB.alpha)")
  }

  @Test func sharpnessIsReproducibleFromItsSeed() throws {
    let (net, theta, _) = fittedBlobNetwork()
    let context = try FlatnessContext(model: net, parameters: theta)
    var settings = SharpnessSettings()
    settings.seed = 30
    settings.ascent.batchSize = 32
    let a = try searchSharpnessAlpha(context: context, geometry: .isotropic, settings: settings)
    let b = try searchSharpnessAlpha(context: context, geometry: .isotropic, settings: settings)
    #expect(a == b)
  }

  @Test func keskarFindsTheWorstVertexOfAConvexProblem() throws {
    // Softmax regression's cross-entropy is convex in θ, so its maximum over a box is at a
    // vertex: enumerate all 2⁹ vertices of C_ε for a 2-3 model and compare.
    let data = blobs(count: 60, seed: 3)
    let net = TinyNetwork(sizes: [2, 3], inputs: data.inputs, labels: data.labels)
    let theta = trainFullBatch(net, from: randomParameters(for: net, seed: 1), steps: 200, learningRate: 0.5)
    let context = try FlatnessContext(model: net, parameters: theta)
    let all = Array(0..<net.trainingExampleCount)
    let mask = net.layout.mask(for: .weights)
    for (epsilon, perturbed) in [(1e-3, PerturbedParameters.all), (5e-4, .all), (1e-3, .weights)] {
      var settings = KeskarSettings()
      settings.perturbed = perturbed
      let result = try keskarSharpness(context: context, epsilon: epsilon, settings: settings)
      // Vertices of the box over the perturbed coordinates (biases fixed for `.weights`).
      let free = (0..<theta.count).filter { perturbed == .all || mask[$0] }
      var best = -Double.infinity
      for vertex in 0..<(1 << free.count) {
        var point = theta
        for (bit, i) in free.enumerated() {
          let r = Float(epsilon * (Double(abs(theta[i])) + 1))
          point[i] = theta[i] + ((vertex >> bit) & 1 == 1 ? r : -r)
        }
        best = max(best, net.evaluate(parameters: point, examples: all).meanLoss)
      }
      let l0 = context.baseline.meanLoss
      let bruteForce = 100 * (best - l0) / (1 + l0)
      #expect(result.sharpness > 0)
      // Float rounding of the perturbed parameters: 1e-4 relative.
      #expect(result.sharpness >= bruteForce * (1 - 1e-4), "ε = \(epsilon), \(perturbed): \(result.sharpness) vs \(bruteForce)")
      #expect(result.sharpness <= bruteForce * (1 + 1e-4), "ε = \(epsilon), \(perturbed)")
    }
    #expect(keskarMeasureID(epsilon: 1e-3) == "keskar_sharpness_eps1e-3")
    #expect(keskarMeasureID(epsilon: 5e-4) == "keskar_sharpness_eps5e-4")
  }
}
