/// `keys` in `preferredOrder` (names not among `keys` are skipped), then any others
/// alphabetically.
///
/// The order is the caller's vocabulary: gapdb passes its sweep axes
/// (`SweepPlanning.SweepAxis.gridAxisPreference`), so that when one key is a function of others
/// the sweep's own axes are kept and the derived key is dropped (see
/// ``defaultGridAxes(_:preferredOrder:)``).
///
/// - Complexity: O(k log k + p) for k keys and p preferred names.
public func orderedByAxisPreference(_ keys: Set<String>, preferredOrder: [String]) -> [String] {
  var seen = Set<String>()
  let preferred = preferredOrder.filter { keys.contains($0) && seen.insert($0).inserted }
  return preferred + keys.subtracting(preferred).sorted()
}

/// The independent axes among `candidates`, kept in the given order: a key is kept when it
/// splits some configuration of the keys kept before it, i.e. when two runs agree on every
/// kept key but differ in this one. A key that is a function of the kept keys (constant, or
/// e.g. the trainer's `hidden_layers` text "64,64" given depth 2 and width 64) adds no cell to
/// the grid and is dropped; `seed` is never an axis (seeds are averaged per configuration).
///
/// Why: a redundant axis makes a complete grid look incomplete (depth × width × hidden_layers
/// has 4 × more cells than configurations), empties ψ along the real axes (no line varies one
/// axis with the redundant one fixed), and lets CMI condition on two real axes where it should
/// condition on one.
///
/// Example: depth ∈ {1, 2}, width ∈ {64, 256}, hidden_layers = width repeated depth times,
/// optimizer = "sgd" everywhere → `[depth, width]` for candidates
/// `[depth, width, optimizer, hidden_layers]`, but `[hidden_layers]` for candidates
/// `[hidden_layers, depth, width]` (the order decides which of equivalent keys stays).
///
/// - Parameter candidates: (name, one value per run) in order of preference; `nil` = the run
///   lacks the key (a value of its own for this test).
/// - Returns: The kept names, in candidate order.
/// - Complexity: O(k · n) expected for k candidates and n runs (hashing).
public func independentAxes(_ candidates: [(name: String, values: [String?])]) -> [String] {
  var kept: [[String?]] = []
  var keptNames: [String] = []
  for (name, values) in candidates where name != "seed" {
    var valueOfGroup: [[String?]: String?] = [:]
    var splits = false
    for run in values.indices {
      let group = kept.map { $0[run] }
      if let seen = valueOfGroup[group] {
        if seen != values[run] {
          splits = true
          break
        }
      } else {
        valueOfGroup[group] = .some(values[run])
      }
    }
    if splits {
      kept.append(values)
      keptNames.append(name)
    }
  }
  return keptNames
}

/// The default grid axes of `gapdb correlate STORE` and `gapdb report`: the hyperparameters
/// that take 2 or more values among the runs, except `seed`, without those that are functions
/// of the other varying axes. Candidates are tried in
/// ``orderedByAxisPreference(_:preferredOrder:)`` order and kept by ``independentAxes(_:)``, so
/// with the sweep axes as `preferredOrder` a derived key (the trainer's `hidden_layers` given
/// depth and width) never displaces a sweep axis.
///
/// - Parameters:
///   - hyperparameters: (name, one value per run, `nil` where a run lacks it).
///   - preferredOrder: Names tried first, in this order; the rest follow alphabetically.
/// - Returns: The axes, in preferred order.
/// - Complexity: O(k · n) expected for k hyperparameters and n runs.
public func defaultGridAxes(_ hyperparameters: [(name: String, values: [String?])], preferredOrder: [String]) -> [String] {
  let varying = hyperparameters.filter { $0.name != "seed" && Set($0.values.compactMap { $0 }).count >= 2 }
  let byName = Dictionary(varying.map { ($0.name, $0.values) }, uniquingKeysWith: { first, _ in first })
  let order = orderedByAxisPreference(Set(byName.keys), preferredOrder: preferredOrder)
  return independentAxes(order.map { ($0, byName[$0]!) })
}
