import Foundation
import ResultsStore
import SweepPlanning
import Synchronization
import TabularOutput

/// Where and how one sweep configuration is trained.
public struct SweepRunContext: Sendable {
  /// The store every run writes to.
  public var storePath: String
  /// The experiment the runs belong to.
  public var experiment: String
  /// IDX data directory (`nil`: the installed Fashion-MNIST).
  public var dataDirectory: String?
  /// OpenBLAS threads for this run.
  public var blasThreadCount: Int
  /// Layer summaries and measures every N-th epoch (epoch 0 and the final epoch always).
  public var measureEvery: Int = 1

  /// Creates a context.
  public init(
    storePath: String, experiment: String, dataDirectory: String?, blasThreadCount: Int, measureEvery: Int = 1
  ) {
    self.storePath = storePath
    self.experiment = experiment
    self.dataDirectory = dataDirectory
    self.blasThreadCount = blasThreadCount
    self.measureEvery = measureEvery
  }
}

/// Trains configurations one after another in this process, or in `jobs` child `gapdb`
/// processes at once.
///
/// Child processes run `gapdb sweep STORE --file SWEEP.json --experiment NAME
/// --worker-index K --blas-threads T`, which trains configuration K of the same sweep
/// in-process; all of them write to the same store (WAL, retried transactions). Each child
/// gets ⌊cores / jobs⌋ (at least 1) OpenBLAS threads so the machine is not oversubscribed.
/// A child that exits with an error, or is killed, leaves its run `running` or `failed`; the
/// executor marks a still-running row of a dead child `failed` (`process_died`), so the next
/// rerun trains it again.
public struct SweepExecutor {
  /// A configuration that did not train to the end.
  public struct Failure: Equatable {
    public var configuration: String
    public var message: String
  }

  public var context: SweepRunContext
  /// Trains one configuration in this process (records it; throws on failure).
  public var trainInProcess: (SweepConfiguration, SweepRunContext) throws -> Void

  /// An executor training with `trainInProcess` (``trainSweepConfiguration(_:context:)`` in
  /// `gapdb`) under `context`.
  public init(
    context: SweepRunContext, trainInProcess: @escaping (SweepConfiguration, SweepRunContext) throws -> Void
  ) {
    self.context = context
    self.trainInProcess = trainInProcess
  }

  /// Trains `plan` in this process, in order; a failing configuration does not stop the rest.
  public func runInProcess(_ plan: [SweepConfiguration]) -> [Failure] {
    var failures: [Failure] = []
    for configuration in plan {
      do {
        try trainInProcess(configuration, context)
      } catch {
        failures.append(Failure(configuration: configuration.displayName, message: "\(error)"))
      }
    }
    return failures
  }

  /// Trains `plan` in up to `jobs` child processes at once.
  ///
  /// - Parameters:
  ///   - plan: The configurations to train.
  ///   - jobs: Parallel processes (≥ 1).
  ///   - executable: The `gapdb` binary.
  ///   - sweepFile: A JSON sweep file holding the whole sweep (indices refer to it).
  ///   - logDirectory: Where each child's stderr is kept (`run-<index>.log`).
  /// - Returns: The configurations whose process failed, with the end of its stderr.
  public func runInChildren(
    _ plan: [SweepConfiguration], jobs: Int, executable: String, sweepFile: String,
    logDirectory: String
  ) throws -> [Failure] {
    let cores = max(ProcessInfo.processInfo.activeProcessorCount, 1)
    let blasThreads = max(1, cores / max(jobs, 1))
    var pending = plan[...]
    var running: [(process: Process, configuration: SweepConfiguration, log: String)] = []
    var failures: [Failure] = []
    let interrupted = Mutex(false)
    let signalSources = [SIGINT, SIGTERM].map { sig -> DispatchSourceSignal in
      signal(sig, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
      source.setEventHandler { interrupted.withLock { $0 = true } }
      source.resume()
      return source
    }
    defer {
      for s in signalSources { s.cancel() }
      signal(SIGINT, SIG_DFL)
      signal(SIGTERM, SIG_DFL)
    }
    while !pending.isEmpty || !running.isEmpty {
      if interrupted.withLock({ $0 }) {
        for r in running where r.process.isRunning { r.process.terminate() }
        for r in running { r.process.waitUntilExit() }
        try markDeadChildrenRuns(running.map { $0.process.processIdentifier })
        throw SweepError(
          "Interrupted; \(running.count) run\(running.count == 1 ? "" : "s") stopped.",
          hint: "Run the same command again: finished runs are kept and the rest are trained.")
      }
      while running.count < max(jobs, 1), let next = pending.popFirst() {
        let log = (logDirectory as NSString).appendingPathComponent("run-\(next.index).log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        var arguments = [
          "sweep", context.storePath, "--file", sweepFile, "--experiment", context.experiment,
          "--worker-index", String(next.index), "--blas-threads", String(blasThreads),
        ]
        if let dir = context.dataDirectory { arguments += ["--data-dir", dir] }
        if context.measureEvery != 1 { arguments += ["--measure-every", String(context.measureEvery)] }
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        running.append((process, next, log))
      }
      Thread.sleep(forTimeInterval: 0.1)
      var stillRunning: [(process: Process, configuration: SweepConfiguration, log: String)] = []
      for r in running {
        if r.process.isRunning {
          stillRunning.append(r)
          continue
        }
        if r.process.terminationStatus != 0 || r.process.terminationReason == .uncaughtSignal {
          try markDeadChildrenRuns([r.process.processIdentifier])
          let text = (try? String(contentsOfFile: r.log, encoding: .utf8)) ?? ""
          let tail = text.split(separator: "\n").suffix(3).joined(separator: " / ")
          let how =
            r.process.terminationReason == .uncaughtSignal
            ? "killed by signal \(r.process.terminationStatus)" : "exit code \(r.process.terminationStatus)"
          failures.append(
            Failure(configuration: r.configuration.displayName, message: "\(how): \(tail)"))
        }
      }
      running = stillRunning
    }
    return failures
  }

  /// Marks `running` rows recorded by these (now dead) processes as failed.
  private func markDeadChildrenRuns(_ pids: [Int32]) throws {
    guard !pids.isEmpty else { return }
    let database = try Database(storePath: context.storePath)
    let host = ProcessInfo.processInfo.hostName
    var ids: [Int64] = []
    for pid in pids {
      ids += try database.fetchAll(
        sql: "SELECT id FROM run WHERE status = 'running' AND host = ?1 AND pid = ?2",
        arguments: [DatabaseValue(host), DatabaseValue(Int64(pid))]
      ).compactMap { $0[0].int64Value }
    }
    try SweepLedger.markCrashed(ids, database: database)
  }
}

/// The path of the running `gapdb` executable (for worker processes); `GAPDB_EXECUTABLE`
/// overrides it (tests, wrappers).
public func currentGapdbExecutable() -> String? {
  if let override = ProcessInfo.processInfo.environment["GAPDB_EXECUTABLE"], !override.isEmpty {
    return override
  }
  if let path = Bundle.main.executablePath, (path as NSString).lastPathComponent == "gapdb" {
    return path
  }
  let arg0 = CommandLine.arguments.first ?? ""
  if (arg0 as NSString).lastPathComponent == "gapdb", FileManager.default.isExecutableFile(atPath: arg0) {
    return arg0
  }
  return nil
}
