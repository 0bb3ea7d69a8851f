/// Builds the input of `correlate DATABASE` from a gapdb store.
///
/// Placeholder until the store lands: throws.
func loadStoreCorrelationInput(
  path: String, experiment: String?, whereClause: String?, snapshot: Snapshot, gap: GapKind,
  measures: [String]?, hyperparameters: [String]?
) throws -> CorrelationInput {
  throw CommandError(
    "reading a store is not available in this build", hint: "use --csv FILE")
}
