import TabularOutput
import FeedForward

/// A function-preserving node-wise rescaling of the initial network.
///
/// ReLU is positively homogeneous, so multiplying a hidden unit's incoming weights and bias by
/// c > 0 and dividing its outgoing weights by c leaves the network function unchanged
/// (Neyshabur, Salakhutdinov, Srebro 2015, "Path-SGD", §2 and Fig. 1). SGD is not invariant to
/// such rescalings and trains badly from an *unbalanced* network, whose units' incoming norms
/// differ widely; Path-SGD is invariant. gapdb's `path-sgd` sweep preset compares both.
public enum InitialRescaling: String, Sendable, CaseIterable {
  /// The initializer's network as drawn.
  case none = "balanced"
  /// gapdb's unbalanced initialization: in every hidden layer, every odd-indexed unit
  /// (1, 3, 5, …) is rescaled by c = ``unbalancedFactor`` (incoming weights and bias × c,
  /// outgoing weights ÷ c), so neighbouring units' incoming norms differ by a factor c.
  /// Deterministic (no extra randomness); the network function is unchanged up to rounding.
  case unbalanced

  /// The rescaling factor c of ``unbalanced``.
  public static let unbalancedFactor: Float = 10

  /// The rescaled network.
  ///
  /// - Parameter network: The initial network (layers[i].weight has shape (fanOut, fanIn)).
  /// - Returns: The same network for ``none``; the unbalanced one otherwise.
  /// - Complexity: O(parameters).
  public func apply(to network: MultilayerPerceptron) -> MultilayerPerceptron {
    guard self == .unbalanced else { return network }
    var out = network
    let c = Self.unbalancedFactor
    // Hidden layer ℓ (1-based) is the output of layers[ℓ − 1] and the input of layers[ℓ].
    for hidden in 1..<out.layers.count {
      let incoming = hidden - 1
      let fanIn = out.layers[incoming].fanIn
      let fanOut = out.layers[incoming].fanOut
      for unit in stride(from: 1, to: fanOut, by: 2) {
        for j in 0..<fanIn { out.layers[incoming].weight[unit, j] *= c }
        out.layers[incoming].bias[unit] *= c
        for r in 0..<out.layers[hidden].fanOut { out.layers[hidden].weight[r, unit] /= c }
      }
    }
    return out
  }
}

/// Adds top-level text fields to a JSON object's text (`{"a":1}` + `["k": "v"]` →
/// `{"a":1,"k":"v"}`), keys sorted; the object must not already have those keys.
func addingConfigAnnotations(_ json: String, _ annotations: [String: String]) -> String {
  guard !annotations.isEmpty, json.hasSuffix("}") else { return json }
  let fields = annotations.sorted { $0.key < $1.key }
    .map { "\(jsonStringLiteral($0.key)):\(jsonStringLiteral($0.value))" }.joined(separator: ",")
  let body = json.dropLast()
  return body + (body.hasSuffix("{") ? "" : ",") + fields + "}"
}
