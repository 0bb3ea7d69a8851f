import Foundation
import GapdbCSQLite

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The filesystem a store lives on, as far as opening it safely is concerned.
public struct FileSystemKind: Sendable, Equatable, CustomStringConvertible {
  /// A short name: `nfs`, `smb`, `cifs`, `smb2`, `lustre`, `gpfs`, `beegfs`, `fuse`, …
  public let name: String
  /// Whether processes on several hosts may share it (network or cluster filesystem, or a
  /// FUSE mount that may be one). SQLite's WAL mode needs shared memory among all processes
  /// using a file, so it is unsafe on such a filesystem (sqlite.org/wal.html, "WAL does not
  /// work over a network filesystem"), and POSIX locks over NFS are unreliable.
  public let isShared: Bool

  /// Creates a kind.
  public init(name: String, isShared: Bool) {
    self.name = name
    self.isShared = isShared
  }

  public var description: String { name }

  /// The `statfs(2)` `f_type` magic numbers of shared filesystems on Linux (from
  /// `<linux/magic.h>`, the Samba/CIFS client, Lustre, IBM Spectrum Scale and BeeGFS client
  /// sources). FUSE (`0x65735546`) is included: sshfs, s3fs, gcsfuse and BeeGFS/GPFS gateways
  /// mount through it, and a local FUSE store cannot be told apart.
  public static let sharedMagicNumbers: [UInt64: String] = [
    0x6969: "nfs",
    0x517B: "smb",
    0xFF53_4D42: "cifs",
    0xFE53_4D42: "smb2",
    0x0BD0_0BD0: "lustre",
    0x4750_4653: "gpfs",
    0x1983_0326: "beegfs",
    0x6573_5546: "fuse",
    0x00C3_6400: "ceph",
    0x5346_414F: "afs",
    0x6B41_4653: "afs",
    0x7375_7245: "coda",
    0x564C: "ncp",
    0x0102_1997: "9p",
    0x7461_636F: "ocfs2",
    0x0116_1970: "gfs2",
  ]

  /// Classifies a `statfs` `f_type` value (Linux).
  ///
  /// - Parameter magic: `f_type`, as an unsigned number.
  /// - Returns: The shared kind, or a local kind named by the hex value.
  public static func classify(magic: UInt64) -> FileSystemKind {
    if let name = sharedMagicNumbers[magic] { return FileSystemKind(name: name, isShared: true) }
    return FileSystemKind(name: "0x" + String(magic, radix: 16), isShared: false)
  }

  /// Classifies a BSD/macOS `f_fstypename` (`nfs`, `smbfs`, `afpfs`, `webdav`, `macfuse`, …).
  public static func classify(typeName: String) -> FileSystemKind {
    let shared = ["nfs", "smbfs", "afpfs", "webdav", "cifs", "macfuse", "osxfuse", "fuse"]
    return FileSystemKind(
      name: typeName, isShared: shared.contains(where: { typeName.lowercased().hasPrefix($0) }))
  }
}

/// How a store's filesystem is found: `statfs(2)` in production, anything in tests.
///
/// The probe receives the store's path; for a file that does not exist yet it should look at
/// the folder that will hold it (``system`` does).
public struct FileSystemProbe: Sendable {
  /// Returns the filesystem of a path, or `nil` when it cannot be told (then nothing is refused).
  public var kind: @Sendable (String) -> FileSystemKind?

  /// Creates a probe (tests: `FileSystemProbe { _ in FileSystemKind(name: "nfs", isShared: true) }`).
  public init(kind: @escaping @Sendable (String) -> FileSystemKind?) { self.kind = kind }

  /// `statfs(2)` of the path, or of its folder when the path does not exist.
  public static let system = FileSystemProbe { path in
    var target = path.isEmpty ? "." : path
    if !FileManager.default.fileExists(atPath: target) {
      let folder = (target as NSString).deletingLastPathComponent
      target = folder.isEmpty ? "." : folder
    }
    #if os(Linux)
      let magic = gapdb_filesystem_magic(target)
      return magic == 0 ? nil : FileSystemKind.classify(magic: UInt64(magic))
    #else
      var info = statfs()
      guard statfs(target, &info) == 0 else { return nil }
      let name = withUnsafeBytes(of: info.f_fstypename) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      return FileSystemKind.classify(typeName: name)
    #endif
  }
}

/// What a writable opening does about the journal, given the store's filesystem.
public enum StoreJournalPolicy: Sendable, Equatable {
  /// WAL mode; refuse to open for writing on a shared filesystem
  /// (``NetworkFileSystemError``). The default.
  case refuseOnSharedFileSystem
  /// The caller promises that one process writes the file: on a shared filesystem use
  /// SQLite's rollback journal (`journal_mode = DELETE`, `synchronous = FULL`) instead of
  /// refusing; elsewhere WAL as usual. `gapdb … --single-writer`, or the environment variable
  /// `GAPDB_SINGLE_WRITER=1`.
  case singleWriterOnSharedFileSystem

  /// `.singleWriterOnSharedFileSystem` when the environment variable `GAPDB_SINGLE_WRITER` is
  /// `1`, `true` or `yes`; otherwise `.refuseOnSharedFileSystem`.
  public static var fromEnvironment: StoreJournalPolicy {
    let value = ProcessInfo.processInfo.environment["GAPDB_SINGLE_WRITER"]?.lowercased() ?? ""
    return ["1", "true", "yes"].contains(value) ? .singleWriterOnSharedFileSystem : .refuseOnSharedFileSystem
  }
}

/// A writable opening in WAL mode was refused because the store is on a shared filesystem.
public struct NetworkFileSystemError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The store's path.
  public let path: String
  /// The filesystem found there.
  public let fileSystem: FileSystemKind

  /// Creates the error.
  public init(path: String, fileSystem: FileSystemKind) {
    self.path = path
    self.fileSystem = fileSystem
  }

  public var description: String {
    "\(path) is on a network or shared filesystem (\(fileSystem.name)), where SQLite's WAL mode "
      + "is unsafe (it needs every writer on one host; locks over the network are unreliable): "
      + "refusing to open it for writing\n"
      + "Hint: let each process or array task write its own store on node-local disk "
      + "(gapdb sweep --shard i/n, or gapdb sweep --slurm N), copy the finished stores here and "
      + "combine them with `gapdb merge OUT IN…`; if exactly one process ever writes this file, "
      + "pass --single-writer (or set GAPDB_SINGLE_WRITER=1) to use a rollback journal. "
      + "Reading (runs, sql, correlate, report) is allowed."
  }
}
