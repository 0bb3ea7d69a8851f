import Foundation
import Testing
import TestSupport

@testable import FlatnessMeasures

/// The numpy reference of `Tests/Fixtures/flatness/make_reference.py`.
struct TinyReference: Decodable {
  struct Bounds: Decodable {
    let m: Int
    let sigma, epsilon, alpha, delta: Double
    let omega: Int
    let dist_init_sq, norm_sq: Double
    let pacbayes_init, pacbayes_orig, pacbayes_mag_init, pacbayes_mag_orig: Double
    let sharpness_init, sharpness_orig, sharpness_mag_init, sharpness_mag_orig: Double
  }
  let sizes: [Int]
  let parameters: [Double]
  let initial_parameters: [Double]
  let inputs: [[Double]]
  let labels: [Int]
  let mean_loss: Double
  let accuracy: Double
  let mean_gradient: [Double]
  let per_example_gradient_norm_sq: [Double]
  let gradient_variance: Double
  let bounds: Bounds

  static func load() throws -> TinyReference {
    let data = try Data(contentsOf: fixtureURL("flatness/tiny_reference.json"))
    return try JSONDecoder().decode(TinyReference.self, from: data)
  }

  var network: TinyNetwork { TinyNetwork(sizes: sizes, inputs: inputs, labels: labels) }
  var theta: [Float] { parameters.map(Float.init) }
  var theta0: [Float] { initial_parameters.map(Float.init) }
}

/// Relative-or-absolute closeness; tolerances are stated at each call.
func close(_ a: Double, _ b: Double, rel: Double, abs absTol: Double = 0) -> Bool {
  abs(a - b) <= max(absTol, rel * max(abs(a), abs(b)))
}

@Suite struct ReferenceTests {
  // The test network itself must be right before it can check the searches.
  @Test func tinyNetworkMatchesNumpy() throws {
    let ref = try TinyReference.load()
    let net = ref.network
    let all = Array(0..<ref.labels.count)
    let eval = net.evaluate(parameters: ref.theta, examples: all)
    // Parameters are the same float32 values in both; arithmetic in double: 1e-12 relative.
    #expect(close(eval.meanLoss, ref.mean_loss, rel: 1e-12))
    #expect(eval.accuracy == ref.accuracy)
    let g = net.lossAndGradient(parameters: ref.theta, examples: all)
    #expect(close(g.loss, ref.mean_loss, rel: 1e-12))
    for (a, b) in zip(g.gradient, ref.mean_gradient) {
      // The gradient is rounded to Float: 1e-6 relative, 1e-7 absolute.
      #expect(close(Double(a), b, rel: 1e-6, abs: 1e-7))
    }
    let norms = net.perExampleGradientSquaredNorms(parameters: ref.theta, examples: all)
    for (a, b) in zip(norms, ref.per_example_gradient_norm_sq) { #expect(close(a, b, rel: 1e-6)) }
  }

  @Test func gradientNoiseMatchesNumpy() throws {
    let ref = try TinyReference.load()
    let context = try FlatnessContext(model: ref.network, parameters: ref.theta)
    let value = try gradientNoise(context: context)
    #expect(value.id == "grad_noise_final")
    // Float gradients, double accumulation: 1e-6 relative.
    #expect(close(try #require(value.value), ref.gradient_variance, rel: 1e-6))
    #expect(value.detail.jsonText.contains("\"method\":\"per_example\""))
  }

  @Test func minibatchGradientNoiseEstimatesTheVariance() throws {
    // For minibatches drawn with replacement, B·E‖g_B − ḡ‖² = per-example variance. With
    // 4000 batches the Monte-Carlo error is ≈ sqrt(2/4000) ≈ 2% (chi-square-like); allow 10%.
    let ref = try TinyReference.load()
    let context = try FlatnessContext(model: ref.network, parameters: ref.theta)
    let value = try gradientNoise(context: context, method: .minibatch(batchSize: 3, batches: 4000), seed: 7)
    #expect(close(try #require(value.value), ref.gradient_variance, rel: 0.10))
    #expect(value.detail.jsonText.contains("\"batch_size\":3"))
  }

  @Test func closedFormsMatchNumpy() throws {
    let ref = try TinyReference.load()
    let b = ref.bounds
    let context = try FlatnessContext(model: ref.network, parameters: ref.theta, initialParameters: ref.theta0)
    // Weights-only sums (biases excluded): 1e-6 relative, Float inputs.
    let dist = context.weightDistanceSquared(from: ref.theta0)
    let norm = context.weightDistanceSquared(from: nil)
    #expect(close(dist, b.dist_init_sq, rel: 1e-12))
    #expect(close(norm, b.norm_sq, rel: 1e-12))
    #expect(ref.network.layout.weightCount == b.omega)
    let diffs = context.weightDifferences(from: ref.theta0)
    let tol = 1e-12
    #expect(close(PerturbationBounds.pacBayes(squaredNorm: dist, sigma: b.sigma, trainingExamples: b.m), b.pacbayes_init, rel: tol))
    #expect(close(PerturbationBounds.pacBayes(squaredNorm: norm, sigma: b.sigma, trainingExamples: b.m), b.pacbayes_orig, rel: tol))
    let s2 = b.sigma * b.sigma + 1
    #expect(
      close(
        PerturbationBounds.magnitudeAware(
          squaredNorm: dist, differences: diffs, scale: b.sigma, coefficient: s2, epsilon: b.epsilon, trainingExamples: b.m),
        b.pacbayes_mag_init, rel: tol))
    #expect(
      close(
        PerturbationBounds.magnitudeAware(
          squaredNorm: norm, differences: diffs, scale: b.sigma, coefficient: s2, epsilon: b.epsilon, trainingExamples: b.m),
        b.pacbayes_mag_orig, rel: tol))
    let logf = Foundation.log(2 * Double(b.omega) / b.delta)
    let c = b.alpha * b.alpha + 4 * logf
    #expect(
      close(
        PerturbationBounds.sharpness(squaredNorm: dist, alpha: b.alpha, weightCount: b.omega, delta: b.delta, trainingExamples: b.m),
        b.sharpness_init, rel: tol))
    #expect(
      close(
        PerturbationBounds.sharpness(squaredNorm: norm, alpha: b.alpha, weightCount: b.omega, delta: b.delta, trainingExamples: b.m),
        b.sharpness_orig, rel: tol))
    #expect(
      close(
        PerturbationBounds.magnitudeAware(
          squaredNorm: dist, differences: diffs, scale: b.alpha, coefficient: c, epsilon: b.epsilon, trainingExamples: b.m),
        b.sharpness_mag_init, rel: tol))
    #expect(
      close(
        PerturbationBounds.magnitudeAware(
          squaredNorm: norm, differences: diffs, scale: b.alpha, coefficient: c, epsilon: b.epsilon, trainingExamples: b.m),
        b.sharpness_mag_orig, rel: tol))
  }

  @Test func pacBayesWorkedExampleFromSpec() {
    // Spec §G.2: m = 50000, ‖w−w⁰‖² = 400, σ = 0.05 → 40000 + log(10⁶) + 10 = 40023.8155.
    let v = PerturbationBounds.pacBayes(squaredNorm: 400, sigma: 0.05, trainingExamples: 50000)
    #expect(close(v, 40023.815510557964, rel: 1e-12))
    #expect(PerturbationBounds.flatness(scale: 0.05) == 1 / (0.05 * 0.05))
    // σ = 0 is data, not a crash: flatness +Inf.
    #expect(PerturbationBounds.flatness(scale: 0) == .infinity)
  }
}
