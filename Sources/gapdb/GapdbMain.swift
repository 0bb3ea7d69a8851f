import GapdbCLI

/// The `gapdb` executable: all logic lives in the `GapdbCLI` library.
@main
struct GapdbMain {
  static func main() {
    GapdbCommand.main()
  }
}
