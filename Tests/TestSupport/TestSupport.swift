import Foundation

/// A unique temporary directory for one test, removed by ``remove()``.
public struct TemporaryDirectory: Sendable {
  /// The directory's URL.
  public let url: URL

  /// Creates a fresh directory under the system temporary folder.
  public init(prefix: String = "gapdb-test") throws {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  /// A path inside the directory.
  public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  /// Deletes the directory and everything in it.
  public func remove() { try? FileManager.default.removeItem(at: url) }
}

/// SplitMix64: a small, fast, seedable generator for reproducible randomized tests.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64
  /// Creates a generator from a seed; equal seeds give equal sequences.
  public init(seed: UInt64) { state = seed }
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// The repository root, found from this source file's location (for fixtures and schema/).
public let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fixture file under `Tests/Fixtures/`.
public func fixtureURL(_ relativePath: String) -> URL {
  repositoryRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relativePath)
}

/// The switch for long tests: stress tests with many processes, the flatness cancellation loops
/// and training on the installed Fashion-MNIST dataset.
///
/// They run only when the environment has `GAPDB_LONG_TESTS=1`. `scripts/test.sh` (the README's
/// test command, which CI runs) sets it, so CI runs every test; a plain `swift test` on a
/// developer machine leaves them out to keep its test time under a minute. Use it as
/// `@Test(.enabled(if: LongTests.isEnabled, LongTests.comment))`.
public enum LongTests {
  /// Whether `GAPDB_LONG_TESTS` is `1` in this process's environment.
  public static let isEnabled = ProcessInfo.processInfo.environment["GAPDB_LONG_TESTS"] == "1"
  /// Why a long test did not run, for the test report.
  public static let comment = "long test: set GAPDB_LONG_TESTS=1 (scripts/test.sh does) to run it"
}
