import Foundation

/// Seeded mutation of valid inputs, for the file readers' robustness tests.
///
/// Each mutant applies 1–3 edits to a seed input: a bit flip, a random byte, truncation,
/// insertion or deletion of a few bytes, a duplicated chunk, a 2/4/8-byte field overwritten
/// with an extreme value (all ones, 0x7F…, 0x80…, little or big endian), or — in text — a
/// number replaced by an extreme one (`9223372036854775807`, `1e309`, `-1`, 2^64, …). The same
/// seed gives the same mutants, so a failure can be replayed from the printed case number.
public struct Mutator {
  private var random: SplitMix64

  /// Multiplies the mutation tests' counts: `GAPDB_FUZZ_SCALE=100 swift test --filter fuzz_`
  /// runs a hundred times as many mutants (default 1, a few seconds per reader).
  public static var scale: Int {
    max(1, Int(ProcessInfo.processInfo.environment["GAPDB_FUZZ_SCALE"] ?? "") ?? 1)
  }

  /// Creates a mutator; equal seeds give equal mutant sequences.
  public init(seed: UInt64) { random = SplitMix64(seed: seed) }

  /// Numbers that overflow or break size arithmetic when they replace a size in text.
  static let extremeNumbers = [
    "9223372036854775807", "9223372036854775808", "18446744073709551616", "4294967295", "4294967296",
    "-1", "0", "1e309", "-9223372036854775808", "1099511627776", "99999999999999999999999", "nan",
  ]

  /// One mutant of `input` (at most about a hundred bytes longer).
  public mutating func mutate(_ input: [UInt8]) -> [UInt8] {
    var bytes = input
    let edits = 1 + Int(random.next() % 3)
    for _ in 0..<edits { edit(&bytes) }
    return bytes
  }

  private mutating func index(_ count: Int) -> Int { count == 0 ? 0 : Int(random.next() % UInt64(count)) }

  private mutating func edit(_ bytes: inout [UInt8]) {
    switch random.next() % 9 {
    case 0 where !bytes.isEmpty:  // bit flip
      let i = index(bytes.count)
      bytes[i] ^= 1 << UInt8(random.next() % 8)
    case 1 where !bytes.isEmpty:  // random byte
      bytes[index(bytes.count)] = UInt8(truncatingIfNeeded: random.next())
    case 2:  // truncation
      bytes.removeLast(bytes.count - index(bytes.count + 1))
    case 3:  // insertion
      let n = 1 + index(8)
      bytes.insert(contentsOf: (0..<n).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: index(bytes.count + 1))
    case 4 where !bytes.isEmpty:  // deletion
      let start = index(bytes.count)
      bytes.removeSubrange(start..<min(bytes.count, start + 1 + index(16)))
    case 5 where bytes.count >= 2:  // duplicated chunk
      let start = index(bytes.count - 1)
      let chunk = bytes[start..<min(bytes.count, start + 1 + index(32))]
      bytes.insert(contentsOf: Array(chunk), at: index(bytes.count + 1))
    case 6, 7:  // size field set to an extreme value
      let width = [2, 4, 8][index(3)]
      guard bytes.count >= width else { return }
      let patterns: [UInt64] = [.max, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF, 0x7FFF_FFFF, 0]
      let value = patterns[index(patterns.count)]
      let at = index(bytes.count - width + 1)
      let bigEndian = random.next() % 2 == 0
      for k in 0..<width {
        let shift = UInt64(8 * (bigEndian ? width - 1 - k : k))
        bytes[at + k] = UInt8(truncatingIfNeeded: value >> shift)
      }
    default:  // a decimal number in text replaced by an extreme one
      let digit: ClosedRange<UInt8> = 0x30...0x39
      let digits = bytes.indices.filter { digit.contains(bytes[$0]) }
      guard !digits.isEmpty else { return }
      var start = digits[index(digits.count)], end = start + 1
      while start > 0, digit.contains(bytes[start - 1]) { start -= 1 }
      while end < bytes.count, digit.contains(bytes[end]) { end += 1 }
      let number = Self.extremeNumbers[index(Self.extremeNumbers.count)]
      bytes.replaceSubrange(start..<end, with: Array(number.utf8))
    }
  }
}
