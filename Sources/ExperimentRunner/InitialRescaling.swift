import Datasets
import FeedForward
import Foundation
import TabularOutput

/// A function-preserving node-wise rescaling of the initial network.
///
/// ReLU is positively homogeneous, so multiplying a hidden unit's incoming weights and bias by
/// c > 0 and dividing its outgoing weights by c leaves the network function unchanged
/// (Neyshabur, Salakhutdinov, Srebro 2015, "Path-SGD: Path-Normalized Optimization in Deep
/// Neural Networks", §2 and Fig. 1). SGD is not invariant to such rescalings and trains worse
/// from an *unbalanced* network, whose units' incoming norms differ widely; Path-SGD is
/// invariant. gapdb's `path-sgd` sweep preset compares both.
public enum InitialRescaling: String, Sendable, CaseIterable {
  /// The initializer's network as drawn.
  case none = "balanced"
  /// The authors' unbalanced initialization (their MATLAB code, `initialize.m`,
  /// `makeUnbalanced`: "For each hidden layer with h hidden units, we pick h/4 hidden units
  /// randomly with replacement. Then for each unit, we multiply its incoming edges and divide
  /// its outgoing edges by 10c where c is chosen randomly from log-normal distribution"):
  ///
  /// - hidden layers in order, input side first; in hidden layer ℓ with h units,
  ///   ``unbalancedDrawCount(hiddenUnits:)`` = max(1, ⌊h/4⌋) draws;
  /// - each draw picks a unit v uniformly from the h units (with replacement, so a unit may be
  ///   picked again and its factors multiply) and a factor c = 10·e^z with z ~ N(0, 1)
  ///   (so c has median 10; 95% of draws lie in [1.4, 71]);
  /// - v's incoming weights (row v of W_ℓ) and its bias b_ℓ[v] are multiplied by c, its
  ///   outgoing weights (column v of W_{ℓ+1}) divided by c, in float32.
  ///
  /// Draws come from the run seed's own stream (``Datasets/RandomStream/initialRescaling``):
  /// unit index first, then z. The network function is unchanged up to float rounding. The
  /// authors start from W ~ N(0, 1/fanIn), zero biases; gapdb starts from its configured
  /// initializer (PyTorch's default unless chosen otherwise). gapdb follows the comment's h/4:
  /// the MATLAB loop bound `1:(size(W)/4)` evaluates to fan-in/4, which is the same for the
  /// second hidden layer but gives 196 instead of 256 draws for the first hidden layer of a
  /// 784-1024-… network.
  ///
  /// Why this construction and not gapdb's earlier one (every odd unit × exactly 10): under SGD
  /// a unit rescaled by c has c× larger activations and 1/c× smaller outgoing weights, so its
  /// outgoing edges get a c²× larger effective learning rate (their gradient is c× larger, the
  /// weights c× smaller) and its incoming edges a c²× smaller one. With one moderate c for half
  /// the units that mostly *raised* the effective rate of an under-stepped network, and SGD
  /// trained faster than from the balanced start (Fashion-MNIST, 2,000 images, 784-1024-1024-10,
  /// η = 0.01: training loss 0.54 vs 1.20 after 10 epochs) — the opposite of the paper. The
  /// authors' log-normal factors spread c² over more than three orders of magnitude (and picks
  /// with replacement compound), so no single learning rate suits all units: SGD is unstable
  /// and stays at 84–89% training error (loss 2.28 after 10 epochs, a spike to 4.06), while
  /// Path-SGD's curve is the balanced one. Figures from `gapdb-bench path-sgd-invariance`;
  /// see the README.
  case unbalanced

  /// The number of units picked (with replacement) in a hidden layer of `h` units: max(1, ⌊h/4⌋).
  public static func unbalancedDrawCount(hiddenUnits h: Int) -> Int { max(1, h / 4) }

  /// The rescaled network.
  ///
  /// - Parameters:
  ///   - network: The initial network (layers[i].weight has shape (fanOut, fanIn)).
  ///   - seed: The run seed (only ``unbalanced`` draws from it).
  /// - Returns: The same network for ``none``; the unbalanced one otherwise.
  /// - Complexity: O(Σ_ℓ h_ℓ/4 · (h_{ℓ−1} + h_{ℓ+1})) time; O(1) extra memory beyond the copy.
  public func apply(to network: MultilayerPerceptron, seed: UInt64) -> MultilayerPerceptron {
    guard self == .unbalanced else { return network }
    var out = network
    var rng = Xoshiro256StarStar(seed: seed, stream: .initialRescaling)
    // Hidden layer ℓ (1-based) is the output of layers[ℓ − 1] and the input of layers[ℓ].
    for hidden in 1..<out.layers.count {
      let incoming = hidden - 1
      let fanIn = out.layers[incoming].fanIn
      let units = out.layers[incoming].fanOut
      let next = out.layers[hidden].fanOut
      for _ in 0..<Self.unbalancedDrawCount(hiddenUnits: units) {
        let unit = rng.uniformInt(below: units)
        let c = Float(10 * Foundation.exp(rng.standardNormal()))
        for j in 0..<fanIn { out.layers[incoming].weight[unit, j] *= c }
        out.layers[incoming].bias[unit] *= c
        for r in 0..<next { out.layers[hidden].weight[r, unit] /= c }
      }
    }
    return out
  }
}
