/// A query shipped with gapdb: one file `queries/<name>.sql`, embedded at build time.
///
/// The file starts with a block of `--` comment lines; `-- title: …`, `-- description: …` and
/// `-- params: a, b` are read from it (datasette's keys), everything else is SQL. Parameters
/// are named (`:name`); see `queries/README.md` for how the CLI binds `-p name value`.
public struct CannedQuery: Sendable, Equatable {
  /// The file name without `.sql`, e.g. `runs`.
  public let name: String
  /// One-line title.
  public let title: String
  /// What the query returns.
  public let description: String
  /// The parameter names the header declares (without `:` and without the optional marker
  /// `?`), in order.
  public let declaredParameters: [String]
  /// The declared parameters marked optional with a trailing `?` (`-- params: run_id,
  /// measure?`): commands bind them to NULL when not given.
  public let optionalParameters: Set<String>
  /// The whole file text (header comments included; SQLite ignores them).
  public let sql: String

  /// Parses a query file.
  ///
  /// - Parameters:
  ///   - name: The query's name.
  ///   - sql: The file text.
  public init(name: String, sql: String) {
    self.name = name
    self.sql = sql
    var fields: [String: String] = [:]
    // "\r\n" is one Character in Swift: split on it as well as on "\n" (a query file saved
    // with CRLF line endings), and drop a stray "\r" at a line's end.
    for rawLine in sql.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
      let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
      guard line.hasPrefix("--") else { break }
      let body = line.dropFirst(2).drop(while: { $0 == " " })
      guard let colon = body.firstIndex(of: ":") else { continue }
      let key = String(body[..<colon]).lowercased()
      let value = body[body.index(after: colon)...].drop(while: { $0 == " " })
      fields[key] = String(value)
    }
    title = fields["title"] ?? name
    description = fields["description"] ?? ""
    let names = (fields["params"] ?? "").split(separator: ",").map {
      String($0.drop(while: { $0 == " " || $0 == ":" })).trimmingTrailingSpaces()
    }.filter { !$0.isEmpty }
    declaredParameters = names.map { $0.hasSuffix("?") ? String($0.dropLast()) : $0 }
    optionalParameters = Set(names.filter { $0.hasSuffix("?") }.map { String($0.dropLast()) })
  }

  /// Every embedded query, sorted by name.
  public static let all: [CannedQuery] = EmbeddedSQL.queries.map {
    CannedQuery(name: $0.name, sql: $0.sql)
  }

  /// The embedded query with this name, if any.
  ///
  /// - Parameter name: A query name such as `runs`.
  /// - Returns: The query, or nil.
  public static func named(_ name: String) -> CannedQuery? {
    all.first { $0.name == name }
  }
}

extension String {
  fileprivate func trimmingTrailingSpaces() -> String {
    var text = self
    while text.last == " " { text.removeLast() }
    return text
  }
}
