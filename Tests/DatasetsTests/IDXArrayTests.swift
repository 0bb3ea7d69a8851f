import Datasets
import Foundation
import LinearAlgebra
import TestSupport
import Testing

private func fixture(_ name: String) -> String { fixtureURL("datasets/\(name)").path }

@Suite struct IDXArrayTests {
  @Test func idxArray_rawUnsignedBytes_readsDimensionsAndValues() throws {
    let a = try IDXArray(contentsOf: fixture("tiny-images-idx3-ubyte"))
    #expect(a.dataType == .unsignedByte)
    #expect(a.dimensions == [3, 2, 2])
    #expect(a.floatValues() == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 255])
  }

  @Test func idxArray_gzipFile_equalsRawFile() throws {
    let raw = try IDXArray(contentsOf: fixture("tiny-images-idx3-ubyte"))
    let gz = try IDXArray(contentsOf: fixture("tiny-images-idx3-ubyte.gz"))
    #expect(gz.dimensions == raw.dimensions)
    #expect(gz.payload == raw.payload)
  }

  @Test func idxArray_bigEndianFloat_decodesExactly() throws {
    let a = try IDXArray(contentsOf: fixture("float-idx2"))
    #expect(a.dataType == .float)
    #expect(a.floatValues() == [1.5, -2.0, 0.25, 1e6])
  }

  @Test func idxArray_wrongMagic_throwsNamingTheValue() throws {
    let error = #expect(throws: DatasetError.self) { try IDXArray(contentsOf: fixture("wrong-magic-idx")) }
    guard case .wrongMagic(_, let found) = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(found == 0x0803_0000)
    #expect(error?.description.contains("0x08030000") == true)
  }

  @Test func idxArray_truncatedPayload_throwsWithByteCounts() throws {
    let error = #expect(throws: DatasetError.self) {
      try IDXArray(contentsOf: fixture("truncated-images-idx3-ubyte"))
    }
    // Header 4 + 3·4 = 16 bytes, payload 12 bytes; the file lacks the last 3.
    #expect(error == .truncated(path: fixture("truncated-images-idx3-ubyte"), expectedBytes: 28, actualBytes: 25))
  }

  @Test func idxArray_truncatedGzip_throwsCorruptGzip() throws {
    let error = #expect(throws: DatasetError.self) {
      try IDXArray(contentsOf: fixture("truncated-images-idx3-ubyte.gz"))
    }
    guard case .corruptGzip = error else { Issue.record("got \(String(describing: error))"); return }
  }

  @Test func idxArray_trailingBytes_throws() throws {
    let error = #expect(throws: DatasetError.self) {
      try IDXArray(contentsOf: fixture("trailing-images-idx3-ubyte"))
    }
    #expect(error == .trailingBytes(path: fixture("trailing-images-idx3-ubyte"), expectedBytes: 28, actualBytes: 30))
  }

  @Test func idxArray_headerShorterThanFourBytes_throwsTruncated() throws {
    #expect(throws: DatasetError.truncated(path: "x", expectedBytes: 4, actualBytes: 2)) {
      try IDXArray(bytes: [0, 0], path: "x")
    }
  }

  @Test func idxArray_missingFile_throwsUnreadable() throws {
    let error = #expect(throws: DatasetError.self) { try IDXArray(contentsOf: "/nonexistent/file-idx") }
    guard case .unreadableFile = error else { Issue.record("got \(String(describing: error))"); return }
  }
}

@Suite struct IDXDatasetTests {
  @Test func loadSplit_tinyImages_flattensRowsAndKeepsLabels() throws {
    let d = try IDXDataset.loadSplit(
      imagesPath: fixture("tiny-images-idx3-ubyte.gz"), labelsPath: fixture("tiny-labels-idx1-ubyte"), classCount: 3)
    #expect(d.sampleCount == 3 && d.featureCount == 4)
    #expect(d.labels == [2, 0, 1])
    #expect(d.features[1, 0] == 40 && d.features[2, 3] == 255)
  }

  @Test func loadSplit_imageLabelCountMismatch_throws() throws {
    let error = #expect(throws: DatasetError.self) {
      try IDXDataset.loadSplit(
        imagesPath: fixture("tiny-images-idx3-ubyte"), labelsPath: fixture("four-labels-idx1-ubyte"), classCount: 3)
    }
    guard case .countMismatch(_, 3, _, 4) = error else { Issue.record("got \(String(describing: error))"); return }
  }

  @Test func loadSplit_labelOutOfRange_throwsNamingLabelAndIndex() throws {
    let error = #expect(throws: DatasetError.self) {
      try IDXDataset.loadSplit(
        imagesPath: fixture("tiny-images-idx3-ubyte"), labelsPath: fixture("bad-label-idx1-ubyte"), classCount: 10)
    }
    #expect(error == .labelOutOfRange(path: fixture("bad-label-idx1-ubyte"), index: 1, label: 12, classCount: 10))
    #expect(error?.description.contains("label 12 of example 1") == true)
  }

  @Test func load_directoryWithStandardNames_findsGzAndRawFiles() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let fm = FileManager.default
    try fm.copyItem(atPath: fixture("tiny-images-idx3-ubyte.gz"), toPath: dir.path("train-images-idx3-ubyte.gz"))
    try fm.copyItem(atPath: fixture("tiny-labels-idx1-ubyte"), toPath: dir.path("train-labels-idx1-ubyte"))
    try fm.copyItem(atPath: fixture("tiny-images-idx3-ubyte"), toPath: dir.path("t10k-images.idx3-ubyte"))
    try fm.copyItem(atPath: fixture("tiny-labels-idx1-ubyte.gz"), toPath: dir.path("t10k-labels-idx1-ubyte.gz"))
    let split = try IDXDataset.load(directory: dir.url.path, classCount: 3)
    #expect(split.train.sampleCount == 3)
    #expect(split.test?.labels == [2, 0, 1])
  }

  @Test func load_directoryMissingAFile_listsTheNamesTried() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let error = #expect(throws: DatasetError.self) { try IDXDataset.load(directory: dir.url.path) }
    guard case .missingFile(_, let tried) = error else { Issue.record("got \(String(describing: error))"); return }
    #expect(tried.first == "train-images-idx3-ubyte.gz")
    #expect(error?.hint.contains("dataset-fashion-mnist") == true)
  }

  @Test(.enabled(if: LongTests.isEnabled, Comment(rawValue: LongTests.comment))) func load_installedFashionMNIST_hasKnownSizesAndBalancedClasses() throws {
    // The dataset is a project dependency (scripts/setup-debian.sh installs it): a missing
    // dataset fails this test, it never passes as skipped.
    try #require(
      FileManager.default.fileExists(atPath: IDXDataset.defaultFashionMNISTDirectory),
      "Fashion-MNIST is not installed at \(IDXDataset.defaultFashionMNISTDirectory): run scripts/setup-debian.sh")
    let split = try IDXDataset.load()
    #expect(split.sourceName == "fashion-mnist")
    #expect(split.train.sampleCount == 60_000 && split.train.featureCount == 784)
    #expect(split.test?.sampleCount == 10_000)
    // Fashion-MNIST is balanced: 6,000 training and 1,000 test images per class.
    #expect(split.train.classCounts == Array(repeating: 6000, count: 10))
    #expect(split.test?.classCounts == Array(repeating: 1000, count: 10))
    #expect(split.train.features.elements.max() == 255)
  }
}
