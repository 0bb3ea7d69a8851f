import Foundation
import NumPyFiles
import TestSupport
import Testing

/// Hostile inputs for the NumPy readers (issue 11): sizes whose arithmetic overflows, nesting
/// that would exhaust the stack, arrays that are not dense layers, and a seeded mutation run
/// over every fixture.
private func unsupported(_ name: String) -> String { fixtureURL("measures/unsupported/\(name)").path }

/// A v1 `.npy` with this header dictionary text and `data` after it.
private func npyBytes(_ header: String, data: [UInt8] = []) -> [UInt8] {
  var text = header
  let total = 10 + text.utf8.count + 1
  text += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
  let n = text.utf8.count
  return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(text.utf8) + data
}

@Test func readNPY_shapeProductOverflow_throwsNotTraps() throws {
  // 2^40 · 2^40 = 2^80 elements: the product does not fit in an Int.
  let shape = [1 << 40, 1 << 40]
  #expect(throws: NumPyFileError.shapeTooLarge(name: "huge_shape.npy", shape: shape)) {
    try readNumPyFile(path: unsupported("huge_shape.npy"))
  }
  // The same member inside a stored .npz (written by scripts/reference/unsupported_networks.py).
  #expect(throws: NumPyFileError.shapeTooLarge(name: "huge", shape: shape)) {
    try readNumPyFile(path: unsupported("huge_shape.npz"))
  }
  // 2^31 · 2^31 elements of 4 bytes: the element count fits, the byte count does not.
  #expect(throws: NumPyFileError.shapeTooLarge(name: "x", shape: [1 << 31, 1 << 31])) {
    try readNPY(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648, 2147483648), }"), name: "x")
  }
  // An empty array whose other dimensions overflow: Π shape = 0, but Π shape[1...] (the
  // feature count) would trap downstream, so it is refused too.
  let empty = [0, 1 << 62, 1 << 62]
  #expect(throws: NumPyFileError.shapeTooLarge(name: "x", shape: empty)) {
    try readNPY(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4611686018427387904, 4611686018427387904), }"), name: "x")
  }
  let message = NumPyFileError.shapeTooLarge(name: "x.npy", shape: shape).description
  #expect(message == "x.npy has shape (1099511627776, 1099511627776), whose byte count exceeds 9223372036854775807 (corrupt header?)")
}

@Test func readNPY_deeplyNestedHeader_isMalformedNotAStackOverflow() {
  let deep = "{'descr': '<f4', 'fortran_order': False, 'shape': " + String(repeating: "(", count: 60_000) + "}"
  #expect(throws: NumPyFileError.malformedHeader(name: "x", reason: "nested more than 32 deep")) {
    try readNPY(npyBytes(deep), name: "x")
  }
  // A v2 header (4-byte length) of a million brackets.
  let text = Array(String(repeating: "[", count: 1_000_000).utf8)
  let n = text.count
  let v2: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 2, 0, UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n >> 16), 0] + text
  #expect(throws: NumPyFileError.malformedHeader(name: "x", reason: "nested more than 32 deep")) { try readNPY(v2, name: "x") }
}

@Test func readNPZ_hugeSizesAndOffsets_throwMalformedZip() throws {
  let valid = [UInt8](try Data(contentsOf: fixtureURL("measures/npy/state_stored.npz")))
  // End of central directory: last 22 bytes (no comment). Offset field at +16, size at +12.
  let eocd = valid.count - 22
  // A central-directory offset that is the zip64 marker, with a zip64 locator pointing near
  // Int.max: must be "missing", not an overflow.
  var a = valid
  for k in 0..<4 { a[eocd + 16 + k] = 0xFF }
  #expect(throws: NumPyFileError.malformedZip(name: "a", reason: "zip64 locator missing")) { try readNPZ(a, name: "a") }
  // A central directory that claims 4 GiB: outside the file.
  var b = valid
  for k in 0..<4 { b[eocd + 12 + k] = 0xFE }
  #expect(throws: NumPyFileError.malformedZip(name: "b", reason: "central directory lies outside the file (truncated?)")) {
    try readNPZ(b, name: "b")
  }
}

@Test func assemble_unusedArrays_areListedByRequiringEveryArrayUsed() throws {
  func array(_ name: String, _ shape: [Int]) -> NumPyArray {
    NumPyArray(name: name, shape: shape, dtype: "<f4", values: [Double](repeating: 1, count: shape.reduce(1, *)))
  }
  let conv = try assembleLayers([
    array("features.0.weight", [8, 1, 3, 3]), array("features.0.bias", [8]), array("classifier.weight", [10, 8]),
    array("classifier.bias", [10]),
  ])
  #expect(conv.layers.map(\.name) == ["classifier"])
  #expect(throws: StateDictError.unusedArrays(["features.0.weight (8×1×3×3, <f4)", "features.0.bias (8, <f4)"])) {
    try conv.requiringEveryArrayUsed()
  }
  let conv1d = try assembleLayers([array("conv.weight", [4, 2, 3]), array("fc.weight", [3, 4])])
  #expect(throws: StateDictError.unusedArrays(["conv.weight (4×2×3, <f4)"])) { try conv1d.requiringEveryArrayUsed() }
  let stray = try assembleLayers([array("w", [4, 3]), array("b", [4]), array("scale", [7]), array("t", [])])
  #expect(throws: StateDictError.unusedArrays(["scale (7, <f4)", "t (scalar, <f4)"])) { try stray.requiringEveryArrayUsed() }
  // Two biases of the same name (e.g. two .npy files): the first is listed, not lost.
  let twice = try assembleLayers([array("fc.weight", [2, 3]), array("fc.bias", [2]), array("fc.bias", [2])])
  #expect(throws: StateDictError.unusedArrays(["fc.bias (2, <f4)"])) { try twice.requiringEveryArrayUsed() }
  // BatchNorm: weights and biases set aside by different rules come back in stored order.
  let bn = try assembleLayers([
    array("0.weight", [4, 3]), array("1.weight", [4]), array("1.bias", [4]), array("1.running_mean", [4]),
    array("2.weight", [2, 4]),
  ])
  #expect(bn.ignored.map(\.name) == ["1.weight", "1.bias", "1.running_mean"])
  let clean = try assembleLayers([array("0.weight", [4, 3]), array("0.bias", [4]), array("1.weight", [2, 4])])
  #expect(try clean.requiringEveryArrayUsed() == clean)
  #expect(
    StateDictError.unusedArrays(["conv.weight (4×2×3, <f4)"]).description
      == "an array is not part of a dense layer: conv.weight (4×2×3, <f4); only dense (linear) layers are supported — "
      + "2-D weights (fanOut×fanIn) with optional 1-D biases; convolution kernels (rank ≥ 3), normalization layers "
      + "and other tensors are not supported yet")
}

/// Every `.npy`/`.npz` fixture, mutated 600 times each (about 20,000 mutants, seed 11): each
/// mutant is read and assembled; the readers either return arrays whose element count is
/// their shape's product or throw their typed errors, and never trap.
@Test func fuzz_mutatedNumPyFiles_returnOrThrowNeverCrash() throws {
  let folders = ["measures/npy", "measures/unsupported"]
  var seeds: [(String, [UInt8])] = []
  for folder in folders {
    let url = fixtureURL(folder)
    for name in try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() {
      seeds.append((name, [UInt8](try Data(contentsOf: url.appendingPathComponent(name)))))
    }
  }
  #expect(seeds.count >= 30)
  var mutator = Mutator(seed: 11)
  var returned = 0, thrown = 0
  for (name, seed) in seeds {
    for _ in 0..<(600 * Mutator.scale) {
      let mutant = mutator.mutate(seed)
      do {
        let arrays = mutant.starts(with: [0x50, 0x4B]) ? try readNPZ(mutant, name: name) : [try readNPY(mutant, name: name)]
        for a in arrays { #expect(a.values.count == a.shape.reduce(1, *), "\(name): \(a.summary)") }
        _ = try? assembleLayers(arrays).requiringEveryArrayUsed()
        returned += 1
      } catch {
        #expect(!error.description.isEmpty)
        thrown += 1
      }
    }
  }
  // Both outcomes occur: the mutants are neither all rejected by the magic check nor all valid.
  #expect(returned > 100 && thrown > 100, "returned \(returned), thrown \(thrown)")
}
