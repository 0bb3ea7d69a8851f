import Foundation

/// Reads a `.npy` or `.npz` file by its content (not its extension).
///
/// - Parameter path: The file.
/// - Returns: One array for `.npy` (named after the file stem); the members of an `.npz`
///   in stored (central-directory) order, named without `.npy`.
/// - Throws: ``NumPyFileError`` for unreadable, malformed, truncated or unsupported files.
public func readNumPyFile(path: String) throws(NumPyFileError) -> [NumPyArray] {
  var isDirectory: ObjCBool = false
  if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
    throw .unreadable(path: path, reason: "it is a directory, not a .npy or .npz file")
  }
  guard let data = FileManager.default.contents(atPath: path) else {
    let exists = FileManager.default.fileExists(atPath: path)
    throw .unreadable(path: path, reason: exists ? "permission denied or not a regular file" : "no such file")
  }
  let bytes = [UInt8](data)
  let name = (path as NSString).lastPathComponent
  if bytes.starts(with: [0x50, 0x4B]) { return try readNPZ(bytes, name: name) }
  // Errors name the file as given (trunc.npy); the array itself is named after the stem.
  var array = try readNPY(bytes, name: name)
  if name.hasSuffix(".npy") { array.name.removeLast(4) }
  return [array]
}

/// Parses `.npy` bytes (format versions 1.0, 2.0 and 3.0).
///
/// Supported dtypes: `f2 f4 f8`, `i1 i2 i4 i8`, `u1 u2 u4 u8`, `b1`, in little (`<`), big
/// (`>`), native (`=`) or not-applicable (`|`) byte order; C or Fortran order (Fortran
/// arrays are reordered to C order).
///
/// - Parameters:
///   - bytes: The whole file.
///   - name: The array's name (for messages and ``NumPyArray/name``).
/// - Returns: The array, values in C order.
/// - Throws: ``NumPyFileError`` (bad magic, version, header, dtype, or too few data bytes).
/// - Complexity: O(count).
public func readNPY(_ bytes: [UInt8], name: String) throws(NumPyFileError) -> NumPyArray {
  let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
  guard bytes.count >= 10, bytes.starts(with: magic) else { throw .notNumPy(name: name) }
  let major = Int(bytes[6]), minor = Int(bytes[7])
  let headerLength: Int
  let headerStart: Int
  switch major {
  case 1:
    headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
    headerStart = 10
  case 2, 3:
    guard bytes.count >= 12 else { throw .truncated(name: name, expectedBytes: 12, foundBytes: bytes.count) }
    headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
    headerStart = 12
  default:
    throw .unsupportedVersion(name: name, major: major, minor: minor)
  }
  if minor != 0 { throw .unsupportedVersion(name: name, major: major, minor: minor) }
  guard headerStart + headerLength <= bytes.count else {
    throw .truncated(name: name, expectedBytes: headerStart + headerLength, foundBytes: bytes.count)
  }
  let headerBytes = bytes[headerStart..<(headerStart + headerLength)]
  // Versions 1 and 2 are latin-1, version 3 is UTF-8; the dictionary itself is ASCII.
  let headerText = major == 3
    ? String(decoding: headerBytes, as: UTF8.self) : String(headerBytes.map { Character(Unicode.Scalar($0)) })
  let header = try parseHeader(headerText, name: name)
  let dtype = try DType(header.descr, name: name)
  // Sizes come from the file: check every product (a shape like (2^40, 2^40) must be an
  // error, not an overflow trap). Zero dimensions count as 1 here, so that every partial
  // product of the shape (e.g. a feature count Π shape[1...]) is known to fit in an Int.
  var count = 1, bound = dtype.size
  for d in header.shape {
    let (c, o1) = count.multipliedReportingOverflow(by: d)
    let (b, o2) = bound.multipliedReportingOverflow(by: max(d, 1))
    guard !o1, !o2 else { throw .shapeTooLarge(name: name, shape: header.shape) }
    count = c
    bound = b
  }
  let dataStart = headerStart + headerLength
  let needed = count * dtype.size  // ≤ bound, so it fits
  guard bytes.count - dataStart >= needed else {
    throw .truncated(name: name, expectedBytes: needed, foundBytes: bytes.count - dataStart)
  }
  var values = [Double](repeating: 0, count: count)
  bytes.withUnsafeBytes { raw in
    let base = raw.baseAddress! + dataStart
    for i in 0..<count { values[i] = dtype.read(base + i * dtype.size) }
  }
  if header.fortranOrder && header.shape.count > 1 {
    values = fortranToC(values, shape: header.shape)
  }
  return NumPyArray(name: name, shape: header.shape, dtype: header.descr, values: values)
}

/// Reorders column-major (Fortran) elements into row-major (C) order.
func fortranToC(_ values: [Double], shape: [Int]) -> [Double] {
  let n = shape.count
  var out = [Double](repeating: 0, count: values.count)
  var fStrides = [Int](repeating: 1, count: n)
  for k in 1..<n { fStrides[k] = fStrides[k - 1] * shape[k - 1] }
  var index = [Int](repeating: 0, count: n)
  for c in 0..<values.count {
    var f = 0
    for k in 0..<n { f += index[k] * fStrides[k] }
    out[c] = values[f]
    // Advance the C-order multi-index (last axis fastest).
    var k = n - 1
    while k >= 0 {
      index[k] += 1
      if index[k] < shape[k] { break }
      index[k] = 0
      k -= 1
    }
  }
  return out
}

/// An element type and byte order.
struct DType {
  enum Kind { case float, signed, unsigned, bool }
  let kind: Kind
  let size: Int
  let bigEndian: Bool

  init(_ descr: String, name: String) throws(NumPyFileError) {
    let chars = Array(descr)
    guard chars.count >= 3, let size = Int(String(chars[2...])) else { throw .unsupportedDType(name: name, dtype: descr) }
    switch chars[0] {
    case "<", "|", "=": bigEndian = false
    case ">": bigEndian = true
    default: throw .unsupportedDType(name: name, dtype: descr)
    }
    switch (chars[1], size) {
    case ("f", 2), ("f", 4), ("f", 8): kind = .float
    case ("i", 1), ("i", 2), ("i", 4), ("i", 8): kind = .signed
    case ("u", 1), ("u", 2), ("u", 4), ("u", 8): kind = .unsigned
    case ("b", 1): kind = .bool
    default: throw .unsupportedDType(name: name, dtype: descr)
    }
    self.size = size
  }

  @inline(__always) func read(_ p: UnsafeRawPointer) -> Double {
    var bits: UInt64 = 0
    for b in 0..<size {
      let byte = UInt64(p.load(fromByteOffset: bigEndian ? size - 1 - b : b, as: UInt8.self))
      bits |= byte << (8 * UInt64(b))
    }
    switch kind {
    case .bool: return bits != 0 ? 1 : 0
    case .unsigned: return Double(bits)
    case .signed:
      let shift = UInt64(64 - 8 * size)
      return Double(Int64(bitPattern: bits << shift) >> Int64(shift))
    case .float:
      switch size {
      case 2: return Double(float16ToFloat(UInt16(truncatingIfNeeded: bits)))
      case 4: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
      default: return Double(bitPattern: bits)
      }
    }
  }
}

/// IEEE binary16 → Float (portable; no dependency on the platform's Float16).
func float16ToFloat(_ h: UInt16) -> Float {
  let sign: UInt32 = UInt32(h >> 15) << 31
  let exponent = Int((h >> 10) & 0x1F)
  let mantissa = UInt32(h & 0x3FF)
  if exponent == 0 {
    let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
    return sign != 0 ? -magnitude : magnitude
  }
  if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
  return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
}
