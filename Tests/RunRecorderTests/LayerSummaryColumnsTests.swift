import ResultsStore
import RunRecorder
import TestSupport
import Testing

/// `LayerSummaryRecord.columns` is the one declaration of the statistic columns: it must
/// match the `layer_summary` table of the migrated schema, name by name and in order.
@Suite struct LayerSummaryColumnsTests {
  @Test func columns_matchTheSchemaTable() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("runs.sqlite"))
    let schema = try recorder.database.fetchAll(sql: "SELECT name FROM pragma_table_info('layer_summary') ORDER BY cid")
      .compactMap { $0["name"]?.stringValue }
    #expect(schema == ["run_id", "epoch", "layer_index"] + LayerSummaryRecord.columnNames + ["nan_columns"])
    #expect(LayerSummaryRecord.columns.count == 24)
    #expect(Set(LayerSummaryRecord.columns.map(\.keyPath)).count == 24, "each column has its own property")
    for column in LayerSummaryRecord.columns { #expect(!column.documentation.isEmpty, "\(column.name)") }
  }

  @Test func everyColumn_roundTripsThroughTheStoreByName() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("runs.sqlite"))
    let run = try recorder.beginRun(
      RunSpec(experiment: "e", name: "r", layers: [LayerInfo(index: 0, name: "fc", fanIn: 3, fanOut: 2)]))
    var summary = LayerSummaryRecord(layerIndex: 0)
    // Typed properties set by hand; read back by SQL column name.
    summary.frobeniusNorm = 1.5
    summary.std = 0.25
    summary.q99 = 0.75
    summary.nearZeroFraction = 0.125
    summary.spectralDistanceInit = 4.5
    summary.schatten1p5 = .infinity
    summary.mean = .nan
    try run.recordEpoch(EpochRecord(epoch: 1, step: 1, layerSummaries: [summary]))
    let row = try #require(
      try recorder.database.fetchOne(
        sql: """
          SELECT frobenius_norm, std, q99, near_zero_fraction, spectral_distance_init, schatten_1p5, mean,
            nan_columns, spectral_norm FROM layer_summary
          """))
    #expect(
      row.values == [
        .real(1.5), .real(0.25), .real(0.75), .real(0.125), .real(4.5), .real(.infinity), .null, .text("[\"mean\"]"),
        .null,
      ])
  }
}
