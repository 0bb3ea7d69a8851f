import Foundation
import GapdbCSQLite

/// Merges gapdb stores into one: the library behind `gapdb merge OUT IN…`.
///
/// What is copied from each input: experiments (matched by name), runs (identity = the run's
/// UUID) with their hyperparameters, layers, epochs, layer summaries, measure values and weight
/// snapshots, the measure catalogue, and provenance (``run_provenance``: source file, host,
/// source run id; carried over unchanged when the input is itself a merged store).
///
/// Rules:
/// - **Idempotent.** A run whose UUID is already in the output with identical content (every
///   column of every row, compared by SQLite's `EXCEPT`; provenance excluded) is skipped, so
///   merging an input again adds nothing.
/// - **Conflicts.** The same UUID with different content is resolved by
///   ``MergeOptions/onConflict``; the default refuses the input, naming each run and what
///   differs.
/// - **Catalogue.** An id defined differently in both stores refuses the input, naming both
///   definitions. An automatically created entry (name = id, every property NULL) is compatible
///   with any definition; the fuller one is kept.
/// - **Duplicated sweep tasks.** A finished or diverged run of a sweep configuration the
///   output already has finished (same experiment, `config.sweep_key` and data — equal
///   `config.data_source` and `config.data` — another UUID) is skipped and counted, unless ``MergeOptions/keepDuplicateConfigurations``.
/// - **One transaction per input.** An input is merged entirely or not at all.
/// - **Inputs are read-only.** Each input is attached as `file:…?mode=ro`; its bytes are never
///   changed. Inside the transaction SQLite reads one consistent snapshot of it, so a store
///   still being written by another process is read as of its last commit (in WAL mode SQLite
///   may create the input's `-shm`/`-wal` side files if they are missing; their content is
///   SQLite's own bookkeeping). Stores of an older schema version are read as they are
///   (columns both schemas have are copied; newer columns get their defaults); foreign files
///   and stores newer than this tool are refused, and so is an input that fails SQLite's
///   `PRAGMA quick_check` (a copy torn by a checkpoint running while it was taken).
///
/// Speed: every table is copied by one `INSERT … SELECT` from the attached input, in the
/// output's primary-key order, so a merge runs at SQLite's bulk-copy speed (`gapdb-bench
/// merge` compares it with a hand-written `ATTACH … INSERT … SELECT`).
///
/// Not thread-safe: use one merger from one thread.
public final class StoreMerger {
  /// The output connection (for a dry run, an in-memory copy of the output).
  public let output: Database
  /// The settings.
  public let options: MergeOptions
  /// The output file's path (`nil` for a dry run on a file that does not exist yet).
  public let outputPath: String?
  /// Whether this is a dry run (``output`` is a throwaway in-memory copy).
  public let isDryRun: Bool

  private init(output: Database, outputPath: String?, options: MergeOptions, isDryRun: Bool) {
    self.output = output
    self.outputPath = outputPath
    self.options = options
    self.isDryRun = isDryRun
  }

  /// Opens (creating and migrating if needed) the output store for merging.
  ///
  /// - Parameters:
  ///   - outputPath: The output `.sqlite` file.
  ///   - options: Conflict policy and provenance host.
  ///   - journal: What to do when the output is on a network filesystem (the merge is a single
  ///     writer, so ``StoreJournalPolicy/singleWriterOnSharedFileSystem`` is safe when nothing
  ///     else writes the file).
  ///   - fileSystem: How the output's filesystem is found.
  /// - Throws: ``NetworkFileSystemError``, ``MigrationError``, ``DatabaseError``.
  public convenience init(
    outputPath: String, options: MergeOptions = MergeOptions(),
    journal: StoreJournalPolicy = .fromEnvironment, fileSystem: FileSystemProbe = .system
  ) throws {
    // The connection understands URI file names (inputs are attached read-only by URI), so a
    // relative output path that starts with "file:" is made explicit.
    let path = outputPath.hasPrefix("file:") ? "./" + outputPath : outputPath
    let db = try Database(
      storePath: path, readOnly: false, journal: journal, fileSystem: fileSystem,
      uriFilenames: true)
    self.init(output: db, outputPath: outputPath, options: options, isDryRun: false)
  }

  /// A merger that changes nothing on disk: the output (if it exists) is copied into memory
  /// with SQLite's backup API and migrated there, and every merge goes into that copy, so the
  /// summaries say exactly what a real merge would add, skip and refuse.
  ///
  /// - Parameters:
  ///   - outputPath: The output file (it need not exist; it is only read).
  ///   - options: As for a real merge.
  /// - Returns: The dry-run merger.
  /// - Throws: ``MigrationError`` (the output is not a gapdb store, or newer than this tool),
  ///   ``DatabaseError``.
  /// - Complexity: Memory O(size of the output file).
  public static func dryRun(outputPath: String, options: MergeOptions = MergeOptions()) throws
    -> StoreMerger
  {
    let memory = try Database(
      path: ":memory:", mode: .readWriteCreate, busyTimeoutMilliseconds: 5_000,
      journal: .refuseOnSharedFileSystem, fileSystem: .system, uriFilenames: true)
    if FileManager.default.fileExists(atPath: outputPath) {
      let source = try Database(path: outputPath, mode: .readOnly)
      try SchemaMigrator.embedded.checkIdentity(source)
      try source.copy(into: memory)
    }
    try SchemaMigrator.embedded.migrate(memory)
    return StoreMerger(output: memory, outputPath: outputPath, options: options, isDryRun: true)
  }

  /// Merges one input store into the output, in one transaction.
  ///
  /// - Parameter inputPath: The input `.sqlite` file (opened read-only).
  /// - Returns: What was added and skipped.
  /// - Throws: ``MergeError`` (unreadable, foreign or newer input; conflicting runs with the
  ///   `refuse` policy; a conflicting catalogue entry) or ``DatabaseError``; the output is
  ///   then unchanged by this input.
  public func merge(inputPath: String) throws -> MergeInputSummary {
    let absolute = Self.absolutePath(inputPath)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
      throw MergeError.unreadableInput(path: inputPath, reason: "no such file")
    }
    if isDirectory.boolValue {
      throw MergeError.unreadableInput(path: inputPath, reason: "it is a directory")
    }
    let size = (try? FileManager.default.attributesOfItem(atPath: absolute))?[.size] as? UInt64
    if size == 0 {
      throw MergeError.unreadableInput(path: inputPath, reason: "it is an empty file (0 bytes)")
    }
    if let outputPath, Self.isSameFile(absolute, outputPath) {
      throw MergeError.inputIsOutput(path: inputPath)
    }
    do {
      try output.execute(
        sql: "ATTACH DATABASE ?1 AS \(Self.input)", arguments: [.text(Self.readOnlyURI(absolute))])
      defer { try? output.execute(sql: "DETACH DATABASE \(Self.input)") }
      // quick_check reads every page of the input; a cache that holds the input lets the copy
      // that follows read them again without going back to the file (64 MiB at most).
      try output.execute(sql: "PRAGMA \(Self.input).cache_size = -65536")
      return try output.inTransaction(.immediate) {
        var job = MergeJob(
          db: output, options: options, inputPath: inputPath, absoluteInputPath: absolute)
        return try job.run()
      }
    } catch let error as DatabaseError where error.resultCode == SQLITE_NOTADB {
      throw MergeError.unreadableInput(path: inputPath, reason: "not an SQLite database")
    } catch let error as DatabaseError where error.resultCode == SQLITE_CORRUPT {
      throw MergeError.damagedInput(path: inputPath, detail: error.message)
    }
  }

  /// The schema name the input is attached under.
  static let input = "merge_input"

  /// `file:` URI opening `path` read-only (every byte outside the unreserved set and `/` is
  /// percent-encoded, so `?`, `#` and `%` in file names are safe).
  static func readOnlyURI(_ path: String) -> String {
    var encoded = ""
    for byte in path.utf8 {
      let c = Character(Unicode.Scalar(byte))
      if c.isASCII && (c.isLetter || c.isNumber || "-._~/".contains(c)) {
        encoded.append(c)
      } else {
        encoded += String(format: "%%%02X", byte)
      }
    }
    return "file:" + encoded + "?mode=ro"
  }

  static func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return (path as NSString).standardizingPath }
    let cwd = FileManager.default.currentDirectoryPath
    return ((cwd as NSString).appendingPathComponent(path) as NSString).standardizingPath
  }

  static func isSameFile(_ a: String, _ b: String) -> Bool {
    var sa = stat()
    var sb = stat()
    guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
  }
}

extension Database {
  /// Copies this whole database into `target` (SQLite's online backup API, all pages in one
  /// step), replacing `target`'s content.
  ///
  /// - Parameter target: A writable connection (e.g. `:memory:`).
  /// - Throws: ``DatabaseError``.
  func copy(into target: Database) throws {
    guard let backup = sqlite3_backup_init(target.handle, "main", handle, "main") else {
      throw DatabaseError(
        extendedResultCode: sqlite3_extended_errcode(target.handle),
        message: String(cString: sqlite3_errmsg(target.handle)))
    }
    var rc: Int32
    repeat {
      rc = sqlite3_backup_step(backup, -1)
      if rc == SQLITE_BUSY || rc == SQLITE_LOCKED { Thread.sleep(forTimeInterval: 0.01) }
    } while rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED
    let finish = sqlite3_backup_finish(backup)
    if rc != SQLITE_DONE { throw DatabaseError(extendedResultCode: rc) }
    if finish != SQLITE_OK { throw DatabaseError(extendedResultCode: finish) }
  }
}
