// swift-tools-version: 6.2
// gapdb: record neural-network training runs into SQLite and ask which complexity measure
// predicts the generalization gap.
//
// Dependencies flow one way:
//   GapdbCSQLite <- SQLiteCore (generic SQLite layer: connection, statements, migration engine)
//   SQLiteCore <- ResultsStore (the gapdb store: schema, canned queries, snapshot reads, merge;
//     CorrelationStatistics only for GridLevel, the exact hyperparameter level keys)
//     <- RunRecorder <- GapdbCLI <- gapdb
//   SQLiteCore, CorrelationStatistics <- StatisticsSQL (kendall_tau, … as SQL functions; the
//     front ends that want them install them: the CLI's sql/query, tests)
//   CorrelationStatistics, ResultsStore, Reports, SweepPlanning <- GapAnalysis <- GapdbCLI, gapdb-bench
//     (snapshot selection, gap, axes, the correlation table, report data: correlate and report)
//   SweepPlanning, ExperimentRunner, RunRecorder <- Sweeps <- GapdbCLI
//     (sweep execution: process pool, ledger, resume, progress)
//   Only the executables depend on GapdbCLI (and tests); gapdb-bench uses libraries only.
//   GapdbCBLAS <- LinearAlgebra <- ComplexityMeasures, FeedForward
//   GapdbCBLAS <- ConvolutionKernels (conv geometry and kernels for issue 13; not wired in yet)
//   GapdbCZlib <- NumPyFiles; GapdbCZlib, LinearAlgebra <- Datasets <- FeedForward
//   FeedForward, ComplexityMeasures, RunRecorder <- ExperimentRunner <- GapdbCLI
//   FeedForward, Datasets <- FlatnessMeasures <- ExperimentRunner, GapdbCLI (perturbation measures)
//   FeedForward, ExperimentRunner <- SweepPlanning (optimizer names; a sweep configuration → a run configuration)
//   MeasureCatalog <- ComplexityMeasures, FlatnessMeasures, RunRecorder: the one measure
//     descriptor type (id, formula, source, needs, invariances, cost); ExperimentRunner's
//     GapdbMeasures.all lists every measure, for `gapdb measures --list` and the store.
//   CorrelationStatistics, TabularOutput, MeasureCatalog: pure Swift, no dependencies.
// The measures, statistics and trainer modules know nothing of SQLite.
import PackageDescription

let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]
// Extension members are visible only in files that import their module. Without this, TOMLKit
// (imported by SweepPlanning) lends every `[String: V]` a subscript whose setter does nothing,
// and `dict[key] = value` in the CLI silently stored nothing.
let cliSettings: [SwiftSetting] = strict + [.enableUpcomingFeature("MemberImportVisibility")]

let package = Package(
  name: "gapdb",
  platforms: [.macOS(.v15)],
  // MARK: - Public API
  products: [
    .library(name: "RunRecorder", targets: ["RunRecorder"]),
    .library(name: "ResultsStore", targets: ["ResultsStore"]),
    .library(name: "SQLiteCore", targets: ["SQLiteCore"]),
    .library(name: "StatisticsSQL", targets: ["StatisticsSQL"]),
    .library(name: "ComplexityMeasures", targets: ["ComplexityMeasures"]),
    .library(name: "MeasureCatalog", targets: ["MeasureCatalog"]),
    .library(name: "CorrelationStatistics", targets: ["CorrelationStatistics"]),
    .executable(name: "gapdb", targets: ["gapdb"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
  ],
  targets: [
    // MARK: - System libraries (Debian packages)
    .systemLibrary(
      name: "GapdbCSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
    .systemLibrary(
      name: "GapdbCBLAS", pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
    .systemLibrary(name: "GapdbCZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

    // MARK: - Implementation details
    .target(name: "TabularOutput", swiftSettings: strict),
    .target(name: "SQLiteCore", dependencies: ["GapdbCSQLite"], swiftSettings: strict),
    .target(
      name: "ResultsStore", dependencies: ["SQLiteCore", "GapdbCSQLite", "CorrelationStatistics"],
      swiftSettings: strict),
    .target(
      name: "StatisticsSQL", dependencies: ["SQLiteCore", "GapdbCSQLite", "CorrelationStatistics"],
      swiftSettings: strict),
    .target(name: "MeasureCatalog", swiftSettings: strict),
    .target(
      name: "RunRecorder", dependencies: ["ResultsStore", "TabularOutput", "MeasureCatalog"], swiftSettings: strict),
    .target(
      name: "LinearAlgebra", dependencies: ["GapdbCBLAS"], exclude: ["README.md"],
      swiftSettings: strict),
    .target(
      name: "ComplexityMeasures",
      dependencies: ["LinearAlgebra", "MeasureCatalog"],
      exclude: ["README.md"],
      swiftSettings: strict),
    .target(
      name: "NumPyFiles", dependencies: ["GapdbCZlib"], exclude: ["README.md"],
      swiftSettings: strict),
    .target(name: "CorrelationStatistics", swiftSettings: strict),
    .target(
      name: "ConvolutionKernels", dependencies: ["GapdbCBLAS"], exclude: ["README.md"],
      swiftSettings: strict),
    .target(name: "Datasets", dependencies: ["GapdbCZlib", "LinearAlgebra"], swiftSettings: strict),
    .target(name: "FeedForward", dependencies: ["LinearAlgebra", "Datasets"], swiftSettings: strict),
    .target(
      name: "ExperimentRunner",
      dependencies: [
        "TabularOutput",
        "FeedForward", "Datasets", "ComplexityMeasures", "RunRecorder", "LinearAlgebra", "GapdbCZlib",
        "FlatnessMeasures", "MeasureCatalog",
      ],
      swiftSettings: strict),
    .target(name: "Reports", swiftSettings: strict),
    .target(
      name: "SweepPlanning",
      dependencies: [
        "TabularOutput", "FeedForward", "Datasets", "ExperimentRunner",
        .product(name: "TOMLKit", package: "TOMLKit"), .product(name: "Yams", package: "Yams"),
      ],
      swiftSettings: strict),
    .target(
      name: "FlatnessMeasures",
      dependencies: ["TabularOutput", "FeedForward", "Datasets", "LinearAlgebra", "MeasureCatalog"],
      swiftSettings: strict),
    .target(
      name: "GapAnalysis",
      dependencies: ["CorrelationStatistics", "SQLiteCore", "ResultsStore", "Reports", "TabularOutput", "SweepPlanning"],
      swiftSettings: cliSettings),
    .target(
      name: "Sweeps",
      dependencies: [
        "SweepPlanning", "ExperimentRunner", "RunRecorder", "SQLiteCore", "ResultsStore", "FeedForward",
        "Datasets", "TabularOutput",
      ],
      swiftSettings: cliSettings),
    .target(
      name: "GapdbCLI",
      dependencies: [
        "TabularOutput", "ResultsStore", "StatisticsSQL", "RunRecorder", "ComplexityMeasures", "NumPyFiles",
        "CorrelationStatistics", "Datasets", "FeedForward", "ExperimentRunner", "Reports",
        "SweepPlanning", "FlatnessMeasures", "LinearAlgebra", "MeasureCatalog", "GapAnalysis", "Sweeps",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: cliSettings),
    .executableTarget(name: "gapdb", dependencies: ["GapdbCLI", "LinearAlgebra"], swiftSettings: strict),
    .executableTarget(
      name: "gapdb-bench",
      dependencies: [
        "GapAnalysis", "RunRecorder", "ResultsStore", "CorrelationStatistics", "Datasets",
        "FeedForward", "LinearAlgebra", "ExperimentRunner", "FlatnessMeasures", "ComplexityMeasures",
        "ConvolutionKernels",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: cliSettings),

    // MARK: - Tests
    .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
    .testTarget(
      name: "TabularOutputTests", dependencies: ["TabularOutput"], swiftSettings: strict),
    .testTarget(
      name: "ReportsTests", dependencies: ["Reports", "TestSupport"], swiftSettings: strict),
    .testTarget(
      name: "SweepReportCLITests",
      dependencies: [
        "GapdbCLI", "GapAnalysis", "Sweeps", "Reports", "SweepPlanning", "ResultsStore", "RunRecorder",
        "ExperimentRunner", "FeedForward", "LinearAlgebra", "TestSupport", "gapdb",
      ],
      swiftSettings: strict),
    .testTarget(
      name: "SweepPlanningTests", dependencies: ["SweepPlanning", "TestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "CorrelationStatisticsTests",
      dependencies: [
        "CorrelationStatistics", "TestSupport",
        .product(name: "RealModule", package: "swift-numerics"),
      ],
      swiftSettings: strict),
    .testTarget(
      name: "DatasetsTests", dependencies: ["Datasets", "TestSupport"], swiftSettings: strict),
    .testTarget(
      name: "FeedForwardTests",
      dependencies: [
        "FeedForward", "Datasets", "TestSupport",
        .product(name: "RealModule", package: "swift-numerics"),
      ],
      swiftSettings: strict),
    .testTarget(
      name: "ExperimentRunnerTests",
      dependencies: [
        "ExperimentRunner", "FeedForward", "Datasets", "RunRecorder", "ResultsStore", "NumPyFiles",
        "LinearAlgebra", "FlatnessMeasures", "ComplexityMeasures", "MeasureCatalog", "TestSupport",
      ],
      swiftSettings: strict),
    .testTarget(
      name: "SQLiteCoreTests", dependencies: ["SQLiteCore", "TestSupport"], swiftSettings: strict),
    .testTarget(
      name: "ResultsStoreTests", dependencies: ["ResultsStore", "TestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "StatisticsSQLTests", dependencies: ["StatisticsSQL", "SQLiteCore", "TestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "RunRecorderTests",
      dependencies: ["RunRecorder", "MeasureCatalog", "ResultsStore", "TestSupport", "gapdb-testworker"],
      swiftSettings: strict),
    .testTarget(
      name: "GapdbCLITests",
      dependencies: [
        "GapdbCLI", "GapAnalysis", "RunRecorder", "TestSupport", "gapdb", "gapdb-testworker", "ResultsStore",
        "StatisticsSQL", "TabularOutput", "CorrelationStatistics", "ExperimentRunner", "FeedForward",
        "MeasureCatalog",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: strict),
    // A helper process for the concurrency tests (test-only, not API).
    .executableTarget(
      name: "gapdb-testworker", dependencies: ["RunRecorder"], path: "Tests/TestWorker",
      swiftSettings: strict),
    .testTarget(
      name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "TestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "ComplexityMeasuresTests",
      dependencies: ["ComplexityMeasures", "LinearAlgebra", "MeasureCatalog", "TestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "ConvolutionKernelsTests", dependencies: ["ConvolutionKernels", "TestSupport"],
      swiftSettings: strict),
    .testTarget(
      name: "NumPyFilesTests", dependencies: ["NumPyFiles", "TestSupport"], swiftSettings: strict),
    .testTarget(
      name: "FlatnessMeasuresTests",
      dependencies: ["FlatnessMeasures", "FeedForward", "Datasets", "LinearAlgebra", "MeasureCatalog", "TestSupport"],
      swiftSettings: strict),
  ],
  swiftLanguageModes: [.v6]
)
