import Foundation
import ResultsStore

// MARK: - Writable stores

/// Why this user cannot write the store at `path` (or create it), or `nil` when nothing
/// stands in the way as far as permissions tell.
///
/// SQLite needs, for a WAL-mode store: write access to the file; its `-wal` and `-shm`
/// companions, which it creates beside the file when they are missing (so the folder must be
/// writable) and must be able to write when they exist; and a file system mounted
/// read-write. Each failure otherwise surfaces as `SQLITE_READONLY` ("attempt to write a
/// readonly database") or `SQLITE_CANTOPEN` halfway through a command.
///
/// - Parameter path: The store's path (existing or not).
/// - Returns: One sentence naming the file or folder at fault, e.g. "runs.sqlite is read-only
///   for you (file permissions)".
func storeWriteProblem(_ path: String) -> String? {
  let directory = folder(of: path)
  func denied(_ file: String) -> Int32? {
    access(file, W_OK) == 0 ? nil : errno
  }
  if FileManager.default.fileExists(atPath: path) {
    if let code = denied(path) {
      return code == EROFS
        ? "the file system holding \(path) is mounted read-only"
        : "\(path) is read-only for you (file permissions)"
    }
    var missing: [String] = []
    for suffix in ["-wal", "-shm"] {
      let companion = path + suffix
      if FileManager.default.fileExists(atPath: companion) {
        if denied(companion) != nil { return "\(companion) exists and is read-only for you" }
      } else {
        missing.append(companion)
      }
    }
    if !missing.isEmpty, let code = denied(directory) {
      return code == EROFS
        ? "the file system holding \(path) is mounted read-only"
        : "SQLite must create \(missing.joined(separator: " and ")) beside the store, but the "
          + "folder \(directory) is read-only for you"
    }
    return nil
  }
  if let code = denied(directory) {
    if code == ENOENT { return "the folder \(directory) does not exist" }
    return code == EROFS
      ? "the file system holding \(directory) is mounted read-only"
      : "the folder \(directory) is read-only for you, so \(path) cannot be created there"
  }
  return nil
}

/// Throws a ``CommandError`` when the store at `path` cannot be written by this user (see
/// ``storeWriteProblem(_:)``): the check every writing command (`init`, `train`, `sweep`,
/// `sql --write`, `mark-stale`) makes before it opens the store, so the user reads the cause
/// instead of "attempt to write a readonly database" after work was done.
func checkStoreIsWritable(_ path: String) throws {
  guard let problem = storeWriteProblem(path) else { return }
  let exists = FileManager.default.fileExists(atPath: path)
  throw CommandError(
    "cannot \(exists ? "write to the store" : "create the store") \(path): \(problem)",
    hint: exists
      ? "check the permissions (ls -l \(path) \(folder(of: path))), or work on a copy "
        + "(cp \(path) /tmp/ and pass the copy)."
      : "choose a folder you may write to, or create it (mkdir -p).")
}

/// The ``CommandError`` for an `SQLITE_READONLY` failure while writing the store at `path`:
/// the cause found by ``storeWriteProblem(_:)``, or the other reasons SQLite gives that code.
func readOnlyStoreError(_ error: DatabaseError, path: String) -> CommandError {
  if let problem = storeWriteProblem(path) {
    return CommandError(
      "cannot write to the store \(path): \(problem)",
      hint: "check the permissions (ls -l \(path) \(folder(of: path))), or work on a copy.")
  }
  return CommandError(
    "cannot write to the store \(path): \(error.message) (SQLite result code "
      + "\(error.extendedResultCode))",
    hint: "the file, its folder or its -wal/-shm files are read-only, the file system is "
      + "mounted read-only, or the store was moved or deleted while open; check with ls -l.")
}

// MARK: - Output files

/// What an output path would overwrite of the store at `store`: the store itself or one of
/// its companion files (`-wal`, `-shm`, `-journal`), whatever the spelling — symbolic links
/// (also dangling ones, resolved to where they point), `..` and `.` components, relative
/// paths, and hard links (same device and inode).
///
/// - Parameters:
///   - output: A path a command is about to write.
///   - store: The store's path as given.
/// - Returns: "the store itself", or a description such as "the store's write-ahead log
///   (runs.sqlite-wal)"; `nil` when the output is a different file.
func storeFileOverwritten(by output: String, store: String) -> String? {
  let kinds = [
    ("", "the store itself"), ("-wal", "the store's write-ahead log"),
    ("-shm", "the store's shared-memory index"), ("-journal", "the store's rollback journal"),
  ]
  let target = canonicalPath(output)
  for base in Set([store, canonicalPath(store)]) {
    for (suffix, name) in kinds {
      let file = base + suffix
      if isSameFile(output, file) || target == canonicalPath(file) {
        return suffix.isEmpty ? name : "\(name) (\(store + suffix))"
      }
    }
  }
  return nil
}

/// Refuses (exit code 64) an output path that would overwrite the store or one of its
/// companion files (see ``storeFileOverwritten(by:store:)``).
///
/// - Parameters:
///   - output: The path about to be written.
///   - option: How the user gave it, e.g. `--out`.
///   - store: The store's path.
func checkOutputIsNotStore(_ output: String, option: String, store: String) throws {
  guard let what = storeFileOverwritten(by: output, store: store) else { return }
  try exitingWithUsageCode {
    throw CommandUsageError(
      "\(option) '\(output)' is \(what); writing there would destroy the store",
      hint: "give the output its own name, e.g. \(option) report.html.")
  }
}

/// An absolute path with `.` and `..` resolved and symbolic links followed — the final
/// component too, even when the link dangles (up to 40 links). Missing components are kept
/// as written.
func canonicalPath(_ path: String) -> String {
  var current = absolutePath(path)
  for _ in 0..<40 {
    var info = stat()
    guard lstat(current, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK,
      let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: current)
    else { break }
    current = absolutePath(
      destination.hasPrefix("/")
        ? destination : (folder(of: current) as NSString).appendingPathComponent(destination))
  }
  let parent = folder(of: current)
  let name = (current as NSString).lastPathComponent
  // realpath resolves `..` after following links, as the kernel does; a missing folder
  // falls back to resolving `..` in the text.
  guard name != "..", name != ".", let resolved = realpath(parent, nil) else {
    return (current as NSString).standardizingPath
  }
  defer { free(resolved) }
  return (String(cString: resolved) as NSString).appendingPathComponent(name)
}

private func absolutePath(_ path: String) -> String {
  path.hasPrefix("/")
    ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
}
