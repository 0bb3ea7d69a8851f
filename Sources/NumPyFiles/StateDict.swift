/// One dense layer found in a set of arrays: a 2-D weight (fanOut × fanIn) and optional bias.
public struct AssembledLayer: Sendable, Equatable {
  /// The layer's name: the state-dict prefix (`fc1`, `layers.10`, `0`) or the array name.
  public var name: String
  /// The weight array, shape (fanOut, fanIn) (PyTorch `nn.Linear` layout).
  public var weight: NumPyArray
  /// The bias array, shape (fanOut), if any.
  public var bias: NumPyArray?
}

/// How the layers were ordered.
public enum LayerOrdering: Sendable, Equatable {
  /// By the number in a shared name pattern, e.g. `layers.<n>`; `pattern` shows it with `<n>`.
  case numeric(pattern: String)
  /// In the order the arrays were stored (zip order, or command-line order for `.npy` files).
  case stored
}

/// The result of ``assembleLayers(_:)``.
public struct StateDictAssembly: Sendable, Equatable {
  /// The layers, input side first.
  public var layers: [AssembledLayer]
  /// How they were ordered.
  public var ordering: LayerOrdering
  /// Arrays that are not part of a dense layer (e.g. BatchNorm statistics, conv kernels), in
  /// stored order.
  public var ignored: [NumPyArray]

  /// Checks that every array went into a dense layer, for callers that must not measure a
  /// part of a network as if it were the whole (a convolutional network's dense head, an MLP
  /// with BatchNorm scales).
  ///
  /// - Returns: The assembly, unchanged, when ``ignored`` is empty.
  /// - Throws: ``StateDictError/unusedArrays(_:)`` listing every ignored array with its shape
  ///   and dtype, in stored order.
  public func requiringEveryArrayUsed() throws(StateDictError) -> StateDictAssembly {
    if !ignored.isEmpty { throw .unusedArrays(ignored.map(\.summary)) }
    return self
  }
}

/// Why arrays cannot be assembled into a feed-forward network.
public enum StateDictError: Error, CustomStringConvertible, Sendable, Equatable {
  /// No 2-D weight array; `found` lists every array with its shape and dtype.
  case nothingRecognised(found: [String])
  /// A `.bias` without a matching `.weight`.
  case biasWithoutWeight(key: String)
  /// A bias whose length is not its weight's fanOut.
  case biasLength(key: String, expected: Int, found: Int)
  /// Consecutive layers whose shapes do not chain; `transposedWouldChain` when the arrays look
  /// like (fanIn, fanOut) kernels (Keras/JAX layout).
  case chainMismatch(previousKey: String, previousShape: [Int], nextKey: String, nextShape: [Int], transposedWouldChain: Bool)
  /// Arrays that are not a dense layer's weight or bias (conv kernels of rank ≥ 3, BatchNorm
  /// scales and statistics, scalars, stray 1-D arrays), each as ``NumPyArray/summary``;
  /// thrown by ``StateDictAssembly/requiringEveryArrayUsed()``.
  case unusedArrays([String])

  public var description: String {
    func shape(_ s: [Int]) -> String { s.map(String.init).joined(separator: "×") }
    switch self {
    case .nothingRecognised(let found):
      return "no 2-D weight matrices found; the file holds: "
        + (found.isEmpty ? "no arrays" : found.joined(separator: ", "))
    case .biasWithoutWeight(let key): return "bias \(key) has no matching weight array"
    case .biasLength(let key, let e, let f): return "bias \(key) has length \(f), expected \(e) (its weight's first dimension)"
    case .chainMismatch(let pk, let ps, let nk, let ns, let transposed):
      return "layers do not chain: \(nk) has shape \(shape(ns)) (fanOut×fanIn) but \(pk) (\(shape(ps))) outputs \(ps[0]) values"
        + (transposed ? "; the arrays look like (fanIn×fanOut) kernels — transpose them to PyTorch's (out, in) layout" : "")
    case .unusedArrays(let arrays):
      return "\(arrays.count == 1 ? "an array is" : "\(arrays.count) arrays are") not part of a dense layer: "
        + arrays.joined(separator: ", ")
        + "; only dense (linear) layers are supported — 2-D weights (fanOut×fanIn) with optional 1-D biases; "
        + "convolution kernels (rank ≥ 3), normalization layers and other tensors are not supported yet"
    }
  }
}

/// Groups arrays into ordered dense layers (PyTorch `state_dict` naming or plain arrays).
///
/// Rules:
/// - Keys ending in `.weight`/`.bias` are grouped by their prefix (`fc1.weight` + `fc1.bias`
///   → layer `fc1`). Other arrays are positional: each 2-D array starts a layer, and a 1-D
///   array right after it whose length equals its first dimension is its bias.
/// - Only 2-D weights make layers; other arrays (1-D BatchNorm weights, running statistics,
///   4-D conv kernels, scalars) are listed in ``StateDictAssembly/ignored``; call
///   ``StateDictAssembly/requiringEveryArrayUsed()`` to refuse them rather than measure part
///   of a network.
/// - Order: if every layer name has the form `<stem><n><rest>` with one shared stem and rest
///   (`layers.0 … layers.11`, `0 … 4`, `fc1 … fc3`), layers are sorted by n, so
///   alphabetically stored keys (`layers.10` before `layers.2`, as safetensors stores them)
///   come out in numeric order; otherwise the stored order is kept.
/// - Consecutive weights must chain: fanIn of each equals fanOut of the previous.
///
/// - Parameter arrays: The arrays in stored order.
/// - Returns: The layers, their ordering rule and the ignored arrays.
/// - Throws: ``StateDictError`` when nothing is recognised (listing what was found), for an
///   orphan bias, a bias of the wrong length, or shapes that do not chain (naming both keys).
public func assembleLayers(_ arrays: [NumPyArray]) throws(StateDictError) -> StateDictAssembly {
  var layers: [AssembledLayer] = []
  var ignoredIndices: [Int] = []
  var pendingBiases: [String: Int] = [:]
  var biasOrder: [String] = []
  for (index, a) in arrays.enumerated() {
    if a.name.hasSuffix(".weight") {
      let prefix = String(a.name.dropLast(7))
      if a.rank == 2 { layers.append(AssembledLayer(name: prefix, weight: a, bias: nil)) } else { ignoredIndices.append(index) }
    } else if a.name.hasSuffix(".bias") {
      let prefix = String(a.name.dropLast(5))
      // A second array of the same name (two .npy files): the first one is not silently lost.
      if let earlier = pendingBiases[prefix] { ignoredIndices.append(earlier) }
      pendingBiases[prefix] = index
      biasOrder.append(prefix)
    } else if a.rank == 2 {
      layers.append(AssembledLayer(name: a.name, weight: a, bias: nil))
    } else if a.rank == 1, let last = layers.last, last.bias == nil, !last.weight.name.hasSuffix(".weight"),
      last.weight.shape[0] == a.count
    {
      layers[layers.count - 1].bias = a
    } else {
      ignoredIndices.append(index)
    }
  }
  for prefix in biasOrder {
    guard let index = pendingBiases[prefix] else { continue }
    let b = arrays[index]
    if let i = layers.firstIndex(where: { $0.name == prefix }) {
      if b.rank != 1 || b.count != layers[i].weight.shape[0] {
        throw .biasLength(key: b.name, expected: layers[i].weight.shape[0], found: b.count)
      }
      layers[i].bias = b
    } else if arrays.contains(where: { $0.name == prefix + ".weight" }) {
      ignoredIndices.append(index)  // bias of an ignored (non-2-D) weight, e.g. BatchNorm
    } else {
      throw .biasWithoutWeight(key: b.name)
    }
    pendingBiases[prefix] = nil
  }
  // Listed in stored order, whichever rule set them aside.
  let ignored = ignoredIndices.sorted().map { arrays[$0] }
  if layers.isEmpty { throw .nothingRecognised(found: arrays.map(\.summary)) }

  var ordering = LayerOrdering.stored
  if let keyed = numericKeys(layers.map(\.name)) {
    ordering = .numeric(pattern: keyed.pattern)
    layers = zip(layers, keyed.numbers).sorted { $0.1 < $1.1 }.map(\.0)
  }
  for i in 1..<layers.count {
    let p = layers[i - 1].weight, n = layers[i].weight
    if n.shape[1] != p.shape[0] {
      let transposed = layers.indices.dropFirst().allSatisfy { layers[$0].weight.shape[0] == layers[$0 - 1].weight.shape[1] }
      throw .chainMismatch(
        previousKey: p.name, previousShape: p.shape, nextKey: n.name, nextShape: n.shape,
        transposedWouldChain: transposed)
    }
  }
  return StateDictAssembly(layers: layers, ordering: ordering, ignored: ignored)
}

/// If all names are `<stem><digits><rest>` with a shared stem and rest, their numbers.
private func numericKeys(_ names: [String]) -> (pattern: String, numbers: [Int])? {
  var stem: Substring?, rest: Substring?
  var numbers: [Int] = []
  for name in names {
    guard let start = name.firstIndex(where: \.isNumber) else { return nil }
    let end = name[start...].firstIndex(where: { !$0.isNumber }) ?? name.endIndex
    guard let n = Int(name[start..<end]) else { return nil }
    let s = name[..<start], r = name[end...]
    if stem == nil { stem = s; rest = r } else if stem != s || rest != r { return nil }
    numbers.append(n)
  }
  guard names.count > 1, Set(numbers).count == numbers.count, let stem, let rest else { return nil }
  return ("\(stem)<n>\(rest)", numbers)
}
