import Foundation
import TestSupport
import Testing

@testable import GapdbCLI

/// Out-of-process tests from issue 11's reader and overflow pass: `gapdb measure` refuses
/// networks it would measure only in part and headers whose sizes overflow; `gapdb sweep`
/// refuses widths, epochs and empty files before the store is created or changed; `gapdb
/// train` names the option that makes a network too large.
@Suite struct ReaderHostileInputTests {
  func gapdb(_ arguments: [String]) throws -> ProcessResult { try runProduct("gapdb", arguments) }
  func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }
  func unsupported(_ name: String) -> String { fixtureURL("measures/unsupported/\(name)").path }

  /// One `Error:` line(s) then one `Hint:`, nothing on stdout.
  func expectOneError(_ r: ProcessResult, status: Int32, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.status == status, "\(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stdout == "", sourceLocation: sourceLocation)
    #expect(r.stderr.hasPrefix("Error: "), "\(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.components(separatedBy: "Error: ").count == 2, "\(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.contains("\nHint: "), "\(r.stderr)", sourceLocation: sourceLocation)
    for f in fragments { #expect(r.stderr.contains(f), "\(r.stderr) lacks \(f)", sourceLocation: sourceLocation) }
  }

  // MARK: - measure

  @Test func measure_convolutionAndOtherUnusedTensors_areRefusedByName() throws {
    // Fixtures from scripts/reference/unsupported_networks.py; before issue 11 each exited 0
    // with the measures of the dense layers alone.
    let cases: [(String, [String])] = [
      ("conv2d_head.npz", ["features.0.weight (8×1×3×3, <f4)", "features.0.bias (8, <f4)"]),
      ("conv1d_head.npz", ["conv.weight (4×2×3, <f4)", "conv.bias (4, <f4)"]),
      (
        "mlp_batchnorm.npz",
        ["1.weight (4, <f4)", "1.bias (4, <f4)", "1.running_mean (4, <f4)", "1.running_var (4, <f4)", "1.num_batches_tracked (scalar, <i8)"]
      ),
      ("stray_vector.npz", ["temperature (5, <f4)"]),
    ]
    for (file, arrays) in cases {
      let r = try gapdb(["measure", unsupported(file)])
      expectOneError(r, status: 1, arrays + ["not part of a dense layer", "only dense (linear) layers are supported", "convolution"])
      // Named once each, in stored order.
      let positions = arrays.compactMap { r.stderr.range(of: $0)?.lowerBound }
      #expect(positions == positions.sorted() && positions.count == arrays.count, "\(file)")
    }
    // As --init too, and as separate .npy files (a conv kernel saved as features.0.weight.npy).
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let ok = fixtureURL("measures/npy/state_stored.npz").path
    expectOneError(try gapdb(["measure", ok, "--init", unsupported("stray_vector.npz")]), status: 1, ["--init", "temperature (5, <f4)"])
    let kernel = dir.path("features.0.weight.npy")
    try FileManager.default.copyItem(atPath: fixtureURL("measures/npy/v1_f8_fortran_3d.npy").path, toPath: kernel)
    let files = ["positional_0_w.npy", "positional_0_b.npy", "positional_1_w.npy", "positional_1_b.npy"].map {
      fixtureURL("measures/npy/\($0)").path
    }
    expectOneError(try gapdb(["measure", kernel] + files), status: 1, ["features.0.weight (2×3×4, <f8)"])
    // The plain network still measures.
    #expect(try gapdb(["measure"] + files + ["--csv"]).status == 0)
  }

  @Test func measure_shapeProductOverflow_isAnErrorNotACrash() throws {
    for file in ["huge_shape.npy", "huge_shape.npz"] {
      expectOneError(
        try gapdb(["measure", unsupported(file)]), status: 1,
        ["has shape (1099511627776, 1099511627776), whose byte count exceeds 9223372036854775807"])
    }
  }

  @Test func measure_hugePerturbationCounts_nameTheOption() throws {
    let ok = fixtureURL("measures/npy/state_stored.npz").path
    for option in ["--perturb-draws", "--perturb-depth", "--perturb-restarts", "--perturb-ascent-steps"] {
      let r = try gapdb(["measure", ok, option, "9223372036854775807"])
      #expect(r.status == 64, "\(option): \(r.stderr)")
      #expect(r.stderr.contains("\(option) must be ≤ 1000000, got 9223372036854775807."), "\(r.stderr)")
    }
  }

  // MARK: - sweep

  /// Runs `sweep` against a missing store and an existing one: expects the error, the missing
  /// store not created and the existing one byte-identical.
  func expectSweepRefused(_ extra: [String], status: Int32, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let existing = dir.path("existing.sqlite")
    #expect(try gapdb(["init", existing]).status == 0, sourceLocation: sourceLocation)
    let before = contents(existing)
    let missing = dir.path("missing.sqlite")
    for store in [missing, existing] {
      for dryRun in [[], ["--dry-run"]] {
        expectOneError(try gapdb(["sweep", store] + extra + dryRun), status: status, fragments, sourceLocation: sourceLocation)
      }
    }
    #expect(!FileManager.default.fileExists(atPath: missing), "created the store", sourceLocation: sourceLocation)
    #expect(contents(existing) == before, "changed the store", sourceLocation: sourceLocation)
  }

  @Test func sweep_hugeWidthAndEpochs_refusedInPlanningAndDryRun() throws {
    // Before issue 11: the store was created, then the progress display trapped (SIGILL).
    try expectSweepRefused(
      ["--grid", "width=9223372036854775807", "--train-size", "100", "--epochs", "1"], status: 64,
      ["configuration width=9223372036854775807: hidden layer width 9223372036854775807 is too large",
       "at most 1000000 units"])
    try expectSweepRefused(
      ["--grid", "width=64,2000000;seed=1,2", "--train-size", "100", "--epochs", "1"], status: 64,
      ["configuration width=2000000,seed=1: hidden layer width 2000000 is too large", "(and 1 more configurations)"])
    try expectSweepRefused(
      ["--grid", "epochs=1,9223372036854775807", "--train-size", "100"], status: 64,
      ["configuration epochs=9223372036854775807: epoch count 9223372036854775807 is too large"])
    // Within the width limit but not within memory even with one input feature.
    try expectSweepRefused(
      ["--grid", "hidden_layout=1000000x1000000", "--train-size", "100", "--epochs", "1"], status: 64,
      ["configuration hidden_layout=1000000x1000000: even with a single input feature, the 1-1000000-1000000-10 network"])
  }

  /// Issue 11: `--epochs 1` with a grid axis epochs=5,6 planned one "default" configuration.
  @Test func sweep_optionConflictingWithAxis_isRefusedNamingBoth() throws {
    try expectSweepRefused(
      ["--grid", "epochs=5,6", "--epochs", "1"], status: 64,
      ["--epochs 1 conflicts with the sweep's axis epochs=5,6"])
    try expectSweepRefused(
      ["--grid", "train_size=100,200;width=8", "--train-size", "50"], status: 64,
      ["--train-size 50 conflicts with the sweep's axis train_size=100,200"])
  }

  /// Issue 11: a bad --grid value or size is a bad argument (exit 64, as the README says); the
  /// same content in a --file is bad data (exit 1).
  @Test func sweep_badGridValues_exitWithUsageCode() throws {
    let cases: [(String, String)] = [
      ("learning_rate=0", "Bad value '0' for axis learning_rate"), ("label_noise=1.5", "Bad value '1.5' for axis label_noise"),
      ("optimizer=adam", "Bad value 'adam' for axis optimizer"), ("seed=-1", "Bad value '-1' for axis seed"),
      ("weight_decay=1e400", "Bad value '1e400' for axis weight_decay"),
      ("width=" + (1...1001).map(String.init).joined(separator: ",") + ";seed=" + (1...1000).map(String.init).joined(separator: ","),
       "more than 1000000 configurations"),
    ]
    for (grid, fragment) in cases {
      try expectSweepRefused(["--grid", grid, "--train-size", "10", "--epochs", "1"], status: 64, [fragment])
    }
    try expectSweepRefused(["--preset", "wdth"], status: 64, ["wdth"])
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let file = dir.path("bad.toml")
    try "[grid]\nlearning_rate = [0]\n".write(toFile: file, atomically: true, encoding: .utf8)
    try expectSweepRefused(["--file", file], status: 1, ["learning_rate"])
  }

  @Test func sweep_emptyFile_isRefusedNamingIt() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    for (name, text) in [("empty.toml", ""), ("blank.yaml", "# todo\n"), ("empty.json", "{}")] {
      let path = dir.path(name)
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      try expectSweepRefused(["--file", path], status: 1, ["Sweep file '\(path)' is empty", "[grid]"])
    }
  }

  // MARK: - train

  /// A folder with the four IDX files of 3 images of 2×2 pixels and labels 0, 1, 1.
  func writeIDXFolder(_ dir: TemporaryDirectory) throws -> String {
    let folder = dir.path("idx")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let images: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2] + (0..<12).map { UInt8($0 * 20) }
    let labels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 3, 0, 1, 1]
    for (name, bytes) in [
      ("train-images-idx3-ubyte", images), ("train-labels-idx1-ubyte", labels), ("t10k-images-idx3-ubyte", images),
      ("t10k-labels-idx1-ubyte", labels),
    ] {
      try Data(bytes).write(to: URL(fileURLWithPath: folder + "/" + name))
    }
    return folder
  }

  @Test func train_hugeThreadCount_isRefusedNotATrap() throws {
    // --threads 9999999999 trapped converting to OpenBLAS's Int32 after the store was created.
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let data = try writeIDXFolder(dir)
    let db = dir.path("runs.sqlite")
    let r = try gapdb([
      "train", "--db", db, "--experiment", "x", "--data-dir", data, "--epochs", "1", "--no-perturb", "--quiet",
      "--hidden", "4", "--threads", "9999999999",
    ])
    #expect(r.status == 64, "\(r.stderr)")
    #expect(r.stderr.contains("--threads must be ≤ 1024; got 9999999999."), "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: db))
  }

  @Test func train_tooManyClasses_blamesClassesNotHidden() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let data = try writeIDXFolder(dir)
    let db = dir.path("runs.sqlite")
    let base = ["train", "--db", db, "--experiment", "x", "--data-dir", data, "--epochs", "1", "--no-perturb", "--quiet"]
    // 4-512-1000000000: 5.1·10^11 parameters. Two hidden units would still need 32 GB, two
    // classes need a few KB: --classes is at fault.
    let r = try gapdb(base + ["--classes", "1000000000", "--hidden", "512"])
    expectOneError(r, status: 64, ["--classes 1000000000 is too large for this machine", "4-512-1000000000 network"])
    #expect(!r.stderr.contains("--hidden 512 is"), "\(r.stderr)")
    #expect(r.stderr.contains("Hint: --classes is the number of label classes"))
    // --hidden is still blamed when it is at fault.
    let h = try gapdb(base + ["--hidden", "1000000,1000000"])
    expectOneError(h, status: 64, ["--hidden 1000000,1000000 is too large for this machine"])
    // CSV labels: the class count comes from the largest label.
    let csv = dir.path("labels.csv")
    try "label,a,b\n0,1,2\n1,3,4\n999999999,5,6\n0,1,1\n".write(toFile: csv, atomically: true, encoding: .utf8)
    let c = try gapdb([
      "train", "--db", db, "--experiment", "x", "--csv", csv, "--holdout-fraction", "0.25", "--epochs", "1",
      "--no-perturb", "--quiet", "--hidden", "512",
    ])
    expectOneError(c, status: 64, ["the 1000000000 classes of \(csv) (largest label + 1) are too many for this machine"])
    #expect(!FileManager.default.fileExists(atPath: db))
  }
}
