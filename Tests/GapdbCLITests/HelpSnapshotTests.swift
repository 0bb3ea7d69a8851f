import Foundation
import TestSupport
import Testing

/// Golden `--help` text per subcommand (Tests/Fixtures/cli/help/<command>.txt).
///
/// Re-record with `GAPDB_RECORD_SNAPSHOTS=1 swift test --filter HelpSnapshotTests`; a
/// recording run fails on purpose, so snapshots are never updated silently.
@Suite struct HelpSnapshotTests {
  @Test(arguments: ["init", "runs", "sql", "schema", "mark-stale", "correlate", "query", "sweep", "report", "demo", "train", "merge"])
  func help_matchesSnapshot(_ command: String) throws {
    let result = try runProduct("gapdb", [command, "--help"])
    #expect(result.status == 0)
    let url = fixtureURL("cli/help/\(command).txt")
    if ProcessInfo.processInfo.environment["GAPDB_RECORD_SNAPSHOTS"] != nil {
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try result.stdout.write(to: url, atomically: true, encoding: .utf8)
      Issue.record("recorded \(url.path); rerun without GAPDB_RECORD_SNAPSHOTS")
      return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(result.stdout == expected, "help of \(command) changed; re-record if intended")
  }

  /// The discussion is written to fit 80 columns: wrapping it leaves no line of one stray
  /// word mid-sentence (e.g. "each", or an example's option cut off from its command).
  @Test func sweepHelp_hasNoWrappedOneWordLines() throws {
    let result = try runProduct("gapdb", ["sweep", "--help"])
    let strays = result.stdout.split(separator: "\n").filter { line in
      let words = line.split(separator: " ")
      return words.count == 1 && !line.hasSuffix(":") && !line.hasSuffix(".") && !line.hasPrefix(" ")
    }
    #expect(strays.isEmpty, "\(strays)")
  }
}
