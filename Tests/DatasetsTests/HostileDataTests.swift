import Foundation
import TestSupport
import Testing

@testable import Datasets

/// Hostile inputs for the dataset readers (issue 11): sizes that overflow, labels that do not
/// fit in an Int, and a seeded mutation run over the IDX, gzip and CSV fixtures.
@Suite struct HostileDataTests {
  private func fixture(_ name: String) -> String { fixtureURL("datasets/\(name)").path }

  /// An IDX header of unsigned bytes with these dimensions, and `payload`.
  private func idx(_ dimensions: [UInt32], payload: [UInt8] = []) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
    for d in dimensions { bytes += [UInt8(d >> 24), UInt8((d >> 16) & 0xFF), UInt8((d >> 8) & 0xFF), UInt8(d & 0xFF)] }
    return bytes + payload
  }

  @Test func idx_emptyArrayWithHugeOtherDimensions_isRefused() throws {
    // 0 examples of 2^32−1 × 2^32−1 × 2^32−1 pixels: no payload, but the feature count
    // (Π dimensions[1...]) overflows an Int, which trapped in IDXDataset.loadSplit.
    let bytes = idx([0, .max, .max, .max])
    #expect(throws: DatasetError.oversized(
      path: "x", reason: "its IDX header announces dimensions [0, 4294967295, 4294967295]…, more than 34359738352 bytes of data")) {
      try IDXArray(bytes: bytes, path: "x")
    }
    // Large but representable: refused as oversized (it used to be reported as a bad magic number).
    #expect(throws: DatasetError.oversized(
      path: "y", reason: "its IDX header announces dimensions [1, 65536, 65536, 65536]…, more than 34359738352 bytes of data")) {
      try IDXArray(bytes: idx([1, 65536, 65536, 65536]), path: "y")
    }
    // Within the limit, an empty array still reads.
    let empty = try IDXArray(bytes: idx([0, 28, 28]), path: "z")
    #expect(empty.dimensions == [0, 28, 28] && empty.floatValues().isEmpty)
  }

  @Test func gzip_hugeDeclaredSize_doesNotAllocateIt() throws {
    // A valid gzip stream of "abc" whose ISIZE trailer claims 4 GiB − 1: the trailer only
    // sizes the first buffer, at most 1032 bytes per input byte; the CRC check then fails.
    let stream: [UInt8] = [
      0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4B, 0x4C, 0x4A, 0x06, 0x00, 0xC2, 0x41, 0x24,
      0x35, 0xFF, 0xFF, 0xFF, 0xFF,
    ]
    #expect(throws: DatasetError.self) { try gunzip(stream, path: "x.gz") }
    var valid = stream
    valid.replaceSubrange(19..., with: [3, 0, 0, 0])
    #expect(try gunzip(valid, path: "x.gz") == Array("abc".utf8))
  }

  @Test func csv_labelBeyondInt_isRefusedNotATrap() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("big.csv")
    try "label,x\n0,1\n1e300,2\n".write(toFile: path, atomically: true, encoding: .utf8)
    let expected = DatasetError.oversized(
      path: path, reason: "label 1e+300 of example 1 would make 1e+300+1 classes; at most 2147483648 are supported")
    #expect(throws: expected) { try CSVDataset.load(path: path) }
    #expect(throws: expected) { try CSVDataset.loadSplit(trainPath: path, testPath: nil, holdoutFraction: 0.5) }
    #expect(expected.hint == "labels must be class indices 0, 1, …, k−1; check the label column (--label-column)")
    // The largest label accepted gives exactly 2^31 classes.
    try "label,x\n0,1\n2147483647,2\n".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(try CSVDataset.load(path: path).classCount == 1 << 31)
  }

  /// The IDX fixtures (raw and gzip) mutated 1,500 times each and the CSV fixtures 300 times
  /// each (seed 11): every mutant is read; a reader returns a consistent array or dataset or
  /// throws a `DatasetError`, and never traps.
  @Test func fuzz_mutatedIDXGzipAndCSV_returnOrThrowNeverCrash() throws {
    var mutator = Mutator(seed: 11)
    var returned = 0, thrown = 0
    let idxSeeds = [
      "tiny-images-idx3-ubyte", "tiny-images-idx3-ubyte.gz", "tiny-labels-idx1-ubyte", "tiny-labels-idx1-ubyte.gz",
      "float-idx2", "four-labels-idx1-ubyte", "truncated-images-idx3-ubyte.gz",
    ]
    for name in idxSeeds {
      let seed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture(name))))
      for _ in 0..<(1500 * Mutator.scale) {
        let mutant = mutator.mutate(seed)
        do {
          let a = try IDXArray(bytes: isGzip(mutant) ? gunzip(mutant, path: name) : mutant, path: name)
          #expect(a.floatValues().count == a.elementCount)
          #expect(a.dimensions.dropFirst().reduce(1, *) >= 0)
          returned += 1
        } catch {
          #expect(error is DatasetError, "\(name): \(error)")
          thrown += 1
        }
      }
    }
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("mutant.csv")
    for name in ["small.csv", "noheader.csv", "ragged.csv", "nonnumeric.csv"] {
      let seed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture(name))))
      for _ in 0..<(300 * Mutator.scale) {
        try Data(mutator.mutate(seed)).write(to: URL(fileURLWithPath: path))
        do {
          let d = try CSVDataset.load(path: path)
          #expect(d.features.rows == d.labels.count && d.labels.allSatisfy { $0 >= 0 && $0 < d.classCount })
          _ = try CSVDataset.loadSplit(trainPath: path, testPath: nil, holdoutFraction: 0.5, seed: 3)
          returned += 1
        } catch {
          #expect(error is DatasetError, "\(name): \(error)")
          thrown += 1
        }
      }
    }
    #expect(returned > 100 && thrown > 100, "returned \(returned), thrown \(thrown)")
  }
}
