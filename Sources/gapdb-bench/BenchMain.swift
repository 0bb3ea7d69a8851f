import ArgumentParser
import LinearAlgebra

/// `gapdb-bench`: benchmarks that print throughput figures (not timed tests).
///
/// Each subcommand measures one workload in release mode and, where a Python baseline exists
/// in `../shared/baselines/`, runs it in the same invocation so the figures sit side by side.
/// Run with `swift run -c release gapdb-bench <subcommand>`.
@main
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gapdb-bench",
    abstract: "Benchmarks for gapdb's recorder, measures, statistics and trainer.",
    subcommands: [
      CorrelateBenchmark.self,
      RecordBenchmark.self,
      MergeBenchmark.self,
      NewMeasureIDsBenchmark.self,
      TrainBenchmark.self,
      FlatnessBenchmark.self,
      FlatnessWidthExperiment.self,
      PathSGDInvarianceExperiment.self,
      MeasuresBenchmark.self,
      ConvBenchmark.self,
    ]
  )

  static func main() {
    BLASKernel.reexecWithFasterKernelIfNeeded()
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      exit(withError: error)
    }
  }
}
