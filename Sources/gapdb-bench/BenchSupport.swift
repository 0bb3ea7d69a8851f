import Foundation

/// SplitMix64: seeded uniform and Gaussian draws for the benchmarks' synthetic workloads.
struct BenchRandom {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992 }
  mutating func gaussian() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform()) }
}

/// Prints one line to standard output at once (unbuffered, so progress shows while running).
func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
