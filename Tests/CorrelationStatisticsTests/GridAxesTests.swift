import CorrelationStatistics
import Testing

@Suite struct GridAxesTests {
  @Test func redundantAndConstantKeysAreDropped() {
    // A complete 2×2 grid of depth × width, plus the trainer's derived hidden_layers text,
    // a constant key and seeds.
    var runs: [[String: String]] = []
    for depth in ["1", "2"] {
      for width in ["64", "256"] {
        for seed in ["1", "2"] {
          let layers = Array(repeating: width, count: Int(depth) ?? 1).joined(separator: ",")
          runs.append(["depth": depth, "width": width, "hidden_layers": layers, "optimizer": "sgd", "seed": seed])
        }
      }
    }
    func columns(_ runs: [[String: String]], _ keys: [String]) -> [(name: String, values: [String?])] {
      keys.map { key in (key, runs.map { $0[key] }) }
    }
    let axes = independentAxes(columns(runs, ["depth", "width", "optimizer", "seed", "hidden_layers"]))
    #expect(axes == ["depth", "width"])
    // Preference order matters: with hidden_layers first, the layout text determines both
    // depth and width, so they are dropped instead.
    #expect(independentAxes(columns(runs, ["hidden_layers", "depth", "width"])) == ["hidden_layers"])
    // The default (as correlate's) orders by the caller's preference: with depth and width
    // preferred they win; with none preferred, alphabetical order lets depth and
    // hidden_layers through (hidden_layers then determines width).
    let candidates = columns(runs, ["hidden_layers", "optimizer", "seed", "width", "depth"])
    #expect(defaultGridAxes(candidates, preferredOrder: ["depth", "width"]) == ["depth", "width"])
    #expect(defaultGridAxes(candidates, preferredOrder: []) == ["depth", "hidden_layers"])
    #expect(orderedByAxisPreference(["b", "a", "w", "d"], preferredOrder: ["w", "x", "d", "w"]) == ["w", "d", "a", "b"])
    // Two keys varied jointly (a "line" sweep) are one axis.
    let line = [["lr": "0.1", "bs": "128"], ["lr": "0.01", "bs": "32"]]
    #expect(independentAxes(columns(line, ["lr", "bs"])) == ["lr"])
  }
}
