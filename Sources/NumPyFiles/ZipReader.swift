import GapdbCZlib

/// Reads the members of an `.npz` (a zip archive of `.npy` files), in stored order.
///
/// A small zip reader of our own: the end-of-central-directory record (and its zip64
/// variant), central-directory entries (with zip64 extra fields), local headers; members
/// stored (method 0) or deflated (method 8, raw deflate through zlib `inflateInit2_` with
/// window bits −15); each member's CRC-32 is checked. Member names lose a trailing `.npy`.
///
/// - Parameters:
///   - bytes: The whole archive.
///   - name: The archive's name for messages.
/// - Returns: The arrays in central-directory order.
/// - Throws: ``NumPyFileError`` for malformed or truncated archives, unsupported compression,
///   inflate or CRC failures, and any member error of ``readNPY(_:name:)``.
/// - Complexity: O(archive size).
public func readNPZ(_ bytes: [UInt8], name: String) throws(NumPyFileError) -> [NumPyArray] {
  let entries = try centralDirectory(bytes, name: name)
  var arrays: [NumPyArray] = []
  for e in entries {
    if e.name.hasSuffix("/") { continue }  // directory entry
    let data = try memberData(bytes, entry: e, archive: name)
    var member = e.name
    if member.hasSuffix(".npy") { member.removeLast(4) }
    arrays.append(try readNPY(data, name: member))
  }
  return arrays
}

struct ZipEntry {
  var name: String
  var method: Int
  var flags: Int
  var crc: UInt32
  var compressedSize: Int
  var uncompressedSize: Int
  var localHeaderOffset: Int
}

@inline(__always) private func u16(_ b: [UInt8], _ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
@inline(__always) private func u32(_ b: [UInt8], _ o: Int) -> Int { u16(b, o) | u16(b, o + 2) << 16 }
/// A zip64 field; values beyond `Int.max` become `Int.max` (then fail the bounds checks).
@inline(__always) private func u64(_ b: [UInt8], _ o: Int) -> Int {
  Int(clamping: UInt64(u32(b, o)) | UInt64(u32(b, o + 4)) << 32)
}

/// Whether `offset ..< offset + length` lies inside `0 ..< total`, without overflowing.
@inline(__always) private func within(_ offset: Int, _ length: Int, _ total: Int) -> Bool {
  offset >= 0 && length >= 0 && offset <= total && length <= total - offset
}

/// zlib's and CRC-32's length arguments are 32-bit: larger members are refused, not truncated.
private let maximumMemberBytes = Int(UInt32.max)

func centralDirectory(_ b: [UInt8], name: String) throws(NumPyFileError) -> [ZipEntry] {
  // End of central directory: signature PK\5\6, at least 22 bytes from the end, comment ≤ 65535.
  guard b.count >= 22 else { throw .malformedZip(name: name, reason: "file is only \(b.count) bytes") }
  var eocd = -1
  var p = b.count - 22
  let lowest = max(0, b.count - 22 - 65_535)
  while p >= lowest {
    if b[p] == 0x50 && b[p + 1] == 0x4B && b[p + 2] == 5 && b[p + 3] == 6 { eocd = p; break }
    p -= 1
  }
  guard eocd >= 0 else { throw .malformedZip(name: name, reason: "no end-of-central-directory record (truncated?)") }
  var count = u16(b, eocd + 10)
  var cdSize = u32(b, eocd + 12)
  var cdOffset = u32(b, eocd + 16)
  if count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
    // Zip64 locator sits just before the EOCD.
    let loc = eocd - 20
    guard loc >= 0, u32(b, loc) == 0x0706_4B50 else { throw .malformedZip(name: name, reason: "zip64 locator missing") }
    let rec = u64(b, loc + 8)
    guard within(rec, 56, b.count), u32(b, rec) == 0x0606_4B50 else {
      throw .malformedZip(name: name, reason: "zip64 end-of-central-directory record missing")
    }
    count = u64(b, rec + 32)
    cdSize = u64(b, rec + 40)
    cdOffset = u64(b, rec + 48)
  }
  guard within(cdOffset, cdSize, b.count) else {
    throw .malformedZip(name: name, reason: "central directory lies outside the file (truncated?)")
  }
  var entries: [ZipEntry] = []
  var o = cdOffset
  for _ in 0..<count {
    guard o + 46 <= b.count, u32(b, o) == 0x0201_4B50 else {
      throw .malformedZip(name: name, reason: "bad central-directory entry at offset \(o)")
    }
    let nameLength = u16(b, o + 28), extraLength = u16(b, o + 30), commentLength = u16(b, o + 32)
    guard o + 46 + nameLength + extraLength <= b.count else { throw .malformedZip(name: name, reason: "central directory truncated") }
    var e = ZipEntry(
      name: String(decoding: b[(o + 46)..<(o + 46 + nameLength)], as: UTF8.self), method: u16(b, o + 10),
      flags: u16(b, o + 8), crc: UInt32(u32(b, o + 16)), compressedSize: u32(b, o + 20),
      uncompressedSize: u32(b, o + 24), localHeaderOffset: u32(b, o + 42))
    // Zip64 extra field (id 1): the 0xFFFFFFFF fields, in order.
    var x = o + 46 + nameLength
    let end = x + extraLength
    while x + 4 <= end {
      let id = u16(b, x), size = u16(b, x + 2)
      if id == 1 {
        var f = x + 4
        // The field's own size may claim more than the extra area holds: stay inside both.
        let fieldEnd = min(x + 4 + size, end)
        if e.uncompressedSize == 0xFFFF_FFFF, f + 8 <= fieldEnd { e.uncompressedSize = u64(b, f); f += 8 }
        if e.compressedSize == 0xFFFF_FFFF, f + 8 <= fieldEnd { e.compressedSize = u64(b, f); f += 8 }
        if e.localHeaderOffset == 0xFFFF_FFFF, f + 8 <= fieldEnd { e.localHeaderOffset = u64(b, f) }
      }
      x += 4 + size
    }
    entries.append(e)
    o += 46 + nameLength + extraLength + commentLength
  }
  return entries
}

func memberData(_ b: [UInt8], entry e: ZipEntry, archive: String) throws(NumPyFileError) -> [UInt8] {
  if e.flags & 1 != 0 { throw .unsupportedCompression(member: e.name, method: e.method) }
  let h = e.localHeaderOffset
  guard within(h, 30, b.count), u32(b, h) == 0x0403_4B50 else {
    throw .malformedZip(name: archive, reason: "bad local header for member \(e.name)")
  }
  let start = h + 30 + u16(b, h + 26) + u16(b, h + 28)
  guard within(start, e.compressedSize, b.count) else {
    throw .malformedZip(name: archive, reason: "member \(e.name) is truncated")
  }
  guard e.compressedSize <= maximumMemberBytes, e.uncompressedSize >= 0, e.uncompressedSize <= maximumMemberBytes else {
    throw .malformedZip(
      name: archive, reason: "member \(e.name) declares \(max(e.compressedSize, e.uncompressedSize)) bytes; gapdb reads members up to \(maximumMemberBytes) bytes")
  }
  // Deflate expands at most 1032:1: a larger declared size is a corrupt header, and must not
  // make us allocate it.
  if e.method == 8, e.uncompressedSize / 1032 > e.compressedSize + 1 {
    throw .malformedZip(
      name: archive,
      reason: "member \(e.name) declares \(e.uncompressedSize) bytes inflated from \(e.compressedSize), more than deflate can produce")
  }
  var out: [UInt8]
  switch e.method {
  case 0:
    out = Array(b[start..<(start + e.compressedSize)])
  case 8:
    out = try inflateRaw(b, start: start, length: e.compressedSize, outputSize: e.uncompressedSize, member: e.name)
  default:
    throw .unsupportedCompression(member: e.name, method: e.method)
  }
  let crc = out.withUnsafeBufferPointer { p in
    UInt32(crc32(0, p.baseAddress, uInt(p.count)))
  }
  if crc != e.crc { throw .checksumMismatch(member: e.name) }
  return out
}

private func inflateRaw(_ b: [UInt8], start: Int, length: Int, outputSize: Int, member: String) throws(NumPyFileError) -> [UInt8] {
  var out = [UInt8](repeating: 0, count: max(outputSize, 1))
  var stream = z_stream()
  var status = inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
  guard status == Z_OK else { throw .inflateFailed(member: member, code: Int(status)) }
  defer { inflateEnd(&stream) }
  var produced = 0
  b.withUnsafeBufferPointer { input in
    out.withUnsafeMutableBufferPointer { output in
      stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + start)
      stream.avail_in = uInt(length)
      stream.next_out = output.baseAddress
      stream.avail_out = uInt(output.count)
      status = inflate(&stream, Z_FINISH)
      produced = output.count - Int(stream.avail_out)
    }
  }
  guard status == Z_STREAM_END, produced == outputSize else {
    throw .inflateFailed(member: member, code: Int(status == Z_STREAM_END ? Z_DATA_ERROR : status))
  }
  out.removeLast(out.count - outputSize)
  return out
}
