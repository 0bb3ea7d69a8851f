import Foundation
import SweepPlanning
import TestSupport
import Testing

@testable import GapdbCLI

@Suite struct DemoCommandTests {
  @Test func invocation_isTypableWithoutGapdbOnPath() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let project = dir.path("project")
    let binary = project + "/.build/release/gapdb"
    // Below the working directory: the relative path works as typed.
    #expect(DemoCommand.invocation(executablePath: binary, currentDirectory: project, searchPath: "/usr/bin") == ".build/release/gapdb")
    #expect(DemoCommand.invocation(executablePath: binary, currentDirectory: project + "/", searchPath: "") == ".build/release/gapdb")
    // Elsewhere: the absolute path, quoted when it needs to be.
    #expect(DemoCommand.invocation(executablePath: binary, currentDirectory: "/", searchPath: "") == shellWord(binary))
    #expect(DemoCommand.invocation(executablePath: "/opt/my tools/gapdb", currentDirectory: "/", searchPath: "") == "'/opt/my tools/gapdb'")
    // Unknown binary: the swift run form.
    #expect(DemoCommand.invocation(executablePath: nil, currentDirectory: project, searchPath: "") == "swift run -c release gapdb")
    // On PATH as this very file: plain gapdb; another gapdb on PATH does not count.
    let bin = dir.path("bin")
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    let installed = bin + "/gapdb"
    _ = FileManager.default.createFile(atPath: installed, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
    #expect(DemoCommand.invocation(executablePath: installed, currentDirectory: project, searchPath: "/nowhere:\(bin)") == "gapdb")
    #expect(DemoCommand.invocation(executablePath: binary, currentDirectory: project, searchPath: bin) == ".build/release/gapdb")
  }

  @Test func shellWord_quotesOnlyWhenNeeded() {
    #expect(shellWord("gapdb-demo.sqlite") == "gapdb-demo.sqlite")
    #expect(shellWord("my runs.sqlite") == "'my runs.sqlite'")
    #expect(shellWord("it's") == "'it'\\''s'")
    #expect(shellWord("") == "''")
  }

  @Test func widthSweep_isTunedToFitTheTrainingSet() throws {
    let sweeps = DemoCommand.sweeps(trainSize: 5000, epochs: 30)
    #expect(sweeps.map { $0.spec.name } == ["demo-width", "demo-grid"])
    let width = try sweeps[0].spec.configurations()
    #expect(width.count == 8)
    for c in width {
      #expect(c.trainSize == 1000)
      #expect(c.epochs == 300)
      #expect(c.targetTrainLoss == 0.01)
      #expect(c.optimizer == .momentum)
      #expect(c.learningRate == 0.05)
    }
    #expect(Set(width.map(\.labelNoise)) == [0, 1])
    #expect(sweeps.map(\.measureEvery) == [10, 2])
    #expect(try sweeps[1].spec.configurations().allSatisfy { $0.trainSize == 5000 && $0.epochs == 30 })
  }

  @Test func out_mustBeHTML() throws {
    #expect(throws: (any Error).self) { try DemoCommand.parse(["--out", "demo.pdf"]) }
    #expect(throws: Never.self) { try DemoCommand.parse(["--out", "demo.htm"]) }
  }
}
