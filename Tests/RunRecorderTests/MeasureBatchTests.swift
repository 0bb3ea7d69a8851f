import Foundation
import ResultsStore
import RunRecorder
import TestSupport
import Testing

/// The recorder writes an epoch's measure values with multi-row INSERTs (chunks of 32, 16,
/// 8, 4, 2, 1 rows); every chunk size must store exactly what was given.
@Suite struct MeasureBatchTests {
  /// Value i of an epoch: every 10th is special (NaN, +Inf, −Inf, undefined, with details).
  func record(_ i: Int, epoch: Int) -> MeasureRecord {
    let id = "m\(String(format: "%03d", i))"
    switch i % 10 {
    case 1: return MeasureRecord(measureID: id, value: .nan)
    case 3: return MeasureRecord(measureID: id, value: .infinity, detail: #"{"i":\#(i)}"#)
    case 5: return MeasureRecord(measureID: id, value: -.infinity)
    case 7: return .undefined(measureID: id, reason: "case \(i)")
    default: return MeasureRecord(measureID: id, value: Double(i) * 0.1 + Double(epoch))
    }
  }

  // 0, 1, 63 = 32+16+8+4+2+1, 64, 100 = 3×32+4, 131 = 4×32+2+1.
  @Test(arguments: [0, 1, 63, 64, 100, 131])
  func recordEpoch_everyChunkSize_roundTripsValuesAndKinds(_ count: Int) throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("runs.sqlite"))
    let run = try recorder.beginRun(RunSpec(experiment: "e", name: "r"))
    for epoch in 0..<2 {
      try run.recordEpoch(
        EpochRecord(
          epoch: epoch, step: Int64(epoch),
          measures: (0..<count).reversed().map { record($0, epoch: epoch) }))
    }
    let rows = try recorder.database.fetchAll(
      sql: """
        SELECT epoch, measure_id, value, value_kind, detail FROM measure_value
        ORDER BY epoch, measure_id
        """)
    #expect(rows.count == 2 * count)
    for (n, row) in rows.enumerated() {
      let epoch = n / max(count, 1)
      let i = n % max(count, 1)
      let expected = record(i, epoch: epoch)
      let kind: String
      let value: DatabaseValue
      switch i % 10 {
      case 1: (kind, value) = ("nan", .null)
      case 3: (kind, value) = ("+inf", .real(.infinity))
      case 5: (kind, value) = ("-inf", .real(-.infinity))
      case 7: (kind, value) = ("undefined", .null)
      default: (kind, value) = ("finite", .real(Double(i) * 0.1 + Double(epoch)))
      }
      #expect(
        row.values == [
          .integer(Int64(epoch)), .text(expected.measureID), value, .text(kind),
          expected.detail.map { .text($0) } ?? .null,
        ])
    }
    #expect(
      try recorder.database.scalar(sql: "SELECT count(*) FROM measure")
        == .integer(Int64(count)))
  }

  @Test func recordEpoch_repeatedIdInLargeEpoch_namesItAndWritesNothing() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let recorder = try Recorder(path: dir.path("runs.sqlite"))
    let run = try recorder.beginRun(RunSpec(experiment: "e", name: "r"))
    var measures = (0..<100).map { MeasureRecord(measureID: "m\($0)", value: Double($0)) }
    measures[90] = MeasureRecord(measureID: "m42", value: 1)  // chunks 2 and 3: 32–63, 64–95
    #expect(throws: RecorderError.duplicateMeasure(id: "m42")) {
      try run.recordEpoch(EpochRecord(epoch: 0, step: 0, measures: measures))
    }
    for table in ["epoch_metric", "measure_value", "measure"] {
      #expect(
        try recorder.database.scalar(sql: "SELECT count(*) FROM \(table)") == .integer(0), "\(table)")
    }
    // The catalogue rows rolled back with the epoch are created again next time.
    measures[90] = MeasureRecord(measureID: "m90", value: 90)
    try run.recordEpoch(EpochRecord(epoch: 0, step: 0, measures: measures))
    #expect(try recorder.database.scalar(sql: "SELECT count(*) FROM measure") == .integer(100))
    #expect(
      try recorder.database.scalar(sql: "SELECT sum(value) FROM measure_value") == .real(4950))
  }
}
