import Foundation
import LinearAlgebra

/// Which update rule the optimizer applies.
public enum OptimizationMethod: String, Sendable, CaseIterable {
  /// Stochastic gradient descent on ∂loss/∂w (with optional momentum and weight decay).
  case sgd
  /// Path-SGD (Neyshabur, Salakhutdinov and Srebro 2015, "Path-SGD: Path-Normalized
  /// Optimization in Deep Neural Networks", NIPS, eq. 6 and Algorithm 1): each edge's gradient
  /// is divided by κ_e = ∂φ₂²/∂(w_e²), where φ₂² is the squared ℓ2 path norm.
  case pathSGD = "path-sgd"
}

/// The optimizers as users name them: the one vocabulary of `gapdb train --optimizer`, the
/// sweep axis `optimizer`, and the `optimizer` key of a run's config JSON and hyperparameter
/// rows. `momentum` is SGD with heavy-ball momentum μ > 0.
public enum OptimizerName: String, Sendable, CaseIterable, Codable {
  /// Plain stochastic gradient descent (μ = 0).
  case sgd
  /// SGD with heavy-ball momentum (μ = ``defaultMomentum`` unless given).
  case momentum
  /// Path-SGD (Neyshabur, Salakhutdinov, Srebro 2015).
  case pathSGD = "path-sgd"

  /// The momentum μ that `momentum` uses when none is given: 0.9.
  public static let defaultMomentum = 0.9

  /// The name of `configuration`: `path-sgd` for Path-SGD, `momentum` for SGD with μ > 0,
  /// else `sgd`.
  public init(_ configuration: OptimizerConfiguration) {
    switch configuration.method {
    case .sgd: self = configuration.momentum > 0 ? .momentum : .sgd
    case .pathSGD: self = .pathSGD
    }
  }

  /// The update rule.
  public var method: OptimizationMethod { self == .pathSGD ? .pathSGD : .sgd }
}

/// Optimizer settings. Updates follow PyTorch's `torch.optim.SGD` (dampening 0, no Nesterov):
///
///     g ← ∂loss/∂θ                       (mean over the mini-batch)
///     g ← g ⊘ κ · ρ                     (Path-SGD only; see below)
///     g ← g + weightDecay · θ           (coupled L2; applied to weights *and* biases, as
///                                        PyTorch does when all parameters share one group)
///     v ← momentum · v + g;  g ← v      (when momentum > 0; v starts at 0, so the first
///                                        step is plain g, as in PyTorch)
///     θ ← θ − η · g
///
/// **Path-SGD scaling.** κ_e for the edge u→v of layer i is `γ_in(u) · γ_out(v)`, where γ_in
/// comes from a forward pass of the *squared* network (every parameter replaced by its square)
/// on the all-ones input, and γ_out from the matching backward pass from all-ones at the
/// outputs (spec §3.3). **Biases** are treated as edges from a unit whose value is always 1,
/// as the authors' code does (`path_sgd.py` squares every parameter, biases included): b_v²
/// adds to γ_in(v), and κ for b_v is γ_out(v). With this choice the update is exactly
/// invariant under node-wise rescaling of a hidden unit (incoming weights and bias × c,
/// outgoing weights ÷ c). An edge with κ_e = 0 lies on no path, its ReLU gradient is 0 too,
/// and it is left unchanged. γ is accumulated in Double; κ is recomputed at every step, as in
/// the paper's Algorithm 1.
///
/// ρ is 1 unless ``pathSGDMatchesFirstStepNorm`` is set: then, at the first step,
/// ρ = ‖ḡ‖₂ / ‖ḡ ⊘ κ̄‖₂ where the bars mean "at the ℓ2-balanced member of the network's
/// rescaling class" (the node rescaling with the smallest Σθ², see
/// ``MultilayerPerceptron/l2BalancingExponents(tolerance:maximumSweeps:)``), and ρ is kept fixed
/// afterwards. So the first Path-SGD step is as long as the first SGD step *on the balanced
/// network* with the same learning rate, and one learning rate suits both methods. Because the
/// balanced member is the same for every rescaling of a network, ρ is rescaling-invariant, and
/// so is the whole Path-SGD trajectory: from a node-wise rescaled initialization the network
/// function after every step is the same — bit for bit for power-of-two factors (every float
/// operation is then the balanced one times a power of two; the two runs' ρ agree to ~1e-13
/// and are applied in float32, so they coincide unless one lies that close to a float32
/// rounding boundary), to float rounding otherwise. The authors' code also fixes a ratio at its
/// first step (`path_sgd.py`, `compute_ratio`), but from the raw gradient of the network as given and with a
/// sum-of-norms heuristic, which is not rescaling-invariant; earlier gapdb versions used
/// ‖g‖₂/‖g ⊘ κ‖₂ of the raw network (its unbalanced and balanced Path-SGD curves drifted apart).
///
/// Momentum and weight decay keep the invariance: the velocity is a sum of past (g ⊘ κ·ρ), which
/// transform like θ, and λθ transforms like θ too.
public struct OptimizerConfiguration: Sendable, Equatable {
  /// The update rule.
  public var method: OptimizationMethod
  /// Heavy-ball momentum μ ∈ [0, 1); 0 disables it.
  public var momentum: Double
  /// Coupled L2 weight decay λ ≥ 0 (adds λθ to the gradient).
  public var weightDecay: Double
  /// Path-SGD only: scale steps by a ratio fixed at the first step (see the type's notes).
  public var pathSGDMatchesFirstStepNorm: Bool

  /// Creates settings; the defaults are plain SGD.
  public init(
    method: OptimizationMethod = .sgd, momentum: Double = 0, weightDecay: Double = 0,
    pathSGDMatchesFirstStepNorm: Bool = false
  ) {
    self.method = method
    self.momentum = momentum
    self.weightDecay = weightDecay
    self.pathSGDMatchesFirstStepNorm = pathSGDMatchesFirstStepNorm
  }
}

/// The optimizer's state (momentum buffers, Path-SGD ratio) and its update step.
public struct Optimizer: Sendable {
  /// The settings.
  public let configuration: OptimizerConfiguration
  /// Updates applied so far.
  public internal(set) var stepCount = 0
  /// The Path-SGD step ratio ρ (1 until fixed at the first step when enabled).
  public private(set) var pathSGDRatio: Double = 1
  var weightVelocity: [Matrix] = []
  var biasVelocity: [[Float]] = []
  /// ∂loss/∂b per layer for ``backwardAndStep(_:_:learningRate:)``, kept to avoid allocating.
  var biasGradientScratch: [[Float]] = []
  private var scratch = PathScalingScratch()

  /// Creates an optimizer with zero momentum buffers.
  public init(_ configuration: OptimizerConfiguration) {
    self.configuration = configuration
  }

  /// Applies one update to `network` with learning rate `learningRate`.
  ///
  /// - Parameters:
  ///   - network: Updated in place.
  ///   - gradients: ∂loss/∂θ of the current mini-batch (mean loss).
  ///   - learningRate: η > 0.
  /// - Complexity: O(parameter count); Path-SGD adds three passes over the weights for κ.
  public mutating func step(_ network: inout MultilayerPerceptron, gradients: ParameterGradients, learningRate: Double) {
    let mu = Float(configuration.momentum)
    let decay = Float(configuration.weightDecay)
    let eta = Float(learningRate)
    if mu != 0 && weightVelocity.isEmpty {
      weightVelocity = network.layers.map { Matrix(rows: $0.fanOut, columns: $0.fanIn) }
      biasVelocity = network.layers.map { [Float](repeating: 0, count: $0.bias.count) }
    }
    var effective = gradients
    if configuration.method == .pathSGD {
      scratch.compute(for: network)
      if configuration.pathSGDMatchesFirstStepNorm && stepCount == 0 {
        pathSGDRatio = scratch.firstStepRatio(network: network, gradients: gradients)
      }
      scratch.divideByScaling(&effective, ratio: Float(pathSGDRatio))
    }
    for i in network.layers.indices {
      effective.weightGradient[i].elements.withUnsafeBufferPointer { g in
        network.layers[i].weight.elements.withUnsafeMutableBufferPointer { w in
          if mu != 0 {
            weightVelocity[i].elements.withUnsafeMutableBufferPointer { v in
              applyUpdate(w, g, v, eta: eta, momentum: mu, decay: decay)
            }
          } else {
            applyUpdate(w, g, nil, eta: eta, momentum: 0, decay: decay)
          }
        }
      }
      effective.biasGradient[i].withUnsafeBufferPointer { g in
        network.layers[i].bias.withUnsafeMutableBufferPointer { b in
          if mu != 0 {
            biasVelocity[i].withUnsafeMutableBufferPointer { v in
              applyUpdate(b, g, v, eta: eta, momentum: mu, decay: decay)
            }
          } else {
            applyUpdate(b, g, nil, eta: eta, momentum: 0, decay: decay)
          }
        }
      }
    }
    stepCount += 1
  }
}

/// θ ← θ − η·(v ← μv + g + λθ), with branch-free inner loops so they vectorize.
@inline(__always)
func applyUpdate(
  _ w: UnsafeMutableBufferPointer<Float>, _ g: UnsafeBufferPointer<Float>, _ v: UnsafeMutableBufferPointer<Float>?,
  eta: Float, momentum mu: Float, decay: Float
) {
  let n = w.count
  if let v {
    if decay != 0 {
      for j in 0..<n {
        v[j] = mu * v[j] + (g[j] + decay * w[j])
        w[j] -= eta * v[j]
      }
    } else {
      for j in 0..<n {
        v[j] = mu * v[j] + g[j]
        w[j] -= eta * v[j]
      }
    }
  } else if decay != 0 {
    for j in 0..<n { w[j] -= eta * (g[j] + decay * w[j]) }
  } else {
    for j in 0..<n { w[j] -= eta * g[j] }
  }
}

/// γ_in and γ_out of the squared network, per layer of units (index 0 = inputs, d = outputs).
struct PathScalingScratch: Sendable {
  /// incoming[l][u]: Σ over paths from the inputs (and bias units) to unit u of layer l of Π w².
  var incoming: [[Double]] = []
  /// outgoing[l][u]: Σ over paths from unit u of layer l to the outputs of Π w².
  var outgoing: [[Double]] = []

  mutating func compute(for network: MultilayerPerceptron) {
    let sizes = network.layerSizes
    let d = network.layerCount
    if incoming.count != d + 1 {
      incoming = sizes.map { [Double](repeating: 0, count: $0) }
      outgoing = sizes.map { [Double](repeating: 0, count: $0) }
    }
    for u in 0..<sizes[0] { incoming[0][u] = 1 }
    for l in 1...d {
      let layer = network.layers[l - 1]
      let fanIn = layer.fanIn
      let previous = incoming[l - 1]
      layer.weight.elements.withUnsafeBufferPointer { w in
        for v in 0..<layer.fanOut {
          let b = Double(layer.bias[v])
          var s = b * b
          for u in 0..<fanIn {
            let x = Double(w[v * fanIn + u])
            s += x * x * previous[u]
          }
          incoming[l][v] = s
        }
      }
    }
    for v in 0..<sizes[d] { outgoing[d][v] = 1 }
    for l in stride(from: d, through: 1, by: -1) {
      let layer = network.layers[l - 1]
      let fanIn = layer.fanIn
      for u in 0..<fanIn { outgoing[l - 1][u] = 0 }
      let next = outgoing[l]
      layer.weight.elements.withUnsafeBufferPointer { w in
        outgoing[l - 1].withUnsafeMutableBufferPointer { o in
          for v in 0..<layer.fanOut {
            let gv = next[v]
            for u in 0..<fanIn {
              let x = Double(w[v * fanIn + u])
              o[u] += x * x * gv
            }
          }
        }
      }
    }
  }

  /// g ← g ⊘ κ · ρ for every weight and bias; entries with κ = 0 get 0.
  func divideByScaling(_ gradients: inout ParameterGradients, ratio rho: Float) {
    for i in gradients.weightGradient.indices {
      let fanOut = gradients.weightGradient[i].rows
      let fanIn = gradients.weightGradient[i].columns
      let inc = incoming[i]
      let out = outgoing[i + 1]
      let ratio = Double(rho)
      gradients.weightGradient[i].elements.withUnsafeMutableBufferPointer { g in
        inc.withUnsafeBufferPointer { inc in
          for r in 0..<fanOut {
            let o = out[r]
            for c in 0..<fanIn {
              let kappa = o * inc[c]
              g[r * fanIn + c] = kappa > 0 ? Float(Double(g[r * fanIn + c]) / kappa * ratio) : 0
            }
          }
        }
      }
      for r in 0..<fanOut {
        let kappa = out[r]
        gradients.biasGradient[i][r] = kappa > 0 ? Float(Double(gradients.biasGradient[i][r]) / kappa * ratio) : 0
      }
    }
  }

  /// ρ = ‖ḡ‖₂ / ‖ḡ ⊘ κ̄‖₂ at the ℓ2-balanced member of the network's rescaling class (bars),
  /// over all parameters (κ̄ > 0 only in the denominator).
  ///
  /// With s the balancing factors (``MultilayerPerceptron/l2BalancingExponents(tolerance:maximumSweeps:)``,
  /// 1 at inputs and outputs), an edge u→v has w̄ = w·s_v/s_u, so ḡ = g·s_u/s_v and
  /// ḡ/κ̄ = (g/κ)·s_v/s_u; a bias of v has ḡ = g/s_v and ḡ/κ̄ = (g/κ)·s_v. Both norms, hence ρ,
  /// are the same for every member of the class (to rounding), because the balanced member is.
  /// Requires ``compute(for:)`` on `network` first.
  func firstStepRatio(network: MultilayerPerceptron, gradients: ParameterGradients) -> Double {
    let t = network.l2BalancingExponents()
    let d = network.layerCount
    // factor[l][u] = s_u for unit u of layer-of-units l (0 = inputs, d = outputs).
    var factor: [[Double]] = [[Double](repeating: 1, count: network.layers[0].fanIn)]
    for l in 1..<d { factor.append(t[l - 1].map { Foundation.exp($0) }) }
    factor.append([Double](repeating: 1, count: network.layers[d - 1].fanOut))
    var plain = 0.0, scaled = 0.0
    for i in network.layers.indices {
      let fanIn = network.layers[i].fanIn
      let source = factor[i], destination = factor[i + 1]
      for r in 0..<network.layers[i].fanOut {
        let sv = destination[r]
        for c in 0..<fanIn {
          let g = Double(gradients.weightGradient[i].elements[r * fanIn + c])
          let k = outgoing[i + 1][r] * incoming[i][c]
          let gBar = g * source[c] / sv
          plain += gBar * gBar
          if k > 0 {
            let stepBar = g / k * sv / source[c]
            scaled += stepBar * stepBar
          }
        }
        let g = Double(gradients.biasGradient[i][r])
        let k = outgoing[i + 1][r]
        let gBar = g / sv
        plain += gBar * gBar
        if k > 0 {
          let stepBar = g / k * sv
          scaled += stepBar * stepBar
        }
      }
    }
    guard scaled > 0, plain.isFinite, scaled.isFinite else { return 1 }
    return (plain / scaled).squareRoot()
  }
}

extension MultilayerPerceptron {
  /// The squared ℓ2 path norm φ₂² = Σ over input→output paths of Π w_e² (biases included as
  /// edges from a constant-1 unit), by one forward pass of the squared network on all-ones
  /// (spec §3.3; Neyshabur et al. 2015). Computed in Double.
  /// - Complexity: O(parameter count).
  public func squaredPathNorm() -> Double {
    var s = PathScalingScratch()
    s.compute(for: self)
    return s.incoming[layerCount].reduce(0, +)
  }

  /// The Path-SGD per-edge factors κ_e = ∂φ₂²/∂(w_e²) for every weight (shape of W_i) and bias.
  /// - Returns: For each layer, κ for the weights (row-major, as W_i) and for the biases.
  /// - Complexity: O(parameter count).
  public func pathSGDScaling() -> (weight: [[Double]], bias: [[Double]]) {
    var s = PathScalingScratch()
    s.compute(for: self)
    var weights: [[Double]] = [], biases: [[Double]] = []
    for i in layers.indices {
      let fanIn = layers[i].fanIn
      var w = [Double](repeating: 0, count: layers[i].weight.count)
      for r in 0..<layers[i].fanOut { for c in 0..<fanIn { w[r * fanIn + c] = s.outgoing[i + 1][r] * s.incoming[i][c] } }
      weights.append(w)
      biases.append(s.outgoing[i + 1])
    }
    return (weights, biases)
  }
}
