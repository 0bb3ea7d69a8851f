import TabularOutput

/// Errors of the recording API; each names the bad value. Nothing is written when one is
/// thrown (the transaction is rolled back).
public enum RecorderError: Error, CustomStringConvertible, Sendable, Equatable {
  /// Epochs must strictly increase within a run.
  case epochOutOfOrder(previous: Int, got: Int)
  /// A count that must not be negative (epoch, step, layer index, fan-in…).
  case negativeValue(field: String, value: Int64)
  /// An error fraction outside [0, 1] (NaN is allowed and recorded as NaN).
  case fractionOutOfRange(field: String, value: Double)
  /// A layer summary names a layer the run did not declare.
  case unknownLayer(index: Int, declared: [Int])
  /// Two layer summaries for one layer in one epoch.
  case duplicateLayerSummary(layerIndex: Int)
  /// Two values of one measure in one epoch.
  case duplicateMeasure(id: String)
  /// Layers must be declared with indices 0, 1, 2, … in order.
  case badLayerIndices([Int])
  /// The run has ended (finished, failed, diverged or marked failed as stale).
  case runNotRunning(runID: Int64, status: String)
  /// The config is not a JSON object.
  case invalidConfig(String)
  /// An empty experiment name, run name, hyperparameter key or measure id.
  case emptyName(field: String)
  /// `finish(status: .running)`.
  case cannotFinishAsRunning

  public var description: String {
    switch self {
    case .epochOutOfOrder(let previous, let got):
      return "epoch \(got) recorded after epoch \(previous)\nHint: epochs must strictly increase "
        + "(0 = the initial weights, then 1, 2, …)."
    case .negativeValue(let field, let value):
      return "\(field) is \(value)\nHint: \(field) must be ≥ 0."
    case .fractionOutOfRange(let field, let value):
      return "\(field) is \(value), outside [0, 1]\nHint: errors are fractions (0.25 = 25 %)."
    case .unknownLayer(let index, let declared):
      return "layer summary for layer \(index), which the run did not declare (declared: "
        + "\(declared))\nHint: list every layer in RunSpec.layers."
    case .duplicateLayerSummary(let index):
      return "two summaries for layer \(index) in one epoch\nHint: send one per layer."
    case .duplicateMeasure(let id):
      return "two values for measure \(jsonStringLiteral(id)) in one epoch\nHint: send one per measure."
    case .badLayerIndices(let indices):
      return "layer indices \(indices) are not 0, 1, 2, … in order\nHint: number layers in "
        + "forward order from 0."
    case .runNotRunning(let id, let status):
      return "run \(id) is \(status), not running\nHint: it ended (or was marked failed as "
        + "stale by `gapdb mark-stale`); begin a new run."
    case .invalidConfig(let text):
      let shown = text.count > 80 ? String(text.prefix(80)) + "…" : text
      return "config is not a JSON object: \(shown)\nHint: pass JSON text such as {\"epochs\": 10}."
    case .emptyName(let field):
      return "\(field) is empty\nHint: give a non-empty name."
    case .cannotFinishAsRunning:
      return "finish(status: .running) does not end a run\nHint: use .finished, .failed or "
        + ".diverged."
    }
  }
}
