import Foundation
import NumPyFiles
import TestSupport
import Testing

/// Files written by `scripts/reference/measures_reference.py` (numpy writes v1 headers; the
/// v2/v3 ones are crafted byte by byte there). Expected values are in `npy_expected.json`.
private func npy(_ name: String) -> String { fixtureURL("measures/npy/\(name)").path }

private struct Expected: Decodable {
  var matrix_3x4: [[Double]]
  var tensor_2x3x4: [Double]
  var state: [String: [Double]]
}

private func expected() throws -> Expected {
  try JSONDecoder().decode(Expected.self, from: Data(contentsOf: fixtureURL("measures/npy_expected.json")))
}

@Test(arguments: ["v1_f4_c.npy", "v2_f4_c.npy", "v3_f4_c.npy", "v1_f8_big_endian.npy", "v1_f4_fortran.npy", "v1_f2.npy"])
func readNPY_versionsOrdersAndEndianness_giveSameMatrix(file: String) throws {
  let arrays = try readNumPyFile(path: npy(file))
  #expect(arrays.count == 1)
  let a = try #require(arrays.first)
  #expect(a.shape == [3, 4])
  #expect(a.values == (try expected()).matrix_3x4.flatMap { $0 })
  #expect(a.name == String(file.dropLast(4)))
}

@Test func readNPY_bigEndianInt16_isScaled() throws {
  let a = try #require(try readNumPyFile(path: npy("v1_i2_big_endian.npy")).first)
  #expect(a.dtype == ">i2")
  #expect(a.values == (try expected()).matrix_3x4.flatMap { $0 }.map { ($0 * 8).rounded(.towardZero) })
}

@Test func readNPY_fortran3D_isReorderedToC() throws {
  let a = try #require(try readNumPyFile(path: npy("v1_f8_fortran_3d.npy")).first)
  #expect(a.shape == [2, 3, 4])
  #expect(a.values == (try expected()).tensor_2x3x4)
}

@Test func readNPY_bool_readsZeroOne() throws {
  let a = try #require(try readNumPyFile(path: npy("v1_bool.npy")).first)
  #expect(a.values == [1, 0, 1])
}

@Test(arguments: ["state_stored.npz", "state_deflated.npz", "state_zip64.npz", "state_full_zip64.npz"])
func readNPZ_storedDeflatedZip64_giveStateDict(file: String) throws {
  let arrays = try readNumPyFile(path: npy(file))
  #expect(arrays.map(\.name) == ["0.weight", "0.bias", "1.weight", "1.bias"])
  let state = try expected().state
  for a in arrays { #expect(a.values == state[a.name]) }
  #expect(arrays[0].shape == [4, 3])
}

@Test func readNPY_truncated_throwsWithCounts() {
  #expect(throws: NumPyFileError.truncated(name: "truncated.npy", expectedBytes: 48, foundBytes: 43)) {
    try readNumPyFile(path: npy("truncated.npy"))
  }
}

@Test func readNPY_badMagicAndComplex_throw() {
  #expect(throws: NumPyFileError.notNumPy(name: "bad_magic.npy")) { try readNumPyFile(path: npy("bad_magic.npy")) }
  #expect(throws: NumPyFileError.unsupportedDType(name: "complex.npy", dtype: "<c16")) { try readNumPyFile(path: npy("complex.npy")) }
  #expect(throws: NumPyFileError.self) { try readNumPyFile(path: npy("does_not_exist.npy")) }
}

@Test func readNumPyFile_directory_saysItIsADirectory() throws {
  let folder = npy("")
  #expect(throws: NumPyFileError.unreadable(path: folder, reason: "it is a directory, not a .npy or .npz file")) {
    try readNumPyFile(path: folder)
  }
}

@Test func readNPZ_truncatedAndCorrupt_throw() {
  #expect(throws: NumPyFileError.self) { try readNumPyFile(path: npy("truncated.npz")) }
  do {
    _ = try readNumPyFile(path: npy("corrupt.npz"))
    Issue.record("corrupt.npz was accepted")
  } catch {
    switch error {
    case .inflateFailed, .checksumMismatch, .malformedHeader, .truncated: break
    default: Issue.record("unexpected error \(error)")
    }
  }
}

@Test func readNPY_malformedHeaders_throw() {
  func file(_ header: String, version: UInt8 = 1) -> [UInt8] {
    var b: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
    let h = Array(header.utf8)
    b += [UInt8(h.count & 0xFF), UInt8(h.count >> 8)] + h + [0, 0, 0, 0]
    return b
  }
  #expect(throws: NumPyFileError.self) { try readNPY(file("{'descr': '<f4', 'shape': (1,), }"), name: "x") }
  #expect(throws: NumPyFileError.self) { try readNPY(file("{'descr': '<f4', 'fortran_order': False, 'shape': (1,"), name: "x") }
  #expect(throws: NumPyFileError.unsupportedVersion(name: "x", major: 4, minor: 0)) {
    try readNPY(file("{}", version: 4), name: "x")
  }
  let ok = try? readNPY(file("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"), name: "x")
  #expect(ok?.values == [0])
}

// MARK: - State-dict assembly (cases 12 and 13)

@Test func assemble_case12_alphabeticalKeys_orderNumerically() throws {
  let alpha = try assembleLayers(try readNumPyFile(path: npy("case12_alphabetical.npz")))
  let insertion = try assembleLayers(try readNumPyFile(path: npy("case12_insertion_order.npz")))
  #expect(alpha.layers.map(\.name) == (0..<12).map { "layers.\($0)" })
  #expect(alpha.ordering == .numeric(pattern: "layers.<n>"))
  #expect(alpha == insertion)
  #expect(alpha.layers.allSatisfy { $0.bias != nil })
}

@Test func assemble_case12_brokenChain_namesBothKeys() throws {
  let arrays = try readNumPyFile(path: npy("case12_broken_chain.npz"))
  do {
    _ = try assembleLayers(arrays)
    Issue.record("broken chain accepted")
  } catch {
    let text = error.description
    #expect(text.contains("layers.5.weight"))
    #expect(text.contains("layers.4.weight") || text.contains("layers.6.weight"))
  }
}

@Test func assemble_kerasLayout_hintsAtTranspose() throws {
  let arrays = try readNumPyFile(path: npy("keras_layout.npz"))
  do {
    _ = try assembleLayers(arrays)
    Issue.record("transposed kernels accepted")
  } catch {
    #expect(error.description.contains("transpose"))
  }
}

@Test func assemble_case13_nothingRecognised_listsWhatWasFound() throws {
  let arrays = try readNumPyFile(path: npy("case13_nothing.npz"))
  #expect(throws: StateDictError.nothingRecognised(found: [
    "bn.running_mean (4, <f4)", "bn.running_var (4, <f4)", "conv.weight (2×3×3×3, <f4)", "step (scalar, <i8)",
  ])) { try assembleLayers(arrays) }
}

@Test func assemble_positionalArrays_pairBiasesAndKeepStoredOrder() throws {
  func array(_ name: String, _ shape: [Int]) -> NumPyArray {
    NumPyArray(name: name, shape: shape, dtype: "<f4", values: [Double](repeating: 1, count: shape.reduce(1, *)))
  }
  let result = try assembleLayers([
    array("hidden", [5, 3]), array("hidden_b", [5]), array("out", [2, 5]), array("out_b", [2]), array("scale", [7]),
  ])
  #expect(result.layers.map(\.name) == ["hidden", "out"])
  #expect(result.layers.map { $0.bias?.name } == ["hidden_b", "out_b"])
  #expect(result.ordering == .stored)
  #expect(result.ignored.map(\.name) == ["scale"])
}

@Test func assemble_pytorchNamedLayers_fc1fc2_orderNumerically() throws {
  func array(_ name: String, _ shape: [Int]) -> NumPyArray {
    NumPyArray(name: name, shape: shape, dtype: "<f4", values: [Double](repeating: 0, count: shape.reduce(1, *)))
  }
  let result = try assembleLayers([
    array("fc10.weight", [2, 4]), array("fc2.weight", [4, 6]), array("fc1.weight", [6, 3]), array("fc1.bias", [6]),
  ])
  #expect(result.layers.map(\.name) == ["fc1", "fc2", "fc10"])
  #expect(result.layers[0].bias?.name == "fc1.bias")
}
