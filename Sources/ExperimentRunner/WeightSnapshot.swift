import FeedForward
import Foundation
import GapdbCZlib
import LinearAlgebra

/// Weight snapshots as NumPy `.npz` archives, the blob format of the store's `weight_snapshot`
/// table (`format = 'npz'`).
///
/// **Format.** An uncompressed ZIP archive (every entry "stored", no ZIP64, so at most 4 GiB)
/// holding, for each layer i = 0…d−1 in forward order, two NPY 1.0 files:
/// - `layers.i.weight.npy`: little-endian float32 (`<f4`), C order, shape (fanOut, fanIn) —
///   row j holds the incoming weights of unit j, the layout of PyTorch's `nn.Linear.weight`;
/// - `layers.i.bias.npy`: `<f4`, shape (fanOut,).
/// Headers are padded so the data starts at a multiple of 64 bytes, as NumPy writes them.
/// Read it in Python with `np.load(io.BytesIO(blob))`, which gives a dict-like object keyed
/// `layers.0.weight`, `layers.0.bias`, … (a PyTorch state dict's names), or save the blob to a
/// file and run `gapdb measure` on it. Size ≈ 4 bytes per parameter plus ~200 bytes per array.
public enum WeightSnapshot {
  /// The `weight_snapshot.format` value.
  public static let format = "npz"

  /// Encodes a network's weights and biases as an `.npz` archive.
  ///
  /// - Parameter network: The network.
  /// - Returns: The archive bytes.
  /// - Complexity: O(parameter count).
  public static func encode(_ network: MultilayerPerceptron) -> [UInt8] {
    var files: [(String, [UInt8])] = []
    for (i, layer) in network.layers.enumerated() {
      files.append(("layers.\(i).weight.npy", npy(layer.weight.elements, shape: [layer.fanOut, layer.fanIn])))
      files.append(("layers.\(i).bias.npy", npy(layer.bias, shape: [layer.fanOut])))
    }
    return storedZip(files)
  }

  /// Decodes an archive written by ``encode(_:)`` back into a network.
  ///
  /// Only the subset of the NPZ format that ``encode(_:)`` writes is accepted (stored entries,
  /// `<f4` arrays, names `layers.i.weight` / `layers.i.bias`); use NumPy or `gapdb measure` for
  /// arbitrary archives.
  /// - Parameter bytes: The archive.
  /// - Returns: The network, or `nil` if the bytes are not such an archive — including a
  ///   damaged one: entries that do not run into the central directory, an end record that
  ///   counts other entries, a repeated entry name, a shape entry that is not a non-negative
  ///   integer or whose byte count overflows.
  /// - Complexity: O(bytes).
  public static func decode(_ bytes: [UInt8]) -> MultilayerPerceptron? {
    var arrays: [String: (shape: [Int], values: [Float])] = [:]
    var offset = 0
    while offset + 30 <= bytes.count, le32(bytes, offset) == 0x0403_4B50 {
      let method = le16(bytes, offset + 8)
      let size = Int(le32(bytes, offset + 18))
      let nameLength = Int(le16(bytes, offset + 26))
      let extraLength = Int(le16(bytes, offset + 28))
      let nameStart = offset + 30
      let dataStart = nameStart + nameLength + extraLength
      guard method == 0, dataStart + size <= bytes.count else { return nil }
      let name = String(decoding: bytes[nameStart..<(nameStart + nameLength)], as: UTF8.self)
      guard let array = parseNPY(Array(bytes[dataStart..<(dataStart + size)])) else { return nil }
      let key = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
      guard arrays[key] == nil else { return nil }  // a repeated entry would silently replace the first
      arrays[key] = array
      offset = dataStart + size
    }
    // The entries must run into the central directory, and the end record must count them
    // all: a damaged or truncated entry must not end the loop early and leave a network of
    // the first layers only.
    let end = bytes.count - 22
    guard offset + 4 <= bytes.count, le32(bytes, offset) == 0x0201_4B50, end >= offset,
      le32(bytes, end) == 0x0605_4B50, Int(le16(bytes, end + 10)) == arrays.count
    else { return nil }
    var layers: [DenseLayer] = []
    var i = 0
    while let w = arrays["layers.\(i).weight"], let b = arrays["layers.\(i).bias"] {
      guard w.shape.count == 2, b.shape == [w.shape[0]] else { return nil }
      layers.append(DenseLayer(weight: Matrix(rows: w.shape[0], columns: w.shape[1], elements: w.values), bias: b.values))
      i += 1
    }
    guard !layers.isEmpty, layers.count * 2 == arrays.count else { return nil }
    for j in 1..<layers.count where layers[j].fanIn != layers[j - 1].fanOut { return nil }
    return MultilayerPerceptron(layers: layers)
  }

  // MARK: - NPY

  static func npy(_ values: [Float], shape: [Int]) -> [UInt8] {
    let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
    // magic (6) + version (2) + header length (2) + header + '\n' must be a multiple of 64.
    let unpadded = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    let h = UInt16(header.utf8.count)
    out += [UInt8(h & 0xFF), UInt8(h >> 8)]
    out += Array(header.utf8)
    out.reserveCapacity(out.count + 4 * values.count)
    #if _endian(little)
      values.withUnsafeBytes { out.append(contentsOf: $0) }
    #else
      for v in values {
        let bits = v.bitPattern
        out += [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)]
      }
    #endif
    return out
  }

  static func parseNPY(_ bytes: [UInt8]) -> (shape: [Int], values: [Float])? {
    guard bytes.count >= 10, bytes[0] == 0x93, bytes[6] == 1 else { return nil }
    let headerLength = Int(le16(bytes, 8))
    guard 10 + headerLength <= bytes.count else { return nil }
    let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
    guard header.contains("'<f4'"), header.contains("'fortran_order': False"),
      let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")")
    else { return nil }
    // Every entry must be a non-negative integer (a trailing comma is Python's 1-tuple), and
    // the byte count must fit: the header comes from a stored blob, not from encode(_:).
    var pieces = header[open.upperBound..<close].split(separator: ",", omittingEmptySubsequences: false)
      .map { $0.trimmingCharacters(in: .whitespaces) }
    if pieces.count > 1, pieces.last == "" { pieces.removeLast() }
    var shape: [Int] = []
    var count = 1
    for piece in pieces {
      guard let n = Int(piece), n >= 0 else { return nil }
      let (c, overflow) = count.multipliedReportingOverflow(by: n)
      guard !overflow, c <= Int.max / 4 else { return nil }
      shape.append(n)
      count = c
    }
    let start = 10 + headerLength
    guard bytes.count == start + 4 * count else { return nil }
    let values = (0..<count).map { Float(bitPattern: le32(bytes, start + 4 * $0)) }
    return (shape, values)
  }

  // MARK: - ZIP (stored)

  static func storedZip(_ files: [(String, [UInt8])]) -> [UInt8] {
    var out: [UInt8] = []
    var central: [UInt8] = []
    for (name, data) in files {
      let nameBytes = Array(name.utf8)
      let crc = data.withUnsafeBufferPointer { p in
        UInt32(crc32(0, p.baseAddress, UInt32(p.count)))
      }
      let offset = UInt32(out.count)
      // Local file header.
      out += u32(0x0403_4B50) + u16(20) + u16(0) + u16(0) + u16(0) + u16(0x21)
      out += u32(crc) + u32(UInt32(data.count)) + u32(UInt32(data.count))
      out += u16(UInt16(nameBytes.count)) + u16(0) + nameBytes
      out += data
      // Central directory entry.
      central += u32(0x0201_4B50) + u16(20) + u16(20) + u16(0) + u16(0) + u16(0) + u16(0x21)
      central += u32(crc) + u32(UInt32(data.count)) + u32(UInt32(data.count))
      central += u16(UInt16(nameBytes.count)) + u16(0) + u16(0) + u16(0) + u16(0) + u32(0) + u32(offset)
      central += nameBytes
    }
    let centralOffset = UInt32(out.count)
    out += central
    out += u32(0x0605_4B50) + u16(0) + u16(0) + u16(UInt16(files.count)) + u16(UInt16(files.count))
    out += u32(UInt32(central.count)) + u32(centralOffset) + u16(0)
    return out
  }
}

private func u16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
private func u32(_ v: UInt32) -> [UInt8] {
  [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
}
private func le16(_ b: [UInt8], _ o: Int) -> UInt16 { UInt16(b[o]) | UInt16(b[o + 1]) << 8 }
private func le32(_ b: [UInt8], _ o: Int) -> UInt32 {
  UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
}
