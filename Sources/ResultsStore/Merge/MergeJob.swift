import Foundation

/// One input's merge, run inside the output's transaction with the input attached as
/// ``StoreMerger/input``. See ``StoreMerger`` for the rules.
///
/// The work table `temp.merge_run (src_id, out_id, action)` maps every input run to its
/// output id and says what happens to it: `compare` (UUID already in the output; becomes
/// `skip`, `keep` or `replace`), `duplicate` (configuration already finished), `add`.
struct MergeJob {
  let db: Database
  let options: MergeOptions
  let inputPath: String
  let absoluteInputPath: String
  var summary: MergeInputSummary

  private let src = StoreMerger.input

  init(db: Database, options: MergeOptions, inputPath: String, absoluteInputPath: String) {
    self.db = db
    self.options = options
    self.inputPath = inputPath
    self.absoluteInputPath = absoluteInputPath
    summary = MergeInputSummary(path: inputPath)
  }

  /// Tables copied per run, in foreign-key order, with the column naming the first
  /// difference in a conflict message.
  static let childTables: [(name: String, key: String)] = [
    ("hyperparameter", "key"), ("layer", "layer_index"), ("epoch_metric", "epoch"),
    ("layer_summary", "epoch"), ("measure_value", "epoch"), ("weight_snapshot", "epoch"),
  ]

  mutating func run() throws -> MergeInputSummary {
    try checkIdentity()
    try mergeCatalogue()
    try mergeExperiments()
    try db.execute(
      sql: """
        CREATE TEMP TABLE IF NOT EXISTS merge_run (
          src_id INTEGER PRIMARY KEY, out_id INTEGER NOT NULL, action TEXT NOT NULL);
        DELETE FROM temp.merge_run;
        """)
    try db.execute(
      sql: """
        INSERT INTO temp.merge_run (src_id, out_id, action)
        SELECT s.id, m.id, 'compare' FROM \(src).run AS s JOIN main.run AS m ON m.uuid = s.uuid
        """)
    try resolveExistingRuns()
    try markDuplicateConfigurations()
    let base = try db.scalar(sql: "SELECT coalesce(max(id), 0) FROM main.run").int64Value ?? 0
    try db.execute(
      sql: """
        INSERT INTO temp.merge_run (src_id, out_id, action)
        SELECT s.id, ?1 + row_number() OVER (ORDER BY s.id), 'add' FROM \(src).run AS s
        WHERE s.id NOT IN (SELECT src_id FROM temp.merge_run)
        """, arguments: [.integer(base)])
    for row in try db.fetchAll(sql: "SELECT action, count(*) FROM temp.merge_run GROUP BY action") {
      let n = Int(row[1].int64Value ?? 0)
      switch row[0].stringValue {
      case "add": summary.runsAdded = n
      case "replace": summary.runsReplaced = n
      case "skip": summary.runsSkippedIdentical = n
      case "keep": summary.runsKeptExisting = n
      case "duplicate": summary.duplicateConfigurationsSkipped = n
      default: break
      }
    }
    try db.execute(
      sql: """
        DELETE FROM main.run WHERE id IN (SELECT out_id FROM temp.merge_run WHERE action = 'replace')
        """)
    try copyRuns()
    try db.execute(sql: "DELETE FROM temp.merge_run")
    return summary
  }

  // MARK: - Identity

  private mutating func checkIdentity() throws {
    let id = Int32(
      truncatingIfNeeded: try db.scalar(sql: "PRAGMA \(src).application_id").int64Value ?? 0)
    guard id == SchemaMigrator.applicationID else {
      throw MergeError.notAGapdbStore(path: inputPath, applicationID: id)
    }
    let version = Int(try db.scalar(sql: "PRAGMA \(src).user_version").int64Value ?? 0)
    let migrations = SchemaMigrator.embedded.migrations
    if version > migrations.count {
      throw MergeError.inputNewerThanTool(path: inputPath, found: version, supported: migrations.count)
    }
    for row in try db.fetchAll(sql: "SELECT version, checksum FROM \(src).schema_migration") {
      let number = Int(row[0].int64Value ?? 0)
      guard number >= 1, number <= migrations.count else {
        throw MergeError.inputNewerThanTool(path: inputPath, found: number, supported: migrations.count)
      }
      if row[1].stringValue != migrations[number - 1].checksum {
        throw MergeError.inputMigrationModified(path: inputPath, name: migrations[number - 1].name)
      }
    }
    summary.schemaVersion = version
    // A torn copy (taken while a checkpoint rewrote pages) must not be half-merged.
    let check = try db.fetchAll(sql: "PRAGMA \(src).quick_check(5)").compactMap { $0[0].stringValue }
    if check != ["ok"] {
      throw MergeError.damagedInput(path: inputPath, detail: check.joined(separator: "; "))
    }
  }

  /// The columns of `table` that both the output and the input have, in the output's order
  /// (empty when the input lacks the table).
  private func commonColumns(_ table: String, excluding: Set<String> = []) throws -> [String] {
    let mine = try db.fetchAll(sql: "SELECT name FROM pragma_table_info(?1, 'main')", arguments: [.text(table)])
      .compactMap { $0[0].stringValue }
    let theirs = Set(
      try db.fetchAll(sql: "SELECT name FROM pragma_table_info(?1, ?2)", arguments: [.text(table), .text(src)])
        .compactMap { $0[0].stringValue })
    return mine.filter { theirs.contains($0) && !excluding.contains($0) }
  }

  // MARK: - Catalogue and experiments

  private mutating func mergeCatalogue() throws {
    let properties = try commonColumns("measure", excluding: ["id"])
    guard !properties.isEmpty else { return }
    let list = properties.map { "s.\(q($0))" }.joined(separator: ", ")
    let mineList = properties.map { "m.\(q($0))" }.joined(separator: ", ")
    let same = properties.map { "s.\(q($0)) IS m.\(q($0))" }.joined(separator: " AND ")
    let rows = try db.fetchAll(
      sql: """
        SELECT s.id, \(list), \(mineList) FROM \(src).measure AS s JOIN main.measure AS m ON m.id = s.id
        WHERE NOT (\(same)) ORDER BY s.id
        """)
    let count = properties.count
    for row in rows {
      let id = row[0].stringValue ?? ""
      let theirs = Array(row.values[1...count])
      let mine = Array(row.values[(count + 1)...(2 * count)])
      func isAutomatic(_ values: [DatabaseValue]) -> Bool {
        zip(properties, values).allSatisfy { name, value in
          name == "name" ? value == .text(id) : value == .null
        }
      }
      if isAutomatic(theirs) { continue }
      if isAutomatic(mine) {
        try db.execute(
          sql: """
            UPDATE main.measure SET (\(properties.map(q).joined(separator: ", "))) =
              (SELECT \(list) FROM \(src).measure AS s WHERE s.id = ?1)
            WHERE id = ?1
            """, arguments: [.text(id)])
        summary.measuresCompleted += 1
        continue
      }
      let differing = properties.indices.filter { mine[$0] != theirs[$0] }
      func render(_ values: [DatabaseValue]) -> String {
        differing.map { "\(properties[$0]) \(Self.show(values[$0]))" }.joined(separator: ", ")
      }
      throw MergeError.conflictingMeasure(path: inputPath, id: id, output: render(mine), input: render(theirs))
    }
    let columns = (["id"] + properties).map(q).joined(separator: ", ")
    try db.execute(
      sql: """
        INSERT INTO main.measure (\(columns)) SELECT \(columns) FROM \(src).measure
        WHERE id NOT IN (SELECT id FROM main.measure)
        """)
    summary.measuresAdded = db.changesCount
  }

  private mutating func mergeExperiments() throws {
    let columns = try commonColumns("experiment", excluding: ["id"]).map(q).joined(separator: ", ")
    try db.execute(
      sql: """
        INSERT INTO main.experiment (\(columns)) SELECT \(columns) FROM \(src).experiment AS s
        WHERE NOT EXISTS (SELECT 1 FROM main.experiment AS m WHERE m.name = s.name) ORDER BY s.id
        """)
    summary.experimentsAdded = db.changesCount
  }

  // MARK: - Runs already in the output

  /// Compares every `compare` run with the output's copy and turns it into `skip` (identical),
  /// or applies the conflict policy.
  private mutating func resolveExistingRuns() throws {
    let pending = try db.scalar(sql: "SELECT count(*) FROM temp.merge_run WHERE action = 'compare'")
    guard (pending.int64Value ?? 0) > 0 else { return }
    var differences: [Int64: [String]] = [:]  // by src_id
    // The run rows: every common column but the ids; the experiment by name.
    let runColumns = try commonColumns("run", excluding: ["id", "experiment_id"])
    let pairs = runColumns.map { "s.\(q($0)), m.\(q($0))" }.joined(separator: ", ")
    var info: [Int64: (uuid: String, name: String, out: Int64, inputRecency: String, outputRecency: String)] = [:]
    for row in try db.fetchAll(
      sql: """
        SELECT mr.src_id, mr.out_id, s.uuid, s.name, se.name, me.name,
          max(s.heartbeat_at, coalesce(s.ended_at, '')), max(m.heartbeat_at, coalesce(m.ended_at, '')),
          \(pairs)
        FROM temp.merge_run AS mr
        JOIN \(src).run AS s ON s.id = mr.src_id JOIN main.run AS m ON m.id = mr.out_id
        JOIN \(src).experiment AS se ON se.id = s.experiment_id
        JOIN main.experiment AS me ON me.id = m.experiment_id
        WHERE mr.action = 'compare'
        """)
    {
      let srcID = row[0].int64Value ?? 0
      info[srcID] = (
        row[2].stringValue ?? "", row[3].stringValue ?? "", row[1].int64Value ?? 0,
        row[6].stringValue ?? "", row[7].stringValue ?? ""
      )
      var items: [String] = []
      if row[4] != row[5] {
        items.append("experiment: \(Self.show(row[5])) (output) vs \(Self.show(row[4])) (input)")
      }
      for (k, column) in runColumns.enumerated() {
        let theirs = row[8 + 2 * k]
        let mine = row[9 + 2 * k]
        if theirs != mine {
          items.append("run.\(column): \(Self.show(mine)) (output) vs \(Self.show(theirs)) (input)")
        }
      }
      if !items.isEmpty { differences[srcID, default: []] += items }
    }
    for (table, key) in Self.childTables {
      let columns = try commonColumns(table, excluding: ["run_id"])
      guard !columns.isEmpty else { continue }
      let s = columns.map { "s.\(q($0))" }.joined(separator: ", ")
      let m = columns.map { "m.\(q($0))" }.joined(separator: ", ")
      let theirs = """
        SELECT mr.src_id AS src_id, \(s) FROM temp.merge_run AS mr
        JOIN \(src).\(table) AS s ON s.run_id = mr.src_id WHERE mr.action = 'compare'
        """
      let mine = """
        SELECT mr.src_id AS src_id, \(m) FROM temp.merge_run AS mr
        JOIN main.\(table) AS m ON m.run_id = mr.out_id WHERE mr.action = 'compare'
        """
      for row in try db.fetchAll(
        sql: """
          SELECT src_id, count(*), min(\(q(key))) FROM (
            SELECT * FROM (\(theirs) EXCEPT \(mine))
            UNION ALL
            SELECT * FROM (\(mine) EXCEPT \(theirs)))
          GROUP BY src_id
          """)
      {
        let n = row[1].int64Value ?? 0
        differences[row[0].int64Value ?? 0, default: []].append(
          "\(table): \(n) row\(n == 1 ? "" : "s") differ (first at \(key) \(Self.show(row[2])))")
      }
    }
    try db.execute(sql: "UPDATE temp.merge_run SET action = 'skip' WHERE action = 'compare'")
    guard !differences.isEmpty else { return }
    var conflicts: [MergeRunConflict] = []
    let setAction = try db.makeStatement(sql: "UPDATE temp.merge_run SET action = ?1 WHERE src_id = ?2")
    for (srcID, items) in differences.sorted(by: { $0.key < $1.key }) {
      guard let run = info[srcID] else { continue }
      conflicts.append(
        MergeRunConflict(uuid: run.uuid, name: run.name, inputRunID: srcID, outputRunID: run.out, differences: items))
      let action: String
      switch options.onConflict {
      case .refuse: continue
      case .keep: action = "keep"
      case .replace: action = "replace"
      case .newer: action = run.inputRecency > run.outputRecency ? "replace" : "keep"
      }
      setAction.reset()
      try setAction.execute([.text(action), .integer(srcID)])
    }
    summary.conflicts = conflicts
    if options.onConflict == .refuse {
      throw MergeError.conflictingRuns(path: inputPath, conflicts: conflicts)
    }
  }

  /// New-UUID finished/diverged sweep runs whose configuration the output already has
  /// finished become `duplicate` (unless duplicates are kept).
  ///
  /// A configuration is the experiment, `config.sweep_key` and the data the run was trained
  /// on: `config.data_source` (the data set's source, current layout) and `config.data` (the
  /// prepared data's name and counts, both layouts), compared as JSON text, a missing field
  /// matching only a missing field. The sweep key holds every grid and fixed setting but not
  /// the data folder, so two runs of one grid point trained on different data are both kept.
  private func markDuplicateConfigurations() throws {
    guard !options.keepDuplicateConfigurations else { return }
    try db.execute(
      sql: """
        CREATE TEMP TABLE IF NOT EXISTS merge_done_key_v2 (
          experiment TEXT NOT NULL, sweep_key TEXT NOT NULL, data_source TEXT, data TEXT);
        DELETE FROM temp.merge_done_key_v2;
        INSERT INTO temp.merge_done_key_v2 (experiment, sweep_key, data_source, data)
        SELECT DISTINCT e.name, json_extract(r.config, '$.sweep_key'),
          json_extract(r.config, '$.data_source'), json_extract(r.config, '$.data')
        FROM main.run AS r JOIN main.experiment AS e ON e.id = r.experiment_id
        WHERE r.status IN ('finished', 'diverged') AND json_extract(r.config, '$.sweep_key') IS NOT NULL;
        INSERT INTO temp.merge_run (src_id, out_id, action)
        SELECT s.id, 0, 'duplicate'
        FROM \(src).run AS s JOIN \(src).experiment AS se ON se.id = s.experiment_id
        WHERE s.status IN ('finished', 'diverged')
          AND s.id NOT IN (SELECT src_id FROM temp.merge_run)
          AND EXISTS (SELECT 1 FROM temp.merge_done_key_v2 AS d
            WHERE d.experiment = se.name AND d.sweep_key = json_extract(s.config, '$.sweep_key')
              AND d.data_source IS json_extract(s.config, '$.data_source')
              AND d.data IS json_extract(s.config, '$.data'));
        """)
  }

  // MARK: - Copying

  /// Copies the `add` and `replace` runs and all their rows, table by table, then their
  /// provenance.
  private mutating func copyRuns() throws {
    let copied = "mr.action IN ('add', 'replace')"
    let runColumns = try commonColumns("run", excluding: ["id", "experiment_id"])
    let list = runColumns.map(q).joined(separator: ", ")
    let sList = runColumns.map { "s.\(q($0))" }.joined(separator: ", ")
    try db.execute(
      sql: """
        INSERT INTO main.run (id, experiment_id, \(list))
        SELECT mr.out_id, me.id, \(sList)
        FROM temp.merge_run AS mr CROSS JOIN \(src).run AS s ON s.id = mr.src_id
        JOIN \(src).experiment AS se ON se.id = s.experiment_id
        JOIN main.experiment AS me ON me.name = se.name
        WHERE \(copied) ORDER BY mr.out_id
        """)
    for (table, _) in Self.childTables {
      let columns = try commonColumns(table, excluding: ["run_id"])
      guard !columns.isEmpty else { continue }
      try db.execute(
        sql: """
          INSERT INTO main.\(table) (run_id, \(columns.map(q).joined(separator: ", ")))
          SELECT mr.out_id, \(columns.map { "s.\(q($0))" }.joined(separator: ", "))
          FROM temp.merge_run AS mr CROSS JOIN \(src).\(table) AS s ON s.run_id = mr.src_id
          WHERE \(copied)
          """)
      if table == "epoch_metric" { summary.epochsCopied = db.changesCount }
      if table == "measure_value" { summary.valuesCopied = db.changesCount }
    }
    let hasProvenance = !(try commonColumns("run_provenance")).isEmpty
    let now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    let from =
      hasProvenance
      ? "temp.merge_run AS mr LEFT JOIN \(src).run_provenance AS p ON p.run_id = mr.src_id"
      : "temp.merge_run AS mr LEFT JOIN (SELECT NULL AS source_file, NULL AS source_host, "
        + "NULL AS source_run_id, NULL AS source_schema_version, NULL AS merged_at) AS p"
    try db.execute(
      sql: """
        INSERT INTO main.run_provenance
          (run_id, source_file, source_host, source_run_id, source_schema_version, merged_at)
        SELECT mr.out_id, coalesce(p.source_file, ?1), coalesce(p.source_host, ?2),
          coalesce(p.source_run_id, mr.src_id), coalesce(p.source_schema_version, ?3),
          coalesce(p.merged_at, \(now))
        FROM \(from) WHERE \(copied)
        """,
      arguments: [
        .text(absoluteInputPath), .text(options.host), .integer(Int64(max(summary.schemaVersion, 1))),
      ])
  }

  // MARK: - Helpers

  /// An SQL identifier, double-quoted.
  private func q(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

  /// A short rendering of a value for messages (text quoted and cut at 60 characters).
  static func show(_ value: DatabaseValue) -> String {
    switch value {
    case .null: return "NULL"
    case .integer(let v): return String(v)
    case .real(let v): return "\(v)"
    case .text(let t): return "'" + (t.count > 60 ? String(t.prefix(60)) + "…" : t) + "'"
    case .blob(let b): return "<\(b.count)-byte blob>"
    }
  }
}
