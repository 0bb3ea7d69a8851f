import Foundation

/// The element type announced by an IDX header's third byte.
public enum IDXDataType: UInt8, Sendable, CaseIterable {
  /// `0x08`, unsigned 8-bit integer (MNIST and Fashion-MNIST images and labels).
  case unsignedByte = 0x08
  /// `0x09`, signed 8-bit integer.
  case signedByte = 0x09
  /// `0x0B`, big-endian signed 16-bit integer.
  case short = 0x0B
  /// `0x0C`, big-endian signed 32-bit integer.
  case int = 0x0C
  /// `0x0D`, big-endian IEEE 754 32-bit float.
  case float = 0x0D
  /// `0x0E`, big-endian IEEE 754 64-bit float.
  case double = 0x0E

  /// Bytes per element.
  public var byteWidth: Int {
    switch self {
    case .unsignedByte, .signedByte: return 1
    case .short: return 2
    case .int, .float: return 4
    case .double: return 8
    }
  }
}

/// An n-dimensional array read from an IDX file (the MNIST distribution format).
///
/// Format (LeCun et al., <http://yann.lecun.com/exdb/mnist/>): a 4-byte magic number
/// `00 00 TT DD` (TT = type code, DD = number of dimensions), then DD big-endian 32-bit
/// dimension sizes, then the elements in row-major (C) order, big-endian.
/// Axis 0 is the example axis: images are (count, rows, columns), labels are (count).
public struct IDXArray: Sendable {
  /// The element type.
  public let dataType: IDXDataType
  /// The dimension sizes; axis 0 is the example count.
  public let dimensions: [Int]
  /// The raw big-endian payload, `dimensions.product * dataType.byteWidth` bytes.
  public let payload: [UInt8]

  /// The largest payload accepted, 32 GiB (Int32.max × 16 bytes), far above any IDX dataset;
  /// dimensions whose product (zero dimensions counted as 1) times the element size exceeds
  /// it are refused before anything is allocated.
  public static let maximumPayloadBytes = Int(Int32.max) * 16

  /// The number of elements, the product of ``dimensions``.
  public var elementCount: Int { dimensions.reduce(1, *) }

  /// Parses an IDX file's bytes (already decompressed).
  ///
  /// - Parameters:
  ///   - bytes: The whole file.
  ///   - path: The file's path, for error messages.
  /// - Throws: ``DatasetError/wrongMagic(path:found:)`` when the first two bytes are not zero,
  ///   the type code is unknown or the dimension count is zero;
  ///   ``DatasetError/oversized(path:reason:)`` when the dimensions announce more than
  ///   ``maximumPayloadBytes``;
  ///   ``DatasetError/truncated(path:expectedBytes:actualBytes:)`` when the header or payload is
  ///   short; ``DatasetError/trailingBytes(path:expectedBytes:actualBytes:)`` when bytes follow
  ///   the announced payload.
  /// - Complexity: O(file size) for the copy.
  public init(bytes: [UInt8], path: String) throws {
    guard bytes.count >= 4 else {
      throw DatasetError.truncated(path: path, expectedBytes: 4, actualBytes: bytes.count)
    }
    let magic = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
    guard bytes[0] == 0, bytes[1] == 0, let type = IDXDataType(rawValue: bytes[2]), bytes[3] >= 1 else {
      throw DatasetError.wrongMagic(path: path, found: magic)
    }
    let dimensionCount = Int(bytes[3])
    let headerSize = 4 + 4 * dimensionCount
    guard bytes.count >= headerSize else {
      throw DatasetError.truncated(path: path, expectedBytes: headerSize, actualBytes: bytes.count)
    }
    var dimensions: [Int] = []
    var total = type.byteWidth
    // Zero dimensions count as 1 in `bound`, so every partial product of the dimensions (a
    // feature count Π dimensions[1...]) is known to be small, even for an empty array.
    var bound = type.byteWidth
    for d in 0..<dimensionCount {
      let o = 4 + 4 * d
      let size = Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
      dimensions.append(size)
      let (product, o1) = total.multipliedReportingOverflow(by: size)
      let (bounded, o2) = bound.multipliedReportingOverflow(by: max(size, 1))
      guard !o1, !o2, bounded <= Self.maximumPayloadBytes else {
        throw DatasetError.oversized(
          path: path,
          reason: "its IDX header announces dimensions \(dimensions)…, more than \(Self.maximumPayloadBytes) bytes of data")
      }
      total = product
      bound = bounded
    }
    let expected = headerSize + total
    if bytes.count < expected {
      throw DatasetError.truncated(path: path, expectedBytes: expected, actualBytes: bytes.count)
    }
    if bytes.count > expected {
      throw DatasetError.trailingBytes(path: path, expectedBytes: expected, actualBytes: bytes.count)
    }
    self.dataType = type
    self.dimensions = dimensions
    self.payload = Array(bytes[headerSize...])
  }

  /// Reads an IDX file from disk; gzip-compressed files (recognised by their `1F 8B` magic,
  /// whatever the file name) are inflated with zlib first.
  ///
  /// - Parameter path: The file path.
  /// - Throws: ``DatasetError/unreadableFile(path:reason:)``, the gzip error, or any error of
  ///   ``init(bytes:path:)``.
  /// - Complexity: O(file size).
  public init(contentsOf path: String) throws {
    let raw = try readFileBytes(path)
    try self.init(bytes: isGzip(raw) ? gunzip(raw, path: path) : raw, path: path)
  }

  /// The elements converted to `Float`, row-major.
  ///
  /// Integer types convert exactly up to 2^24; doubles round to the nearest float.
  /// - Complexity: O(``elementCount``).
  public func floatValues() -> [Float] {
    let n = elementCount
    var out = [Float](repeating: 0, count: n)
    payload.withUnsafeBufferPointer { p in
      out.withUnsafeMutableBufferPointer { o in
        switch dataType {
        case .unsignedByte:
          for i in 0..<n { o[i] = Float(p[i]) }
        case .signedByte:
          for i in 0..<n { o[i] = Float(Int8(bitPattern: p[i])) }
        case .short:
          for i in 0..<n { o[i] = Float(Int16(bitPattern: UInt16(p[2 * i]) << 8 | UInt16(p[2 * i + 1]))) }
        case .int:
          for i in 0..<n { o[i] = Float(Int32(bitPattern: bigEndianUInt32(p, 4 * i))) }
        case .float:
          for i in 0..<n { o[i] = Float(bitPattern: bigEndianUInt32(p, 4 * i)) }
        case .double:
          for i in 0..<n {
            let hi = UInt64(bigEndianUInt32(p, 8 * i))
            let lo = UInt64(bigEndianUInt32(p, 8 * i + 4))
            o[i] = Float(Double(bitPattern: hi << 32 | lo))
          }
        }
      }
    }
    return out
  }

  /// The elements as `Double` (exact for every IDX type), row-major.
  /// - Complexity: O(``elementCount``).
  public func doubleValues() -> [Double] {
    if dataType == .double {
      return payload.withUnsafeBufferPointer { p in
        (0..<elementCount).map { i in
          Double(bitPattern: UInt64(bigEndianUInt32(p, 8 * i)) << 32 | UInt64(bigEndianUInt32(p, 8 * i + 4)))
        }
      }
    }
    if dataType == .int {
      return payload.withUnsafeBufferPointer { p in
        (0..<elementCount).map { Double(Int32(bitPattern: bigEndianUInt32(p, 4 * $0))) }
      }
    }
    return floatValues().map { Double($0) }
  }
}

@inline(__always)
private func bigEndianUInt32(_ p: UnsafeBufferPointer<UInt8>, _ o: Int) -> UInt32 {
  UInt32(p[o]) << 24 | UInt32(p[o + 1]) << 16 | UInt32(p[o + 2]) << 8 | UInt32(p[o + 3])
}

/// Reads a whole file.
func readFileBytes(_ path: String) throws -> [UInt8] {
  var isDirectory: ObjCBool = false
  guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
    throw DatasetError.unreadableFile(path: path, reason: "no such file")
  }
  guard !isDirectory.boolValue else {
    throw DatasetError.unreadableFile(path: path, reason: "it is a directory")
  }
  guard let data = FileManager.default.contents(atPath: path) else {
    throw DatasetError.unreadableFile(path: path, reason: "permission denied or I/O error")
  }
  return [UInt8](data)
}
