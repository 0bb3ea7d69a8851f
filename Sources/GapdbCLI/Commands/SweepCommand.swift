import ArgumentParser
import ExperimentRunner
import FeedForward
import Foundation
import ResultsStore
import SweepPlanning
import Sweeps
import TabularOutput

/// `gapdb sweep`: train the cartesian product of hyperparameter values into one store.
public struct SweepCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Train a grid of hyperparameter configurations into a store, resumably.",
    discussion: """
      The sweep comes from exactly one of --grid, --file (TOML, JSON or YAML) or
      --preset. Configurations are the cartesian product of the axes, in a fixed
      order (depth, width, hidden_layout, learning_rate, batch_size, weight_decay,
      optimizer, init, label_noise, seed, train_size, epochs, target_train_loss;
      the first varies slowest). Every run records its hyperparameters, so the
      complete grid is there for Ψ and CMI.

      Resuming: each run stores its configuration key. Rerunning the same sweep
      skips configurations with a finished (or diverged) run on the same data
      (--data-dir), and trains again those whose run failed or whose process
      died (killed, machine lost).

      Cluster: --shard i/n trains only configurations with index ≡ i (mod n);
      give each shard its own store on node-local disk (SQLite's WAL mode is
      unsafe on network filesystems, and gapdb refuses to write a store there)
      and combine the copies with gapdb merge. --slurm N prints (--submit:
      submits) a Slurm array job doing exactly that plus a merge job that waits
      for it (--dependency=afterok); N is capped at the configuration count.
      Submitting again trains only what is missing.

      Presets (Neyshabur et al. 2017 and 2015; Jiang et al. 2020):
        width     1 hidden layer, 8 … 4096 units (powers of 2), true vs
                  random labels, to a training loss of 0.01 (20 runs)
        path-sgd  2 hidden layers of 1024, SGD vs Path-SGD × balanced vs
                  unbalanced initialization (4 runs)
        grid      depth {1,2,3} × width {128,256,512} × learning rate
                  {0.003,0.01,0.03} (27 runs)
      --train-size and --epochs scale any sweep (smoke test in CI, full size on a
      workstation).

      Sweep file (TOML; JSON and YAML use the same keys):
        name = "widths"
        [fixed]
        epochs = 20
        [grid]
        width = [64, 256, 1024]
        label_noise = [0, 1]

      Examples:
        gapdb sweep runs.sqlite --grid "width=64,256,1024;label_noise=0,1"
        gapdb sweep runs.sqlite --preset width --train-size 10000 --jobs 2
        gapdb sweep runs.sqlite --file sweep.toml --shard $SLURM_ARRAY_TASK_ID/8
        gapdb sweep runs.sqlite --preset grid --slurm 8 > submit.sh && bash submit.sh
        gapdb sweep runs.sqlite --preset grid --slurm 8 --submit \\
          --sbatch-option=--time=02:00:00
        gapdb sweep runs.sqlite --preset grid --dry-run
      """)

  @Argument(help: "The store (.sqlite file; created if missing).")
  var store: String

  @OptionGroup var source: SweepSourceOptions

  @Option(help: "Train this many configurations at once, each in its own gapdb process.")
  var jobs: Int = 1

  @Option(help: "Run only configurations whose index ≡ i (mod n), 0 ≤ i < n (e.g. a Slurm array task).")
  var shard: String?

  @Option(help: "IDX data directory (default: the installed Fashion-MNIST).")
  var dataDir: String?

  @Option(help: "Record layer summaries and measures every N-th epoch (epoch 0 and the last always).")
  var measureEvery = 1

  @Flag(help: "Print the plan (what would be trained or skipped) and exit.")
  var dryRun = false

  @Flag(help: "No progress line on stderr.")
  var quiet = false

  @Option(
    help: ArgumentHelp(
      "Print a Slurm submission script: an array job of N tasks (one shard each, on node-local disk) and a merge job into the store that waits for them (afterok); then exit.",
      valueName: "N"))
  var slurm: Int?

  @Flag(help: "With --slurm: write the script to <shard-dir>/submit.sh and run it (calls sbatch).")
  var submit = false

  @Option(help: "With --slurm: shared folder for the shard stores, job scripts and logs (default: <store>.shards).")
  var shardDir: String?

  @Option(
    help: ArgumentHelp(
      "With --slurm: an extra #SBATCH option for both jobs, e.g. --sbatch-option=--partition=short (repeatable).",
      valueName: "option"))
  var sbatchOption: [String] = []

  @Flag(help: "This sweep is the store's only writer: on a network filesystem use a rollback journal instead of refusing (needs --jobs 1).")
  var singleWriter = false

  @Option(help: .hidden) var workerIndex: Int?
  @Option(help: .hidden) var blasThreads: Int?

  public init() {}

  public mutating func validate() throws {
    if jobs < 1 { throw ValidationError("--jobs must be ≥ 1; got \(jobs).") }
    if measureEvery < 1 { throw ValidationError("--measure-every must be ≥ 1; got \(measureEvery).") }
    if let shard {
      do {
        _ = try SweepShard.parse(shard)
      } catch {
        throw ValidationError("\(error.description)\nHint: \(error.hint)")
      }
    }
    if let b = blasThreads, !(1...TrainingConfiguration.maximumBLASThreadCount).contains(b) {
      throw ValidationError("--blas-threads must lie in 1…\(TrainingConfiguration.maximumBLASThreadCount); got \(b).")
    }
    if let slurm {
      if slurm < 1 { throw ValidationError("--slurm must be ≥ 1 array tasks; got \(slurm).") }
      if slurm > Self.maximumSlurmTasks {
        throw ValidationError(
          "--slurm \(slurm) is more array tasks than Slurm allows (at most \(Self.maximumSlurmTasks)).\n"
            + "Hint: use at most one task per configuration; gapdb caps N at the configuration count.")
      }
      for option in sbatchOption {
        let shown = option.debugDescription
        if option.contains(where: { $0.isNewline || $0 == "\0" }) {
          throw ValidationError(
            "--sbatch-option \(shown) contains a line break; each option must be one #SBATCH line.")
        }
        if !option.hasPrefix("--") || option.count < 3 {
          throw ValidationError(
            "--sbatch-option \(shown) is not a long sbatch option.\n"
              + "Hint: write it with its dashes, e.g. --sbatch-option=--time=02:00:00.")
        }
      }
      if shard != nil { throw ValidationError("--slurm makes the shards itself; drop --shard.") }
      if dryRun { throw ValidationError("--slurm only prints a script; drop --dry-run.") }
    } else if submit || shardDir != nil || !sbatchOption.isEmpty {
      throw ValidationError("--submit, --shard-dir and --sbatch-option need --slurm N.")
    }
    if singleWriter && jobs > 1 {
      throw ValidationError("--single-writer means one writing process; it cannot be combined with --jobs \(jobs).")
    }
    if slurm == nil && jobs > 1 && StoreJournalPolicy.fromEnvironment == .singleWriterOnSharedFileSystem {
      throw ValidationError(
        "GAPDB_SINGLE_WRITER is set (one writing process); it cannot be combined with --jobs \(jobs).\n"
          + "Hint: unset GAPDB_SINGLE_WRITER, or use --jobs 1.")
    }
  }

  public func run() throws {
    let spec = try source.specification()
    let experiment = source.experimentName(for: spec)
    let all = try mapPlanningError { try spec.configurations() }
    var context = SweepRunContext(
      storePath: store, experiment: experiment, dataDirectory: dataDir,
      blasThreadCount: blasThreads ?? max(1, ProcessInfo.processInfo.activeProcessorCount),
      measureEvery: measureEvery)
    // The trainer's refusals (width, epochs, memory) before the store is created or read,
    // so a dry run shows them too and a refused sweep writes nothing.
    if let problem = plannedConfigurationsProblem(all, context: context) {
      try exitingWithUsageCode { throw CommandUsageError(problem.message, hint: problem.hint) }
    }

    if var slurm {
      if slurm > all.count {
        FileHandle.standardError.write(Data(
          "gapdb sweep: --slurm \(slurm) is more tasks than the \(all.count) configurations; using \(all.count).\n".utf8))
        slurm = all.count
      }
      try submitToSlurm(spec: spec, experiment: experiment, shardCount: slurm)
      return
    }
    if singleWriter { setenv("GAPDB_SINGLE_WRITER", "1", 1) }

    // Worker mode: train one configuration of the sweep in this process.
    if let k = workerIndex {
      guard all.indices.contains(k) else {
        throw CommandError("Worker index \(k) is out of range 0..<\(all.count).")
      }
      try trainSweepConfiguration(all[k], context: context)
      return
    }

    let shardSelection = try shard.map { text in try mapPlanningError { try SweepShard.parse(text) } }
    let selected = shardSelection?.select(all) ?? all
    // A dry run never creates or changes the store.
    let storeExists = FileManager.default.fileExists(atPath: store)
    // A store this user cannot write is refused before anything is trained or created.
    if !dryRun { try checkStoreIsWritable(store) }
    let ledger: SweepLedger
    if dryRun && !storeExists {
      ledger = SweepLedger(runsByKey: [:])
    } else {
      // Runs count as done only when trained on this sweep's data (SweepLedger's rule).
      let configJSON = all.first.flatMap { first in
        (try? RecordedRunConfiguration.encoder.encode(trainingRunConfiguration(for: first, context: context)))
          .flatMap { String(data: $0, encoding: .utf8) }
      }
      ledger = try SweepLedger.read(
        database: Database(storePath: store, readOnly: dryRun), experiment: experiment, configJSON: configJSON)
    }
    let resume = SweepResumePlan(configurations: selected, ledger: ledger)
    let plan = resume.toTrain
    let skipped = resume.skippedCount
    if dryRun {
      let sink = StandardOutputSink()
      let writer = RowWriter(format: .table, sink: sink)
      writer.begin(columns: ["index", "configuration", "plan"])
      for (c, action) in resume.entries {
        writer.write([.integer(Int64(c.index)), .text(c.displayName), .text(action.text)])
      }
      writer.finish()
      sink.flush()
      return
    }
    let database = try Database(storePath: store)
    try SweepLedger.markCrashed(resume.crashedRunIDs, database: database)
    if !quiet {
      let shardText = shardSelection.map { " (shard \($0.index)/\($0.count))" } ?? ""
      writeStandardError(
        "Sweep '\(experiment)'\(shardText): \(selected.count) configurations, \(skipped) already done, "
          + "\(plan.count) to train, --jobs \(jobs). Store: \(store)\n")
    }
    guard !plan.isEmpty else { return }
    let firstNewRunID = try SweepProgressMonitor.nextRunID(database: database)
    let monitor =
      quiet
      ? nil
      : SweepProgressMonitor(
        storePath: store, experiment: experiment, firstNewRunID: firstNewRunID, skippedCount: skipped,
        plannedCount: plan.count, work: SweepWorkPlan(plan))
    monitor?.start()
    let failures: [SweepExecutor.Failure]
    if jobs == 1 {
      failures = SweepExecutor(context: context, trainInProcess: trainSweepConfiguration).runInProcess(plan)
    } else {
      guard let executable = currentGapdbExecutable() else {
        monitor?.stop()
        throw CommandError(
          "Cannot find the gapdb executable to start worker processes.",
          hint: "Set GAPDB_EXECUTABLE to the gapdb binary, or use --jobs 1.")
      }
      let work = FileManager.default.temporaryDirectory.appendingPathComponent("gapdb-sweep-\(UUID().uuidString)")
      try writingFile(work.path) { try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true) }
      defer { try? FileManager.default.removeItem(at: work) }
      var named = spec
      named.name = experiment
      let sweepFile = work.appendingPathComponent("sweep.json").path
      try writingFile(sweepFile) { try named.jsonText().write(toFile: sweepFile, atomically: true, encoding: .utf8) }
      context.blasThreadCount = max(1, ProcessInfo.processInfo.activeProcessorCount / jobs)
      do {
        failures = try SweepExecutor(context: context, trainInProcess: trainSweepConfiguration).runInChildren(
          plan, jobs: jobs, executable: executable, sweepFile: sweepFile, logDirectory: work.path)
      } catch {
        monitor?.stop()
        throw error
      }
    }
    monitor?.stop()
    if !failures.isEmpty {
      for f in failures.prefix(10) { writeStandardError("failed: \(f.configuration): \(f.message)\n") }
      throw CommandError(
        "\(failures.count) of \(plan.count) runs failed (first: \(failures[0].configuration)).",
        hint: "Fix the cause and run the same command again: finished runs are skipped, failed ones retrained.")
    }
  }
}

extension SweepCommand {
  /// The largest `--slurm N` accepted: Slurm's own ceiling for `MaxArraySize` (4 000 001,
  /// so task indices 0…4 000 000).
  static let maximumSlurmTasks = 4_000_001

  /// The first executable file named `name` in a folder of `PATH`, or `nil`.
  static func executableOnPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    for folder in path.split(separator: ":", omittingEmptySubsequences: false) {
      let candidate = ((folder.isEmpty ? "." : String(folder)) as NSString).appendingPathComponent(name)
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  /// `--slurm N`: prints the submission script, or with `--submit` writes and runs it.
  func submitToSlurm(spec: SweepSpecification, experiment: String, shardCount: Int) throws {
    guard let executable = currentGapdbExecutable() else {
      throw CommandError(
        "Cannot find the gapdb executable for the job scripts.",
        hint: "Set GAPDB_EXECUTABLE to the gapdb binary the compute nodes should run.")
    }
    let cwd = FileManager.default.currentDirectoryPath
    func absolute(_ path: String) -> String {
      path.hasPrefix("/") ? path : ((cwd as NSString).appendingPathComponent(path) as NSString).standardizingPath
    }
    let storePath = absolute(store)
    let directory = absolute(shardDir ?? store + ".shards")
    var named = spec
    named.name = experiment
    var arguments: [String] = []
    if let dataDir { arguments += ["--data-dir", absolute(dataDir)] }
    if measureEvery != 1 { arguments += ["--measure-every", String(measureEvery)] }
    if let blasThreads { arguments += ["--blas-threads", String(blasThreads)] }
    let submission = SlurmSubmission(
      gapdbExecutable: absolute(executable), store: storePath, shardDirectory: directory,
      shardCount: shardCount, sweepJSON: named.jsonText(), experiment: experiment,
      sweepArguments: arguments, sbatchOptions: sbatchOption, cpusPerTask: jobs)
    let script = submission.script()
    guard submit else {
      let sink = StandardOutputSink()
      sink.write(script)
      sink.flush()
      return
    }
    // Without sbatch nothing could be submitted: say so before writing anything.
    guard Self.executableOnPath("sbatch") != nil else {
      throw CommandError(
        "--submit needs sbatch, which is not on PATH; nothing was written.",
        hint: "Run on a Slurm login node, or drop --submit to print the script.")
    }
    let scriptPath = (directory as NSString).appendingPathComponent("submit.sh")
    try writingFile(scriptPath) {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [scriptPath]
    do {
      try process.run()
    } catch {
      throw CommandError("Cannot run /bin/bash \(scriptPath): \(error)", hint: "Run the script by hand: bash \(scriptPath)")
    }
    process.waitUntilExit()
    if process.terminationStatus != 0 {
      throw CommandError(
        "Submitting failed (bash \(scriptPath) exited with \(process.terminationStatus)).",
        hint: "Check that sbatch is on PATH and the options are valid; the script is \(scriptPath).")
    }
  }
}

/// Where the sweep comes from: `--grid`, `--file` or `--preset`, plus the scaling options.
struct SweepSourceOptions: ParsableArguments {
  @Option(help: "Axes and values, e.g. \"width=64,256,1024;label_noise=0,1\".")
  var grid: String?

  @Option(help: "A sweep file: .toml, .json, .yaml or .yml.")
  var file: String?

  @Option(help: "A built-in sweep: width, path-sgd or grid.")
  var preset: String?

  @Option(help: "Experiment name for the runs (default: the sweep file's name, preset-<name>, or 'sweep').")
  var experiment: String?

  @Option(help: "Training examples per run (a fixed seeded subset); overrides the sweep's fixed value (refused if the sweep varies train_size).")
  var trainSize: Int?

  @Option(help: "Epoch cap per run; overrides the sweep's fixed value (refused if the sweep varies epochs).")
  var epochs: Int?

  mutating func validate() throws {
    let given = [grid != nil, file != nil, preset != nil].filter { $0 }.count
    if given != 1 {
      throw ValidationError("Give exactly one of --grid, --file or --preset (got \(given)).")
    }
    if let t = trainSize, t < 1 { throw ValidationError("--train-size must be ≥ 1; got \(t).") }
    if let e = epochs, e < 1 { throw ValidationError("--epochs must be ≥ 1; got \(e).") }
    if let experiment, experiment.isEmpty { throw ValidationError("--experiment must not be empty.") }
  }

  /// The sweep, with --train-size and --epochs applied (they replace fixed values; an axis of the same name is a usage error).
  func specification() throws -> SweepSpecification {
    var spec: SweepSpecification
    // Exit codes: a bad --grid or --preset is a bad argument (64); a bad --file is bad data
    // read at run time (1), like any other file the tool reads.
    if let grid {
      spec = try mapPlanningError(asUsage: true) { try SweepSpecification.parseGrid(grid) }
    } else if let file {
      spec = try mapPlanningError { try SweepFileParser.load(path: file) }
    } else {
      let p = try mapPlanningError(asUsage: true) { try SweepPreset.named(preset ?? "") }
      spec = p.specification()
    }
    if file == nil {
      // Whole-sweep checks (e.g. more than 1,000,000 configurations) of a command-line sweep.
      try mapPlanningError(asUsage: true) { try spec.validate() }
    }
    // An option replaces a fixed value (that is how it scales a sweep), but an axis the sweep
    // varies would silently collapse to one value: refuse, naming both.
    for (option, given, axis) in [("--train-size", trainSize, SweepAxis.trainSize), ("--epochs", epochs, .epochs)] {
      if let given, let values = spec.axes[axis] {
        let listed = values.map(\.description).joined(separator: ",")
        try exitingWithUsageCode {
          throw CommandUsageError(
            "\(option) \(given) conflicts with the sweep's axis \(axis.rawValue)=\(listed)",
            hint: "give \(axis.rawValue) either as an axis of the sweep or with \(option), not both.")
        }
      }
    }
    if let trainSize {
      spec.axes[.trainSize] = nil
      spec.fixed[.trainSize] = .integer(trainSize)
    }
    if let epochs {
      spec.axes[.epochs] = nil
      spec.fixed[.epochs] = .integer(epochs)
    }
    return spec
  }

  func experimentName(for spec: SweepSpecification) -> String {
    experiment ?? spec.name ?? "sweep"
  }
}

/// Turns a ``SweepPlanningError`` into a ``CommandError`` with its hint (exit 1), or with
/// `asUsage` into a usage error (printed the same way, exit 64).
func mapPlanningError<T>(asUsage: Bool = false, _ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as SweepPlanningError {
    if asUsage {
      return try exitingWithUsageCode { throw CommandUsageError(error.description, hint: error.hint) }
    }
    throw CommandError(error.description, hint: error.hint)
  }
}
