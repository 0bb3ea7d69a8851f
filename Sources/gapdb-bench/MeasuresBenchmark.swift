import ArgumentParser
import ComplexityMeasures
import Foundation
import LinearAlgebra

/// `gapdb-bench measures`: the data-free measure suite and layer summaries of an MLP, side by
/// side with numpy's equivalents (`bench_measures.py`) run in the same invocation.
struct MeasuresBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "measures",
    abstract: "Time the data-free complexity measures and layer summaries of an MLP against numpy.",
    discussion: """
      Network: --layers (default 784,1024,1024,10), Gaussian float32 weights scaled by
      1/sqrt(fanIn), as bench_measures.py makes them. Each figure is the median of --repeats
      runs over the whole network. The numpy baseline runs if bench_measures.py is found
      (--baseline-dir, else ../shared/baselines from the current directory or the package
      root) with --python, /work/baseline-scratch/venv/bin/python or python3 (numpy +
      threadpoolctl); otherwise it is reported as skipped. Build with -c release.

      Example:
        swift run -c release gapdb-bench measures --blas-threads 1
      """)

  @Option(help: "Layer sizes, input first.") var layers = "784,1024,1024,10"
  @Option(help: "Repeats for the fast measures.") var repeats = 20
  @Option(help: "Repeats for the SVD-based measures.") var svdRepeats = 5
  @Option(help: "OpenBLAS threads for gapdb's products (numpy uses its own default).") var blasThreads = 1
  @Option(help: "Directory holding bench_measures.py.") var baselineDir: String?
  @Option(help: "Python interpreter for the baseline.") var python: String?
  @Flag(help: "Do not run the numpy baseline.") var noBaseline = false

  func run() throws {
    let sizes = layers.split(separator: ",").compactMap { Int($0) }
    guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else { throw ValidationError("--layers needs at least two positive sizes, got \(layers)") }
    setBLASThreadCount(blasThreads)
    print("gapdb measures benchmark: layers \(sizes), OpenBLAS threads \(blasThreadCount()), repeats \(repeats) (SVD \(svdRepeats))")
    var rng = BenchRandom(seed: 0)
    let network = try makeNetwork(sizes, rng: &rng, withInit: false)
    let withInit = try makeNetwork(sizes, rng: &rng, withInit: true)
    let weights = network.layers.map(\.weights)
    let largestIndex = weights.indices.max { weights[$0].count < weights[$1].count }!
    let largest = weights[largestIndex]

    var rows: [(String, Double, String?)] = []  // (name, gapdb median seconds, numpy key)
    func time(_ name: String, numpy: String? = nil, repeats r: Int? = nil, _ body: () -> Void) {
      let t = medianSeconds(repeats: r ?? repeats, body)
      rows.append((name, t, numpy))
    }
    var sink = 0.0
    time("frobenius (all layers)", numpy: "frobenius") { for w in weights { sink += frobeniusNorm(of: w.elements) } }
    time("spectral_svd (all values: dsyrk+dsyevd)", numpy: "spectral_svd", repeats: svdRepeats) {
      for w in weights { sink += Double((try? singularValues(of: w))?.first ?? 0) }
    }
    time("spectral_power 20 fixed iterations", numpy: "spectral_power") {
      for w in weights { sink += topSingularValue(of: w, relativeTolerance: 0, maxIterations: 20, minIterations: 20).value }
    }
    var coldIterations = 0
    time("spectral_power to 1e-6, cold start") {
      coldIterations = 0
      for w in weights {
        let r = topSingularValue(of: w)
        coldIterations += r.iterations
        sink += r.value
      }
    }
    // Per-epoch: the previous epoch's vectors on weights that moved by ~0.1%.
    let previous = weights.map { topSingularValue(of: $0).rightVector }
    let moved = weights.map { w in Matrix(rows: w.rows, columns: w.columns, elements: w.elements.map { $0 * Float(1 + 1e-3 * rng.gaussian()) }) }
    var warmIterations = 0
    time("spectral_power to 1e-6, warm start (per epoch)") {
      warmIterations = 0
      for (w, v) in zip(moved, previous) {
        let r = topSingularValue(of: w, warmStart: v)
        warmIterations += r.iterations
        sink += r.value
      }
    }
    time("l1_path (with+without biases)", numpy: "l1_path") { sink += pathNormLogs(network, p: 1).withBiases }
    time("l2_path (with+without biases)", numpy: "l2_path") { sink += pathNormLogs(network, p: 2).withBiases }
    time("l1.5 path (with+without biases)") { sink += pathNormLogs(network, p: 1.5).withBiases }
    time("path norms l1 + l1.5 + l2, both variants (suite)") { sink += standardPathNormLogs(network)[0].withBiases }
    time("svd_spectrum (all singular values)", numpy: "svd_spectrum", repeats: svdRepeats) {
      for w in weights { sink += Double((try? singularValues(of: w))?.count ?? 0) }
    }
    let powerOptions = LayerSummaryOptions(spectralMethod: .powerIteration)
    time("layer summaries, entry-wise only (moments, quantiles, group norms)") {
      for (i, l) in network.layers.enumerated() {
        sink += summarizeLayer(l, index: i, options: LayerSummaryOptions(spectralMethod: .powerIteration, maxPowerIterations: 0)).frobeniusNorm
      }
    }
    var suite = MeasureSuite(options: powerOptions)
    _ = suite.evaluate(network)
    time("per-epoch suite: summaries + all measures, power iteration warm") {
      sink += suite.evaluate(network).measures.count > 0 ? 1 : 0
    }
    var suiteInit = MeasureSuite(options: powerOptions)
    _ = suiteInit.evaluate(withInit)
    time("per-epoch suite with W⁰ (distances), power iteration warm") {
      sink += suiteInit.evaluate(withInit).measures.count > 0 ? 1 : 0
    }
    let report = suite.evaluate(network)
    time("registry arithmetic only (\(MeasureRegistry.all.count) measures from summaries)") {
      sink += evaluateMeasures(network, summaries: report.layerSummaries).measures.count > 0 ? 1 : 0
    }
    time("full suite, exact SVD (CLI default: both)", repeats: svdRepeats) {
      var s = MeasureSuite(options: LayerSummaryOptions(spectralMethod: .both))
      sink += s.evaluate(network).measures.count > 0 ? 1 : 0
    }
    time("largest layer \(largest.rows)×\(largest.columns): summary, power warm") {
      sink += summarizeLayer(LayerWeights(name: "w", weights: largest), index: 0, options: powerOptions, warmStart: previous[largestIndex]).frobeniusNorm
    }

    let baseline = noBaseline ? nil : runBaseline(sizes: sizes)
    print("")
    print(pad("measure", 62) + pad("gapdb ms", 12, right: true) + pad("numpy ms", 12, right: true) + pad("numpy/gapdb", 13, right: true))
    for (name, t, key) in rows {
      var line = pad(name, 62) + pad(String(format: "%.3f", t * 1e3), 12, right: true)
      if let key, let b = baseline?.measures[key] {
        line += pad(String(format: "%.3f", b * 1e3), 12, right: true) + pad(String(format: "%.2fx", b / t), 13, right: true)
      }
      print(line)
    }
    print("")
    print("power iteration iterations (sum over layers): cold \(coldIterations), warm \(warmIterations)")
    if let baseline {
      print("numpy baseline: \(baseline.note)")
    } else {
      print("numpy baseline: skipped (\(noBaseline ? "--no-baseline" : "bench_measures.py or a Python with numpy+threadpoolctl not found"))")
    }
    if sink.isNaN { print("(checksum NaN)") }
  }

  func makeNetwork(_ sizes: [Int], rng: inout BenchRandom, withInit: Bool) throws -> NetworkWeights {
    var out: [LayerWeights] = []
    for i in 0..<(sizes.count - 1) {
      let (fanIn, fanOut) = (sizes[i], sizes[i + 1])
      let s = 1 / Double(fanIn).squareRoot()
      let w = Matrix(rows: fanOut, columns: fanIn, elements: (0..<(fanIn * fanOut)).map { _ in Float(rng.gaussian() * s) })
      let w0 = withInit ? Matrix(rows: fanOut, columns: fanIn, elements: (0..<(fanIn * fanOut)).map { _ in Float(rng.gaussian() * s) }) : nil
      out.append(LayerWeights(name: "\(i)", weights: w, bias: (0..<fanOut).map { _ in Float(rng.gaussian() * 0.01) }, initialWeights: w0))
    }
    return try NetworkWeights(layers: out)
  }

  struct Baseline {
    var measures: [String: Double]
    var note: String
  }

  func runBaseline(sizes: [Int]) -> Baseline? {
    let fm = FileManager.default
    let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let candidates = [baselineDir, "../shared/baselines", packageRoot.appendingPathComponent("../shared/baselines").path].compactMap { $0 }
    guard let dir = candidates.first(where: { fm.fileExists(atPath: $0 + "/bench_measures.py") }) else { return nil }
    let pythons = [python, "/work/baseline-scratch/venv/bin/python", "/usr/bin/python3"].compactMap { $0 }
    guard let py = pythons.first(where: { fm.isExecutableFile(atPath: $0) }) else { return nil }
    let out = fm.temporaryDirectory.appendingPathComponent("gapdb-bench-measures-\(getpid()).json").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: py)
    process.arguments = [
      dir + "/bench_measures.py", "--layers", sizes.map(String.init).joined(separator: ","), "--repeats", String(repeats),
      "--svd-repeats", String(svdRepeats), "--gemm-repeats", "3", "--out", out,
    ]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    print("running numpy baseline: \(py) \(dir)/bench_measures.py …")
    do { try process.run() } catch { return nil }
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    defer { try? fm.removeItem(atPath: out) }
    guard process.terminationStatus == 0, let data = fm.contents(atPath: out),
      let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let measures = json["measures"] as? [String: [String: Any]]
    else {
      print("numpy baseline failed (exit \(process.terminationStatus)):\n\(text.suffix(600))")
      return nil
    }
    var result: [String: Double] = [:]
    for (k, v) in measures { if let m = v["median"] as? Double { result[k] = m } }
    let firstLines = text.split(separator: "\n").prefix(2).joined(separator: "; ")
    return Baseline(measures: result, note: "\(py), \(firstLines)")
  }
}

private func medianSeconds(repeats: Int, _ body: () -> Void) -> Double {
  body()  // warm-up
  var samples: [Double] = []
  let clock = ContinuousClock()
  for _ in 0..<max(1, repeats) {
    let d = clock.measure(body)
    samples.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
  }
  samples.sort()
  return samples[samples.count / 2]
}

private func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
  let n = s.count
  if n >= width { return s + " " }
  let fill = String(repeating: " ", count: width - n)
  return right ? fill + s : s + fill
}

