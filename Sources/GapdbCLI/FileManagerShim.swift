import Foundation

/// File checks the commands need (keeps Foundation out of the command files).
enum FileManagerShim {
  /// Whether a file or directory exists at `path`.
  static func fileExists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
}
