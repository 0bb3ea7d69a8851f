// libFuzzer harness: NPY and NPZ bytes through gapdb's readers and the state-dict assembly.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  do {
    let arrays = bytes.starts(with: [0x50, 0x4B]) ? try readNPZ(bytes, name: "fuzz.npz") : [try readNPY(bytes, name: "fuzz")]
    for a in arrays where a.values.count != a.shape.reduce(1, *) { fatalError("count mismatch in \(a.summary)") }
    _ = try? assembleLayers(arrays).requiringEveryArrayUsed()
  } catch {
    _ = error.description
  }
  return 0
}
