import ExperimentRunner
import FeedForward
import LinearAlgebra
import NumPyFiles
import Testing

@Suite struct WeightSnapshotTests {
  @Test func snapshot_roundTrip_isBitExact() {
    let net = MultilayerPerceptron(layerSizes: [5, 7, 3], seed: 11)
    #expect(WeightSnapshot.decode(WeightSnapshot.encode(net)) == net)
  }

  @Test func snapshot_isAnNPZThatTheNumPyReaderReads() throws {
    var net = MultilayerPerceptron(layerSizes: [3, 2, 2], seed: 1)
    net.layers[0].weight = Matrix([[1, -2, 0.5], [0.25, 3, -1]])
    net.layers[0].bias = [0.125, -4]
    let blob = WeightSnapshot.encode(net)
    let arrays = try readNPZ(blob, name: "snapshot.npz")
    #expect(arrays.map(\.name).sorted() == ["layers.0.bias", "layers.0.weight", "layers.1.bias", "layers.1.weight"])
    let w0 = try #require(arrays.first { $0.name == "layers.0.weight" })
    #expect(w0.shape == [2, 3] && w0.dtype == "<f4")
    #expect(w0.values == [1, -2, 0.5, 0.25, 3, -1])
    let b0 = try #require(arrays.first { $0.name == "layers.0.bias" })
    #expect(b0.shape == [2] && b0.values == [0.125, -4])
    // NPY data starts on a 64-byte boundary: header total = magic 6 + version 2 + length 2 + text.
    // The first entry's data follows its 30-byte local header and its name.
    let start = 30 + "layers.0.weight.npy".utf8.count
    #expect(Array(blob[(start + 1)..<(start + 6)]) == Array("NUMPY".utf8))
    let headerLength = Int(blob[start + 8]) | Int(blob[start + 9]) << 8
    #expect((10 + headerLength) % 64 == 0)
  }

  @Test func snapshot_nonFiniteWeights_areKept() {
    var net = MultilayerPerceptron(layerSizes: [2, 2], seed: 1)
    net.layers[0].weight.elements = [.nan, .infinity, -.infinity, 0]
    let back = WeightSnapshot.decode(WeightSnapshot.encode(net))
    #expect(back?.layers[0].weight.elements[0].isNaN == true)
    #expect(back?.layers[0].weight.elements[1] == .infinity && back?.layers[0].weight.elements[2] == -.infinity)
  }

  @Test func decode_garbage_returnsNil() {
    #expect(WeightSnapshot.decode([1, 2, 3]) == nil)
    #expect(WeightSnapshot.decode([]) == nil)
  }
}
