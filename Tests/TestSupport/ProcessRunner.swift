import Foundation

/// The result of running a child process.
public struct ProcessResult: Sendable {
  /// The exit status (or the signal number if it was killed).
  public var status: Int32
  /// Everything written to standard output.
  public var stdout: String
  /// Everything written to standard error.
  public var stderr: String
}

/// The URL of an executable this package builds (`gapdb`, `gapdb-testworker`), found next to
/// the running test binary, or in `.build/debug` as a fallback.
public func builtProductURL(_ name: String) -> URL {
  var candidates: [URL] = []
  if let executable = Bundle.main.executableURL {
    candidates.append(executable.deletingLastPathComponent())
  }
  candidates.append(Bundle.main.bundleURL)
  candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
  candidates.append(repositoryRoot.appendingPathComponent(".build/debug"))
  for dir in candidates {
    let url = dir.appendingPathComponent(name)
    if FileManager.default.isExecutableFile(atPath: url.path) { return url }
  }
  return repositoryRoot.appendingPathComponent(".build/debug").appendingPathComponent(name)
}

/// A started child process whose output goes to temporary files.
public final class ChildProcess: @unchecked Sendable {
  // @unchecked: the fields are set once in init; Process is only used from the test's task.
  public let process = Process()
  private let outURL: URL
  private let errURL: URL

  /// Starts `executable` with `arguments`; `stdin` (if given) is written to its input.
  public init(_ executable: URL, _ arguments: [String], stdin: String? = nil) throws {
    let dir = FileManager.default.temporaryDirectory
    outURL = dir.appendingPathComponent("gapdb-child-\(UUID().uuidString).out")
    errURL = dir.appendingPathComponent("gapdb-child-\(UUID().uuidString).err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    process.executableURL = executable
    process.arguments = arguments
    // An explicit working directory: Foundation would otherwise use the test process's current
    // directory, which a test may have changed (and whose folder may be gone by spawn time).
    process.currentDirectoryURL = FileManager.default.temporaryDirectory
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    if let stdin {
      let input = Pipe()
      process.standardInput = input
      try process.run()
      input.fileHandleForWriting.write(Data(stdin.utf8))
      try input.fileHandleForWriting.close()
    } else {
      process.standardInput = FileHandle.nullDevice
      try process.run()
    }
  }

  /// Standard output so far.
  public var currentStdout: String {
    (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
  }

  /// Waits for the process to end and collects its output.
  public func wait() -> ProcessResult {
    process.waitUntilExit()
    let result = ProcessResult(
      status: process.terminationStatus, stdout: currentStdout,
      stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    try? FileManager.default.removeItem(at: outURL)
    try? FileManager.default.removeItem(at: errURL)
    return result
  }
}

/// Runs a built executable to completion.
///
/// - Parameters:
///   - name: The product name, e.g. `gapdb`.
///   - arguments: Its arguments.
///   - stdin: Text for its standard input (none if nil).
/// - Returns: Exit status, stdout and stderr.
public func runProduct(_ name: String, _ arguments: [String], stdin: String? = nil) throws
  -> ProcessResult
{
  try ChildProcess(builtProductURL(name), arguments, stdin: stdin).wait()
}
