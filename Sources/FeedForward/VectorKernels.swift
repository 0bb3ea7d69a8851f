/// Element-wise passes of the training step over row-major (rows, columns) `Float` buffers.
///
/// Written with `SIMD16<Float>` loads, selects and stores so they compile to branch-free vector
/// code. The ReLU masks depend on the data: a scalar loop with a branch per element mispredicts
/// about half the time, and on a 128×1024 batch that cost ~0.5 ms per step, about a fifth of
/// a 784-1024-10 optimizer step then (~0.23 s of a 1.28 s epoch). Each pass is O(rows · columns) and reads or writes every
/// element once; a tail of `columns mod 16` elements per row is handled one element at a time.
///
/// NaN is data: every kernel keeps the IEEE semantics of its scalar definition (a NaN
/// pre-activation stays NaN through ReLU; a NaN gradient is summed into the bias gradient).
enum VectorKernels {
  typealias Lane = SIMD16<Float>
  static let width = Lane.scalarCount

  /// `z[r, j] ← z[r, j] + b[j]`, followed by `z ← (z < 0 ? 0 : z)` when `relu` is set.
  ///
  /// - Parameters:
  ///   - z: rows·columns elements, row-major; overwritten.
  ///   - bias: `columns` elements.
  ///   - relu: Apply ReLU after adding the bias (hidden layers).
  static func addBias(
    _ z: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: UnsafePointer<Float>, relu: Bool
  ) {
    let vectorColumns = columns - columns % width
    for r in 0..<rows {
      let row = z + r * columns
      var j = 0
      while j < vectorColumns {
        var v = load(row + j) + load(bias + j)
        if relu { v.replace(with: 0, where: v .< 0) }
        store(v, row + j)
        j += width
      }
      while j < columns {
        let v = row[j] + bias[j]
        row[j] = relu && v < 0 ? 0 : v
        j += 1
      }
    }
  }

  /// Back-propagation through ReLU: `d[j] ← (a[j] > 0 ? d[j] : 0)` for `count` elements.
  ///
  /// `a` holds the layer's post-ReLU activations (a > 0 exactly where the pre-activation was
  /// positive); a NaN activation zeroes the gradient, as the scalar rule does.
  static func maskWherePositive(_ d: UnsafeMutablePointer<Float>, activations a: UnsafePointer<Float>, count: Int) {
    let vectorCount = count - count % width
    var j = 0
    while j < vectorCount {
      var v = load(d + j)
      v.replace(with: 0, where: .!(load(a + j) .> 0))
      store(v, d + j)
      j += width
    }
    while j < count {
      if !(a[j] > 0) { d[j] = 0 }
      j += 1
    }
  }

  /// Column sums `g[j] = Σ_r d[r, j]` of a (rows, columns) buffer, accumulated in `Float` in
  /// row order (the same order as the scalar loop it replaces).
  ///
  /// - Parameters:
  ///   - g: `columns` elements; overwritten.
  static func columnSums(_ d: UnsafePointer<Float>, rows: Int, columns: Int, into g: UnsafeMutablePointer<Float>) {
    g.update(repeating: 0, count: columns)
    let vectorColumns = columns - columns % width
    for r in 0..<rows {
      let row = d + r * columns
      var j = 0
      while j < vectorColumns {
        store(load(g + j) + load(row + j), g + j)
        j += width
      }
      while j < columns {
        g[j] += row[j]
        j += 1
      }
    }
  }

  /// The heavy-ball weight update after `v ← μ·v + ∂loss/∂W` (done by `sgemm`):
  /// `v[j] ← v[j] + λ·w[j]`, then `w[j] ← w[j] − η·v[j]`, in one pass over `count` elements
  /// (PyTorch's order: weight decay joins the velocity).
  static func momentumUpdate(
    weights w: UnsafeMutablePointer<Float>, velocity v: UnsafeMutablePointer<Float>, count: Int,
    learningRate eta: Float, weightDecay decay: Float
  ) {
    let vectorCount = count - count % width
    let etaLane = Lane(repeating: eta), decayLane = Lane(repeating: decay)
    var j = 0
    while j < vectorCount {
      let wj = load(w + j)
      let vj = load(v + j) + decayLane * wj
      store(vj, v + j)
      store(wj - etaLane * vj, w + j)
      j += width
    }
    while j < count {
      v[j] += decay * w[j]
      w[j] -= eta * v[j]
      j += 1
    }
  }

  @inline(__always)
  static func load(_ p: UnsafePointer<Float>) -> Lane {
    UnsafeRawPointer(p).loadUnaligned(as: Lane.self)
  }

  @inline(__always)
  static func load(_ p: UnsafeMutablePointer<Float>) -> Lane {
    UnsafeRawPointer(p).loadUnaligned(as: Lane.self)
  }

  @inline(__always)
  static func store(_ v: Lane, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lane.self)
  }
}
