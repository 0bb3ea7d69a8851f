import ComplexityMeasures
import ExperimentRunner
import Testing

/// The registry → `measure` catalogue mapping the trainer registers with the recorder.
@Suite struct MeasureCatalogueTests {
  @Test func catalogue_coversRegistryWithFlags() {
    let catalogue = MeasureRecords.catalogue
    #expect(catalogue.count == MeasureRegistry.all.count)
    #expect(catalogue.count == 72)
    // Spec §2.0: path_norm_sq_over_margin needs data (γ), not W⁰; it is N-invariant and
    // O-invariant (margin-normalized).
    let path = catalogue.first { $0.id == "path_norm_sq_over_margin" }
    #expect(path?.needsData == true && path?.needsInit == false)
    #expect(path?.isNodeRescalingInvariant == true && path?.isOutputScalingInvariant == true)
    // spec_init_main (Jiang eq. 29) needs the initial weights.
    #expect(catalogue.first { $0.id == "spec_init_main" }?.needsInit == true)
    #expect(Set(catalogue.map(\.id)).count == catalogue.count)
  }
}
