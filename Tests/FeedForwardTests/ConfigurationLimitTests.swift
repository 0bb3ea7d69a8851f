import FeedForward
import Testing

/// The trainer's own size limits (issue 11): every front end (`gapdb train`, `gapdb sweep`,
/// library users) gets the same refusal instead of an overflow later.
@Test func validationProblem_refusesWidthsAndEpochsBeyondTheLimits() {
  #expect(TrainingConfiguration.maximumHiddenWidth == 1_000_000)
  #expect(TrainingConfiguration.maximumEpochs == 1_000_000)
  #expect(TrainingConfiguration(hiddenLayerSizes: [1_000_000], maxEpochs: 1_000_000).validationProblem() == nil)
  #expect(
    TrainingConfiguration(hiddenLayerSizes: [8, Int.max]).validationProblem()
      == "hidden layer width 9223372036854775807 is too large; each layer may have at most 1000000 units")
  #expect(
    TrainingConfiguration(hiddenLayerSizes: [1_000_001]).validationProblem()
      == "hidden layer width 1000001 is too large; each layer may have at most 1000000 units")
  #expect(
    TrainingConfiguration(maxEpochs: Int.max).validationProblem()
      == "epoch count 9223372036854775807 is too large; at most 1000000 are allowed")
  #expect(
    TrainingConfiguration(blasThreadCount: 9_999_999_999).validationProblem()
      == "BLAS thread count 9999999999 is too large; at most 1024 are allowed")
}
