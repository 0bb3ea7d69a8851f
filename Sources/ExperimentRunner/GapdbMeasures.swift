import ComplexityMeasures
import FlatnessMeasures
import MeasureCatalog

/// Every measure gapdb computes, as one catalogue of ``MeasureCatalog/MeasureDescriptor``s.
///
/// The weight- and margin-based measures of ``ComplexityMeasures/MeasureRegistry`` first (72),
/// then the perturbation, gradient-noise and optimization-based measures of
/// ``FlatnessMeasures/FlatnessRegistry``. `gapdb measures --list` prints this list; a training
/// run writes the descriptors of the suites it runs into the store's `measure` table with
/// ``RunRecorder/Recorder/registerMeasures(_:)``. Ids are unique across both (a test checks).
public enum GapdbMeasures {
  /// All descriptors, in display order.
  public static let all: [MeasureDescriptor] = MeasureRegistry.descriptors + FlatnessRegistry.entries

  /// The descriptor with `id`, or `nil`. O(n).
  public static func descriptor(id: String) -> MeasureDescriptor? { all.first { $0.id == id } }
}
