import ComplexityMeasures
import ExperimentRunner
import FlatnessMeasures
import Foundation
import LinearAlgebra
import MeasureCatalog
import RunRecorder
import Testing

/// The one measure catalogue (`GapdbMeasures.all`) and the layer-summary column mapping.
@Suite struct MeasureCatalogueTests {
  @Test func catalogue_coversBothLibrariesWithUniqueIDsAndFlags() {
    let catalogue = GapdbMeasures.all
    // 72 weight/margin measures + 8 PAC-Bayes + 8 sharpness + 2 Keskar + gradient noise
    // + 2 steps-to-CE + 2 sum-of-training-losses.
    #expect(MeasureRegistry.descriptors.count == 72)
    #expect(catalogue.count == 72 + 8 + 8 + 2 + 1 + 2 + 2)
    #expect(catalogue.duplicateIDs().isEmpty)
    #expect(catalogue.map(\.id) == MeasureRegistry.all.map(\.id) + FlatnessRegistry.entries.map(\.id))
    // Spec §2.0: path_norm_sq_over_margin needs data (γ), not W⁰; it is N-invariant and
    // O-invariant (margin-normalized).
    let path = GapdbMeasures.descriptor(id: "path_norm_sq_over_margin")
    #expect(path?.needsData == true && path?.needsInit == false && path?.cost == .forwardPass)
    #expect(path?.isNodeRescalingInvariant == true && path?.isOutputScalingInvariant == true)
    // spec_init_main (Jiang eq. 29) needs the initial weights.
    #expect(GapdbMeasures.descriptor(id: "spec_init_main")?.needsInit == true)
    #expect(GapdbMeasures.descriptor(id: "spec_prod")?.cost == .weights)
    // The perturbation and optimization measures are in the same list.
    #expect(GapdbMeasures.descriptor(id: "pacbayes_sigma")?.cost == .search)
    #expect(GapdbMeasures.descriptor(id: "keskar_sharpness_eps1e-3")?.cost == .gradientPasses)
    #expect(GapdbMeasures.descriptor(id: "sotl")?.needs == [.trainingLog])
    for d in catalogue {
      #expect(!d.name.isEmpty && !d.description.isEmpty && !d.formula.isEmpty && !d.source.isEmpty, "\(d.id)")
      #expect(d.cost == .trainingLog || d.needs.first == .weights, "\(d.id) is computed from weights")
    }
  }

  @Test func invarianceMapsToTheStoreFlagsOnlyWhenExact() {
    #expect(Invariance.allCases.filter(\.isExact) == [.invariant])
    // Magnitude-aware PAC-Bayes flatness is invariant up to the ε floor: stored as 0.
    let mag = GapdbMeasures.descriptor(id: "pacbayes_mag_flatness")
    #expect(mag?.nodeWiseRescaling == .approximately && mag?.isNodeRescalingInvariant == false)
    #expect([MeasureDescriptor]().duplicateIDs().isEmpty)
    let d = MeasureDescriptor(
      id: "a", name: "n", description: "d", formula: "f", source: "s", needs: [.weights], nodeWiseRescaling: .invariant,
      layerWiseRescaling: .invariant, outputScaling: .invariant, cost: .weights)
    var e = d
    e.id = "b"
    #expect([d, e, d, d, e].duplicateIDs() == ["a", "b"])
  }

  @Test func layerSummarySources_coverEveryColumnExactlyOnce() {
    #expect(Set(MeasureRecords.layerSummarySources.keys) == Set(LayerSummaryRecord.columnNames))
    #expect(MeasureRecords.layerSummarySources.count == LayerSummaryRecord.columns.count)
  }

  /// W = [[3, 0], [0, −4]], W⁰ = 0: every statistic by hand (entries sorted −4, 0, 0, 3;
  /// quantiles interpolate linearly at position q·(m−1); group norms over rows = units).
  @Test func layerSummaryRecord_mapsEveryStatisticToItsColumn() throws {
    let w = Matrix(rows: 2, columns: 2, elements: [3, 0, 0, -4])
    let layer = LayerWeights(name: "layers.0", weights: w, initialWeights: Matrix(rows: 2, columns: 2))
    let summary = summarizeLayer(layer, index: 3, options: LayerSummaryOptions(spectralMethod: .exact))
    let record = MeasureRecords.layerSummaryRecord(summary)
    let s15 = pow(pow(3, 1.5) + pow(4, 1.5), 1 / 1.5)
    let expected: [String: Double] = [
      "frobenius_norm": 5, "spectral_norm": 4, "stable_rank": 25.0 / 16, "l1_norm": 7, "max_abs": 4, "mean": -0.25,
      "std": 99.0.squareRoot() / 4, "min": -4, "max": 3, "q01": -3.88, "q05": -3.4, "q25": -1, "q50": 0, "q75": 0.75,
      "q95": 2.55, "q99": 2.91, "near_zero_fraction": 0.5, "group_norm_1_inf": 4, "group_norm_2_2": 5,
      "group_norm_3_1p5": s15, "schatten_1": 7, "schatten_1p5": s15, "frobenius_distance_init": 5,
      "spectral_distance_init": 4,
    ]
    #expect(record.layerIndex == 3)
    #expect(Set(expected.keys) == Set(LayerSummaryRecord.columnNames))
    for (name, value) in zip(LayerSummaryRecord.columnNames, record.columnValues) {
      let want = try #require(expected[name])
      let got = try #require(value, "\(name) is nil")
      #expect(abs(got - want) <= 1e-6 * max(1, abs(want)), "\(name): \(got) vs \(want)")
    }
    // The typed properties hold the same values (spot checks by name).
    #expect(record.frobeniusNorm == 5 && record.min == -4 && record.nearZeroFraction == 0.5)
  }
}
