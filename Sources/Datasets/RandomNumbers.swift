/// xoshiro256** (Blackman and Vigna 2018), the seeded generator behind every random choice in
/// gapdb's data preparation and training: subsets, label noise, shuffling, initialization.
///
/// The 256-bit state is filled from the seed with SplitMix64, as the authors recommend.
/// The derived draws (``uniformInt(below:)``, ``uniformFloat()``, ``standardNormal()``) are
/// implemented here rather than taken from the standard library, so a run's data order and
/// initial weights depend only on the seed and this file, not on the toolchain version.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
  private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

  /// Creates a generator whose sequence is fixed by `seed`.
  /// - Parameter seed: Any 64-bit value; equal seeds give equal sequences.
  public init(seed: UInt64) {
    var x = seed
    func splitMix() -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = splitMix()
    s1 = splitMix()
    s2 = splitMix()
    s3 = splitMix()
  }

  /// Creates a generator for one purpose (`stream`) of a run with seed `seed`, so that, for
  /// example, the label-noise draw does not change when the initializer draws more numbers.
  /// - Parameters:
  ///   - seed: The run's seed.
  ///   - stream: A fixed tag per purpose (see ``RandomStream``).
  public init(seed: UInt64, stream: RandomStream) {
    self.init(seed: seed ^ (stream.rawValue &* 0xD1B5_4A32_D192_ED03))
  }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = s3 << 45 | s3 >> 19
    return result
  }

  /// A uniform integer in `0..<bound` by Lemire's multiply-and-reject method (unbiased).
  /// - Parameter bound: The exclusive upper bound, > 0.
  /// - Returns: An integer in `0..<bound`.
  public mutating func uniformInt(below bound: Int) -> Int {
    precondition(bound > 0, "uniformInt(below:) needs a positive bound, got \(bound)")
    let b = UInt64(bound)
    var m = next().multipliedFullWidth(by: b)
    if m.low < b {
      let threshold = (0 &- b) % b
      while m.low < threshold { m = next().multipliedFullWidth(by: b) }
    }
    return Int(m.high)
  }

  /// A uniform float in [0, 1) with 24 random bits.
  public mutating func uniformFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

  /// A uniform double in [0, 1) with 53 random bits.
  public mutating func uniformDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// A standard normal draw by the Box–Muller transform (one of the pair is used).
  public mutating func standardNormal() -> Double {
    let u1 = 1 - uniformDouble()  // (0, 1]
    let u2 = uniformDouble()
    return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
  }

  /// Shuffles `values` in place by Fisher–Yates with ``uniformInt(below:)``.
  /// - Complexity: O(n).
  public mutating func shuffle<T>(_ values: inout [T]) {
    guard values.count > 1 else { return }
    for i in stride(from: values.count - 1, to: 0, by: -1) {
      let j = uniformInt(below: i + 1)
      if i != j { values.swapAt(i, j) }
    }
  }

  /// A random permutation of `0..<count`.
  /// - Complexity: O(count).
  public mutating func permutation(_ count: Int) -> [Int] {
    var p = Array(0..<count)
    shuffle(&p)
    return p
  }
}

/// The purposes that draw random numbers; each gets its own generator stream from the run seed.
public enum RandomStream: UInt64, Sendable {
  /// Choosing the fixed training subset.
  case trainingSubset = 1
  /// Choosing which labels are replaced, and by what.
  case labelNoise = 2
  /// Initial weights and biases.
  case initialization = 3
  /// The order of training examples in each epoch.
  case dataOrder = 4
  /// The fixed subset on which margins are computed.
  case marginSubset = 5
  /// Splitting a CSV file into training and test parts.
  case holdoutSplit = 6
  /// Reserved for perturbation-based measures.
  case perturbation = 7
  /// The unbalanced (node-rescaled) initialization's choice of units and factors.
  case initialRescaling = 8
}

// Elementary functions without Foundation (Glibc's log/cos, bit-identical on one machine).
#if canImport(Glibc)
  import Glibc
  @inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
  @inline(__always) private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#elseif canImport(Darwin)
  import Darwin
  @inline(__always) private func _log(_ x: Double) -> Double { Darwin.log(x) }
  @inline(__always) private func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
