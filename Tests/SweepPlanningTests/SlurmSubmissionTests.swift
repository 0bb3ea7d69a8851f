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
    #expect(lines.contains("merge=$(sbatch --parsable --dependency=afterok:$array --kill-on-invalid-dep=yes \"$shards/merge.sh\")"))
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

  @Test func shellQuote_escapesSingleQuotes() {
    #expect(SlurmSubmission.shellQuote("a b") == "'a b'")
    #expect(SlurmSubmission.shellQuote("it's") == "'it'\\''s'")
  }
}
