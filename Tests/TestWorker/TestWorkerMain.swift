import Foundation
import ResultsStore
import RunRecorder

/// `gapdb-testworker`: a test-only helper process (not API) that records into a store, so
/// tests can run many writers at once and kill one mid-epoch.
///
///     gapdb-testworker record DB EXPERIMENT RUN EPOCHS LAYERS MEASURES [START_AT]
///     gapdb-testworker hang DB EXPERIMENT RUN           (2 epochs, then stops inside epoch 3)
///     gapdb-testworker open DB [START_AT]
///     gapdb-testworker live DB EXPERIMENT RUN    (1 epoch, prints `recording <id>`, waits for
///                                                the file DB.go, then 1 more epoch and finish)
///
/// START_AT is a Unix time in seconds: the worker sleeps until then, so processes spawned one
/// after another hit the store at the same moment. Prints `ok <run id>` and exits 0, or the
/// error on stderr and exits 1.
@main
struct TestWorkerMain {
  static func main() {
    let args = CommandLine.arguments
    do {
      switch args.count > 1 ? args[1] : "" {
      case "record" where args.count >= 8:
        if args.count > 8, let start = Double(args[8]) { waitUntil(start) }
        let recorder = try Recorder(path: args[2])
        let layers = Int(args[6]) ?? 0
        let run = try recorder.beginRun(
          RunSpec(
            experiment: args[3], name: args[4],
            hyperparameters: ["worker_pid": .integer(Int64(getpid()))],
            layers: (0..<layers).map {
              LayerInfo(index: $0, name: "layers.\($0)", fanIn: 8, fanOut: 8)
            }))
        let measureCount = Int(args[7]) ?? 0
        for epoch in 0..<(Int(args[5]) ?? 0) {
          let x = Double(epoch)
          try run.recordEpoch(
            EpochRecord(
              epoch: epoch, step: Int64(epoch) * 100,
              metrics: EpochMetrics(trainLoss: 1 / (1 + x), testLoss: 1.1 / (1 + x)),
              layerSummaries: (0..<layers).map {
                var s = LayerSummaryRecord(layerIndex: $0)
                s.frobeniusNorm = x + Double($0)
                return s
              },
              measures: (0..<measureCount).map {
                MeasureRecord(measureID: "m\($0)", value: x * Double($0))
              }))
        }
        try run.finish(status: .finished)
        print("ok \(run.id)")
      case "live" where args.count >= 5:
        let recorder = try Recorder(path: args[2])
        let run = try recorder.beginRun(RunSpec(experiment: args[3], name: args[4]))
        try run.recordEpoch(EpochRecord(epoch: 0, step: 0, metrics: EpochMetrics(trainLoss: 1)))
        FileHandle.standardOutput.write(Data("recording \(run.id)\n".utf8))
        while !FileManager.default.fileExists(atPath: args[2] + ".go") { usleep(20_000) }
        try run.recordEpoch(EpochRecord(epoch: 1, step: 1, metrics: EpochMetrics(trainLoss: 0.5)))
        try run.finish(status: .finished)
        print("ok \(run.id)")
      case "hang" where args.count >= 5:
        let recorder = try Recorder(path: args[2])
        let run = try recorder.beginRun(
          RunSpec(
            experiment: args[3], name: args[4],
            layers: [LayerInfo(index: 0, name: "fc", fanIn: 4, fanOut: 4)]))
        for epoch in 0..<2 {
          try run.recordEpoch(
            EpochRecord(
              epoch: epoch, step: Int64(epoch), metrics: EpochMetrics(trainLoss: 1),
              layerSummaries: [LayerSummaryRecord(layerIndex: 0)],
              measures: [MeasureRecord(measureID: "m", value: 1)]))
        }
        // Half of epoch 2, written the way recordEpoch writes it, then stop inside the
        // transaction until the test kills this process.
        let db = recorder.database
        try db.execute(sql: "BEGIN IMMEDIATE")
        try db.execute(
          sql: "INSERT INTO epoch_metric (run_id, epoch, step, recorded_at) VALUES (?, 2, 2, 'x')",
          arguments: [.integer(run.id)])
        try db.execute(
          sql: "INSERT INTO layer_summary (run_id, epoch, layer_index) VALUES (?, 2, 0)",
          arguments: [.integer(run.id)])
        FileHandle.standardOutput.write(Data("in-epoch \(run.id)\n".utf8))
        while true { sleep(60) }
      case "open" where args.count >= 3:
        if args.count > 3, let start = Double(args[3]) { waitUntil(start) }
        let db = try Database(storePath: args[2])
        print("ok \(try db.scalar(sql: "PRAGMA user_version"))")
      default:
        FileHandle.standardError.write(Data("usage: see TestWorkerMain.swift\n".utf8))
        exit(64)
      }
    } catch {
      FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
      exit(1)
    }
  }

  static func waitUntil(_ unixTime: Double) {
    let delay = unixTime - Date().timeIntervalSince1970
    if delay > 0 { Thread.sleep(forTimeInterval: delay) }
  }
}
