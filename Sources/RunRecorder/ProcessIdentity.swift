import Foundation

/// The identity of a process on this host, as `gapdb mark-stale` needs it to tell a live
/// recording process from a dead one whose pid has been reused.
///
/// Linux only (it reads `/proc`); elsewhere every query answers `nil` ("unknown") and callers
/// fall back to what they can check (`kill(pid, 0)`).
public enum ProcessIdentity {
  /// The host name recorded in `run.host` (`ProcessInfo.hostName`, read once per process:
  /// it may cost a resolver lookup).
  public static let currentHost: String = ProcessInfo.processInfo.hostName

  /// The start token of the current process (see ``startToken(of:)``).
  public static var currentStartToken: String? { startToken(of: getpid()) }

  /// `'<boot_id>:<start ticks>'` for a process: the kernel's boot id
  /// (`/proc/sys/kernel/random/boot_id`) and field 22 of `/proc/<pid>/stat` (the start time in
  /// clock ticks after boot). Two processes with the same pid on one host have different
  /// tokens, also across a reboot.
  ///
  /// - Parameter pid: A process id.
  /// - Returns: The token, or `nil` if the process does not exist or `/proc` is not there.
  public static func startToken(of pid: pid_t) -> String? {
    guard let ticks = startTicks(of: pid), let boot = bootID else { return nil }
    return "\(boot):\(ticks)"
  }

  /// Whether a process with this pid exists on this host (`kill(pid, 0)` succeeds, or fails
  /// with `EPERM`: it exists but belongs to another user). Pids ≤ 0 are never alive (they
  /// name process groups).
  public static func isAlive(_ pid: Int64) -> Bool {
    guard pid > 0, pid <= Int64(Int32.max) else { return false }
    if kill(pid_t(pid), 0) == 0 { return true }
    return errno == EPERM
  }

  /// Whether the process that recorded a run on this host is still alive: a process with
  /// `pid` exists and is the same process — its start token equals `startToken`, or, when the
  /// token is unknown (runs recorded before schema 0003), it started no later than 2 s after
  /// the run (`startedAt`, seconds since 1970). A differing token or a later start means the
  /// kernel gave the pid to another process. When the live process's start cannot be read
  /// the answer is `true`: marking a live training failed makes it stop with an error, while
  /// a dead run left `running` only waits for a later check.
  ///
  /// - Parameters:
  ///   - pid: The recorded pid (`run.pid`).
  ///   - startToken: The recorded start token (`run.process_start`), if any.
  ///   - startedAt: The run's start (`run.started_at`) in seconds since 1970, if known.
  public static func isRecordingProcessAlive(pid: Int64, startToken: String?, startedAt: Double?) -> Bool {
    guard isAlive(pid) else { return false }
    if let startToken {
      guard let token = Self.startToken(of: pid_t(pid)) else { return true }
      return token == startToken
    }
    guard let startedAt, let processStarted = startTime(of: pid_t(pid)) else { return true }
    return processStarted <= startedAt + 2
  }

  /// When a process started, in seconds since 1970 (boot time from `/proc/stat` `btime` plus
  /// the start ticks over `sysconf(_SC_CLK_TCK)`); resolution one tick (10 ms), and it moves if
  /// the wall clock was set since boot.
  ///
  /// - Returns: The start time, or `nil` if unknown.
  public static func startTime(of pid: pid_t) -> Double? {
    guard let ticks = startTicks(of: pid), let boot = bootTime else { return nil }
    let perSecond = sysconf(Int32(_SC_CLK_TCK))
    guard perSecond > 0 else { return nil }
    return Double(boot) + Double(ticks) / Double(perSecond)
  }

  /// Field 22 (`starttime`) of `/proc/<pid>/stat`. The command name (field 2) is in
  /// parentheses and may contain spaces and parentheses, so fields are counted after the
  /// last `)`.
  static func startTicks(of pid: pid_t) -> UInt64? {
    guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = text.lastIndex(of: ")")
    else { return nil }
    let fields = text[text.index(after: close)...].split(separator: " ")
    // fields[0] is field 3 (state), so field 22 is fields[19].
    guard fields.count > 19 else { return nil }
    return UInt64(fields[19])
  }

  /// Read once: it changes only with a reboot.
  private static let bootID: String? =
    (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))
    .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }

  private static var bootTime: UInt64? {
    guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
      return UInt64(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
    }
    return nil
  }
}
