import ArgumentParser
import ComplexityMeasures
import Datasets
import ExperimentRunner
import FeedForward
import Foundation
import ResultsStore
import RunRecorder
import Synchronization
import TabularOutput

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Set by the SIGINT/SIGTERM handler of `gapdb train`; polled after every optimizer step.
private let interruptRequested = Atomic<Bool>(false)

extension OptimizerName: ExpressibleByArgument {}
extension WeightInitializer: ExpressibleByArgument {}


/// `gapdb train`: train a ReLU MLP on Fashion-MNIST (or any IDX/CSV data) and record every epoch.
struct TrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train",
    abstract: "Train a ReLU network and record every epoch, its measures and margins.",
    discussion: """
      Trains a fully connected ReLU network (biases on, PyTorch's default initializer unless \
      --initializer says otherwise) with softmax cross-entropy, float32 on OpenBLAS, and records into \
      the store (created if missing), per epoch: full train/test loss (nats) and error, learning rate, \
      optimizer steps, wall time; and at epoch 0 (the initial weights), every --measure-every epochs \
      and the final epoch: per-layer weight summaries, every data-free measure and the margin \
      measures, computed on a fixed seeded subset of --margin-subset training examples. Stops after \
      --epochs (at most 1,000,000), or when the full training cross-entropy reaches \
      --target-train-loss (Jiang et al.'s criterion); the run records whether it did. A NaN/Inf loss \
      ends the run as diverged (exit code 0: the run is recorded). Same seed, same result, bit for \
      bit, on one machine (BLAS threads fixed by --threads).

      Data: Fashion-MNIST from Debian's dataset-fashion-mnist \
      (\(IDXDataset.defaultFashionMNISTDirectory)) by default; --data-dir for any folder with the four \
      MNIST-format IDX files (.gz or raw); --csv for a CSV file (label column + numeric features) with \
      a test set from --csv-test or --holdout-fraction (--no-test-set trains without one: no test \
      error, no gap). Applied in order: --train-size (fixed seeded subset), --label-noise (exactly \
      round(p·m) labels replaced by uniformly random labels, which may equal the true one), --scaling.

      Network size: each hidden layer may have at most 1,000,000 units, and a network whose float32 \
      weights, gradients and optimizer state would exceed the machine's physical memory is refused \
      before the store is opened.

      Path-SGD (Neyshabur, Salakhutdinov, Srebro 2015) divides each edge's gradient by κ_e = \
      ∂φ₂²/∂(w_e²); biases count as edges from a constant-1 unit. Its learning rates are not \
      comparable with SGD's; --path-sgd-match-first-step scales its steps so the first has the length \
      of an SGD step on the ℓ2-balanced rescaling of the network (the rescaling with the smallest \
      sum of squared parameters), so the whole run stays invariant to node-wise rescaling.

      Perturbation measures (Jiang et al. 2020): at the final epoch, and every --perturb-every epochs, \
      the PAC-Bayes σ/σ′ and sharpness α/α′ searches, Keskar ε-sharpness and gradient noise run on a \
      --perturb-subset of the training set (warm-started from the previous checkpoint), and \
      steps-to-CE and sum-of-training-loss measures are recorded every epoch; each value's detail \
      holds the search settings. This costs hundreds of forward passes per checkpoint (minutes for \
      784-1024-10 on 10,000 examples); --no-perturb skips it.

      Progress (epoch, loss, ETA) goes to stderr; --quiet silences it. At the end one row describing \
      the run goes to stdout (--format, --json), and stderr says where the results are.

      Examples:
        gapdb train --db runs.sqlite --experiment fashion --hidden 512,512 \\
          --epochs 20
        gapdb train --db runs.sqlite --experiment random-labels --label-noise 1 \\
          --train-size 10000 --target-train-loss 0.01 --epochs 300 \\
          --optimizer momentum --snapshot final
        gapdb train --db runs.sqlite --experiment pathsgd --optimizer path-sgd \\
          --lr 0.01 --quiet --json
        gapdb train --db runs.sqlite --experiment iris --csv iris.csv \\
          --holdout-fraction 0.2 --scaling standardize
      """)

  @Option(help: "The gapdb store (a .sqlite file; created if missing).")
  var db: String

  @Option(help: "Experiment name (created on first use).")
  var experiment: String

  @Option(help: "Run name (default: derived from the hyperparameters).")
  var name: String?

  @Option(help: "Hidden-layer widths, comma-separated (e.g. 512,512); 'none' for softmax regression.")
  var hidden: String = "512"

  @Option(help: "Maximum number of epochs (at most 1,000,000).")
  var epochs: Int = 20

  @Option(help: "Learning rate.")
  var lr: Double = 0.01

  @Option(help: "Mini-batch size.")
  var batchSize: Int = 64

  @Option(help: "sgd, momentum (SGD with heavy-ball momentum) or path-sgd.")
  var optimizer: OptimizerName = .sgd

  @Option(help: "Momentum μ (default 0.9 with --optimizer momentum, else 0).")
  var momentum: Double?

  @Option(help: "L2 weight decay λ (added to the gradient of weights and biases).")
  var weightDecay: Double = 0

  @Option(help: "constant, step:FACTOR:EVERY (e.g. step:0.1:30) or cosine[:EPOCHS].")
  var lrSchedule: String = "constant"

  @Option(help: "pytorch-default (U(±1/√fanIn) for weights and biases) or he-normal.")
  var initializer: WeightInitializer = .pytorchDefault

  @Flag(help: "Path-SGD: scale steps by a ratio fixed at the first step so it is as long as an SGD step on the ℓ2-balanced rescaling of the network.")
  var pathSGDMatchFirstStep = false

  @Option(help: "Fraction of training labels replaced by random labels, in [0, 1].")
  var labelNoise: Double = 0

  @Option(help: "Train on a fixed seeded subset of this many examples.")
  var trainSize: Int?

  @Option(help: "Seed of initialization, data order, subset, label noise and margin subset. (default: 1)", transform: parseSeed)
  var seed: UInt64 = 1

  @OptionGroup(title: "Perturbation measures (PAC-Bayes σ, sharpness α, Keskar, gradient noise)")
  var flatness: FlatnessOptions

  @Option(help: "Stop when the full training cross-entropy (nats) is at or below this.")
  var targetTrainLoss: Double?

  @Option(help: "Folder with train-images-idx3-ubyte[.gz] etc. (default: Fashion-MNIST).")
  var dataDir: String?

  @Option(help: "Number of classes of IDX data (default: 10; CSV data takes its classes from the labels).")
  var classes: Int?

  @Option(help: "Training CSV file (label column + numeric features) instead of IDX data.")
  var csv: String?

  @Option(help: "Test CSV file with the same columns as --csv.")
  var csvTest: String?

  @Option(help: "Without --csv-test: the fraction of --csv rows held out as the test set.")
  var holdoutFraction: Double = 0

  @Flag(help: "Train on --csv without a test set (no test error, hence no generalization gap).")
  var noTestSet = false

  @Option(help: "CSV label column: a 0-based position or a header name (default: 'label', else the first).")
  var labelColumn: String = "auto"

  @Option(help: "pixel (÷255; also 'unit'), standardize (training-set mean/std), none, or auto: pixel for IDX, none for CSV (the default).")
  var scaling: ScalingChoice?

  @Option(help: "Compute layer summaries and measures every N epochs (epoch 0 and the final epoch always).")
  var measureEvery: Int = 1

  @Option(help: "Weight snapshots to store: none, final (epoch 0 and last) or every:N.")
  var snapshot: String = "none"

  @Option(help: "Spectral norms: exact (SVD), power (power iteration) or both.")
  var spectral: SpectralMethod = .exact

  @Option(help: "Training examples in the fixed margin subset.")
  var marginSubset: Int = 10_000

  @Option(help: "OpenBLAS threads (fixed for reproducibility).")
  var threads: Int = 2

  @Flag(help: "No progress output on stderr.")
  var quiet = false

  @Option(
    help: ArgumentHelp(
      "Format of the summary row on stdout: table, csv, tsv, json, jsonl.",
      discussion: "--csv names the training data here, so the --csv/--tsv shortcuts of other commands are absent."))
  var format: OutputFormat?

  @Flag(help: "Shortcut for --format json.")
  var json = false

  /// The largest `--epochs` accepted (the trainer's limit).
  static let maxEpochs = TrainingConfiguration.maximumEpochs
  /// The largest width of one hidden layer accepted by `--hidden` (the trainer's limit).
  static let maxHiddenWidth = TrainingConfiguration.maximumHiddenWidth

  mutating func validate() throws {
    try validateNames()
    _ = try hiddenSizes()
    guard epochs >= 0 else { throw ValidationError("--epochs must be ≥ 0; got \(epochs).") }
    guard epochs <= Self.maxEpochs else {
      throw ValidationError(
        "--epochs \(epochs) is too large; at most \(Self.maxEpochs) epochs are allowed. "
          + "Hint: use --target-train-loss to stop once the training loss is low enough.")
    }
    try validateLearningRate()
    guard batchSize >= 1 else { throw ValidationError("--batch-size must be ≥ 1; got \(batchSize).") }
    if let momentum, !(momentum >= 0 && momentum < 1) {
      throw ValidationError("--momentum must lie in [0, 1); got \(momentum).")
    }
    guard weightDecay >= 0, weightDecay.isFinite else {
      throw ValidationError("--weight-decay must be a finite number ≥ 0; got \(weightDecay). Hint: e.g. 5e-4, or 0 for none.")
    }
    try validateSchedule()
    if pathSGDMatchFirstStep && optimizer != .pathSGD {
      throw ValidationError(
        "--path-sgd-match-first-step applies to --optimizer path-sgd only; got --optimizer \(optimizer.rawValue). "
          + "Hint: add --optimizer path-sgd, or drop --path-sgd-match-first-step.")
    }
    guard labelNoise >= 0, labelNoise <= 1 else {
      throw ValidationError("--label-noise must lie in [0, 1]; got \(labelNoise).")
    }
    if let trainSize, trainSize < 1 { throw ValidationError("--train-size must be ≥ 1; got \(trainSize).") }
    if let t = targetTrainLoss, !(t >= 0 && t.isFinite) {
      throw ValidationError("--target-train-loss must be a finite number ≥ 0; got \(t). "
          + "Hint: e.g. 0.01 (nats), or omit it to stop after --epochs.")
    }
    if let classes {
      guard classes >= 2 else { throw ValidationError("--classes must be ≥ 2; got \(classes).") }
      if csv != nil {
        throw ValidationError(
          "--classes \(classes) applies to IDX data only; --csv data takes its classes from the label column "
            + "(largest label + 1). Hint: drop --classes.")
      }
    }
    if csv != nil && dataDir != nil { throw ValidationError("Give either --csv or --data-dir, not both.") }
    if csv == nil && (csvTest != nil || holdoutFraction != 0) {
      throw ValidationError("--csv-test and --holdout-fraction need --csv.")
    }
    guard holdoutFraction >= 0, holdoutFraction < 1 else {
      throw ValidationError("--holdout-fraction must lie in [0, 1); got \(holdoutFraction).")
    }
    try validateTestSet()
    guard measureEvery >= 1 else { throw ValidationError("--measure-every must be ≥ 1; got \(measureEvery).") }
    guard SnapshotPolicy(parsing: snapshot) != nil else {
      throw ValidationError("--snapshot '\(snapshot)' is not none, final or every:N (N ≥ 1).")
    }
    guard marginSubset >= 1 else { throw ValidationError("--margin-subset must be ≥ 1; got \(marginSubset).") }
    guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1; got \(threads).") }
    guard threads <= TrainingConfiguration.maximumBLASThreadCount else {
      throw ValidationError("--threads must be ≤ \(TrainingConfiguration.maximumBLASThreadCount); got \(threads).")
    }
    if flatness.noPerturb, let every = flatness.perturbEvery {
      throw ValidationError(
        "--no-perturb contradicts --perturb-every \(every): with --no-perturb the perturbation suite never runs. "
          + "Hint: drop one of them.")
    }
    if json && format != nil {
      throw ValidationError("Choose one output format; got several of --format, --json.")
    }
  }

  /// `--experiment` must name something; `--name`, when given, too.
  private func validateNames() throws {
    if experiment.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
      throw ValidationError(
        "--experiment '\(experiment)' is empty; runs are grouped by experiment name. "
          + "Hint: give a name such as --experiment fashion.")
    }
    if let name, name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
      throw ValidationError(
        "--name '\(name)' is empty. Hint: give a run name, or omit --name for one derived from the hyperparameters.")
    }
  }

  /// `--lr`: the library's one check (``TrainingConfiguration/learningRateProblem(_:)``).
  private func validateLearningRate() throws {
    if let problem = TrainingConfiguration.learningRateProblem(lr) {
      throw ValidationError(
        "--lr: \(problem). Hint: give a learning rate between \(Float.leastNonzeroMagnitude) and "
          + "\(Float.greatestFiniteMagnitude), in practice around 1e-4 to 1 (e.g. --lr 0.01).")
    }
  }

  /// `--lr-schedule`: names the part that is wrong.
  private func validateSchedule() throws {
    if LearningRateSchedule(parsing: lrSchedule, maxEpochs: epochs) != nil { return }
    let parts = lrSchedule.lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    if parts.first == "step" && parts.count == 3 {
      if !(Double(parts[1]).map { $0 > 0 && $0.isFinite } ?? false) {
        throw ValidationError(
          "--lr-schedule '\(lrSchedule)': the factor '\(parts[1])' must be a finite number > 0. "
            + "Hint: step:FACTOR:EVERY multiplies the learning rate by FACTOR every EVERY epochs, e.g. step:0.1:30.")
      }
      throw ValidationError(
        "--lr-schedule '\(lrSchedule)': the interval '\(parts[2])' must be a whole number of epochs ≥ 1. "
          + "Hint: step:FACTOR:EVERY multiplies the learning rate by FACTOR every EVERY epochs, e.g. step:0.1:30.")
    }
    if parts.first == "cosine" && parts.count == 2 {
      throw ValidationError(
        "--lr-schedule '\(lrSchedule)': the epoch count '\(parts[1])' must be a whole number ≥ 1. "
          + "Hint: cosine anneals over --epochs; cosine:EPOCHS over EPOCHS epochs.")
    }
    throw ValidationError("--lr-schedule '\(lrSchedule)' is not constant, step:FACTOR:EVERY or cosine[:EPOCHS].")
  }

  /// A CSV run needs a test set (--csv-test or --holdout-fraction > 0) for its generalization
  /// gap, unless --no-test-set asks for none; --no-test-set contradicts either source.
  private func validateTestSet() throws {
    if noTestSet {
      if csv == nil { throw ValidationError("--no-test-set applies to --csv data only (IDX data has its own test set).") }
      if csvTest != nil || holdoutFraction > 0 {
        throw ValidationError("--no-test-set contradicts --csv-test/--holdout-fraction \(holdoutFraction); give one or the other.")
      }
    } else if csvTest != nil, holdoutFraction > 0 {
      throw ValidationError(
        "--csv-test contradicts --holdout-fraction \(holdoutFraction): the test set comes from one or the other. "
          + "Hint: keep --csv-test FILE, or drop it to hold out a fraction of --csv.")
    } else if csv != nil, csvTest == nil, holdoutFraction == 0 {
      throw ValidationError(
        "--csv without a test set: the run would have no test error and no generalization gap. "
          + "Hint: add --csv-test FILE or --holdout-fraction 0.2 (or --no-test-set to train without one).")
    }
  }

  private func hiddenSizes() throws -> [Int] {
    let text = hidden.trimmingCharacters(in: .whitespaces)
    if text.isEmpty {
      throw ValidationError("--hidden '\(hidden)' is empty. Hint: give widths such as 512,512, or 'none' for softmax regression.")
    }
    if text.lowercased() == "none" { return [] }
    var sizes: [Int] = []
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
      let word = part.trimmingCharacters(in: .whitespaces)
      if word.allSatisfy(\.isNumber), !word.isEmpty, Int(word).map({ $0 > Self.maxHiddenWidth }) ?? true {
        throw ValidationError(
          "--hidden '\(hidden)': the width \(word) is too large; each layer may have at most \(Self.maxHiddenWidth) units. "
            + "Hint: use e.g. 512,512.")
      }
      guard let n = Int(word), n >= 1 else {
        throw ValidationError("--hidden '\(hidden)': '\(part)' is not a positive width; use e.g. 512,512.")
      }
      sizes.append(n)
    }
    return sizes
  }

  /// The library configuration these options describe.
  func makeConfiguration() throws -> TrainingRunConfiguration {
    let method = optimizer.method
    let mu = momentum ?? (optimizer == .momentum ? OptimizerName.defaultMomentum : 0)
    let training = TrainingConfiguration(
      hiddenLayerSizes: try hiddenSizes(), initializer: initializer,
      optimizer: OptimizerConfiguration(
        method: method, momentum: mu, weightDecay: weightDecay, pathSGDMatchesFirstStepNorm: pathSGDMatchFirstStep),
      learningRate: lr, schedule: LearningRateSchedule(parsing: lrSchedule, maxEpochs: epochs) ?? .constant,
      batchSize: batchSize, maxEpochs: epochs, targetTrainLoss: targetTrainLoss, seed: seed,
      marginSubsetSize: marginSubset, blasThreadCount: threads)
    let source: DataSource =
      csv.map { .csv(train: $0, test: csvTest, holdoutFraction: holdoutFraction, labelColumn: CSVLabelColumn(labelColumn)) }
      ?? .idx(directory: dataDir, classCount: classes ?? 10)
    let featureScaling = (scaling ?? .auto).scaling(isPixelData: csv == nil)
    var configuration = TrainingRunConfiguration(
      experiment: experiment, runName: name, dataSource: source,
      preparation: DataPreparation(trainingSubsetSize: trainSize, labelNoiseFraction: labelNoise, scaling: featureScaling),
      training: training, measureEvery: measureEvery, snapshots: SnapshotPolicy(parsing: snapshot) ?? .none,
      spectralMethod: spectral)
    configuration.flatness = flatness.schedule(runSeed: seed)
    return configuration
  }

  func run() throws {
    let configuration = try makeConfiguration()
    let data: DataSplit
    do {
      data = try configuration.dataSource.load(seed: seed)
    } catch let error as DatasetError {
      throw CommandError(error.description, hint: error.hint)
    }
    // Refusals that need the data, before the store is opened (or created).
    try checkLoadedData(data)
    // openStore: one error with one fitting hint (directory, foreign file, SQLite failure).
    let recorder = Recorder(database: try openStore(db, readOnly: false, creating: true))
    let display = ProgressDisplay(isEnabled: !quiet, isTerminal: standardErrorIsTerminal)
    let summary: TrainingRunSummary
    // Set once the run row exists: only then can a failure leave a failed run behind.
    var runCreated = false
    do {
      // Ctrl-C or SIGTERM: finish the step, mark the run failed ('interrupted'), exit 130.
      // A parent may have started us with these signals blocked (test runners do); unblock them.
      var mask = sigset_t()
      sigemptyset(&mask)
      sigaddset(&mask, SIGINT)
      sigaddset(&mask, SIGTERM)
      pthread_sigmask(SIG_UNBLOCK, &mask, nil)
      signal(SIGINT) { _ in interruptRequested.store(true, ordering: .relaxed) }
      signal(SIGTERM) { _ in interruptRequested.store(true, ordering: .relaxed) }
      defer {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
      }
      summary = try runTraining(
        configuration, data: data, recorder: recorder, progress: { event in
          if case .started = event { runCreated = true }
          display.handle(event)
        },
        isCancelled: { interruptRequested.load(ordering: .relaxed) })
    } catch let error as TrainingRunError {
      if case .cancelled = error {
        display.finish()
        writeStandardError("Error: \(error); it is marked failed (stop reason 'interrupted') in \(db).\n")
        throw ExitCode(130)
      }
      throw CommandError(error.description, hint: "see `gapdb train --help` for the allowed values.")
    } catch let error as DatasetError {
      throw CommandError(error.description, hint: error.hint)
    } catch let error as DatabaseError where error.isReadOnly {
      display.finish()
      throw readOnlyStoreError(error, path: db)
    } catch {
      display.finish()
      throw CommandError(
        "training into '\(db)' failed: \(error)",
        hint: runCreated
          ? "epochs recorded before the failure are kept; the run is marked failed."
          : "no run was created; if the store may be damaged, check it with "
            + "sqlite3 \(shellQuoted(db)) 'PRAGMA integrity_check'.")
    }
    display.finish()
    let sink = StandardOutputSink()
    let writer = RowWriter(format: json ? .json : format ?? .table, includeHeaders: true, sink: sink)
    writer.begin(columns: [
      "run_id", "experiment", "name", "status", "stop_reason", "reached_target", "epochs", "steps", "train_loss",
      "test_loss", "train_error", "test_error", "train_size", "database",
    ])
    writer.write([
      .integer(summary.runID), .text(experiment), .text(summary.runName), .text(summary.status.rawValue),
      .text(summary.stopReason), summary.hasReachedTarget.map { .integer($0 ? 1 : 0) } ?? .null,
      .integer(Int64(summary.epochs)), .integer(Int64(summary.optimizerSteps)), .real(summary.finalTrainLoss),
      summary.finalTestLoss.map { .real($0) } ?? .null, .real(summary.finalTrainError),
      summary.finalTestError.map { .real($0) } ?? .null, .integer(Int64(summary.preparation.trainingCount)), .text(db),
    ])
    writer.finish()
    sink.flush()
    if !quiet {
      writeStandardError(
        "Results: run \(summary.runID) (\(summary.status.rawValue), \(summary.stopReason)) in \(db), experiment '\(experiment)'.\n"
          + "  gapdb runs \(db) --experiment \(shellQuoted(experiment))\n")
    }
  }
}

extension TrainCommand {
  /// Checks what needs the loaded data, before the store is touched: a --train-size larger
  /// than the training set (exit 64, nothing created), a holdout that leaves no training
  /// examples (exit 1), and a network that cannot fit in memory (exit 64).
  func checkLoadedData(_ data: DataSplit) throws {
    if csv != nil, holdoutFraction > 0, data.train.sampleCount == 0 {
      let total = data.train.sampleCount + (data.test?.sampleCount ?? 0)
      throw CommandError(
        "--holdout-fraction \(formatDouble(holdoutFraction)) holds out all \(total) rows of \(csv ?? "")"
          + " as the test set, leaving 0 training examples",
        hint: "use a smaller fraction such as 0.2, or give a separate test file with --csv-test.")
    }
    if let trainSize, trainSize > data.train.sampleCount {
      let count = data.train.sampleCount
      try exitingWithUsageCode {
        throw CommandUsageError(
          "--train-size \(trainSize) is invalid: the training set has \(count) examples (allowed 1…\(count))",
          hint: "give at most \(count), or omit --train-size to train on all examples.")
      }
    }
    // The same estimate `runTraining` refuses with; checked here to name the option at fault
    // and exit 64 before the store is created.
    let widths = (try? hiddenSizes()) ?? []
    let features = data.train.featureCount, classes = max(data.train.classCount, 2)
    let sizes = [features] + widths + [classes]
    guard let problem = TrainingMemoryEstimate(layerSizes: sizes).problem else { return }
    let (message, hint) = memoryRefusal(features: features, widths: widths, classes: classes)
    try exitingWithUsageCode {
      throw CommandUsageError("\(message) for this machine: \(problem)", hint: hint)
    }
  }

  /// Names what makes the network too large, with a hint: the size source (hidden widths,
  /// class count, feature count) whose reduction alone (widths 1, 2 classes, 1 feature) lets
  /// the memory estimate fit with the fewest parameters; when none does alone, all of them.
  func memoryRefusal(features: Int, widths: [Int], classes: Int) -> (message: String, hint: String) {
    func parameters(_ sizes: [Int]) -> Int? {
      let estimate = TrainingMemoryEstimate(layerSizes: sizes)
      return estimate.fits ? estimate.parameterCount : nil
    }
    let hiddenHint = "use narrower hidden layers, e.g. --hidden 512,512."
    let classMessage = csv.map { "the \(classes) classes of \($0) (largest label + 1) are too many" }
      ?? "--classes \(classes) is too large"
    let classHint = csv == nil
      ? "--classes is the number of label classes of the IDX data (10 for MNIST and Fashion-MNIST)."
      : "check the label column (--label-column): labels are class indices 0…k−1."
    var fixes: [(parameters: Int, message: String, hint: String)] = []
    if !widths.isEmpty, let p = parameters([features] + widths.map { _ in 1 } + [classes]) {
      fixes.append((p, "--hidden \(hidden) is too large", hiddenHint))
    }
    if classes > 2, let p = parameters([features] + widths + [2]) { fixes.append((p, classMessage, classHint)) }
    if features > 1, let p = parameters([1] + widths + [classes]) {
      fixes.append((p, "the data's \(features) features per example are too many", "use inputs with fewer features."))
    }
    if let best = fixes.min(by: { $0.parameters < $1.parameters }) { return (best.message, best.hint) }
    let parts = (widths.isEmpty ? [] : ["--hidden \(hidden)"])
      + [csv == nil ? "--classes \(classes)" : "\(classes) classes", "\(features) features"]
    return ("the network (\(parts.joined(separator: ", "))) is too large", hiddenHint + " " + classHint)
  }
}

private func shellQuoted(_ s: String) -> String {
  s.allSatisfy { $0.isLetter || $0.isNumber || "-_./".contains($0) } ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
