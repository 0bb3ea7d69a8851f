import Datasets
import Foundation

/// xoshiro256** (Blackman & Vigna 2018) seeded through SplitMix64: the generator behind every
/// random draw of the flatness searches.
///
/// Every draw a search makes comes from a *stream* derived from `(seed, purpose, index)`,
/// e.g. "noise draw 3 of the PAC-Bayes search". The same stream is reused at every probe of a
/// bisection (common random numbers), so the deviation is a deterministic function of the
/// scale being probed, and the whole search is reproducible bit for bit from its seed.
extension Xoshiro256StarStar {
  /// A generator for stream `(seed, purpose, index)`: Datasets' xoshiro256** seeded (through
  /// its SplitMix64 expansion) with the seed mixed with the purpose tag and the index.
  init(seed: UInt64, purpose: StreamPurpose, index: Int = 0) {
    self.init(
      seed: seed ^ (purpose.rawValue &* 0xD6E8_FEB8_6659_FD93)
        ^ (UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15))
  }

  /// A uniform double in [0, 1) with 53 random bits.
  mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

  /// A uniform double in (0, 1], safe for `log`.
  mutating func nextOpenUnit() -> Double { (Double(next() >> 11) + 1) * 0x1.0p-53 }

  /// Fills `buffer` with independent standard normal draws (Box–Muller, in pairs).
  mutating func fillStandardNormal(_ buffer: inout [Float]) {
    var i = 0
    let n = buffer.count
    while i < n {
      let r = (-2 * Foundation.log(nextOpenUnit())).squareRoot()
      let angle = 2 * Double.pi * nextUnit()
      buffer[i] = Float(r * Foundation.cos(angle))
      if i + 1 < n { buffer[i + 1] = Float(r * Foundation.sin(angle)) }
      i += 2
    }
  }
}

/// The purposes random streams are drawn for; part of each stream's identity.
enum StreamPurpose: UInt64 {
  case subset = 1
  case pacBayesNoise = 2
  case sharpnessStart = 3
  case sharpnessBatches = 4
  case keskarBatches = 5
  case gradientNoiseBatches = 6
}

/// A fixed, seeded subset of training-example indices.
///
/// - Parameters:
///   - exampleCount: m, the training-set size.
///   - size: The subset size; `nil` or ≥ m means the full training set.
///   - seed: The search seed.
/// - Returns: Sorted distinct indices (all of `0..<m` when the subset is the full set).
/// - Complexity: O(m).
public func seededExampleSubset(exampleCount: Int, size: Int?, seed: UInt64) -> [Int] {
  guard let size, size < exampleCount else { return Array(0..<exampleCount) }
  var indices = Array(0..<exampleCount)
  var rng = Xoshiro256StarStar(seed: seed, purpose: .subset)
  for i in 0..<max(size, 0) {
    let j = i + Int(rng.next() % UInt64(exampleCount - i))
    indices.swapAt(i, j)
  }
  return indices[0..<max(size, 0)].sorted()
}

/// Draws a minibatch of `size` indices uniformly with replacement from `pool`.
func drawBatch(from pool: [Int], size: Int, rng: inout Xoshiro256StarStar) -> [Int] {
  if size >= pool.count { return pool }
  return (0..<size).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
}
