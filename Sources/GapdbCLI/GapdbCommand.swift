import ArgumentParser

/// The `gapdb` root command.
public struct GapdbCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "gapdb",
    abstract: "Record training runs into SQLite and find which complexity measure predicts the generalization gap.",
    discussion: """
      Exit codes:
        0   success (an empty result is a success)
        1   runtime error (SQL error, missing or bad file, database newer than this tool)
        64  usage error (bad option or argument)

      Data goes to stdout; diagnostics and progress go to stderr.
      """,
    version: gapdbVersion,
    subcommands: [
      InitCommand.self,
      RunsCommand.self,
      SQLCommand.self,
      SchemaCommand.self,
      MarkStaleCommand.self,
      MeasureCommand.self,
      MeasuresCommand.self,
      CorrelateCommand.self,
      QueryCommand.self,
      TrainCommand.self,
      ReportCommand.self,
      SweepCommand.self,
      MergeCommand.self,
      DemoCommand.self,
    ]
  )

  public init() {}
}

/// The tool's version string.
public let gapdbVersion = "0.1.0"
