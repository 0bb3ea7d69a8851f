import LinearAlgebra

extension Optimizer {
  /// Whether ``backwardAndStep(_:_:learningRate:)`` applies (plain SGD, with or without momentum
  /// and weight decay; not Path-SGD, whose scaling needs the whole gradient first).
  public var supportsFusedStep: Bool { configuration.method == .sgd }

  /// Backward pass and SGD update in one sweep, without materializing ∂loss/∂W.
  ///
  /// Same update as ``backward(_:into:)`` followed by ``step(_:gradients:learningRate:)``, but
  /// the weight gradient goes straight into the update's `sgemm` (`β` carries the old weights or
  /// the momentum buffer), which saves one write and two reads of every weight per step:
  /// - no momentum: `W ← (1 − ηλ)·W − η·δᵀa` (one `sgemm`);
  /// - momentum: `V ← μ·V + δᵀa` (one `sgemm`), `V ← V + λW`, `W ← W − η·V`.
  /// For each layer i = d…1, δ_{i−1} = (δ_i·W_i) ⊙ [a_{i−1} > 0] is computed from the weights
  /// *before* their update. Results agree with the two-call path up to float rounding (the
  /// `sgemm` accumulates α·AB + βC in one pass).
  ///
  /// - Parameters:
  ///   - network: Updated in place.
  ///   - buffers: The activations of the matching forward pass and ∂loss/∂logits in
  ///     `preActivationGradients[d]`; the other gradient buffers are overwritten.
  ///   - learningRate: η.
  /// - Precondition: ``supportsFusedStep``.
  /// - Complexity: O(B · Σ h_{i−1}·h_i).
  public mutating func backwardAndStep(
    _ network: inout MultilayerPerceptron, _ buffers: inout BatchBuffers, learningRate: Double
  ) {
    precondition(supportsFusedStep, "backwardAndStep: Path-SGD needs backward(_:into:) and step(_:gradients:learningRate:)")
    let eta = Float(learningRate)
    let mu = Float(configuration.momentum)
    let decay = Float(configuration.weightDecay)
    if mu != 0 && weightVelocity.isEmpty {
      weightVelocity = network.layers.map { Matrix(rows: $0.fanOut, columns: $0.fanIn) }
      biasVelocity = network.layers.map { [Float](repeating: 0, count: $0.bias.count) }
    }
    if biasGradientScratch.count != network.layers.count {
      biasGradientScratch = network.layers.map { [Float](repeating: 0, count: $0.fanOut) }
    }
    let batch = buffers.batchSize
    for i in stride(from: network.layers.count, through: 1, by: -1) {
      let fanOut = network.layers[i - 1].fanOut
      // δ_{i−1} from the old weights, before they change.
      if i > 1 {
        gemm(buffers.preActivationGradients[i], network.layers[i - 1].weight, &buffers.preActivationGradients[i - 1])
        buffers.maskPreActivationGradient(ofLayer: i - 1)
      }
      // Bias gradient: column sums of δ_i.
      buffers.preActivationGradients[i].elements.withUnsafeBufferPointer { d in
        biasGradientScratch[i - 1].withUnsafeMutableBufferPointer { g in
          guard let db = d.baseAddress, let gb = g.baseAddress else { return }
          VectorKernels.columnSums(db, rows: batch, columns: fanOut, into: gb)
        }
      }
      if mu == 0 {
        gemm(
          buffers.preActivationGradients[i], buffers.activations[i - 1], &network.layers[i - 1].weight,
          transposeA: .transposed, alpha: -eta, beta: 1 - eta * decay)
      } else {
        gemm(
          buffers.preActivationGradients[i], buffers.activations[i - 1], &weightVelocity[i - 1],
          transposeA: .transposed, alpha: 1, beta: mu)
        weightVelocity[i - 1].elements.withUnsafeMutableBufferPointer { v in
          network.layers[i - 1].weight.elements.withUnsafeMutableBufferPointer { w in
            guard let wb = w.baseAddress, let vb = v.baseAddress else { return }
            VectorKernels.momentumUpdate(weights: wb, velocity: vb, count: w.count, learningRate: eta, weightDecay: decay)
          }
        }
      }
      biasGradientScratch[i - 1].withUnsafeBufferPointer { g in
        network.layers[i - 1].bias.withUnsafeMutableBufferPointer { b in
          if mu != 0 {
            biasVelocity[i - 1].withUnsafeMutableBufferPointer { v in
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
