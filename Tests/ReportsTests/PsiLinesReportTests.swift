import Foundation
import Testing

@testable import Reports

/// The report's table of grid lines behind each ψ (issue 11).
@Suite struct PsiLinesReportTests {
  func data() -> ExperimentReportData {
    var d = sampleData()
    d.correlations[0].psiLinesByAxis = [
      "width": PsiLineCount(used: 2, skipped: 1, why: "1 with one model"),
      "label_noise": PsiLineCount(used: 3, skipped: 0),
    ]
    d.correlations[1].psiLinesByAxis = [
      "width": PsiLineCount(used: 0, skipped: 3, why: "3 non-finite"),
      "label_noise": PsiLineCount(used: 0, skipped: 3, why: "3 non-finite"),
    ]
    return d
  }

  @Test func table_countsPerAxisAndWhy() throws {
    let table = try #require(ExperimentReport.psiLinesTable(data()))
    #expect(
      table.columns == [
        "measure", "ψ_width lines used", "ψ_width lines skipped", "ψ_label_noise lines used",
        "ψ_label_noise lines skipped", "why skipped",
      ])
    #expect(table.rows[0].map(\.text) == ["frobenius_product", "2", "1", "3", "0", "width: 1 with one model"])
    #expect(
      table.rows[1].map(\.text)
        == ["constant|measure", "0", "3", "0", "3", "width: 3 non-finite | label_noise: 3 non-finite"])
  }

  @Test func htmlAndMarkdown_showTheTable_onlyWhenCountsExist() {
    let doc = ExperimentReport.makeDocument(data())
    let html = doc.renderHTML()
    #expect(html.contains("ψ_width lines used") && html.contains("width: 1 with one model"))
    let md = doc.renderMarkdown(assetDirectory: "report_files").text
    #expect(md.contains("lines used") && md.contains("width: 1 with one model"))
    // Without counts (no grid, or an older caller) there is no such table.
    #expect(ExperimentReport.psiLinesTable(sampleData()) == nil)
    #expect(!ExperimentReport.makeDocument(sampleData()).renderHTML().contains("lines used"))
  }
}
