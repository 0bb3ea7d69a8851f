import ComplexityMeasures
import LinearAlgebra
import NumPyFiles

/// Loading a network and its training outputs from NumPy files for `gapdb measure`.
///
/// Every failure becomes a ``CommandError`` whose message names the file, key or value and
/// whose hint says what to do.
enum MeasureInputLoader {
  static let fileHint =
    "gapdb measure reads NumPy files: an .npz state dict (numpy.savez(path, **{k: v.cpu().numpy() for k, v in model.state_dict().items()})) or .npy arrays in layer order."

  /// Reads every file and concatenates the arrays in command-line order.
  static func readArrays(_ paths: [String]) throws(CommandError) -> [NumPyArray] {
    var arrays: [NumPyArray] = []
    for path in paths {
      let read: [NumPyArray]
      do { read = try readNumPyFile(path: path) } catch {
        throw CommandError(error.description, hint: fileHint)
      }
      // An .npz may hold one member name twice (zip allows it); which one numpy loads is
      // arbitrary, so refuse instead of guessing (it was reported as "layers do not chain").
      var seen = Set<String>()
      if let twice = read.first(where: { !seen.insert($0.name).inserted }) {
        throw CommandError(
          "\(path) holds the member \(twice.name) twice",
          hint: "rewrite the file with one array per name, e.g. numpy.savez(path, **dict(numpy.load(path))).")
      }
      arrays += read
    }
    return arrays
  }

  /// Assembles layers (weights + biases) from arrays, with errors turned into CommandErrors.
  static func assemble(_ arrays: [NumPyArray], what: String) throws(CommandError) -> StateDictAssembly {
    // Every array must be used: measuring the dense head of a convolutional network (or an
    // MLP without its BatchNorm scales) as if it were the whole network gives wrong numbers.
    do { return try assembleLayers(arrays).requiringEveryArrayUsed() } catch {
      switch error {
      case .unusedArrays:
        throw CommandError(
          "\(what): \(error.description)",
          hint: "gapdb measure would report the measures of the dense layers alone, which are not the network's; "
            + "convolutional networks are not supported yet. Pass a fully connected network's weights and biases only.")
      case .nothingRecognised:
        throw CommandError(
          "\(what): \(error.description)",
          hint: "gapdb measure needs 2-D dense weight matrices of shape (fanOut, fanIn), e.g. keys like 0.weight, fc1.weight, layers.3.weight.")
      case .chainMismatch:
        throw CommandError(
          "\(what): \(error.description)",
          hint: "layers are ordered by the number in a shared key pattern (layers.<n>), else as stored; check the keys and shapes with numpy.load(path).files.")
      default:
        throw CommandError("\(what): \(error.description)", hint: fileHint)
      }
    }
  }

  /// Converts an array to a Float matrix, rejecting non-finite entries, and nonzero float64
  /// entries that float32 rounds to 0, with a clear error naming the array.
  static func matrix(_ a: NumPyArray, role: String) throws(CommandError) -> Matrix {
    let floats = a.values.map { Float($0) }
    let nan = floats.filter { $0.isNaN }.count
    let inf = floats.filter { $0.isInfinite }.count
    if nan + inf > 0 {
      throw CommandError(
        "\(role) \(a.name) has \(nan) NaN and \(inf) ±Inf entries (of \(floats.count)\(a.dtype.hasSuffix("8") ? "; float64 values beyond float32 range become ±Inf" : ""))",
        hint: "measures of non-finite weights are undefined; the run probably diverged — use the weights of an earlier epoch.")
    }
    // The underflow twin of the overflow rule above: a nonzero float64 value below float32's
    // smallest subnormal (1.4e-45) would silently become 0 and change every measure.
    let flushed = zip(a.values, floats).filter { $0.0 != 0 && $0.0.isFinite && $0.1 == 0 }.map(\.0)
    if let first = flushed.first {
      throw CommandError(
        "\(role) \(a.name) has \(flushed.count) nonzero float64 entries (e.g. \(first)) that float32 would round to 0 (of \(floats.count))",
        hint: "gapdb measures in float32, whose smallest nonzero magnitude is 1.4e-45; rescale the weights or set such entries to 0 explicitly.")
    }
    return Matrix(rows: a.shape[0], columns: a.shape.count > 1 ? a.shape[1] : 1, elements: floats)
  }

  /// Loads the network, with initial weights from `initPaths` if given.
  static func loadNetwork(weights: [String], initial: [String]) throws(CommandError) -> (NetworkWeights, StateDictAssembly) {
    let assembly = try assemble(try readArrays(weights), what: weights.joined(separator: " "))
    var initAssembly: StateDictAssembly?
    if !initial.isEmpty {
      let a = try assemble(try readArrays(initial), what: "--init " + initial.joined(separator: " "))
      if a.layers.count != assembly.layers.count {
        throw CommandError(
          "--init has \(a.layers.count) layers (\(a.layers.map(\.name).joined(separator: ", "))), the weights have \(assembly.layers.count) (\(assembly.layers.map(\.name).joined(separator: ", ")))",
          hint: "pass the initial weights of the same network (same keys and shapes).")
      }
      for (w, w0) in zip(assembly.layers, a.layers) where w.weight.shape != w0.weight.shape {
        throw CommandError(
          "--init layer \(w0.name) has shape \(w0.weight.shape.map(String.init).joined(separator: "×")), weights layer \(w.name) has \(w.weight.shape.map(String.init).joined(separator: "×"))",
          hint: "pass the initial weights of the same network (same keys and shapes).")
      }
      initAssembly = a
    }
    var layers: [LayerWeights] = []
    for (i, l) in assembly.layers.enumerated() {
      let w = try matrix(l.weight, role: "weight")
      var bias: [Float]?
      if let b = l.bias { bias = try matrix(b, role: "bias").elements }
      var w0: Matrix?
      if let initAssembly { w0 = try matrix(initAssembly.layers[i].weight, role: "initial weight") }
      layers.append(LayerWeights(name: l.name, weights: w, bias: bias, initialWeights: w0))
    }
    do {
      return (try NetworkWeights(layers: layers), assembly)
    } catch {
      throw CommandError(error.description, hint: fileHint)
    }
  }

  /// Reads logits (m × k) and labels (m) and summarizes them.
  ///
  /// - Parameter networkClasses: The network's output width: the logits must have as many
  ///   columns (checked before the labels, so a mismatch is not blamed on a label).
  static func loadOutputs(logits: String, labels: String, networkClasses: Int? = nil) throws(CommandError) -> TrainingOutputStatistics {
    let z = try single(logits, option: "--logits")
    let y = try single(labels, option: "--labels")
    guard z.rank == 2 else {
      throw CommandError(
        "--logits \(logits) has shape \(shapeText(z)); expected (examples, classes)",
        hint: "save the raw network outputs on the training set (before softmax) as a 2-D array.")
    }
    if let networkClasses, z.shape[1] != networkClasses {
      throw CommandError(
        "--logits \(logits) has \(z.shape[1]) classes (shape \(shapeText(z))) but the network's last layer has \(networkClasses) outputs",
        hint: "pass the logits this network produced on its training set.")
    }
    guard y.rank == 1, y.count == z.shape[0] else {
      throw CommandError(
        "--labels \(labels) has shape \(shapeText(y)); expected (\(z.shape[0])) to match the \(z.shape[0]) rows of the logits",
        hint: "labels are class indices 0…k−1, one per row of the logits.")
    }
    var classes: [Int] = []
    classes.reserveCapacity(y.count)
    let k = z.shape[1]
    for (i, v) in y.values.enumerated() {
      guard v.isFinite, v == v.rounded() else {
        throw CommandError("--labels entry \(i) is \(v), not an integer class index", hint: "labels are class indices 0…k−1.")
      }
      guard v >= 0, v < Double(k) else {
        let text = abs(v) < 9.2e18 ? String(Int64(v)) : String(v)
        throw CommandError(
          "--labels entry \(i) is \(text), an integer outside the class indices 0…\(k - 1) of the logits' \(k) columns",
          hint: "labels are class indices 0…k−1, one per row of the logits.")
      }
      classes.append(Int(v))
    }
    do {
      return try TrainingOutputStatistics(logits: z.values, classCount: z.shape[1], labels: classes)
    } catch {
      throw CommandError("--logits/--labels: \(error.description)", hint: "labels are class indices 0…k−1, one per row of the logits.")
    }
  }

  /// Reads training inputs (m × …) and computes their statistics for the network.
  static func loadInputs(_ path: String, network: NetworkWeights) throws(CommandError) -> InputStatistics {
    let x = try single(path, option: "--inputs")
    guard x.rank >= 2 else {
      throw CommandError("--inputs \(path) has shape \(x.summary); expected (examples, features…)", hint: "save the training inputs as they enter the network.")
    }
    let features = x.shape.dropFirst().reduce(1, *)
    guard features == network.inputDimension else {
      throw CommandError(
        "--inputs \(path) has \(features) features per example; the first layer expects \(network.inputDimension)",
        hint: "flatten images the way the network does (e.g. 28×28 → 784).")
    }
    let m = Matrix(rows: x.shape[0], columns: features, elements: x.values.map { Float($0) })
    return computeInputStatistics(m, network: network)
  }

  /// The shape and dtype as `(49) of dtype <i8` or `(50, 10) of dtype <f4`.
  private static func shapeText(_ a: NumPyArray) -> String {
    "(\(a.shape.map(String.init).joined(separator: ", "))) of dtype \(a.dtype)"
  }

  private static func single(_ path: String, option: String) throws(CommandError) -> NumPyArray {
    let arrays = try readArrays([path])
    guard arrays.count == 1, let a = arrays.first else {
      throw CommandError("\(option) \(path) holds \(arrays.count) arrays; expected one", hint: "save it with numpy.save (a single .npy array).")
    }
    return a
  }
}
