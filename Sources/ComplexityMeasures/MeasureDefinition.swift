import Foundation
import MeasureCatalog

/// One measure of the registry: its catalogue entry and how to compute it.
///
/// The descriptor's invariance flags follow the spec's N/L/O columns (§2.0): node-wise
/// rescaling of a hidden ReLU unit, layer-wise rescaling between layers, and scaling the
/// whole output by c > 0; every measure here is either exactly invariant or not. The
/// descriptor's properties (`id`, `needs`, `isNodeRescalingInvariant`, …) read through.
@dynamicMemberLookup
public struct MeasureDefinition: Sendable {
  /// The catalogue entry (id, name, formula, source, needs, invariances, cost).
  public let descriptor: MeasureDescriptor
  let compute: @Sendable (MeasureContext) throws(Undefined) -> MeasureValue

  /// A property of ``descriptor``.
  public subscript<T>(dynamicMember keyPath: KeyPath<MeasureDescriptor, T>) -> T { descriptor[keyPath: keyPath] }

  /// Evaluates the measure; missing inputs and non-positive margins give an undefined value.
  func evaluate(_ context: MeasureContext) -> MeasureValue {
    do { return try compute(context) } catch { return .undefined(error.reason) }
  }
}

/// A reason why a measure is undefined (internal control flow for the catalogue).
struct Undefined: Error {
  let reason: String
  init(_ reason: String) { self.reason = reason }
}

/// Everything the catalogue's formulas read.
struct MeasureContext {
  let network: NetworkWeights
  let summaries: [LayerSummary]
  let pathNorms: [PathNormLogs]  // p = 1, 1.5, 2
  let outputs: TrainingOutputStatistics?
  let inputs: InputStatistics?

  var depth: Double { Double(network.depth) }

  func requireOutputs() throws(Undefined) -> TrainingOutputStatistics {
    guard let outputs else { throw Undefined("needs training logits and labels (gapdb measure --logits L.npy --labels Y.npy)") }
    return outputs
  }

  /// ln γ for a margin that must be positive.
  func logMargin(_ kind: MarginKind) throws(Undefined) -> Double {
    let o = try requireOutputs()
    let g = kind == .p10 ? o.marginP10 : o.marginP5Interpolated
    if !(g > 0) {
      throw Undefined(
        "margin \(kind.label) = \(g) ≤ 0 (\(Int((o.fractionNonPositiveMargin * 1000).rounded()) / 10)% of \(o.sampleCount) training margins ≤ 0); margin-normalized measures are undefined")
    }
    return Foundation.log(g)
  }

  func requireInit() throws(Undefined) {
    if !network.hasInitialWeights { throw Undefined("needs initial weights (gapdb measure --init INIT.npz)") }
  }

  func spectral(_ i: Int) throws(Undefined) -> Double {
    if let s = summaries[i].bestSpectralNorm { return s }
    throw Undefined(summaries[i].spectralUndefinedReason ?? "spectral norm of layer \(summaries[i].name) was not computed")
  }

  func spectralDistance(_ i: Int) throws(Undefined) -> Double {
    try requireInit()
    if let s = summaries[i].spectralDistanceFromInit { return s }
    throw Undefined("‖W − W⁰‖₂ of layer \(summaries[i].name) is undefined (non-finite entries)")
  }

  func frobeniusDistance(_ i: Int) throws(Undefined) -> Double {
    try requireInit()
    return summaries[i].frobeniusDistanceFromInit ?? .nan
  }

  func schatten(_ i: Int, _ p: Double) throws(Undefined) -> Double {
    let s = summaries[i]
    let v = p == 1 ? s.schattenNorm1 : s.schattenNorm1p5
    if let v { return v }
    throw Undefined(
      s.spectralUndefinedReason ?? "Schatten norms need the exact singular values (spectral method exact or both)")
  }

  func pathLog(_ p: Double, biases: Bool) -> Double {
    let r = pathNorms.first { $0.p == p }!
    return biases ? r.withBiases : r.withoutBiases
  }

  /// Σ_i f(i) over layers.
  func sum(_ f: (Int) throws(Undefined) -> Double) throws(Undefined) -> Double {
    var s = 0.0
    for i in summaries.indices { s += try f(i) }
    return s
  }

  /// Σ_i ln f(i) over layers.
  func sumLog(_ f: (Int) throws(Undefined) -> Double) throws(Undefined) -> Double {
    var s = 0.0
    for i in summaries.indices { s += Foundation.log(try f(i)) }
    return s
  }

  /// ln m for bounds; m = number of training examples used for the margins.
  func sampleCount() throws(Undefined) -> Double {
    Double(try requireOutputs().sampleCount)
  }
}

/// Which margin statistic normalizes a measure (measure ids say which).
enum MarginKind {
  /// Jiang: the ⌊m/10⌋-th smallest margin. Ids end in `_over_margin`.
  case p10
  /// Neyshabur: 5th percentile, linear interpolation. Ids end in `_over_margin_p5`.
  case p5
  var label: String { self == .p10 ? "γ (10th percentile, ⌊m/10⌋-th smallest)" : "γ (5th percentile, interpolated)" }
}

/// The registry of every measure gapdb computes from weights (and optionally training
/// logits, input statistics and initial weights), in a stable order.
///
/// Perturbation-based measures (PAC-Bayes σ, sharpness α, Keskar), optimization-based ones
/// (steps to CE) and gradient noise are computed by FlatnessMeasures (they need the training
/// loop or repeated data passes, not weights); their descriptors are of the same type, and
/// ExperimentRunner's `GapdbMeasures.all` lists both.
public enum MeasureRegistry {
  /// All definitions, in display order.
  public static let all: [MeasureDefinition] =
    sizeMeasures + outputMeasures + frobeniusMeasures + spectralMeasures + pathMeasures
    + groupAndSchattenMeasures + boundMeasures

  /// The catalogue entries of ``all``, in the same order.
  public static let descriptors: [MeasureDescriptor] = all.map(\.descriptor)

  /// The definition with this id, or `nil`.
  public static func definition(id: String) -> MeasureDefinition? { all.first { $0.id == id } }
}

/// Shorthand used by the catalogue files.
func define(
  _ id: String, _ name: String, _ description: String, formula: String, source: String,
  needs: [MeasureNeed] = [], invariant nlo: (Bool, Bool, Bool),
  _ compute: @escaping @Sendable (MeasureContext) throws(Undefined) -> MeasureValue
) -> MeasureDefinition {
  let cost: MeasureCost =
    needs.contains(.trainingLogits) || needs.contains(.dataStatistics) ? .forwardPass : .weights
  return MeasureDefinition(
    descriptor: MeasureDescriptor(
      id: id, name: name, description: description, formula: formula, source: source, needs: [.weights] + needs,
      nodeWiseRescaling: Invariance(exact: nlo.0), layerWiseRescaling: Invariance(exact: nlo.1),
      outputScaling: Invariance(exact: nlo.2), cost: cost),
    compute: compute)
}
