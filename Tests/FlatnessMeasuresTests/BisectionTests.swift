import Testing

@testable import FlatnessMeasures

@Suite struct BisectionTests {
  @Test func coldStartProbesOneFirstAndConverges() {
    // dev(s) = s²/4 crosses 0.1 at s = sqrt(0.4) = 0.632…; |dev − 0.1| < 0.01 ⇔ s ∈ (0.6, 0.663).
    let outcome = bisectDeviation(settings: .init(), warmStart: nil) { $0 * $0 / 4 }
    #expect(outcome.probes.first?.scale == 1)
    #expect(outcome.status == .converged)
    #expect(outcome.scale > 0.6 && outcome.scale < 0.6633)
    #expect(abs(outcome.deviation - 0.1) < 0.01)
    // Probes: 1 (0.25 too big) → 0.5 (0.0625) → 0.75 (0.14) → 0.625 (0.0977, hit).
    #expect(outcome.probes.map(\.scale) == [1, 0.5, 0.75, 0.625])
    #expect(!outcome.warmStarted)
  }

  @Test func warmStartNearTheAnswerTakesOneProbe() {
    let outcome = bisectDeviation(settings: .init(), warmStart: 0.63) { $0 * $0 / 4 }
    #expect(outcome.probes.count == 1)
    #expect(outcome.status == .converged)
    #expect(outcome.warmStarted)
  }

  @Test func warmStartFarFromTheAnswerStillConverges() {
    for previous in [0.01, 0.2, 1.9] {
      let outcome = bisectDeviation(settings: .init(), warmStart: previous) { $0 * $0 / 4 }
      #expect(outcome.status == .converged, "warm start \(previous)")
      #expect(outcome.scale > 0.6 && outcome.scale < 0.6633, "warm start \(previous)")
    }
  }

  @Test func cliffExhaustsTheDepthAndReportsIt() {
    // A step from 0 to 1 at s = 0.3: no scale is within tolerance; the last probe is within
    // 2/2^15 of the step.
    let outcome = bisectDeviation(settings: .init(), warmStart: nil) { $0 < 0.3 ? 0 : 1 }
    #expect(outcome.status == .depthExhausted)
    #expect(outcome.probes.count == 15)
    #expect(abs(outcome.scale - 0.3) < 2.0 / 32768 * 2)
  }

  @Test func unreachableTargetEndsAtTheUpperEnd() {
    // An undertrained network whose accuracy never drops by 0.1: σ → upper, flagged.
    let outcome = bisectDeviation(settings: .init(), warmStart: nil) { _ in 0.02 }
    #expect(outcome.status == .depthExhausted)
    #expect(outcome.scale > 1.999)
  }

  @Test func nanDeviationMovesTowardSmallerScales() {
    let outcome = bisectDeviation(settings: .init(), warmStart: nil) { s in s > 0.5 ? .nan : s / 4 }
    #expect(outcome.status == .converged)
    #expect(outcome.scale < 0.5)
  }

  @Test func badSettingsNameTheValue() {
    var s = BisectionSettings()
    s.depth = 0
    #expect(throws: FlatnessError.self) { try s.validate() }
    s = BisectionSettings()
    s.upper = -1
    do {
      try s.validate()
      Issue.record("expected an error")
    } catch {
      #expect(error.description.contains("-1"))
      #expect(!error.hint.isEmpty)
    }
  }
}
