import Foundation
import Testing

@testable import SweepPlanning

@Suite struct GridTextTests {
  @Test func parseGrid_twoAxes_productInCanonicalOrder() throws {
    // label_noise is listed first, but width comes first in canonical order, so width
    // varies slowest.
    let spec = try SweepSpecification.parseGrid("label_noise=0,1; width=64,256,1024")
    let configs = try spec.configurations()
    #expect(configs.count == 6)
    #expect(spec.orderedAxes == [.width, .labelNoise])
    let names = configs.map(\.displayName)
    #expect(
      names == [
        "width=64,label_noise=0", "width=64,label_noise=1",
        "width=256,label_noise=0", "width=256,label_noise=1",
        "width=1024,label_noise=0", "width=1024,label_noise=1",
      ])
    #expect(configs.map(\.index) == Array(0..<6))
    #expect(configs[3].hiddenLayout == [256])
    #expect(configs[3].labelNoise == 1)
  }

  @Test func parseGrid_threeAxes_odometerOrder() throws {
    let spec = try SweepSpecification.parseGrid("depth=1,2;optimizer=sgd,path-sgd;seed=0,1,2")
    let configs = try spec.configurations()
    #expect(configs.count == 12)
    // Last axis (seed) fastest, then optimizer, then depth.
    #expect(configs[0].variedValues.map(\.value) == ["1", "sgd", "0"])
    #expect(configs[2].variedValues.map(\.value) == ["1", "sgd", "2"])
    #expect(configs[3].variedValues.map(\.value) == ["1", "path-sgd", "0"])
    #expect(configs[6].variedValues.map(\.value) == ["2", "sgd", "0"])
    #expect(configs[11].optimizer == .pathSGD)
  }

  @Test func parseGrid_allAxesAndSpellings_parse() throws {
    let spec = try SweepSpecification.parseGrid(
      "hidden-layout=512x256,64;lr=0.1,1e-3;batch_size=32;weight_decay=0,5e-4;init=unbalanced;"
        + "train_size=1e3;epochs=2;target_train_loss=0.01;")
    #expect(spec.axes[.hiddenLayout] == [.layout([512, 256]), .layout([64])])
    #expect(spec.axes[.learningRate] == [.real(0.1), .real(0.001)])
    #expect(spec.axes[.trainSize] == [.integer(1000)])
    let c = try spec.configurations()
    #expect(c.count == 8)
    #expect(c[0].hiddenLayout == [512, 256])
    #expect(c[0].initialization == .unbalanced)
    #expect(c[0].targetTrainLoss == 0.01)
  }

  @Test(arguments: [
    ("", SweepPlanningError.malformedGrid(text: "", problem: "no axes given")),
    ("width", .malformedGrid(text: "width", problem: "group 'width' has no '='")),
    ("=1,2", .malformedGrid(text: "=1,2", problem: "group '=1,2' has no axis name")),
    ("width=64;;depth=1", .malformedGrid(text: "width=64;;depth=1", problem: "empty group between ';'")),
    ("width=64,,128", .malformedGrid(text: "width=64,,128", problem: "axis width has an empty value")),
    ("widht=64", .unknownAxis(name: "widht")),
    ("width=", .emptyAxis(name: "width")),
    ("width=64;width=128", .duplicateAxis(name: "width")),
    ("width=64,64", .repeatedValue(axis: "width", value: "64")),
    ("width=0", .invalidValue(axis: "width", value: "0", expected: SweepAxis.width.expectedValueDescription)),
    ("width=6.5", .invalidValue(axis: "width", value: "6.5", expected: SweepAxis.width.expectedValueDescription)),
    ("label_noise=1.5", .invalidValue(axis: "label_noise", value: "1.5", expected: SweepAxis.labelNoise.expectedValueDescription)),
    ("learning_rate=nan", .invalidValue(axis: "learning_rate", value: "nan", expected: SweepAxis.learningRate.expectedValueDescription)),
    ("learning_rate=inf", .invalidValue(axis: "learning_rate", value: "inf", expected: SweepAxis.learningRate.expectedValueDescription)),
    ("optimizer=adam", .invalidValue(axis: "optimizer", value: "adam", expected: SweepAxis.optimizer.expectedValueDescription)),
    ("hidden_layout=512x", .invalidValue(axis: "hidden_layout", value: "512x", expected: SweepAxis.hiddenLayout.expectedValueDescription)),
    ("hidden_layout=64;width=32", .conflictingAxes("hidden_layout", "width")),
  ])
  func parseGrid_badText_throwsNamedError(text: String, expected: SweepPlanningError) {
    #expect(throws: expected) { try SweepSpecification.parseGrid(text) }
  }

  @Test func errors_haveMessageWithValueAndHint() {
    let e = SweepPlanningError.unknownAxis(name: "widht")
    #expect(e.description.contains("'widht'"))
    #expect(e.hint.contains("width"))
    #expect(e.hint.contains("label_noise"))
  }
}

@Suite struct ConfigurationKeyTests {
  @Test func key_depthWidthAndLayout_agree() throws {
    let a = try SweepSpecification.parseGrid("depth=2;width=64").configurations()[0]
    let b = try SweepSpecification.parseGrid("hidden_layout=64x64").configurations()[0]
    #expect(a.key == b.key)
    #expect(
      a.key
        == "batch_size=64;epochs=20;hidden_layout=64x64;init=balanced;label_noise=0;"
        + "learning_rate=0.01;optimizer=sgd;seed=1;target_train_loss=none;train_size=all;"
        + "weight_decay=0")
  }

  @Test func key_differsWhenAnySettingDiffers() throws {
    let configs = try SweepSpecification.parseGrid(
      "width=64,128;label_noise=0,0.5;seed=1,2;lr=0.1,0.01"
    ).configurations()
    #expect(Set(configs.map(\.key)).count == 16)
  }

  @Test func key_independentOfIndexAndAxisOrder() throws {
    let a = try SweepSpecification.parseGrid("width=64,128;seed=3").configurations()[1]
    var spec = try SweepSpecification.parseGrid("seed=3")
    spec.fixed[.width] = .integer(128)
    let b = try spec.configurations()[0]
    #expect(a.index != b.index)
    #expect(a.key == b.key)
  }

  @Test func resolvedHyperparameters_giveTheShapeWithoutRedundancy() throws {
    let c = try SweepSpecification.parseGrid("hidden_layout=32x32x32").configurations()[0]
    let dict = Dictionary(uniqueKeysWithValues: c.resolvedHyperparameters.map { ($0.name, $0.value) })
    #expect(dict["depth"] == "3")
    #expect(dict["width"] == "32")
    #expect(dict["hidden_layout"] == nil)
    #expect(dict["train_size"] == "all")
    #expect(dict["target_train_loss"] == "none")
    #expect(c.resolvedHyperparameters.count == 12)
    let ragged = try SweepSpecification.parseGrid("hidden_layout=32x16").configurations()[0]
    let r = Dictionary(uniqueKeysWithValues: ragged.resolvedHyperparameters.map { ($0.name, $0.value) })
    #expect(r["width"] == nil)
    #expect(r["hidden_layout"] == "32x16")
    #expect(r["depth"] == "2")
  }
}

@Suite struct ShardTests {
  @Test func parse_validAndInvalid() throws {
    #expect(try SweepShard.parse("0/4") == SweepShard(index: 0, count: 4))
    #expect(try SweepShard.parse(" 3 / 4 ") == SweepShard(index: 3, count: 4))
    for bad in ["4/4", "-1/4", "1/0", "1", "a/b", "1/2/3", ""] {
      #expect(throws: SweepPlanningError.malformedShard(text: bad)) { try SweepShard.parse(bad) }
    }
  }

  @Test func shards_partitionTheSweep() throws {
    let all = try SweepSpecification.parseGrid("width=8,16,32,64,128;seed=1,2").configurations()
    var seen: [Int] = []
    for i in 0..<3 {
      let shard = try #require(SweepShard(index: i, count: 3))
      let part = shard.select(all)
      #expect(part.allSatisfy { $0.index % 3 == i })
      seen += part.map(\.index)
    }
    #expect(seen.sorted() == Array(0..<10))
    #expect(try #require(SweepShard(index: 1, count: 3)).select(all).map(\.index) == [1, 4, 7])
  }
}

@Suite struct SweepFileTests {
  static let toml = """
    name = "my sweep"
    [fixed]
    epochs = 2
    train_size = 256
    learning_rate = 0.05
    [grid]
    width = [64, 256, 1024]
    label_noise = [0, 1]
    """
  static let json = """
    {"name": "my sweep", "fixed": {"epochs": 2, "train_size": 256, "learning_rate": 0.05},
     "grid": {"label_noise": [0, 1], "width": [64, 256, 1024]}}
    """
  static let yaml = """
    name: my sweep
    fixed:
      epochs: 2
      train_size: 256
      learning_rate: 0.05
    grid:
      width: [64, 256, 1024]
      label_noise:
        - 0
        - 1
    """

  @Test func allThreeFormats_giveTheSameSweep() throws {
    let t = try SweepFileParser.parse(Self.toml, format: .toml)
    let j = try SweepFileParser.parse(Self.json, format: .json)
    let y = try SweepFileParser.parse(Self.yaml, format: .yaml)
    #expect(t == j)
    #expect(t == y)
    #expect(t.name == "my sweep")
    let configs = try t.configurations()
    #expect(configs.count == 6)
    #expect(configs.map(\.key) == (try y.configurations()).map(\.key))
    #expect(configs[5].learningRate == 0.05)
    #expect(configs[5].trainSize == 256)
    #expect(configs[5].hiddenLayout == [1024])
    // Same sweep from --grid text plus fixed values: same keys.
    var g = try SweepSpecification.parseGrid("width=64,256,1024;label_noise=0,1")
    g.fixed = [.epochs: .integer(2), .trainSize: .integer(256), .learningRate: .real(0.05)]
    #expect(try g.configurations().map(\.key) == configs.map(\.key))
  }

  @Test func layouts_asStringsAndNestedLists() throws {
    let t = try SweepFileParser.parse(
      "[grid]\nhidden_layout = [\"512x256\", [128, 128], 64]\n", format: .toml)
    #expect(t.axes[.hiddenLayout] == [.layout([512, 256]), .layout([128, 128]), .layout([64])])
  }

  @Test func load_fromDisk_byExtension() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "gapdb-sweep-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("s.yml").path
    try Self.yaml.write(toFile: path, atomically: true, encoding: .utf8)
    #expect(try SweepFileParser.load(path: path).configurationCount == 6)
    #expect(throws: SweepPlanningError.unsupportedFileExtension(path: dir.path + "/s.txt")) {
      try SweepFileParser.load(path: dir.path + "/s.txt")
    }
    let missing = dir.appendingPathComponent("none.toml").path
    #expect {
      try SweepFileParser.load(path: missing)
    } throws: { error in
      guard case .unreadableFile(let p, _) = error as? SweepPlanningError else { return false }
      return p == missing
    }
  }

  @Test func badFiles_throwNamedErrors() {
    #expect(throws: SweepPlanningError.unknownFileKey(path: "<input>", key: "gird")) {
      try SweepFileParser.parse("[gird]\nwidth = [1]\n", format: .toml)
    }
    #expect(throws: SweepPlanningError.unknownAxis(name: "widht")) {
      try SweepFileParser.parse("{\"grid\": {\"widht\": [1]}}", format: .json)
    }
    #expect(throws: SweepPlanningError.emptyAxis(name: "width")) {
      try SweepFileParser.parse("grid:\n  width: []\n", format: .yaml)
    }
    #expect(throws: SweepPlanningError.duplicateAxis(name: "width")) {
      try SweepFileParser.parse("[fixed]\nwidth = 3\n[grid]\nwidth = [1, 2]\n", format: .toml)
    }
    #expect(
      throws: SweepPlanningError.invalidValue(
        axis: "depth", value: "2.5", expected: SweepAxis.depth.expectedValueDescription)
    ) {
      try SweepFileParser.parse("{\"grid\": {\"depth\": [1, 2.5]}}", format: .json)
    }
    #expect(
      throws: SweepPlanningError.invalidValue(
        axis: "optimizer", value: "true", expected: SweepAxis.optimizer.expectedValueDescription)
    ) {
      try SweepFileParser.parse("[fixed]\noptimizer = true\n", format: .toml)
    }
    // Syntax errors carry the parser's position.
    #expect {
      try SweepFileParser.parse("[grid]\nwidth = [1, 2\n", format: .toml)
    } throws: { error in
      guard case .malformedFile(_, "TOML", let problem) = error as? SweepPlanningError else {
        return false
      }
      return problem.contains("line")
    }
    #expect {
      try SweepFileParser.parse("{\"grid\": ", format: .json)
    } throws: { error in
      guard case .malformedFile(_, "JSON", _) = error as? SweepPlanningError else { return false }
      return true
    }
    #expect {
      try SweepFileParser.parse("grid: [1, 2", format: .yaml)
    } throws: { error in
      guard case .malformedFile(_, "YAML", _) = error as? SweepPlanningError else { return false }
      return true
    }
  }
}

@Suite struct PresetTests {
  @Test func width_preset_matchesThePaperGrid() throws {
    let spec = SweepPreset.width.specification()
    let configs = try spec.configurations()
    #expect(configs.count == 20)
    #expect(Set(configs.map { $0.hiddenLayout[0] }) == Set([8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]))
    #expect(configs.allSatisfy { $0.hiddenLayout.count == 1 })
    #expect(configs.filter { $0.labelNoise == 1 }.count == 10)
    #expect(configs[0].targetTrainLoss == 0.01)
    #expect(configs[0].epochs == 100)
    #expect(configs[0].trainSize == nil)
  }

  @Test func presets_scaleWithTrainSizeAndEpochs() throws {
    for preset in SweepPreset.allCases {
      let configs = try preset.specification(trainSize: 256, epochs: 2).configurations()
      #expect(configs.allSatisfy { $0.trainSize == 256 && $0.epochs == 2 })
    }
    let reduced = try SweepPreset.width.specification(widths: [16, 256]).configurations()
    #expect(reduced.count == 4)
  }

  @Test func pathSGD_preset_crossesOptimizerAndInit() throws {
    let configs = try SweepPreset.pathSGD.specification().configurations()
    #expect(configs.count == 4)
    #expect(configs.allSatisfy { $0.hiddenLayout == [1024, 1024] })
    #expect(Set(configs.map { "\($0.optimizer.rawValue)/\($0.initialization.rawValue)" })
      == ["sgd/balanced", "sgd/unbalanced", "path-sgd/balanced", "path-sgd/unbalanced"])
  }

  @Test func grid_preset_isACompleteThreeByThreeByThreeGrid() throws {
    let spec = SweepPreset.grid.specification()
    #expect(spec.orderedAxes == [.depth, .width, .learningRate])
    let configs = try spec.configurations()
    #expect(configs.count == 27)
    #expect(Set(configs.map(\.key)).count == 27)
    #expect(throws: SweepPlanningError.unknownPreset(name: "wdth")) { try SweepPreset.named("wdth") }
  }
}

@Suite struct SweepJSONTests {
  @Test func jsonText_roundTripsEveryPreset() throws {
    for preset in SweepPreset.allCases {
      let spec = preset.specification(trainSize: 300, epochs: 3)
      let back = try SweepFileParser.parse(spec.jsonText(), format: .json)
      #expect(back == spec)
      #expect(try back.configurations().map(\.key) == spec.configurations().map(\.key))
    }
  }

  @Test func jsonText_exactText() throws {
    var spec = try SweepSpecification.parseGrid("hidden_layout=64x32;lr=0.1,0.003")
    spec.name = "a \"quoted\" name"
    spec.fixed[.optimizer] = .text("path-sgd")
    #expect(
      spec.jsonText()
        == "{\"name\": \"a \\\"quoted\\\" name\", \"fixed\": {\"optimizer\": \"path-sgd\"}, "
        + "\"grid\": {\"hidden_layout\": [\"64x32\"], \"learning_rate\": [0.1, 0.003]}}\n")
    #expect(try SweepFileParser.parse(spec.jsonText(), format: .json) == spec)
  }
}

@Suite struct SweepVocabularyTests {
  /// The run configuration's key names are accepted as axis names; the sweep's own spellings
  /// stay canonical (they are part of every sweep key, so resuming old sweeps keeps working).
  @Test func runConfigurationKeys_nameTheirAxes() {
    #expect(SweepAxis.named("hidden_layers") == .hiddenLayout)
    #expect(SweepAxis.named("max-epochs") == .epochs)
    #expect(SweepAxis.named("hidden_layout") == .hiddenLayout && SweepAxis.named("epochs") == .epochs)
  }

  /// The learning-rate axis refuses what the trainer refuses (one check,
  /// `TrainingConfiguration.learningRateProblem`): 1e-300 is > 0 but rounds to 0 in float32.
  @Test func learningRateAxis_usesTheTrainersCheck() throws {
    #expect(throws: SweepPlanningError.self) { try SweepAxis.learningRate.parseValue("1e-300") }
    #expect(throws: SweepPlanningError.self) { try SweepAxis.learningRate.parseValue("1e39") }
    #expect(try SweepAxis.learningRate.parseValue("1e-40") == .real(1e-40))
    // The loss target keeps its own range (any finite real > 0).
    #expect(try SweepAxis.targetTrainLoss.parseValue("1e-300") == .real(1e-300))
  }

  /// The default grid-axis preference is the sweep axes in canonical order (as listed in
  /// `SweepAxis`'s documentation table).
  @Test func gridAxisPreference_isTheCanonicalAxisOrder() {
    #expect(
      SweepAxis.gridAxisPreference == [
        "depth", "width", "hidden_layout", "learning_rate", "batch_size", "weight_decay", "optimizer", "init",
        "label_noise", "seed", "train_size", "epochs", "target_train_loss",
      ])
  }
}
