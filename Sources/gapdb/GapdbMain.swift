import GapdbCLI
import LinearAlgebra

/// The `gapdb` executable: all logic lives in the `GapdbCLI` library.
@main
struct GapdbMain {
  static func main() {
    // Debian's OpenBLAS 0.3.21 falls back to a generic SSE kernel on CPUs newer than itself;
    // re-exec once with the AVX2 kernel when the CPU supports it (see BLASKernel).
    BLASKernel.reexecWithFasterKernelIfNeeded()
    // `--epochs -1` → `--epochs=-1`, so the option's range check reports the value.
    GapdbCommand.main(joiningNegativeNumberValues(Array(CommandLine.arguments.dropFirst())))
  }
}
