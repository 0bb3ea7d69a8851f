import FlatnessMeasures
import RunRecorder

/// When a training run computes the perturbation suite (PAC-Bayes σ/σ′, sharpness α/α′,
/// Keskar, gradient noise): the final epoch always, and every `every` epochs.
///
/// Set ``TrainingRunConfiguration/flatness`` to turn it on (`gapdb train --perturb-every N`
/// through `FlatnessOptions`). The optimization-based measures (steps to CE 0.1 and 0.01,
/// sum of training losses) are recorded at every epoch whenever this is set; they are free.
public struct FlatnessSchedule: Sendable, Equatable {
  /// The suite's settings (subset, draws, depth, restarts, seeds).
  public var settings: FlatnessSuiteSettings
  /// Suite period in epochs (0 = the final epoch only).
  public var every: Int

  /// Creates a schedule.
  public init(settings: FlatnessSuiteSettings = FlatnessSuiteSettings(), every: Int = 0) {
    self.settings = settings
    self.every = every
  }
}

extension FlatnessMeasureValue {
  /// The value as a store record: NaN and ±Inf as such, `nil` as undefined with the reason;
  /// `detail` holds the settings and diagnostics JSON.
  public var measureRecord: MeasureRecord {
    if let value { return MeasureRecord(measureID: id, value: value, detail: detailJSON) }
    var record = MeasureRecord.undefined(measureID: id, reason: undefinedReason ?? "undefined")
    record.detail = detailJSON
    return record
  }
}
