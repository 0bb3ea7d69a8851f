import CorrelationStatistics
import Testing
import TestSupport

@Suite struct RankCorrelationTests {
  @Test func specWorkedExample_matchesHandValues() {
    // measures-spec.md §4.1: C = 8, D = 1, one pair tied in g.
    let r = rankCorrelations([1, 2, 3, 4, 5], [0.10, 0.30, 0.20, 0.40, 0.40])
    #expect(r.kendallCounts.concordant == 8)
    #expect(r.kendallCounts.discordant == 1)
    #expect(r.kendallCounts.tiedY == 1)
    #expect(close(r.kendallTauA, 0.7))
    #expect(close(r.kendallTauB, 7 / (90.0).squareRoot()))
    #expect(close(r.kendallTauB, 0.738, tolerance: 5e-4))
    #expect(close(r.spearmanRho, 0.872, tolerance: 5e-4))
    #expect(r.usedCount == 5 && r.excludedCount == 0)
  }

  @Test func referenceCases_matchSciPyAndBruteForce() throws {
    let fixture = try loadFixture("correlations.json", as: CorrelationFixture.self)
    #expect(fixture.cases.count >= 15)
    for c in fixture.cases {
      let x = c.x.map(\.value)
      let y = c.y.map(\.value)
      let r = rankCorrelations(x, y)
      #expect(r.usedCount == c.used, "\(c.name)")
      #expect(r.excludedCount == c.excluded, "\(c.name)")
      #expect(close(r.kendallTauA, c.tau_a), "\(c.name): τ_a \(String(describing: r.kendallTauA))")
      #expect(close(r.kendallTauB, c.tau_b), "\(c.name): τ_b \(String(describing: r.kendallTauB))")
      #expect(close(r.spearmanRho, c.spearman), "\(c.name): ρ \(String(describing: r.spearmanRho))")
      #expect(close(r.pearsonR, c.pearson), "\(c.name): r \(String(describing: r.pearsonR))")
      #expect(close(pearsonR(x, y), c.pearson), "\(c.name): pearsonR()")
      #expect(r.kendallCounts.discordant == c.counts.discordant, "\(c.name)")
      #expect(r.kendallCounts.concordant == c.counts.concordant, "\(c.name)")
      #expect(r.kendallCounts.tiedX == c.counts.tiedX, "\(c.name)")
      #expect(r.kendallCounts.tiedY == c.counts.tiedY, "\(c.name)")
      #expect(r.kendallCounts.tiedBoth == c.counts.tiedBoth, "\(c.name)")
    }
  }

  @Test func degenerateInputs_areUndefinedWithReason() {
    #expect(rankCorrelations([], []).undefinedReason == .tooFewObservations(count: 0, required: 2))
    #expect(rankCorrelations([1], [2]).undefinedReason == .tooFewObservations(count: 1, required: 2))
    let constantX = rankCorrelations([3, 3, 3], [1, 2, 3])
    #expect(constantX.undefinedReason == .constantMeasure)
    #expect(constantX.kendallTauA == nil && constantX.kendallTauB == nil)
    #expect(constantX.spearmanRho == nil && constantX.pearsonR == nil)
    #expect(rankCorrelations([1, 2, 3], [0.5, 0.5, 0.5]).undefinedReason == .constantTarget)
    // Constant 0.1 (whose mean is not exactly 0.1 after rounding) is still undefined.
    #expect(pearsonR([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], [1, 2, 3, 4, 5, 6, 7]) == nil)
  }

  @Test func nonFiniteValues_areExcludedAndCounted() {
    let x: [Double] = [1, .nan, 3, 4, .infinity, 6]
    let y: [Double] = [1, 2, 3, -.infinity, 5, 7]
    let r = rankCorrelations(x, y)
    #expect(r.usedCount == 3)
    #expect(r.excludedCount == 3)
    #expect(r.kendallTauA == 1)
    let allBad = rankCorrelations([.nan, .nan], [1, 2])
    #expect(allBad.usedCount == 0 && allBad.excludedCount == 2)
    #expect(allBad.kendallTauA == nil)
  }

  @Test func knight_equalsBruteForce_onSeededInputsWithTies() {
    for seed in UInt64(1)...60 {
      var rng = SplitMix64(seed: seed)
      let n = Int(rng.next() % 200) + 2
      let levels = UInt64(seed % 7 + 2)  // few levels: many ties
      let x = (0..<n).map { _ in Double(rng.next() % levels) }
      let y = (0..<n).map { _ in Double(rng.next() % (levels + 3)) / 3 }
      let fast = KendallCounts.knight(x: x, y: y)
      let slow = bruteForceCounts(x, y)
      #expect(fast == slow, "seed \(seed), n \(n)")
      let r = rankCorrelations(x, y)
      #expect(r.kendallCounts == slow, "seed \(seed): TargetRanking path")
    }
  }

  @Test func symmetry_holdsForEveryStatistic() {
    for seed in UInt64(100)...130 {
      var rng = SplitMix64(seed: seed)
      let n = 50
      let x = (0..<n).map { _ in Double(rng.next() % 10) }
      let y = (0..<n).map { _ in Double(rng.next() % 1000) / 999 }
      let a = rankCorrelations(x, y)
      let b = rankCorrelations(y, x)
      #expect(close(a.kendallTauA, b.kendallTauA), "seed \(seed)")
      #expect(close(a.kendallTauB, b.kendallTauB), "seed \(seed)")
      #expect(close(a.spearmanRho, b.spearmanRho), "seed \(seed)")
      #expect(close(a.pearsonR, b.pearsonR), "seed \(seed)")
    }
  }

  @Test func rankStatistics_areInvariantUnderMonotoneTransforms() {
    for seed in UInt64(200)...230 {
      var rng = SplitMix64(seed: seed)
      let n = 80
      let x = (0..<n).map { _ in Double(rng.next() % 20) / 4 + 0.25 }
      let y = (0..<n).map { _ in Double(rng.next() % 500) / 100 }
      let a = rankCorrelations(x, y)
      // exp and log are strictly increasing; x³ too; negation reverses the sign.
      let b = rankCorrelations(x.map { $0 * $0 * $0 }, y.map { ($0 + 1).squareRoot() })
      let c = rankCorrelations(x.map { -$0 }, y)
      #expect(close(a.kendallTauA, b.kendallTauA), "seed \(seed)")
      #expect(close(a.kendallTauB, b.kendallTauB), "seed \(seed)")
      #expect(close(a.spearmanRho, b.spearmanRho), "seed \(seed)")
      #expect(close(a.kendallTauA.map { -$0 }, c.kendallTauA), "seed \(seed)")
      #expect(close(a.kendallTauB.map { -$0 }, c.kendallTauB), "seed \(seed)")
    }
  }

  @Test func targetRanking_reusedAcrossMeasures_matchesFreshComputation() {
    var rng = SplitMix64(seed: 7)
    let n = 300
    let gap = (0..<n).map { _ in Double(rng.next() % 40) / 40 }
    let ranking = TargetRanking(target: gap)
    for k in 0..<5 {
      var measure = (0..<n).map { i in gap[i] * Double(k) + Double(rng.next() % 100) / 50 }
      measure[k * 10] = .nan
      let reused = ranking.correlations(with: measure)
      let fresh = rankCorrelations(measure, gap)
      #expect(reused == fresh, "measure \(k)")
      #expect(reused.excludedCount == 1)
    }
  }

  @Test func largeInput_tauWithinRangeAndCountsConsistent() {
    var rng = SplitMix64(seed: 99)
    let n = 20_000
    let x = (0..<n).map { _ in Double(rng.next() % 1000) }
    let y = x.map { $0 + Double(rng.next() % 500) }
    let counts = KendallCounts.knight(x: x, y: y)
    #expect(counts.concordant + counts.discordant + counts.tiedX + counts.tiedY - counts.tiedBoth
      == counts.pairCount)
    let tau = counts.tauA ?? -2
    #expect(tau > 0.5 && tau < 1)
  }
}

/// O(n²) reference for the pair counts.
func bruteForceCounts(_ x: [Double], _ y: [Double]) -> KendallCounts {
  var tiedX = 0
  var tiedY = 0
  var tiedBoth = 0
  var discordant = 0
  for i in x.indices {
    for j in (i + 1)..<x.count {
      let a = x[i] == x[j]
      let b = y[i] == y[j]
      if a { tiedX += 1 }
      if b { tiedY += 1 }
      if a && b { tiedBoth += 1 }
      if !a && !b && (x[i] < x[j]) != (y[i] < y[j]) { discordant += 1 }
    }
  }
  return KendallCounts(
    count: x.count, tiedX: tiedX, tiedY: tiedY, tiedBoth: tiedBoth, discordant: discordant)
}
