/// Terminal column widths of text, for aligning table output.
///
/// Rules (per grapheme cluster, i.e. per user-perceived character):
/// - 2 columns when any scalar is East Asian Wide or Fullwidth (UAX #11; the ranges below),
///   has `Emoji_Presentation` (😀, 🇯🇵 flags), or is followed by VARIATION SELECTOR-16
///   (U+FE0F, ❤️) — emoji shown as pictures;
/// - 0 columns when every scalar is zero-width: combining marks (general categories Mn, Me),
///   format characters (Cf: ZERO WIDTH JOINER, soft hyphen), Hangul medial vowels and final
///   consonants (U+1160–U+11FF);
/// - 1 column otherwise (Latin, Greek, Cyrillic, ambiguous-width characters as in a
///   non-CJK locale, a letter with combining accents).
///
/// So a ZWJ emoji sequence (👨‍👩‍👧) is 2 columns, `e` + U+0301 is 1. Terminals differ on
/// rare cases (emoji without `Emoji_Presentation` and no U+FE0F count 1, like `wcwidth`).
///
/// Complexity: O(number of scalars); each scalar is looked up by binary search in a table of
/// ~30 ranges.
///
/// - Parameter s: The text (control characters already escaped by the caller).
/// - Returns: The number of terminal columns.
func displayWidth(_ s: String) -> Int {
  // Fast path: printable ASCII is one column per byte.
  if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return s.utf8.count }
  var total = 0
  for character in s {
    total += graphemeWidth(character)
  }
  return total
}

/// Width of one grapheme cluster: 0, 1 or 2 (see ``displayWidth(_:)``).
func graphemeWidth(_ character: Character) -> Int {
  var sawVisible = false
  for scalar in character.unicodeScalars {
    if scalar.value == 0xFE0F { return 2 }  // emoji presentation requested
    if isWideScalar(scalar) || scalar.properties.isEmojiPresentation { return 2 }
    if !isZeroWidthScalar(scalar) { sawVisible = true }
  }
  return sawVisible ? 1 : 0
}

/// Whether `scalar` takes no column of its own (combining mark, format character,
/// Hangul medial/final jamo).
func isZeroWidthScalar(_ scalar: Unicode.Scalar) -> Bool {
  switch scalar.properties.generalCategory {
  case .nonspacingMark, .enclosingMark, .format: return true
  default: return (0x1160...0x11FF).contains(scalar.value)
  }
}

/// Whether `scalar` is East Asian Wide (W) or Fullwidth (F), from our table of the main
/// blocks of Unicode's EastAsianWidth.txt (emoji are handled by `Emoji_Presentation`).
func isWideScalar(_ scalar: Unicode.Scalar) -> Bool {
  let v = scalar.value
  if v < 0x1100 { return false }
  var low = 0
  var high = wideRanges.count - 1
  while low <= high {
    let mid = (low + high) / 2
    let range = wideRanges[mid]
    if v < range.lowerBound {
      high = mid - 1
    } else if v > range.upperBound {
      low = mid + 1
    } else {
      return true
    }
  }
  return false
}

/// East Asian Wide and Fullwidth code point ranges, sorted and disjoint.
private let wideRanges: [ClosedRange<UInt32>] = [
  0x1100...0x115F,  // Hangul Jamo initial consonants
  0x231A...0x231B,  // watch, hourglass
  0x2329...0x232A,  // angle brackets
  0x2E80...0x303E,  // CJK radicals, Kangxi radicals, ideographic description, CJK punctuation
  0x3041...0x3247,  // Hiragana, Katakana, Bopomofo, Hangul compatibility jamo, Kanbun, …
  0x3250...0x4DBF,  // enclosed CJK, CJK compatibility, CJK extension A
  0x4E00...0xA4CF,  // CJK unified ideographs, Yi syllables and radicals
  0xA960...0xA97F,  // Hangul Jamo extended-A
  0xAC00...0xD7A3,  // Hangul syllables
  0xF900...0xFAFF,  // CJK compatibility ideographs
  0xFE10...0xFE19,  // vertical forms
  0xFE30...0xFE6F,  // CJK compatibility forms, small form variants
  0xFF00...0xFF60,  // fullwidth ASCII variants
  0xFFE0...0xFFE6,  // fullwidth signs
  0x16FE0...0x16FE4,  // ideographic symbols
  0x17000...0x18CFF,  // Tangut, Khitan
  0x1B000...0x1B2FF,  // Kana supplement and extensions, Nüshu
  0x1F200...0x1F2FF,  // enclosed ideographic supplement
  0x20000...0x2FFFD,  // CJK extensions B–F, compatibility supplement
  0x30000...0x3FFFD,  // CJK extensions G–H
]
