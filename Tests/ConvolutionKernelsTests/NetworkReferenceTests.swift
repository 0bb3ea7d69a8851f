import ConvolutionKernels
import Foundation
import Testing

/// BN folding and path norms against `make_reference.py`: the reference network is
/// conv(3→4,k3,p1)+BN-relu-maxpool2-conv(4→6,k3,s2,p1,groups 2, no bias)+BN-relu-avgpool2-
/// flatten-linear(6→5)+BN1d-relu-linear(5→3), input (3, 8, 8).
@Suite struct NetworkReferenceTests {
  let ref = ConvReference.shared.bn_network

  private func bn(_ key: String) throws -> BatchNormParameters {
    let b = ref.bn[key]!
    return try BatchNormParameters(
      name: key, scale: b.weight, shift: b.bias, runningMean: b.running_mean, runningVariance: b.running_var,
      epsilon: b.eps)
  }

  /// The folded network as steps (BN replaced by the identity after folding).
  private func foldedSteps() throws -> [NetworkStep] {
    let p = ref.params
    let g1 = try ConvolutionGeometry(name: "conv1", inChannels: 3, outChannels: 4, kernelSize: [3, 3], padding: [1])
    let g2 = try ConvolutionGeometry(
      name: "conv2", inChannels: 4, outChannels: 6, kernelSize: [3, 3], stride: [2], padding: [1], groups: 2)
    let c1 = try ConvolutionLayer(geometry: g1, weight: p["conv1.weight"]!, bias: p["conv1.bias"]!).folding(bn("bn1"))
    let c2 = try ConvolutionLayer(geometry: g2, weight: p["conv2.weight"]!).folding(bn("bn2"))
    let f1 = try LinearLayer(name: "fc1", inFeatures: 6, outFeatures: 5, weight: p["fc1.weight"]!, bias: p["fc1.bias"]!)
      .folding(bn("bn3"))
    let f2 = try LinearLayer(name: "fc2", inFeatures: 5, outFeatures: 3, weight: p["fc2.weight"]!, bias: p["fc2.bias"]!)
    return [
      .convolution(c1), .identity, .relu, .pooling(try PoolingGeometry(name: "pool1", kind: .max, kernelSize: [2, 2])),
      .convolution(c2), .identity, .relu, .pooling(try PoolingGeometry(name: "pool2", kind: .average, kernelSize: [2, 2])),
      .flatten, .linear(f1), .identity, .relu, .linear(f2),
    ]
  }

  @Test func folding_matchesReferenceParameters() throws {
    let steps = try foldedSteps()
    guard case .convolution(let c1) = steps[0], case .convolution(let c2) = steps[4], case .linear(let f1) = steps[9]
    else { Issue.record("unexpected steps"); return }
    #expect(allClose(c1.weight, ref.folded["conv1.weight"]!, 1e-13))
    #expect(allClose(c1.bias!, ref.folded["conv1.bias"]!, 1e-13))
    #expect(allClose(c2.weight, ref.folded["conv2.weight"]!, 1e-13))
    #expect(allClose(c2.bias!, ref.folded["conv2.bias"]!, 1e-13), "a bias-free conv gets the folded bias")
    #expect(allClose(f1.weight, ref.folded["fc1.weight"]!, 1e-13))
    #expect(allClose(f1.bias!, ref.folded["fc1.bias"]!, 1e-13))
  }

  /// The folded network reproduces the reference's *unfolded* network (BN applied explicitly).
  @Test func folding_leavesNetworkFunctionUnchanged() throws {
    let steps = try foldedSteps()
    for (x, want) in zip(ref.inputs, ref.outputs) {
      let (y, shape) = try evaluate(steps, input: x, shape: FeatureShape(channels: 3, spatial: [8, 8]))
      #expect(shape == FeatureShape(channels: 3))
      #expect(allClose(y, want, 1e-12), "\(y) vs \(want)")
    }
  }

  /// Folding and then the explicit BN agree too, on the layer level, for a BN with γ = 0 channel.
  @Test func folding_singleLayer_matchesExplicitBatchNorm() throws {
    let g = try ConvolutionGeometry(name: "c", inChannels: 1, outChannels: 2, kernelSize: [2])
    let layer = try ConvolutionLayer(geometry: g, weight: [1, -2, 0.5, 3], bias: [0.25, -1])
    let norm = try BatchNormParameters(
      name: "bn", scale: [0, 2], shift: [0.5, -0.5], runningMean: [1, -1], runningVariance: [3, 0.25], epsilon: 1e-5)
    let x: [Double] = [1, 2, -1, 4]
    let shape = FeatureShape(channels: 1, spatial: [4])
    let (y, outShape) = try layer.forward(x, shape: shape)
    let want = try norm.forward(y, shape: outShape)
    let (got, _) = try layer.folding(norm).forward(x, shape: shape)
    #expect(allClose(got, want, 1e-14))
    // By hand, channel 0 has γ = 0: the output is β = 0.5 at every position.
    #expect(got[0..<3].allSatisfy { $0 == 0.5 })
  }

  @Test func pathNorms_matchReferenceForwardPass() throws {
    let steps = try foldedSteps()
    for v in ref.path_norms {
      let r = try pathNorm(of: steps, inputShape: FeatureShape(channels: 3, spatial: [8, 8]), exponent: v.p, includeBiases: v.biases)
      #expect(relativelyClose(r.sum, v.sum, 1e-12), "p \(v.p) biases \(v.biases): \(r.sum) vs \(v.sum)")
      #expect(relativelyClose(r.logPathNorm, log(v.sum) / v.p, 1e-12))
    }
  }

  /// The forward trick equals the explicit sum over every input→output path (and every
  /// bias→output path) of Π|w|^p, with the average-pool edges' 1/4 not raised to p.
  @Test func pathNorms_matchBruteForceSumOverPaths() throws {
    let b = ConvReference.shared.brute_force
    let g = try ConvolutionGeometry(name: "conv", inChannels: 1, outChannels: 2, kernelSize: [3, 3], stride: [2], padding: [1])
    let steps: [NetworkStep] = [
      .convolution(try ConvolutionLayer(geometry: g, weight: b.w1, bias: b.b1)), .relu,
      .pooling(try PoolingGeometry(name: "pool", kind: .average, kernelSize: [2, 2])), .flatten,
      .linear(try LinearLayer(name: "fc", inFeatures: 2, outFeatures: 3, weight: b.w2, bias: b.b2)),
    ]
    let input = FeatureShape(channels: 1, spatial: [4, 4])
    for r in b.results {
      let with = try pathNorm(of: steps, inputShape: input, exponent: r.p, includeBiases: true)
      let without = try pathNorm(of: steps, inputShape: input, exponent: r.p, includeBiases: false)
      #expect(relativelyClose(with.sum, r.bias, 1e-12), "p \(r.p): \(with.sum) vs \(r.bias)")
      #expect(relativelyClose(without.sum, r.nobias, 1e-12), "p \(r.p): \(without.sum) vs \(r.nobias)")
    }
  }

  /// 40 single-channel 1×1 convs with w = b = 1e10 on a (1, 2, 2) input, p = 2. By hand, per
  /// position a_{l+1} = 1e20·a_l + 1e20 from a_0 = 1, so a_L = 1e20L·(1 + Σ_{k<L} 1e−20k) ≈ 2·1e20L
  /// and log φ² = log(4·2) + 20·L·ln 10 = 1844.2…; without biases log(4) + 20·L·ln 10. Both far
  /// beyond float64 (e^709).
  @Test func pathNorm_logDomainSurvivesOverflow() throws {
    let g = try ConvolutionGeometry(name: "c", inChannels: 1, outChannels: 1, kernelSize: [1, 1])
    let layer = try ConvolutionLayer(geometry: g, weight: [1e10], bias: [1e10])
    let steps = Array(repeating: NetworkStep.convolution(layer), count: 40)
    let shape = FeatureShape(channels: 1, spatial: [2, 2])
    let with = try pathNorm(of: steps, inputShape: shape, exponent: 2, includeBiases: true)
    let without = try pathNorm(of: steps, inputShape: shape, exponent: 2, includeBiases: false)
    #expect(relativelyClose(with.logSum, log(8) + 800 * log(10), 1e-14))
    #expect(relativelyClose(without.logSum, log(4) + 800 * log(10), 1e-14))
    #expect(with.sum == .infinity)
    // Tiny weights: 1e-10 per layer, p = 1 → log φ₁ = log 4 − 400·ln 10 (underflows float64 too).
    let tiny = try ConvolutionLayer(geometry: g, weight: [1e-10])
    let small = try pathNorm(of: Array(repeating: .convolution(tiny), count: 40), inputShape: shape, exponent: 1, includeBiases: true)
    #expect(relativelyClose(small.logSum, log(4) - 400 * log(10), 1e-14))
  }
}
