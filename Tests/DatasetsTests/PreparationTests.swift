import Datasets
import Foundation
import LinearAlgebra
import TestSupport
import Testing

private func toyDataset(count: Int, classCount: Int = 10) -> LabeledDataset {
  let features = Matrix(rows: count, columns: 2, elements: (0..<(2 * count)).map { Float($0) })
  return LabeledDataset(features: features, labels: (0..<count).map { $0 % classCount }, classCount: classCount)
}

@Suite struct LabelNoiseTests {
  @Test(arguments: [
    (0.0, 1000, 0), (0.5, 1000, 500), (0.1, 999, 100), (0.25, 10, 3), (0.05, 10, 1), (1.0, 37, 37),
    (0.3333, 3, 1), (0.001, 100, 0),
  ])
  func labelNoise_fraction_replacesExactlyRoundedCount(p: Double, m: Int, expected: Int) throws {
    let d = toyDataset(count: m)
    let (noisy, replaced, changed) = try applyLabelNoise(d, fraction: p, seed: 7)
    // round(p·m), half away from zero: 0.25·10 = 2.5 → 3, 0.05·10 = 0.5 → 1.
    #expect(replaced.count == expected)
    #expect(Set(replaced).count == expected)
    #expect(replaced == replaced.sorted())
    let differing = (0..<m).filter { noisy.labels[$0] != d.labels[$0] }
    #expect(differing.count == changed)
    #expect(Set(differing).isSubset(of: Set(replaced)))
    #expect(noisy.features == d.features)
  }

  @Test func labelNoise_fullNoise_changesAboutNineTenthsForTenClasses() throws {
    let (_, replaced, changed) = try applyLabelNoise(toyDataset(count: 20_000), fraction: 1, seed: 3)
    #expect(replaced.count == 20_000)
    // A random label equals the true one with probability 1/10: expect 18,000 ± 5 standard
    // deviations (sd = sqrt(20000·0.1·0.9) ≈ 42).
    #expect(abs(changed - 18_000) < 212)
  }

  @Test func labelNoise_sameSeed_sameLabels_differentSeed_differentLabels() throws {
    let d = toyDataset(count: 500)
    let a = try applyLabelNoise(d, fraction: 0.5, seed: 11)
    let b = try applyLabelNoise(d, fraction: 0.5, seed: 11)
    let c = try applyLabelNoise(d, fraction: 0.5, seed: 12)
    #expect(a.dataset.labels == b.dataset.labels)
    #expect(a.replacedIndices != c.replacedIndices)
  }

  @Test(arguments: [-0.1, 1.5, Double.nan])
  func labelNoise_fractionOutsideUnitInterval_throws(p: Double) {
    #expect(throws: DatasetError.self) { try applyLabelNoise(toyDataset(count: 10), fraction: p, seed: 1) }
  }
}

@Suite struct PreparationTests {
  @Test func fixedSubset_sameSeed_sameSortedRows() {
    let d = toyDataset(count: 100)
    let a = fixedSubset(of: d, size: 30, seed: 5)
    let b = fixedSubset(of: d, size: 30, seed: 5)
    #expect(a.sampleCount == 30)
    #expect(a.features == b.features)
    // Rows keep their original order, so the first feature (2·row) increases.
    let firsts = (0..<30).map { a.features[$0, 0] }
    #expect(firsts == firsts.sorted())
    #expect(Set(firsts).count == 30)
    #expect(fixedSubset(of: d, size: 30, seed: 6).features != a.features)
  }

  @Test func prepare_subsetLargerThanTrainingSet_throwsNamingSize() {
    let split = DataSplit(train: toyDataset(count: 5), test: nil, sourceName: "toy", sourceLocation: "-")
    #expect(throws: DatasetError.self) { try prepare(split, with: DataPreparation(trainingSubsetSize: 6)) }
  }

  @Test func prepare_standardize_usesTrainingStatisticsForTest() throws {
    // Feature 0: train values 1, 3 (mean 2, population sd 1); feature 1 constant 5 (sd 0).
    let train = LabeledDataset(features: Matrix([[1, 5], [3, 5]]), labels: [0, 1], classCount: 2)
    let test = LabeledDataset(features: Matrix([[4, 7]]), labels: [1], classCount: 2)
    let split = DataSplit(train: train, test: test, sourceName: "toy", sourceLocation: "-")
    let (out, summary) = try prepare(split, with: DataPreparation(scaling: .standardize))
    #expect(out.train.features == Matrix([[-1, 0], [1, 0]]))
    // Test: (4 − 2)/1 = 2; constant feature only centered: 7 − 5 = 2.
    #expect(out.test?.features == Matrix([[2, 2]]))
    #expect(summary.trainingCount == 2 && summary.testCount == 1)
  }

  @Test func prepare_pixelScaling_dividesBy255() throws {
    let train = LabeledDataset(features: Matrix([[0, 255], [51, 102]]), labels: [0, 1], classCount: 2)
    let split = DataSplit(train: train, test: nil, sourceName: "toy", sourceLocation: "-")
    let (out, _) = try prepare(split, with: DataPreparation(scaling: .divide(by: 255)))
    #expect(out.train.features.elements == [0, 1, 0.2, 0.4])
  }

  @Test func prepare_subsetThenNoise_countsRefersToSubset() throws {
    let split = DataSplit(train: toyDataset(count: 1000), test: nil, sourceName: "toy", sourceLocation: "-")
    let (out, summary) = try prepare(
      split, with: DataPreparation(trainingSubsetSize: 200, labelNoiseFraction: 0.25, seed: 9))
    #expect(out.train.sampleCount == 200)
    #expect(summary.replacedLabelCount == 50)
    #expect(summary.originalTrainingCount == 1000)
  }
}

@Suite struct CSVDatasetTests {
  private func fixture(_ name: String) -> String { fixtureURL("datasets/\(name)").path }

  @Test func csv_headerWithLabelColumn_parsesFeaturesInOrder() throws {
    let d = try CSVDataset.load(path: fixture("small.csv"))
    #expect(d.labels == [1, 0, 2])
    #expect(d.classCount == 3)
    #expect(d.features == Matrix([[0.5, 2], [1.5, -4], [2.5, 0.6]]))
  }

  @Test func csv_noHeader_firstColumnIsLabel() throws {
    let d = try CSVDataset.load(path: fixture("noheader.csv"))
    #expect(d.labels == [1, 0])
    #expect(d.features == Matrix([[0.5, 2], [1.5, -4]]))
  }

  @Test func csv_labelColumnByName_andByIndex_agree() throws {
    let a = try CSVDataset.load(path: fixture("small.csv"), labelColumn: CSVLabelColumn("label"))
    let b = try CSVDataset.load(path: fixture("small.csv"), labelColumn: CSVLabelColumn("1"))
    #expect(a.labels == b.labels && a.features == b.features)
  }

  @Test func csv_raggedRow_throwsWithLineNumber() {
    let error = #expect(throws: DatasetError.self) { try CSVDataset.load(path: fixture("ragged.csv")) }
    #expect(error == .malformedCSV(path: fixture("ragged.csv"), line: 3, reason: "expected 3 fields, found 2"))
  }

  /// Writes `text` byte for byte (CRLF stays CRLF) to a temporary file.
  private func temporaryCSV(_ text: String, in dir: TemporaryDirectory, name: String = "crlf.csv") throws -> String {
    let path = dir.path(name)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  @Test func csv_crlfWithHeader_parsesLikeLF() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let lf = try CSVDataset.load(path: fixture("small.csv"))
    let crlf = try CSVDataset.load(
      path: try temporaryCSV("x1,label,x2\r\n0.5,1,2\r\n1.5,0,-4\r\n\"2.5\",2,6e-1\r\n", in: dir))
    #expect(crlf.labels == [1, 0, 2])
    #expect(crlf.labels == lf.labels && crlf.features == lf.features)
    // Without the final line break, and with a lone trailing newline after the last CRLF row.
    let noFinal = try CSVDataset.load(path: try temporaryCSV("x1,label,x2\r\n0.5,1,2\r\n1.5,0,-4", in: dir))
    #expect(noFinal.labels == [1, 0] && noFinal.features == Matrix([[0.5, 2], [1.5, -4]]))
    let trailing = try CSVDataset.load(path: try temporaryCSV("x1,label,x2\r\n0.5,1,2\r\n1.5,0,-4\r\n\n", in: dir))
    #expect(trailing.labels == [1, 0])
  }

  @Test func csv_crlfWithoutHeader_firstColumnIsLabel() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let d = try CSVDataset.load(path: try temporaryCSV("1,0.5,2\r\n0,1.5,-4\r\n", in: dir))
    #expect(d.labels == [1, 0])
    #expect(d.features == Matrix([[0.5, 2], [1.5, -4]]))
  }

  @Test func csv_crlfBadRow_reportsItsLineNumber() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let ragged = try temporaryCSV("a,label,b\r\n1,0,2\r\n3,1\r\n4,0,5\r\n", in: dir, name: "ragged.csv")
    let error = #expect(throws: DatasetError.self) { try CSVDataset.load(path: ragged) }
    #expect(error == .malformedCSV(path: ragged, line: 3, reason: "expected 3 fields, found 2"))
    // Blank CRLF lines still count: the bad value is on line 4.
    let blank = try temporaryCSV("a,label,b\r\n1,0,2\r\n\r\n3,1,x\r\n", in: dir, name: "blank.csv")
    let second = #expect(throws: DatasetError.self) { try CSVDataset.load(path: blank) }
    guard case .malformedCSV(_, let line, let reason)? = second else {
      Issue.record("expected malformedCSV, got \(String(describing: second))")
      return
    }
    #expect(line == 4 && reason.contains("'x'"))
    // Mixed LF and CRLF lines count the same way.
    let mixed = try temporaryCSV("a,label,b\n1,0,2\r\n3,1\n", in: dir, name: "mixed.csv")
    let third = #expect(throws: DatasetError.self) { try CSVDataset.load(path: mixed) }
    #expect(third == .malformedCSV(path: mixed, line: 3, reason: "expected 3 fields, found 2"))
  }

  @Test func csv_nonNumericFeature_throwsNamingValue() {
    let error = #expect(throws: DatasetError.self) { try CSVDataset.load(path: fixture("nonnumeric.csv")) }
    #expect(error?.description.contains("'abc'") == true)
  }

  @Test func csv_holdoutFraction_splitsSeededAndDisjoint() throws {
    let split = try CSVDataset.loadSplit(trainPath: fixture("small.csv"), testPath: nil, holdoutFraction: 0.34, seed: 1)
    #expect(split.train.sampleCount == 2 && split.test?.sampleCount == 1)
    let all = (split.train.labels + (split.test?.labels ?? [])).sorted()
    #expect(all == [0, 1, 2])
  }
}

@Suite struct RandomNumberTests {
  @Test func xoshiro_matchesReferenceImplementation() throws {
    let data = try Data(contentsOf: fixtureURL("datasets/xoshiro256starstar.json"))
    let ref = try JSONDecoder().decode([String: [String]].self, from: data)
    for (key, seed) in [("seed_0", UInt64(0)), ("seed_12345", UInt64(12345))] {
      var rng = Xoshiro256StarStar(seed: seed)
      let got = (0..<5).map { _ in String(rng.next()) }
      #expect(got == ref[key], "seed \(seed)")
    }
  }

  @Test func uniformInt_smallBound_coversRangeUniformly() {
    var rng = Xoshiro256StarStar(seed: 42)
    var counts = [Int](repeating: 0, count: 7)
    for _ in 0..<70_000 { counts[rng.uniformInt(below: 7)] += 1 }
    // Each count ~ Binomial(70000, 1/7): mean 10000, sd ≈ 93; allow 6 sd.
    #expect(counts.allSatisfy { abs($0 - 10_000) < 560 }, "\(counts)")
  }

  @Test func permutation_isAPermutation() {
    var rng = Xoshiro256StarStar(seed: 1, stream: .dataOrder)
    let p = rng.permutation(1000)
    #expect(p.sorted() == Array(0..<1000))
    #expect(p != Array(0..<1000))
  }
}
