import ArgumentParser
import TabularOutput

/// A mistake in the user's command line that only shows once the command runs (a canned
/// query's missing or unknown `-p` parameter, a positional `?`, no or several SQL statements):
/// printed like ``CommandError`` (`Error: … \nHint: …`) but exiting with 64 (usage), as
/// argument-parser's own validation errors do, instead of 1 (runtime error).
struct CommandUsageError: Error, CustomStringConvertible {
  /// What is wrong, with the offending value.
  var message: String
  /// What to do about it.
  var hint: String?

  /// Creates a usage error.
  init(_ message: String, hint: String? = nil) {
    self.message = message
    self.hint = hint
  }

  var description: String {
    guard let hint else { return message }
    return message + "\nHint: " + hint
  }
}

/// Runs `body`; a ``CommandUsageError`` is printed to standard error as `Error: …` and turned
/// into exit code 64 (argument-parser prints nothing more for an `ExitCode`).
///
/// - Throws: `ExitCode(64)` for a usage error; any other error unchanged.
func exitingWithUsageCode<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as CommandUsageError {
    writeStandardError("Error: \(error)\n")
    throw ExitCode.validationFailure
  }
}
