/// An n-dimensional array read from a NumPy `.npy` file (or one member of an `.npz`).
///
/// `values` are in C (row-major) order whatever the file's order: element
/// `(i_0, …, i_{n−1})` is at `Σ_k i_k·Π_{l>k} shape[l]`. A 2-D array of shape (r, c) is
/// therefore row-major r×c. All supported dtypes are widened to `Double` (exact for
/// float16/32/64, bool and integers up to 2^53).
public struct NumPyArray: Sendable, Equatable {
  /// The array's name: the member name without `.npy` for `.npz`, the file stem for `.npy`.
  public var name: String
  /// The shape; `[]` for a 0-d scalar.
  public var shape: [Int]
  /// The dtype as written in the header, e.g. `<f4`, `>f8`, `|u1`.
  public var dtype: String
  /// The elements in C order, widened to Double.
  public var values: [Double]

  /// Creates an array.
  public init(name: String, shape: [Int], dtype: String, values: [Double]) {
    self.name = name
    self.shape = shape
    self.dtype = dtype
    self.values = values
  }

  /// The number of dimensions.
  public var rank: Int { shape.count }
  /// The number of elements, the product of the shape.
  public var count: Int { shape.reduce(1, *) }
  /// `name` with its shape and dtype, for messages: `fc1.weight (1024×784, <f4)`.
  public var summary: String {
    "\(name) (\(shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: "×")), \(dtype))"
  }
  /// Whether the dtype is a floating-point type.
  public var isFloatingPoint: Bool { dtype.dropFirst().hasPrefix("f") }
}

/// Errors reading `.npy`/`.npz` files; every case names the file or member.
public enum NumPyFileError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The file could not be read.
  case unreadable(path: String, reason: String)
  /// Neither the `.npy` magic `\x93NUMPY` nor a zip signature.
  case notNumPy(name: String)
  /// A format version other than 1.0, 2.0, 3.0.
  case unsupportedVersion(name: String, major: Int, minor: Int)
  /// The header dictionary could not be parsed.
  case malformedHeader(name: String, reason: String)
  /// A dtype gapdb does not read (structured, complex, strings, objects, …).
  case unsupportedDType(name: String, dtype: String)
  /// A shape whose element or byte count (the product of its dimensions, zero dimensions
  /// counted as 1, times the element size) exceeds `Int.max`.
  case shapeTooLarge(name: String, shape: [Int])
  /// Fewer data bytes than the shape and dtype need.
  case truncated(name: String, expectedBytes: Int, foundBytes: Int)
  /// A malformed zip container.
  case malformedZip(name: String, reason: String)
  /// A zip member compressed with a method other than stored (0) or deflate (8), or encrypted.
  case unsupportedCompression(member: String, method: Int)
  /// zlib failed to inflate a member.
  case inflateFailed(member: String, code: Int)
  /// A member's CRC-32 does not match its data.
  case checksumMismatch(member: String)

  public var description: String {
    switch self {
    case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
    case .notNumPy(let name): return "\(name) is not a NumPy .npy or .npz file (no \\x93NUMPY or zip signature)"
    case .unsupportedVersion(let name, let major, let minor):
      return "\(name) uses .npy format version \(major).\(minor); gapdb reads 1.0, 2.0 and 3.0"
    case .malformedHeader(let name, let reason): return "\(name) has a malformed .npy header: \(reason)"
    case .unsupportedDType(let name, let dtype):
      return "\(name) has dtype \(dtype); gapdb reads float16/32/64, signed and unsigned integers and bool"
    case .shapeTooLarge(let name, let shape):
      return "\(name) has shape (\(shape.map(String.init).joined(separator: ", "))), whose byte count exceeds \(Int.max) (corrupt header?)"
    case .truncated(let name, let expected, let found):
      return "\(name) is truncated: its header promises \(expected) data bytes, found \(found)"
    case .malformedZip(let name, let reason): return "\(name) is not a valid .npz (zip) file: \(reason)"
    case .unsupportedCompression(let member, let method):
      return "zip member \(member) uses compression method \(method); gapdb reads stored (0) and deflate (8), unencrypted"
    case .inflateFailed(let member, let code): return "zip member \(member) could not be inflated (zlib error \(code))"
    case .checksumMismatch(let member): return "zip member \(member) fails its CRC-32 check (corrupt file)"
    }
  }
}
