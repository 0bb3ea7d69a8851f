#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes raw bytes to file descriptor 1; returns the count written, or ≤ 0 on error.
func writeStdout(_ pointer: UnsafeRawPointer, _ count: Int) -> Int {
  write(1, pointer, count)
}

/// Whether standard output is a terminal (used to decide on colours and progress bars).
public var standardOutputIsTerminal: Bool { isatty(1) != 0 }

/// Whether standard error is a terminal.
public var standardErrorIsTerminal: Bool { isatty(2) != 0 }

/// Writes `text` to standard error, unbuffered (diagnostics and progress).
public func writeStandardError(_ text: String) {
  var bytes = Array(text.utf8)
  bytes.withUnsafeMutableBytes { raw in
    var offset = 0
    while offset < raw.count {
      let n = write(2, raw.baseAddress! + offset, raw.count - offset)
      if n <= 0 { break }
      offset += n
    }
  }
}
