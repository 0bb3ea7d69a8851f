/// A sweep that cannot run as asked (an unusable configuration, missing data, no `gapdb`
/// binary for worker processes): what is wrong, naming the value, and what to do about it.
///
/// Its description is `message` followed by `\nHint: hint`, the form `gapdb` prints after
/// `Error: ` (exit code 1).
public struct SweepError: Error, CustomStringConvertible, Equatable {
  /// What went wrong, with the offending value.
  public var message: String
  /// What to do about it.
  public var hint: String?

  /// Creates an error.
  public init(_ message: String, hint: String? = nil) {
    self.message = message
    self.hint = hint
  }

  public var description: String {
    guard let hint else { return message }
    return message + "\nHint: " + hint
  }
}
