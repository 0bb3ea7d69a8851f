import Foundation
@testable import GapdbCLI
import TabularOutput
import TestSupport
import Testing

/// `gapdb measure` / `gapdb measures` in process (parse + execute into a string) and out of
/// process (the built binary: stdout, stderr, exit code). Reference values come from
/// `scripts/reference/measures_reference.py` (`npy_expected.json`, key `cli_state_measures`).
@Suite struct MeasureCommandTests {
  func npy(_ name: String) -> String { fixtureURL("measures/npy/\(name)").path }

  func runInProcess(_ arguments: [String]) throws -> String {
    let command = try MeasureCommand.parse(arguments)
    let sink = StringSink()
    try command.execute(sink: sink)
    return sink.text
  }

  /// Runs the built `gapdb` next to the test bundle.
  func runBinary(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("gapdb").path) && dir.path != "/" {
      dir.deleteLastPathComponent()
    }
    let process = Process()
    process.executableURL = dir.appendingPathComponent("gapdb")
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
  }

  @Test func measure_fullInputs_matchNumpyReference() throws {
    let csv = try runInProcess([
      npy("state_deflated.npz"), "--init", npy("state_init.npz"), "--logits", npy("cli_logits.npy"), "--labels",
      npy("cli_labels.npy"), "--inputs", npy("cli_inputs.npy"), "--csv",
    ])
    let expectedFile = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureURL("measures/npy_expected.json"))) as? [String: Any]
    let expected = try #require(expectedFile?["cli_state_measures"] as? [String: Any])
    var lines = csv.split(separator: "\n").map(String.init)
    #expect(lines.removeFirst() == "id,value,log_value,kind,detail")
    #expect(lines.count == expected.count)
    for line in lines {
      let fields = line.split(separator: ",", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
      let id = fields[0]
      if let e = expected[id] as? Double {
        let v = try #require(Double(fields[1]), "\(id): \(line)")
        #expect(abs(v - e) <= 1e-5 * max(abs(e), 1e-12), "\(id): \(v) vs numpy \(e)")
        #expect(fields[3] == "finite")
      } else {
        #expect(fields[3] == "undefined", "\(id) should be undefined: \(line)")
      }
    }
  }

  @Test func measure_weightsOnly_marginMeasuresUndefinedWithReason() throws {
    let json = try runInProcess([npy("state_stored.npz"), "--json"])
    let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
    let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0["id"] as! String, $0) })
    #expect(byID["fro_prod_over_margin"]?["kind"] as? String == "undefined")
    #expect((byID["fro_prod_over_margin"]?["detail"] as? String)?.contains("--logits") == true)
    #expect((byID["fro_dist_init_sq"]?["detail"] as? String)?.contains("--init") == true)
    #expect(byID["num_params"]?["value"] as? Double == 20)
  }

  @Test func measure_npyFilesInOrder_equalNpz() throws {
    // The same 3-4-2 network as separate .npy files must give the same measures as the .npz.
    let files = ["positional_0_w.npy", "positional_0_b.npy", "positional_1_w.npy", "positional_1_b.npy"].map(npy)
    let fromNpy = try runInProcess(files + ["--csv"])
    let fromNpz = try runInProcess([npy("state_stored.npz"), "--csv"])
    #expect(fromNpy == fromNpz)
    #expect(fromNpy.contains("num_params_total,26.0,"))
    let arrays = try runInProcess([npy("state_stored.npz"), "--layers", "--csv"])
    #expect(arrays.split(separator: "\n").count == 3)
    #expect(arrays.hasPrefix("layer_index,name,fan_out,fan_in"))
    #expect(arrays.contains("\n0,0,4,3,12,4,"))
  }

  @Test func measure_case13_nothingRecognised_exitsNonZeroListingArrays() throws {
    let r = try runBinary(["measure", npy("case13_nothing.npz")])
    #expect(r.status == 1)
    #expect(r.stdout.isEmpty)
    #expect(r.stderr.contains("Error:"))
    #expect(r.stderr.contains("bn.running_mean (4, <f4)"))
    #expect(r.stderr.contains("conv.weight (2×3×3×3, <f4)"))
    #expect(r.stderr.contains("Hint:"))
  }

  @Test func measure_nonFiniteWeights_errorNamesKey() throws {
    #expect {
      _ = try runInProcess([npy("state_nan.npz")])
    } throws: { error in
      "\(error)".contains("1.weight has 1 NaN")
    }
  }

  @Test func measure_badFilesAndUsage_exitCodes() throws {
    #expect(try runBinary(["measure", npy("truncated.npy")]).status == 1)
    #expect(try runBinary(["measure", npy("corrupt.npz")]).status == 1)
    #expect(try runBinary(["measure", npy("case12_broken_chain.npz")]).stderr.contains("layers.5.weight"))
    #expect(try runBinary(["measure", npy("state_stored.npz"), "--logits", npy("cli_logits.npy")]).status == 64)
    #expect(try runBinary(["measure", npy("state_stored.npz"), "--spectral", "fast"]).status == 64)
    let ok = try runBinary(["measure", npy("case12_alphabetical.npz"), "--format", "tsv"])
    #expect(ok.status == 0)
    #expect(ok.stdout == (try runBinary(["measure", npy("case12_insertion_order.npz"), "--format", "tsv"])).stdout)
  }

  @Test func measureCommands_haveHelpAndREADMEEntries() throws {
    let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
    for name in ["measure", "measures"] {
      let help = try runBinary([name, "--help"])
      #expect(help.status == 0)
      #expect(help.stdout.hasPrefix("OVERVIEW: "))
      #expect(readme.contains("gapdb \(name) "), "README lacks gapdb \(name)")
    }
  }

  @Test func measures_list_printsRegistryInEveryFormat() throws {
    for format in OutputFormat.allCases {
      let command = try MeasuresCommand.parse(["--list", "--format", format.rawValue])
      let sink = StringSink()
      command.execute(sink: sink)
      #expect(sink.text.contains("bartlett_spectral_complexity"))
      #expect(sink.text.contains("Jiang et al. 2020 eq. 44"))
    }
    let csv = StringSink()
    try MeasuresCommand.parse(["--list", "--csv"]).execute(sink: csv)
    let line = try #require(csv.text.split(separator: "\n").first { $0.hasPrefix("path_norm_sq,") })
    // path_norm_sq: weights only; node- and layer-rescaling invariant, not output-scaling invariant.
    #expect(line.contains(",weights,0,0,1,1,0,"))
  }
}

/// Issue 11: weights near the float32 maximum (`huge_vals.npz`, see
/// `scripts/reference/scale_fixtures.py`): two rank-one layers c·1·1ᵀ, c = float32(3e38), of
/// 16×20 and 10×16. Hand-derived: σ = c·√(mn) = 5.36656e39 and 3.79473e39 (= ‖W‖_F), stable
/// rank 1 each, so stable_rank_sum = 2 — not `inf`, `NaN` or 0.
@Suite struct MeasureScaleSafetyTests {
  func run(_ arguments: [String]) throws -> [[String]] {
    let command = try MeasureCommand.parse(arguments)
    let sink = StringSink()
    try command.execute(sink: sink)
    return sink.text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
  }

  @Test func measure_huge_rankOneLayers_haveHandDerivedSpectra() throws {
    let rows = try run([fixtureURL("measures/npy/huge_vals.npz").path, "--layers", "--csv"])
    let header = rows[0]
    let spec = try #require(header.firstIndex(of: "spectral_norm"))
    let power = try #require(header.firstIndex(of: "spectral_norm_power_iteration"))
    let fro = try #require(header.firstIndex(of: "frobenius_norm"))
    let c = Double(Float(3e38))
    for (row, cells) in zip([320.0, 160.0], rows.dropFirst()) {
      let want = c * row.squareRoot()
      for column in [spec, power, fro] {
        let got = try #require(Double(cells[column]), "\(header[column]) = \(cells[column])")
        #expect(abs(got - want) <= 1e-6 * want, "\(header[column]) \(got) vs \(want)")
      }
    }
    let measures = try run([fixtureURL("measures/npy/huge_vals.npz").path, "--csv"])
    let stable = try #require(measures.first { $0[0] == "stable_rank_sum" })
    #expect(abs((Double(stable[1]) ?? .nan) - 2) <= 1e-6, "\(stable)")
    #expect(stable[3] == "finite")
  }

  /// float64 1e-300 (`tiny64.npz`) is below float32's smallest subnormal: converting it would
  /// silently give 0 (fro_prod 0.0). Like float64 overflow, it is refused naming the tensor.
  @Test func measure_float64Underflow_isRefusedNamingTheTensor() throws {
    let r = try MeasureCommandTests().runBinary(["measure", fixtureURL("measures/npy/tiny64.npz").path])
    #expect(r.status == 1)
    #expect(r.stdout.isEmpty)
    #expect(r.stderr.contains("0.weight") && r.stderr.contains("round to 0") && r.stderr.contains("1e-300"), "\(r.stderr)")
  }
}

/// Issue 11 item 7: `gapdb measure` messages name the real fault. Fixtures from
/// `scripts/reference/scale_fixtures.py`; the network state_deflated.npz is 3→4→2.
@Suite struct MeasureMessageTests {
  func npy(_ name: String) -> String { fixtureURL("measures/npy/\(name)").path }

  func refusal(_ arguments: [String]) throws -> String {
    let r = try MeasureCommandTests().runBinary(["measure"] + arguments)
    #expect(r.status == 1, "\(arguments): \(r.stderr)")
    #expect(r.stdout.isEmpty)
    return r.stderr
  }

  @Test func logitsClassCount_isCheckedAgainstTheNetworkFirst() throws {
    let e = try refusal([npy("state_deflated.npz"), "--logits", npy("msg_logits7.npy"), "--labels", npy("msg_labels50.npy")])
    #expect(e.contains("has 7 classes (shape (50, 7) of dtype <f4) but the network's last layer has 2 outputs"), "\(e)")
  }

  @Test func hugeIntegerLabel_isNamedAsOutOfRange() throws {
    let e = try refusal([npy("state_deflated.npz"), "--logits", npy("msg_logits2.npy"), "--labels", npy("msg_labels_huge.npy")])
    #expect(e.contains("--labels entry 0 is 4611686018427387904, an integer outside the class indices 0…1"), "\(e)")
  }

  @Test func shortLabels_shapeIsWorded() throws {
    let e = try refusal([npy("state_deflated.npz"), "--logits", npy("msg_logits2.npy"), "--labels", npy("msg_labels_short.npy")])
    #expect(e.contains("has shape (49) of dtype <i8; expected (50) to match the 50 rows of the logits"), "\(e)")
  }

  @Test func duplicateNpzMember_isNamed() throws {
    let e = try refusal([npy("dup_member.npz")])
    #expect(e.contains("holds the member 0.weight twice"), "\(e)")
  }
}
