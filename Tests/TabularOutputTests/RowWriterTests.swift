import Testing

@testable import TabularOutput

@Suite struct RowWriterTests {
  func render(_ format: OutputFormat, headers: Bool = true, _ columns: [String], _ rows: [[Cell]])
    -> String
  {
    let sink = StringSink()
    let writer = RowWriter(format: format, includeHeaders: headers, sink: sink)
    writer.begin(columns: columns)
    rows.forEach(writer.write)
    writer.finish()
    return sink.text
  }

  @Test func json_empty_printsEmptyArray() {
    #expect(render(.json, ["a"], []) == "[]\n")
    #expect(render(.jsonl, ["a"], []) == "")
  }

  @Test func json_nonFinite_writesNull() {
    let text = render(.json, ["x", "y", "z"], [[.real(.nan), .real(.infinity), .real(-.infinity)]])
    #expect(text == "[\n{\"x\": null, \"y\": null, \"z\": null}\n]\n")
  }

  @Test func csv_nonFinite_spellsNaNAndInf() {
    let text = render(.csv, ["x", "y", "z"], [[.real(.nan), .real(.infinity), .real(-.infinity)]])
    #expect(text == "x,y,z\nNaN,inf,-inf\n")
  }

  @Test func doubles_roundTripShortest() {
    let tricky = 0.1 + 0x1p-50
    let text = render(.csv, headers: false, ["a", "b"], [[.real(tricky), .real(1e-300)]])
    let fields = text.dropLast().split(separator: ",").map { Double(String($0))! }
    #expect(fields[0].bitPattern == tricky.bitPattern)
    #expect(fields[1].bitPattern == (1e-300).bitPattern)
  }

  @Test func csv_quoting_followsRFC4180() {
    let text = render(.csv, ["name"], [[.text("a,b")], [.text("say \"hi\"")], [.text("x\ny")]])
    #expect(text == "name\n\"a,b\"\n\"say \"\"hi\"\"\"\n\"x\ny\"\n")
  }

  @Test func tsv_escapesTabsAndNewlines() {
    #expect(render(.tsv, ["a"], [[.text("x\ty\nz")]]) == "a\nx\\ty\\nz\n")
  }

  @Test func duplicateColumns_renamed() {
    #expect(render(.jsonl, ["a", "a", "a"], [[.integer(1), .integer(2), .integer(3)]])
      == "{\"a\": 1, \"a_2\": 2, \"a_3\": 3}\n")
  }

  @Test func json_escapesControlAndUnicode() {
    #expect(render(.jsonl, ["k"], [[.text("é\"\\\u{01}")]]) == "{\"k\": \"é\\\"\\\\\\u0001\"}\n")
  }

  @Test func integers_beyond32Bits_exact() {
    #expect(render(.jsonl, ["step"], [[.integer(3_000_000_000)]]) == "{\"step\": 3000000000}\n")
  }

  @Test func table_alignsNumbersRight() {
    let text = render(.table, ["name", "v"], [[.text("a"), .integer(5)], [.text("bbb"), .integer(100)]])
    #expect(text == "name    v\n----  ---\na       5\nbbb   100\n")
  }

  @Test func blob_json_isBase64Object() {
    #expect(render(.jsonl, ["b"], [[.blob([1, 2, 3, 4])]]) == "{\"b\": {\"$base64\": true, \"encoded\": \"AQIDBA==\"}}\n")
  }
}

@Suite struct JSONStringLiteralTests {
  @Test func jsonStringLiteral_escapesQuotesBackslashesAndControls() {
    // Expected text written by hand from RFC 8259 §7.
    #expect(jsonStringLiteral("a\"b\\c\nd\u{1}") == "\"a\\\"b\\\\c\\nd\\u0001\"")
    #expect(jsonStringLiteral("tab\there\r") == "\"tab\\there\\r\"")
    #expect(jsonStringLiteral("naïve 学习 (x) [y] / @:") == "\"naïve 学习 (x) [y] / @:\"")
  }
}
