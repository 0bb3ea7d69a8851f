import Foundation
import SweepPlanning
import Testing

/// The Slurm submission script of `gapdb sweep --slurm N` (run for real by scripts/test-slurm.sh).
@Suite struct SlurmSubmissionTests {
  let submission = SlurmSubmission(
    gapdbExecutable: "/opt/gapdb/bin/gapdb", store: "/shared/it's here/all.sqlite",
    shardDirectory: "/shared/shards", shardCount: 8, sweepJSON: "{\"name\": \"x\"}\n", experiment: "grid A",
    sweepArguments: ["--data-dir", "/data/fm"], sbatchOptions: ["--time=01:00:00"])

  @Test func script_holdsTheArrayTheDependentMergeAndTheResumeSteps() {
    let lines = submission.script().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines.contains("#SBATCH --array=0-7"))
    #expect(lines.filter { $0 == "#SBATCH --time=01:00:00" }.count == 2)  // both jobs
    #expect(lines.contains(
      "merge=$(sbatch --parsable --dependency=afterok:$array --kill-on-invalid-dep=yes --output=\"$shards/logs/merge-%j.log\" \"$shards/merge.sh\")"))
    #expect(lines.contains("{\"name\": \"x\"}"))
    #expect(lines.contains("if [ -f \"$shard\" ]; then cp \"$shard\" \"$store\" || exit 1; fi"))
    #expect(lines.contains(
      "\"$gapdb\" sweep \"$store\" --file \"$shards/sweep.json\" --shard \"$i/$n\" '--experiment' 'grid A' '--quiet' '--data-dir' '/data/fm' || status=$?"))
    #expect(lines.contains("exec '/opt/gapdb/bin/gapdb' merge --single-writer '/shared/it'\\''s here/all.sqlite' \"${inputs[@]}\""))
    #expect(submission.shardStore(3) == "/shared/shards/shard-3-of-8.sqlite")
  }

  @Test func script_isValidBash() throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("gapdb-submit-\(UUID().uuidString).sh")
    defer { try? FileManager.default.removeItem(at: file) }
    try submission.script().write(to: file, atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-n", file.path]
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
  }

  /// Runs `bash` with `arguments` and `environment` added; returns the exit status.
  static func bash(_ arguments: [String], environment: [String: String] = [:]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
  }

  @Test func pathsWithSpacesAndQuotes_reachSbatchIntact_andNoSBATCHLineHoldsAPath() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("gapdb slurm \(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let bin = root.appendingPathComponent("bin"), shards = root.appendingPathComponent("my shards's \"dir\"")
    try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
    // A stand-in sbatch: records each argument on its own line, prints a job id.
    let log = root.appendingPathComponent("sbatch.log")
    let fake = bin.appendingPathComponent("sbatch")
    try "#!/bin/bash\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> \"$SBATCH_LOG\"; done\necho 42\n"
      .write(to: fake, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
    let spaced = SlurmSubmission(
      gapdbExecutable: "/opt/gapdb bin/gapdb", store: root.appendingPathComponent("all runs.sqlite").path,
      shardDirectory: shards.path, shardCount: 2, sweepJSON: "{}", experiment: "e",
      sbatchOptions: ["--time=01:00:00"])
    let script = root.appendingPathComponent("submit.sh")
    try spaced.script().write(to: script, atomically: true, encoding: .utf8)
    #expect(!spaced.script().split(separator: "\n").contains { $0.hasPrefix("#SBATCH") && $0.contains(shards.path) })
    let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    #expect(try Self.bash([script.path], environment: ["PATH": path, "SBATCH_LOG": log.path]) == 0)
    let arguments = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(arguments.contains("--output=\(shards.path)/logs/task-%A_%a.log"))
    #expect(arguments.contains("--output=\(shards.path)/logs/merge-%j.log"))
    #expect(arguments.contains(shards.appendingPathComponent("task.sh").path))
    #expect(arguments.contains(shards.appendingPathComponent("merge.sh").path))
    for job in ["task.sh", "merge.sh"] {
      #expect(try Self.bash(["-n", shards.appendingPathComponent(job).path]) == 0)
    }
  }

  @Test func shellQuote_escapesSingleQuotes() {
    #expect(SlurmSubmission.shellQuote("a b") == "'a b'")
    #expect(SlurmSubmission.shellQuote("it's") == "'it'\\''s'")
  }
}
