import ConvolutionKernels
import Foundation
import TestSupport

/// `Tests/Fixtures/conv/reference.json`, written by `make_reference.py` next to it (numpy, direct
/// loops, dense operator matrices, explicit path enumeration; no code shared with the module).
struct ConvReference: Decodable {
  struct Conv: Decodable {
    let name: String
    let in_channels: Int
    let out_channels: Int
    let kernel: [Int]
    let stride: [Int]
    let padding: [Int]
    let dilation: [Int]
    let groups: Int
    let mode: String
    let input_spatial: [Int]
    let weight: [Double]
    let bias: [Double]
    let input: [Double]
    let output_spatial: [Int]
    let output: [Double]
    let ybar: [Double]
    let transpose: [Double]
    let operator_norm: Double
    let fft_grid: [Int]
    let fft_norm: Double
    let reshape_norm: Double
  }
  struct Pool: Decodable {
    let name: String
    let kind: String
    let kernel: [Int]
    let stride: [Int]
    let padding: [Int]
    let input_shape: [Int]
    let input: [Double]
    let output_shape: [Int]
    let output: [Double]
  }
  struct BatchNorm: Decodable {
    let weight: [Double]
    let bias: [Double]
    let running_mean: [Double]
    let running_var: [Double]
    let eps: Double
  }
  struct PathNormValue: Decodable {
    let p: Double
    let biases: Bool
    let sum: Double
  }
  struct BNNetwork: Decodable {
    let params: [String: [Double]]
    let bn: [String: BatchNorm]
    let inputs: [[Double]]
    let outputs: [[Double]]
    let folded: [String: [Double]]
    let path_norms: [PathNormValue]
  }
  struct BruteForce: Decodable {
    struct Result: Decodable {
      let p: Double
      let nobias: Double
      let bias: Double
    }
    let w1: [Double]
    let b1: [Double]
    let w2: [Double]
    let b2: [Double]
    let results: [Result]
  }
  let conv: [Conv]
  let pool: [Pool]
  let bn_network: BNNetwork
  let brute_force: BruteForce

  static let shared: ConvReference = {
    let data = try! Data(contentsOf: fixtureURL("conv/reference.json"))
    return try! JSONDecoder().decode(ConvReference.self, from: data)
  }()
}

extension ConvReference.Conv {
  func layer() throws -> ConvolutionLayer {
    let geometry = try ConvolutionGeometry(
      name: name, inChannels: in_channels, outChannels: out_channels, kernelSize: kernel, stride: stride,
      padding: padding, dilation: dilation, groups: groups, paddingMode: PaddingMode(rawValue: mode)!)
    return try ConvolutionLayer(geometry: geometry, weight: weight, bias: bias)
  }
  var inputShape: FeatureShape { FeatureShape(channels: in_channels, spatial: input_spatial) }
}

/// max |a − b| ≤ tolerance · max(1, max |b|).
func allClose(_ a: [Double], _ b: [Double], _ tolerance: Double) -> Bool {
  guard a.count == b.count else { return false }
  let scale = max(1, b.map(abs).max() ?? 0)
  return zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * scale }
}

func relativelyClose(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
  abs(a - b) <= tolerance * max(abs(a), abs(b))
}
