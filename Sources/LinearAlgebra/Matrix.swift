import GapdbCBLAS

/// A dense, row-major matrix of 32-bit floats.
///
/// Shape convention (used across gapdb): a layer's weight matrix has shape
/// `(rows: fanOut, columns: fanIn)`; row `i` holds the incoming weights of unit `i`, and
/// element `(i, j)` is the weight from input `j` to output `i`. A batch of activations has
/// shape `(rows: batchSize, columns: features)`: the batch is axis 0.
///
/// Storage is `elements[i * columns + j]`. Value semantics (copy-on-write through `Array`).
public struct Matrix: Sendable, Equatable {
  /// Number of rows (axis 0).
  public let rows: Int
  /// Number of columns (axis 1).
  public let columns: Int
  /// Row-major elements; `count == rows * columns`.
  public var elements: [Float]

  /// Creates a matrix filled with `value`.
  ///
  /// - Parameters:
  ///   - rows: Row count, ≥ 0.
  ///   - columns: Column count, ≥ 0.
  ///   - value: Fill value.
  public init(rows: Int, columns: Int, repeating value: Float = 0) {
    precondition(rows >= 0 && columns >= 0, "Matrix shape must be non-negative, got \(rows)×\(columns)")
    self.rows = rows
    self.columns = columns
    elements = Array(repeating: value, count: rows * columns)
  }

  /// Creates a matrix from row-major elements.
  ///
  /// - Precondition: `elements.count == rows * columns`.
  public init(rows: Int, columns: Int, elements: [Float]) {
    precondition(
      elements.count == rows * columns,
      "Matrix \(rows)×\(columns) needs \(rows * columns) elements, got \(elements.count)")
    self.rows = rows
    self.columns = columns
    self.elements = elements
  }

  /// Creates a matrix from nested rows (all of equal length); convenient in tests.
  public init(_ nestedRows: [[Float]]) {
    let columns = nestedRows.first?.count ?? 0
    precondition(nestedRows.allSatisfy { $0.count == columns }, "Ragged rows in Matrix literal")
    self.init(rows: nestedRows.count, columns: columns, elements: nestedRows.flatMap { $0 })
  }

  /// Element `(row, column)`.
  @inlinable public subscript(row: Int, column: Int) -> Float {
    get { elements[row * columns + column] }
    set { elements[row * columns + column] = newValue }
  }

  /// The number of elements, `rows * columns`.
  public var count: Int { rows * columns }

  /// The transpose, shape `(columns, rows)`. O(rows·columns).
  public var transposed: Matrix {
    var out = Matrix(rows: columns, columns: rows)
    elements.withUnsafeBufferPointer { src in
      out.elements.withUnsafeMutableBufferPointer { dst in
        for i in 0..<rows {
          for j in 0..<columns { dst[j * rows + i] = src[i * columns + j] }
        }
      }
    }
    return out
  }
}

/// Whether an operand of ``gemm(_:_:_:transposeA:transposeB:alpha:beta:)`` is transposed.
public enum Transpose: Sendable {
  case none, transposed
  var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// General matrix product through OpenBLAS `cblas_sgemm`: `c ← alpha·op(a)·op(b) + beta·c`.
///
/// `op(a)` has shape (m, k) and `op(b)` shape (k, n); `c` must already have shape (m, n).
/// With `beta == 0` the previous contents of `c` are ignored (NaN in `c` does not propagate).
///
/// - Parameters:
///   - a: Left operand.
///   - b: Right operand.
///   - c: Output, shape (m, n), overwritten (or accumulated into when `beta != 0`).
///   - transposeA: Use `aᵀ`.
///   - transposeB: Use `bᵀ`.
///   - alpha: Scale of the product.
///   - beta: Scale of the existing `c`.
/// - Precondition: The shapes agree; the message names both shapes.
/// - Complexity: O(m·n·k) floating-point operations, multithreaded by OpenBLAS.
public func gemm(
  _ a: Matrix, _ b: Matrix, _ c: inout Matrix,
  transposeA: Transpose = .none, transposeB: Transpose = .none,
  alpha: Float = 1, beta: Float = 0
) {
  let (m, k) = transposeA == .none ? (a.rows, a.columns) : (a.columns, a.rows)
  let (k2, n) = transposeB == .none ? (b.rows, b.columns) : (b.columns, b.rows)
  precondition(
    k == k2 && c.rows == m && c.columns == n,
    "gemm shape mismatch: op(a) is \(m)×\(k), op(b) is \(k2)×\(n), c is \(c.rows)×\(c.columns)")
  if m == 0 || n == 0 { return }
  if k == 0 {
    if beta == 0 {
      for i in c.elements.indices { c.elements[i] = 0 }
    } else {
      for i in c.elements.indices { c.elements[i] *= beta }
    }
    return
  }
  a.elements.withUnsafeBufferPointer { pa in
    b.elements.withUnsafeBufferPointer { pb in
      c.elements.withUnsafeMutableBufferPointer { pc in
        cblas_sgemm(
          CblasRowMajor, transposeA.cblas, transposeB.cblas,
          Int32(m), Int32(n), Int32(k), alpha,
          pa.baseAddress, Int32(max(a.columns, 1)),
          pb.baseAddress, Int32(max(b.columns, 1)),
          beta, pc.baseAddress, Int32(max(n, 1)))
      }
    }
  }
}

/// The product `op(a)·op(b)` as a new matrix. See ``gemm(_:_:_:transposeA:transposeB:alpha:beta:)``.
public func matmul(_ a: Matrix, _ b: Matrix, transposeA: Transpose = .none, transposeB: Transpose = .none)
  -> Matrix
{
  let m = transposeA == .none ? a.rows : a.columns
  let n = transposeB == .none ? b.columns : b.rows
  var c = Matrix(rows: m, columns: n)
  gemm(a, b, &c, transposeA: transposeA, transposeB: transposeB)
  return c
}

/// Sets the number of threads OpenBLAS uses for every later call in this process.
///
/// Small products run faster on one thread; the trainer and benchmarks set this deliberately.
/// Counts below 1 mean 1; counts beyond `Int32.max` are clamped (OpenBLAS caps them further).
public func setBLASThreadCount(_ count: Int) {
  openblas_set_num_threads(Int32(clamping: max(1, count)))
}
