import GapdbCZlib

/// Whether `bytes` start with the gzip magic number `1F 8B`.
func isGzip(_ bytes: [UInt8]) -> Bool {
  bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
}

/// Inflates a gzip (or zlib) stream with zlib; concatenated gzip members are all inflated.
///
/// Uses `inflateInit2_` with window bits 15 + 32 (automatic gzip/zlib header detection).
///
/// - Parameters:
///   - compressed: The whole compressed file.
///   - path: The file's path, for error messages.
/// - Returns: The decompressed bytes.
/// - Throws: ``DatasetError/corruptGzip(path:reason:)`` when zlib reports an error or the
///   stream ends before its end marker.
/// - Complexity: O(output size).
func gunzip(_ compressed: [UInt8], path: String) throws -> [UInt8] {
  var stream = z_stream()
  var status = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
  guard status == Z_OK else {
    throw DatasetError.corruptGzip(path: path, reason: "inflateInit2 returned \(status)")
  }
  defer { inflateEnd(&stream) }
  // Guess the size from the gzip trailer (ISIZE, size mod 2^32) to avoid regrowth.
  var capacity = max(compressed.count * 4, 1 << 16)
  if compressed.count >= 18 {
    let n = compressed.count
    let isize = Int(compressed[n - 4]) | Int(compressed[n - 3]) << 8 | Int(compressed[n - 2]) << 16
      | Int(compressed[n - 1]) << 24
    // ISIZE comes from the file: trust it only as far as deflate can expand (1032:1), so a
    // corrupt trailer cannot make us allocate 4 GiB up front for a few bytes of input.
    let (limit, overflow) = compressed.count.multipliedReportingOverflow(by: 1032)
    if isize > 0 { capacity = max(min(isize, overflow ? Int.max : limit), 1 << 10) }
  }
  var output = [UInt8](repeating: 0, count: capacity)
  var produced = 0
  var consumed = 0
  return try compressed.withUnsafeBufferPointer { input -> [UInt8] in
    guard let inputBase = input.baseAddress else {
      throw DatasetError.corruptGzip(path: path, reason: "the file is empty")
    }
    while true {
      if produced == output.count { output.append(contentsOf: repeatElement(0, count: output.count)) }
      let (statusNow, inUsed, outMade) = output.withUnsafeMutableBufferPointer {
        out -> (Int32, Int, Int) in
        guard let outBase = out.baseAddress else { return (Z_MEM_ERROR, 0, 0) }
        stream.next_in = UnsafeMutablePointer(mutating: inputBase + consumed)
        stream.avail_in = UInt32(min(input.count - consumed, Int(UInt32.max)))
        stream.next_out = outBase + produced
        stream.avail_out = UInt32(min(out.count - produced, Int(UInt32.max)))
        let beforeIn = stream.avail_in
        let beforeOut = stream.avail_out
        let s = inflate(&stream, Z_NO_FLUSH)
        return (s, Int(beforeIn - stream.avail_in), Int(beforeOut - stream.avail_out))
      }
      status = statusNow
      consumed += inUsed
      produced += outMade
      switch status {
      case Z_STREAM_END:
        // Another gzip member may follow (concatenated .gz files are valid gzip).
        if consumed < input.count, input.count - consumed >= 2, input[consumed] == 0x1F,
          input[consumed + 1] == 0x8B
        {
          inflateReset(&stream)
          continue
        }
        output.removeSubrange(produced...)
        return output
      case Z_OK:
        continue
      case Z_BUF_ERROR:
        if consumed >= input.count {
          throw DatasetError.corruptGzip(
            path: path, reason: "the stream ends early after \(produced) decompressed bytes (truncated file)")
        }
        continue
      default:
        let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
        throw DatasetError.corruptGzip(path: path, reason: message)
      }
    }
  }
}
