import FeedForward
import Foundation

/// A lower bound on the memory a training run needs, for refusing a network that cannot fit
/// before anything is allocated or written.
///
/// Counts float32 copies of every parameter (``bytesPerParameter`` = 16 bytes: the weights,
/// their gradient or the fused update's scratch, the optimizer's velocity, and the initial
/// weights kept for distance-from-initialization measures). Batch buffers, the data and the
/// measures' work space come on top, so a network that passes can still be too large.
public struct TrainingMemoryEstimate: Sendable, Equatable {
  /// Bytes per parameter assumed: four float32 copies.
  public static let bytesPerParameter = 4 * 4

  /// `[h_0, …, h_d]` as estimated.
  public var layerSizes: [Int]
  /// Σ (h_{i−1}·h_i + h_i); `nil` when it exceeds `Int.max`.
  public var parameterCount: Int?
  /// `parameterCount × bytesPerParameter` in bytes (`+∞` when the count overflowed).
  public var bytes: Double
  /// The machine's physical memory in bytes (`ProcessInfo.physicalMemory`).
  public var physicalMemory: UInt64

  /// Estimates a network of these layer sizes on this machine.
  /// - Complexity: O(d); allocates nothing.
  public init(layerSizes: [Int]) {
    self.layerSizes = layerSizes
    parameterCount = MultilayerPerceptron.parameterCount(layerSizes: layerSizes)
    bytes = parameterCount.map { Double($0) * Double(Self.bytesPerParameter) } ?? .infinity
    physicalMemory = ProcessInfo.processInfo.physicalMemory
  }

  /// Whether the estimate fits in physical memory.
  public var fits: Bool { bytes <= Double(physicalMemory) }

  /// "the 784-100000000-10 network has 78500001010 parameters, needing about 1.1 TB for …"
  public var problem: String? {
    if fits { return nil }
    let shape = layerSizes.map(String.init).joined(separator: "-")
    let count = parameterCount.map(String.init) ?? "more than \(Int.max)"
    let need = parameterCount == nil ? "more than \(Self.byteCount(Double(Int.max)))" : "about \(Self.byteCount(bytes))"
    return "the \(shape) network has \(count) parameters, needing \(need) for float32 weights, gradients and "
      + "optimizer state, more than this machine's \(Self.byteCount(Double(physicalMemory))) of physical memory"
  }

  /// `1.5 GB` style (powers of 1024).
  public static func byteCount(_ bytes: Double) -> String {
    let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
    var value = bytes
    var index = 0
    while value >= 1024 && index < units.count - 1 {
      value /= 1024
      index += 1
    }
    return index == 0 ? "\(Int(value)) bytes" : String(format: "%.1f", value) + " " + units[index]
  }
}
