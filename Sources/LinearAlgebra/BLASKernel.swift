import GapdbCBLAS

#if canImport(Glibc)
  import Glibc
#endif

/// Which OpenBLAS compute kernel this process uses, and a fix for CPUs that Debian's
/// OpenBLAS 0.3.21 does not recognise.
///
/// OpenBLAS (a `DYNAMIC_ARCH` build) picks its kernel from the CPU model when the library loads.
/// Models newer than the library (for example Intel Xeon "Emerald Rapids", family 6 model 207,
/// which has AVX-512) fall back to the generic SSE3 `Prescott` kernel, about 4× slower for
/// `sgemm` than the AVX2 `Haswell` kernel the same CPU runs correctly.
public enum BLASKernel {
  /// OpenBLAS's name for the kernel in use (`openblas_get_corename`), e.g. `Haswell`, `Zen`,
  /// `Prescott`.
  public static var coreName: String {
    guard let p = openblas_get_corename() else { return "unknown" }
    return String(cString: p)
  }

  /// OpenBLAS's build description (`openblas_get_config`).
  public static var buildConfiguration: String {
    guard let p = openblas_get_config() else { return "unknown" }
    return String(cString: p)
  }

  /// Generic kernels that a CPU with AVX2 and FMA should never be left with.
  static let genericCores: Set<String> = [
    "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine", "northwood", "banias",
    "sandybridge", "unknown",
  ]

  /// Re-executes the current process with `OPENBLAS_CORETYPE` set to ``preferredCore(flags:)``
  /// (`SkylakeX` on CPUs with the AVX-512 subsets it uses, else `Haswell`) when OpenBLAS chose a
  /// generic kernel although the CPU supports AVX2 and FMA, and the user has not set
  /// `OPENBLAS_CORETYPE` themselves. Otherwise, and on platforms other than Linux, it returns
  /// without doing anything. Each kernel is only chosen where the CPU has every instruction it
  /// uses (`SkylakeX` faults on AMD Zen 3, which has no AVX-512, so Zen 3 gets `Haswell`). The
  /// re-executed process removes both variables again, so its children choose for themselves.
  ///
  /// Call it first thing in an executable's `main()`, before any work: the kernel can only be
  /// chosen when the library loads. `GAPDB_BLAS_REEXEC` marks the re-executed process so this
  /// happens at most once.
  public static func reexecWithFasterKernelIfNeeded() {
    #if os(Linux)
      if getenv("GAPDB_BLAS_REEXEC") != nil {
        // The re-executed process: OpenBLAS chose its kernel when it loaded, so the variables
        // can go; child processes (Python baselines, sweep workers) then start clean and pick
        // their own kernel.
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv("GAPDB_BLAS_REEXEC")
        return
      }
      guard getenv("OPENBLAS_CORETYPE") == nil else { return }
      let flags = cpuFlags()
      guard genericCores.contains(coreName.lowercased()), flags.contains("avx2"), flags.contains("fma")
      else { return }
      setenv("OPENBLAS_CORETYPE", preferredCore(flags: flags), 1)
      setenv("GAPDB_BLAS_REEXEC", "1", 1)
      var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
      argv.append(nil)
      execv("/proc/self/exe", argv)
      // execv only returns on failure: carry on with the generic kernel.
      for p in argv { free(p) }
    #endif
  }

  /// The kernel to ask for on a CPU OpenBLAS did not recognise: `SkylakeX` when the CPU has
  /// the AVX-512 subsets that kernel uses (F, CD, BW, DQ, VL), else `Haswell` (AVX2 + FMA).
  ///
  /// Measured on an Intel Xeon family 6 model 207 (1024³ sgemm, 2 threads): Prescott 66,
  /// Haswell 160, SkylakeX 301 GFLOP/s. AMD Zen 3 lacks AVX-512 and gets Haswell.
  static func preferredCore(flags: Set<String>) -> String {
    let avx512: Set<String> = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
    return avx512.isSubset(of: flags) ? "SkylakeX" : "Haswell"
  }

  /// The CPU feature flags of the first processor in /proc/cpuinfo (empty elsewhere).
  static func cpuFlags() -> Set<String> {
    #if os(Linux)
      guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
      defer { fclose(file) }
      var line: UnsafeMutablePointer<CChar>? = nil
      var capacity = 0
      defer { free(line) }
      while getline(&line, &capacity, file) > 0 {
        guard let line else { break }
        let text = String(cString: line)
        if text.hasPrefix("flags") {
          return Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init))
        }
      }
      return []
    #else
      return []
    #endif
  }

  /// Whether /proc/cpuinfo lists the avx2 and fma flags.
  static func cpuSupportsAVX2AndFMA() -> Bool {
    let flags = cpuFlags()
    return flags.contains("avx2") && flags.contains("fma")
  }

}
