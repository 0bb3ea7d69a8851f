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

/// Checks the words of repeated `-p NAME VALUE` options (`gapdb sql`, `gapdb query`): an even
/// count, no empty name, no name given twice (a leading `:`, `@` or `$` is ignored).
///
/// - Parameter words: Alternating names and values, as parsed.
/// - Throws: `ValidationError` (exit code 64) naming the words or the name.
func validateParameterWords(_ words: [String]) throws {
  if words.count % 2 != 0 {
    // `-p x=5` is one word; otherwise the likely cause is a value the parser took for an option.
    let joined = words.first { $0.contains("=") && !$0.hasPrefix("=") }
    let hint = joined.map { word in
      let parts = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      return "give the name and the value as two words, -p NAME VALUE: -p \(parts[0]) \(parts[1]) (not -p \(word))."
    } ?? "give -p NAME VALUE as two words; a value starting with '-' reads as an option, so put a space before it, e.g. -p x ' -5'."
    throw ValidationError(
      "-p takes a name and a value; got \(words.count) word\(words.count == 1 ? "" : "s"): "
        + words.joined(separator: " ") + ". Hint: " + hint)
  }
  var seen = Set<String>()
  for index in stride(from: 0, to: words.count, by: 2) {
    var name = words[index]
    if let first = name.first, ":@$".contains(first) { name.removeFirst() }
    if name.isEmpty {
      throw ValidationError(
        "-p needs a parameter name; got '\(words[index])' (value '\(words[index + 1])').")
    }
    if !seen.insert(name).inserted {
      throw ValidationError("-p \(name) is given twice; give each parameter once.")
    }
  }
}

/// Checks that a path given on the command line is not the empty string (`""` from an unset
/// shell variable, say).
///
/// - Parameters:
///   - path: The word given.
///   - what: How the help names it, e.g. `<database>` or `--csv`.
/// - Throws: `ValidationError` (exit code 64).
func validateNonEmptyPath(_ path: String, _ what: String) throws {
  if path.isEmpty {
    throw ValidationError("\(what) is an empty string; give the path of a file.")
  }
}
