import ArgumentParser
import ConvolutionKernels
import Foundation
import LinearAlgebra

/// `gapdb-bench conv`: the exact (frequency-domain) spectral norm of a VGG-11-sized set of conv
/// layers on a 32×32 input, each at its real input size (and optionally all at 32×32, as
/// Dziugaite et al.'s measures.py does), plus power iteration with the real conv/adjoint.
/// The numpy side is `scripts/bench_conv_reference.py` (np.fft.fft2 + np.linalg.svd), run
/// separately with the same layer list.
struct ConvBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "conv",
    abstract: "Time the exact conv spectral norm (per-frequency SVD) of VGG-11's conv layers.",
    discussion: """
      Layers (in→out channels @ input size, 3×3, padding 1): 3→64@32, 64→128@16, 128→256@8,
      256→256@8, 256→512@4, 512→512@4, 512→512@2, 512→512@2; Gaussian weights / sqrt(fan-in).
      Compare with: python3 scripts/bench_conv_reference.py [--grid 32]. Build with -c release.

      Example:
        swift run -c release gapdb-bench conv --blas-threads 1
      """)

  @Option(help: "Repeats per figure (median).") var repeats = 3
  @Option(help: "OpenBLAS threads.") var blasThreads = 1
  @Option(help: "Evaluate every layer on this grid instead of its real input size (Dziugaite: 32).")
  var grid: Int?
  @Flag(help: "Also time power iteration with the real conv/adjoint (zero padding, exact).") var power = false

  func run() throws {
    setBLASThreadCount(blasThreads)
    let specs: [(Int, Int, Int)] = [
      (3, 64, 32), (64, 128, 16), (128, 256, 8), (256, 256, 8), (256, 512, 4), (512, 512, 4), (512, 512, 2), (512, 512, 2),
    ]
    var rng = BenchRandom(seed: 11)
    var total = 0.0
    print("gapdb conv spectral-norm benchmark: OpenBLAS threads \(blasThreadCount()), median of \(repeats)")
    for (index, (cin, cout, size)) in specs.enumerated() {
      let g = try ConvolutionGeometry(
        name: "features.\(index)", inChannels: cin, outChannels: cout, kernelSize: [3, 3], padding: [1],
        paddingMode: .circular)
      let scale = 1 / Double(cin * 9).squareRoot()
      let layer = try ConvolutionLayer(geometry: g, weight: (0..<g.weightCount).map { _ in rng.gaussian() * scale })
      let n = grid ?? size
      var value = 0.0
      let t = medianTime(repeats) {
        value = (try? circularConvolutionSpectralNorm(weight: layer.weight, geometry: g, gridSize: [n, n]))?.value ?? .nan
      }
      total += t
      var line = "  \(cin)→\(cout) @\(n)×\(n): σ = \(String(format: "%.6f", value))  \(String(format: "%.4f", t)) s"
      if power {
        let zeros = try ConvolutionGeometry(name: g.name, inChannels: cin, outChannels: cout, kernelSize: [3, 3], padding: [1])
        let zl = try ConvolutionLayer(geometry: zeros, weight: layer.weight)
        var estimate: OperatorNormEstimate?
        let tp = medianTime(1) {
          estimate = try? convolutionOperatorNorm(zl, inputShape: FeatureShape(channels: cin, spatial: [size, size]), relativeTolerance: 1e-6)
        }
        line += "; power (zeros, @\(size)) σ = \(String(format: "%.6f", estimate?.value ?? .nan)) in \(estimate?.iterations ?? 0) it, \(String(format: "%.4f", tp)) s"
      }
      print(line)
    }
    print("  total frequency-domain: \(String(format: "%.4f", total)) s")
  }
}

private func medianTime(_ repeats: Int, _ body: () -> Void) -> Double {
  var samples: [Double] = []
  let clock = ContinuousClock()
  for _ in 0..<max(1, repeats) {
    let d = clock.measure(body)
    samples.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
  }
  samples.sort()
  return samples[samples.count / 2]
}
