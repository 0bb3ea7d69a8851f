// libFuzzer harness: IDX bytes (gzip-compressed or not) and CSV text through gapdb's dataset
// readers. The first input byte picks the reader: even → IDX (after gunzip when the bytes
// start with 1F 8B), odd → CSV (written to a temporary file, as the CSV reader reads paths).
import Foundation

let csvPath = FileManager.default.temporaryDirectory.appendingPathComponent("gapdb-fuzz-\(getpid()).csv").path

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  guard size >= 1 else { return 0 }
  let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
  do {
    if data[0] % 2 == 0 {
      let a = try IDXArray(bytes: isGzip(bytes) ? gunzip(bytes, path: "fuzz") : bytes, path: "fuzz")
      if a.floatValues().count != a.elementCount { fatalError("element count") }
      _ = a.dimensions.dropFirst().reduce(1, *)
    } else {
      _ = FileManager.default.createFile(atPath: csvPath, contents: Data(bytes))
      let d = try CSVDataset.load(path: csvPath)
      if d.labels.contains(where: { $0 < 0 || $0 >= d.classCount }) { fatalError("label range") }
      _ = try CSVDataset.loadSplit(trainPath: csvPath, testPath: nil, holdoutFraction: 0.5, seed: 1)
    }
  } catch let error as DatasetError {
    _ = error.description + error.hint
  } catch {
    fatalError("not a DatasetError: \(error)")
  }
  return 0
}
