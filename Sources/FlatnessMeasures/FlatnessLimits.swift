/// Upper bounds on the searches' counts, checked by the settings' `validate()`: far beyond any
/// useful search, and small enough that buffers sized by them (the PAC-Bayes noise cache, the
/// ascent trace) and products with parameter counts cannot overflow or exhaust memory.
public enum FlatnessLimits {
  /// The most Monte-Carlo draws, restarts, ascent steps or bisection steps: 1,000,000.
  public static let maximumCount = 1_000_000
}
