/// Reads of the `experiment` table that several front ends need (the `runs` note, the
/// `correlate`/`report` experiment check), so the SQL is written once, in the store.
extension Database {
  /// Whether the store has an experiment with exactly this name.
  ///
  /// - Parameter name: The experiment name (compared byte for byte, as `experiment.name`).
  /// - Returns: true when a row exists.
  /// - Throws: `DatabaseError`.
  /// - Complexity: One index lookup (`experiment.name` is UNIQUE).
  public func experimentExists(named name: String) throws -> Bool {
    try scalar(sql: "SELECT EXISTS (SELECT 1 FROM experiment WHERE name = ?)", arguments: [.text(name)])
      == .integer(1)
  }

  /// The experiment names, ascending, at most `limit` of them (all when nil) — for hints
  /// such as "experiments: a, b, c" after an unknown name.
  ///
  /// - Parameter limit: The largest number of names returned, or nil for all.
  /// - Returns: The names in `ORDER BY name` order.
  /// - Throws: `DatabaseError`.
  public func experimentNames(limit: Int? = nil) throws -> [String] {
    let rows =
      if let limit {
        try fetchAll(
          sql: "SELECT name FROM experiment ORDER BY name LIMIT ?", arguments: [.integer(Int64(limit))])
      } else {
        try fetchAll(sql: "SELECT name FROM experiment ORDER BY name")
      }
    return rows.compactMap { $0[0].stringValue }
  }
}
