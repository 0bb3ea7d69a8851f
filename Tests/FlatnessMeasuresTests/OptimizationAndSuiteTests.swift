import Foundation
import Testing
import TestSupport

@testable import FlatnessMeasures

@Suite struct OptimizationMeasureTests {
  func value(_ values: [FlatnessMeasureValue], _ id: String) -> FlatnessMeasureValue? { values.first { $0.id == id } }

  @Test func handMadeLog() throws {
    // 469 steps per epoch (60000/128). CE per epoch end: 0.9, 0.3, 0.1 (reached at 1407),
    // 0.04, 0.012, 0.009 (reached at 2814). Checkpoints given out of order on purpose.
    let ce = [0.9, 0.3, 0.1, 0.04, 0.012, 0.009]
    var checkpoints = ce.enumerated().map { TrainingLog.Checkpoint(step: 469 * ($0.offset + 1), crossEntropy: $0.element) }
    checkpoints.reverse()
    let epochLosses = (1...12).map { 1.0 / Double($0) }
    let values = optimizationMeasures(log: TrainingLog(checkpoints: checkpoints, epochLosses: epochLosses))
    #expect(value(values, "steps_to_ce_0p1")?.value == 1407)
    #expect(value(values, "steps_ce_0p1_to_0p01")?.value == 1407)
    // sotl = H_12 = 3.103210678…; sotl_10 = H_12 − 1 − 1/2 = 1.603210678…
    #expect(close(try #require(value(values, "sotl")?.value), 3.1032106782106783, rel: 1e-15))
    #expect(close(try #require(value(values, "sotl_10")?.value), 1.6032106782106783, rel: 1e-14))
    #expect(value(values, "sotl_10")?.detail.jsonText.contains("\"epochs_used\":10") == true)
  }

  @Test func thresholdsNeverReachedAreUndefinedNotZero() {
    let log = TrainingLog(
      checkpoints: [.init(step: 100, crossEntropy: 0.5), .init(step: 200, crossEntropy: 0.08), .init(step: 300, crossEntropy: .nan)],
      epochLosses: [0.7, 0.3])
    let values = optimizationMeasures(log: log)
    #expect(value(values, "steps_to_ce_0p1")?.value == 200)
    let between = value(values, "steps_ce_0p1_to_0p01")
    #expect(between?.value == nil)
    #expect(between?.undefinedReason?.contains("0.01") == true)
    // Fewer than 10 epochs: sotl_10 sums what exists and says so.
    #expect(value(values, "sotl_10")?.value == 1.0)
    #expect(value(values, "sotl_10")?.detail.jsonText.contains("\"epochs_used\":2") == true)
  }

  @Test func divergedRunSumsToNaN() {
    let values = optimizationMeasures(log: TrainingLog(checkpoints: [], epochLosses: [0.5, .nan, 0.2]))
    #expect(value(values, "sotl")?.value?.isNaN == true)
    #expect(value(values, "steps_to_ce_0p1")?.value == nil)
    let empty = optimizationMeasures(log: TrainingLog(checkpoints: [], epochLosses: []))
    #expect(value(empty, "sotl")?.value == nil)
  }
}

@Suite struct FlatnessSuiteTests {
  func quickSettings() -> FlatnessSuiteSettings {
    var s = FlatnessSuiteSettings()
    s.setSeed(4)
    s.subsetSize = 100
    s.sharpness.ascent.steps = 6
    s.sharpness.restarts = 2
    return s
  }

  @Test func suiteProducesEveryRegistryMeasureWithItsSettings() throws {
    let (net, theta, initial) = fittedBlobNetwork()
    let context = try FlatnessContext(model: net, parameters: theta, initialParameters: initial, subsetSize: 100, seed: 4)
    let report = try runFlatnessSuite(context: context, settings: quickSettings())
    let optimizationIDs = Set(optimizationMeasures(log: TrainingLog(checkpoints: [], epochLosses: [])).map(\.id))
    let produced = Set(report.values.map(\.id)).union(optimizationIDs)
    #expect(produced == Set(FlatnessRegistry.entries.map(\.id)))
    #expect(report.values.count == Set(report.values.map(\.id)).count)
    for v in report.values {
      #expect(v.value != nil, "\(v.id) undefined: \(v.undefinedReason ?? "")")
      #expect(FlatnessRegistry.entry(id: v.id) != nil)
    }
    let sigma = try #require(report.values.first { $0.id == "pacbayes_sigma" })
    let json = sigma.detail.jsonText
    for key in [
      "\"draws\":10", "\"depth\":15", "\"target_deviation\":0.1", "\"tolerance\":0.01", "\"interval\":[0.0,2.0]",
      "\"perturbed\":\"all\"", "\"seed\":4", "\"examples_used\":100", "\"noise_std\":\"sigma\"", "\"status\":",
    ] {
      #expect(json.contains(key), "missing \(key) in \(json)")
    }
    let flatness = try #require(report.values.first { $0.id == "pacbayes_flatness" }?.value)
    #expect(close(flatness, 1 / (sigma.value! * sigma.value!), rel: 1e-15))
    #expect(report.warmStart.pacBayesSigma == sigma.value)
    #expect(Set(report.seconds.keys) == Set(FlatnessSearch.allCases))
  }

  @Test func withoutInitialWeightsTheInitMeasuresAreUndefined() throws {
    let (net, theta, _) = fittedBlobNetwork()
    let context = try FlatnessContext(model: net, parameters: theta, subsetSize: 100, seed: 4)
    var settings = quickSettings()
    settings.searches = [.pacBayes, .pacBayesMagnitude]
    let report = try runFlatnessSuite(context: context, settings: settings)
    for id in ["pacbayes_init", "pacbayes_mag_init", "pacbayes_mag_orig"] {
      let v = try #require(report.values.first { $0.id == id })
      #expect(v.value == nil)
      #expect(v.undefinedReason == "no initial weights were given")
      #expect(v.detailJSON.contains("\"reason\":\"no initial weights were given\""))
      #expect(v.detailJSON.contains("\"draws\":10"))
    }
    #expect(report.values.first { $0.id == "pacbayes_orig" }?.value != nil)
  }

  @Test func warmStartFromThePreviousCheckpointIsCheaperAndAgrees() throws {
    let (net, theta, initial) = fittedBlobNetwork()
    let context = try FlatnessContext(model: net, parameters: theta, initialParameters: initial, subsetSize: 100, seed: 4)
    var settings = quickSettings()
    settings.searches = [.pacBayes, .pacBayesMagnitude, .sharpness]
    let cold = try runFlatnessSuite(context: context, settings: settings)
    let warm = try runFlatnessSuite(context: context, settings: settings, warmStart: FlatnessWarmStart(values: cold.values))
    for id in ["pacbayes_sigma", "pacbayes_mag_sigma", "sharpness_alpha"] {
      let c = try #require(cold.values.first { $0.id == id })
      let w = try #require(warm.values.first { $0.id == id })
      // Same network, same draws: the warm start's first probe is the cold result itself.
      #expect(w.value == c.value, "\(id)")
      #expect(w.detail.jsonText.contains("\"probe_count\":1,"), "\(id)")
      #expect(w.detail.jsonText.contains("\"warm_started\":true"), "\(id)")
    }
  }

  @Test func suiteIsReproducible() throws {
    let (net, theta, initial) = fittedBlobNetwork()
    let context = try FlatnessContext(model: net, parameters: theta, initialParameters: initial, subsetSize: 100, seed: 4)
    let a = try runFlatnessSuite(context: context, settings: quickSettings())
    let b = try runFlatnessSuite(context: context, settings: quickSettings())
    #expect(a.values == b.values)
  }

  @Test func registryEntriesAreCompleteAndFlagsFollowTheSpec() throws {
    let entries = FlatnessRegistry.entries
    #expect(Set(entries.map(\.id)).count == entries.count)
    for e in entries {
      #expect(!e.name.isEmpty && !e.description.isEmpty && !e.formula.isEmpty && !e.source.isEmpty, "\(e.id)")
      #expect(e.id == e.id.lowercased() && !e.id.contains(" "), "\(e.id)")
    }
    // Magnitude-aware flatness: invariant only up to the ε floor (spec "≈✓"), so the store's
    // exact-invariance flag is false; isotropic: not invariant.
    let mag = try #require(FlatnessRegistry.entry(id: "pacbayes_mag_flatness"))
    #expect(mag.nodeWiseRescaling == .approximately && !mag.isNodeRescalingInvariant)
    #expect(FlatnessRegistry.entry(id: "pacbayes_flatness")?.nodeWiseRescaling == .notInvariant)
    #expect(FlatnessRegistry.entry(id: "pacbayes_init")?.needsInit == true)
    #expect(FlatnessRegistry.entry(id: "pacbayes_orig")?.needsInit == false)
    #expect(FlatnessRegistry.entry(id: "sotl")?.needsData == false)
    #expect(FlatnessRegistry.entry(id: "keskar_sharpness_eps5e-4")?.needsData == true)
  }

  @Test func detailJSONSpellsNonFiniteValuesAndEscapes() {
    let d: DetailValue = .object([
      "b": .double(.infinity), "a": .double(.nan), "c": .array([.double(-.infinity), .int(3), .null, .bool(true)]),
      "q": .string("say \"hi\"\n"),
    ])
    #expect(d.jsonText == #"{"a":"NaN","b":"Infinity","c":["-Infinity",3,null,true],"q":"say \"hi\"\n"}"#)
  }
}

/// The suite's `shouldCancel` hook: polled between probes, draws, ascent steps and batches, and
/// once it returns true the suite stops at once with ``FlatnessError/cancelled``.
@Suite struct FlatnessCancellationTests {
  func quickSettings(_ searches: Set<FlatnessSearch> = Set(FlatnessSearch.allCases)) -> FlatnessSuiteSettings {
    var s = FlatnessSuiteSettings()
    s.setSeed(4)
    s.subsetSize = 100
    s.sharpness.ascent.steps = 6
    s.sharpness.restarts = 2
    s.gradientNoise = .minibatch(batchSize: 16, batches: 5)
    s.searches = searches
    return s
  }

  /// Polls of a hook that never cancels, for one search alone.
  func pollCount(_ search: FlatnessSearch) throws -> Int {
    let (net, theta, initial) = fittedBlobNetwork()
    let context = try FlatnessContext(model: net, parameters: theta, initialParameters: initial, subsetSize: 100, seed: 4)
    var polls = 0
    _ = try runFlatnessSuite(
      context: context, settings: quickSettings([search]),
      shouldCancel: {
        polls += 1
        return false
      })
    return polls
  }

  @Test(.enabled(if: LongTests.isEnabled, Comment(rawValue: LongTests.comment)), arguments: FlatnessSearch.allCases)
  func hookReturningTrue_stopsAtOnceAndThrowsCancelled(_ search: FlatnessSearch) throws {
    let total = try pollCount(search)
    // Polled more than once per search: between its probes / steps / batches, not only at the start.
    #expect(total >= 3, "\(search) polled \(total) times")
    let (net, theta, initial) = fittedBlobNetwork()
    let context = try FlatnessContext(model: net, parameters: theta, initialParameters: initial, subsetSize: 100, seed: 4)
    for cancelAt in Set([1, 2, total / 2, total]) where cancelAt >= 1 {
      var polls = 0
      var willRunCalls = 0
      let error = #expect(throws: FlatnessError.self) {
        try runFlatnessSuite(
          context: context, settings: quickSettings([search]), willRun: { _ in willRunCalls += 1 },
          shouldCancel: {
            polls += 1
            return polls >= cancelAt
          })
      }
      #expect(error == .cancelled)
      // No further work (and no further poll) after the hook first returned true.
      #expect(polls == cancelAt, "\(search): cancelled at poll \(cancelAt), polled \(polls) times")
      if cancelAt == 1 { #expect(willRunCalls == 0) }
    }
  }

  @Test func wholeSuite_cancelledAfterNPolls_throwsWithoutFurtherPolls() throws {
    let (net, theta, initial) = fittedBlobNetwork()
    let context = try FlatnessContext(model: net, parameters: theta, initialParameters: initial, subsetSize: 100, seed: 4)
    var polls = 0
    #expect(throws: FlatnessError.cancelled) {
      try runFlatnessSuite(
        context: context, settings: quickSettings(),
        shouldCancel: {
          polls += 1
          return polls >= 25
        })
    }
    #expect(polls == 25)
  }

  @Test(.enabled(if: LongTests.isEnabled, Comment(rawValue: LongTests.comment))) func hookThatNeverCancels_changesNoValue() throws {
    let (net, theta, initial) = fittedBlobNetwork()
    let context = try FlatnessContext(model: net, parameters: theta, initialParameters: initial, subsetSize: 100, seed: 4)
    let plain = try runFlatnessSuite(context: context, settings: quickSettings())
    let hooked = try runFlatnessSuite(context: context, settings: quickSettings(), shouldCancel: { false })
    #expect(plain.values.map(\.id) == hooked.values.map(\.id))
    #expect(plain.values.map(\.value) == hooked.values.map(\.value))
    #expect(plain.warmStart == hooked.warmStart)
  }

  @Test func cancelledError_describesItself() {
    #expect(FlatnessError.cancelled.description.contains("cancelled"))
    #expect(!FlatnessError.cancelled.hint.isEmpty)
  }
}
