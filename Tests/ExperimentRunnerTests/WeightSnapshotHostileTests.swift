import ExperimentRunner
import FeedForward
import Foundation
import TestSupport
import Testing

/// A stored snapshot blob is data from the store, which anyone can edit (issue 11): decoding a
/// damaged one returns `nil`, never traps, and never drops an entry silently.
@Suite struct WeightSnapshotHostileTests {
  /// The blob of a 2-3-2 network with `old` replaced by `new` in the first NPY header, the
  /// header's space padding absorbing the length difference (so every size field stays valid).
  func blob(replacing old: String, with new: String) throws -> [UInt8] {
    let bytes = WeightSnapshot.encode(MultilayerPerceptron(layerSizes: [2, 3, 2], seed: 5))
    let o = Array(old.utf8), n = Array(new.utf8)
    let at = try #require((0...(bytes.count - o.count)).first { Array(bytes[$0..<($0 + o.count)]) == o })
    let grow = n.count - o.count
    var out = bytes
    out.replaceSubrange(at..<(at + o.count + grow), with: n)  // eats `grow` padding spaces
    #expect(out.count == bytes.count)
    return out
  }

  @Test func decode_overflowingOrNegativeShape_isNil() throws {
    // (2^62, 2) elements of 4 bytes: the product overflowed (a trap) before issue 11.
    #expect(WeightSnapshot.decode(try blob(replacing: "(3, 2), } ", with: "(4611686018427387904, 2), }")) == nil)
    #expect(WeightSnapshot.decode(try blob(replacing: "(3, 2), }  ", with: "(-3, -2), }")) == nil)
    // A non-integer entry was dropped ("(3, x)" read as (3,)).
    #expect(WeightSnapshot.decode(try blob(replacing: "(3, 2), } ", with: "(3, 2, x), }")) == nil)
    #expect(WeightSnapshot.decode(try blob(replacing: "(3, 2), }", with: "(3, 2), }")) != nil)
  }

  @Test func decode_repeatedEntry_isNilNotSilentlyReplaced() throws {
    // Rename layers.1.bias to layers.0.bias: two entries of one name, and a layer missing.
    var bytes = WeightSnapshot.encode(MultilayerPerceptron(layerSizes: [2, 3, 2], seed: 5))
    let name = Array("layers.1.bias.npy".utf8)
    let at = try #require((0...(bytes.count - name.count)).first { Array(bytes[$0..<($0 + name.count)]) == name })
    bytes[at + 7] = UInt8(ascii: "0")
    #expect(WeightSnapshot.decode(bytes) == nil)
  }

  /// 4,000 mutants of a snapshot (seed 11): `decode` returns a network or `nil`, never traps.
  @Test func fuzz_mutatedSnapshots_decodeOrNil() {
    let seed = WeightSnapshot.encode(MultilayerPerceptron(layerSizes: [3, 4, 2], seed: 2))
    var mutator = Mutator(seed: 11)
    var decoded = 0
    for _ in 0..<(4000 * Mutator.scale) {
      if let net = WeightSnapshot.decode(mutator.mutate(seed)) {
        #expect(net.layerSizes.count == 3)
        decoded += 1
      }
    }
    #expect(decoded > 100 && decoded < 4000 * Mutator.scale, "decoded \(decoded)")
  }
}
