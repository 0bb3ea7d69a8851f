import Testing

@testable import TabularOutput

/// Terminal widths by East Asian Width (UAX #11) and emoji presentation. Expected values are
/// what a terminal draws (and what Python's `wcwidth.wcswidth` gives for these strings).
@Suite struct DisplayWidthTests {
  @Test(arguments: [
    ("abc", 3),
    ("", 0),
    ("日本語", 6),  // CJK unified ideographs: W
    ("한국어", 6),  // Hangul syllables: W
    ("カタカナ", 8),  // Katakana: W
    ("ｶﾀｶﾅ", 4),  // halfwidth Katakana: H, one column each
    ("ＡＢ", 4),  // fullwidth Latin: F
    ("e\u{0301}", 1),  // e + COMBINING ACUTE ACCENT (Mn)
    ("\u{1100}\u{1161}\u{11A8}", 2),  // conjoining jamo 각: L (W) + V + T (zero width)
    ("😀", 2),  // Emoji_Presentation
    ("🇯🇵", 2),  // regional-indicator pair (flag)
    ("👨\u{200D}👩\u{200D}👧", 2),  // ZWJ sequence: one grapheme
    ("❤\u{FE0F}", 2),  // text-default emoji + VS16
    ("❤", 1),  // text-default, no VS16
    ("©", 1),  // ambiguous/neutral: one column outside CJK locales
    ("naïve café", 10),
    ("a\u{200B}b", 2),  // ZERO WIDTH SPACE (Cf)
    ("𠀀", 2),  // CJK extension B (plane 2)
    ("Ωμέγα", 5),
  ])
  func knownWidths(text: String, width: Int) {
    #expect(displayWidth(text) == width, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
  }

  @Test func table_alignsColumnsAfterWideNames() {
    let sink = StringSink()
    let writer = RowWriter(format: .table, sink: sink)
    writer.begin(columns: ["name", "n"])
    writer.write([.text("mlp"), .integer(1)])
    writer.write([.text("日本語"), .integer(22)])
    writer.write([.text("😀 run"), .integer(333)])
    writer.finish()
    // Column 1 is 6 columns wide (日本語), numbers right-aligned after two spaces.
    #expect(
      sink.text == """
        name      n
        ------  ---
        mlp       1
        日本語   22
        😀 run  333

        """)
  }
}
