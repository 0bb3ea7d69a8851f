import FlatnessMeasures
import Testing

/// Counts that size buffers are bounded in the library (issue 11): `--perturb-draws
/// 9223372036854775807` trapped in `draws × parameter count`, and huge draw or step counts
/// allocated arrays of that length.
@Test func settings_countsBeyondTheLimit_areInvalidSettings() {
  #expect(FlatnessLimits.maximumCount == 1_000_000)
  var pac = PACBayesSettings()
  pac.draws = Int.max
  #expect(throws: FlatnessError.invalidSetting("Monte-Carlo draws 9223372036854775807", hint: "use 1…1000000 draws (default 10)")) {
    try pac.validate()
  }
  pac.draws = 1_000_000
  #expect(throws: Never.self) { try pac.validate() }
  var bisection = BisectionSettings()
  bisection.depth = 1_000_001
  #expect(throws: FlatnessError.self) { try bisection.validate() }
  var sharpness = SharpnessSettings()
  sharpness.restarts = Int.max
  #expect(throws: FlatnessError.self) { try sharpness.validate() }
  var ascent = BoxAscentSettings()
  ascent.steps = Int.max
  #expect(throws: FlatnessError.self) { try ascent.validate() }
}
