import Foundation

/// A table cell in a report: text, or a number formatted for reading.
public enum ReportCell: Sendable, Equatable {
  /// Text, shown as is (escaped).
  case text(String)
  /// A number shown with `digits` decimals; NaN and ±Inf are shown as `NaN`, `inf`, `-inf`
  /// (data, never blanks or zeros).
  case number(Double, digits: Int)
  /// An integer.
  case integer(Int)
  /// A correlation-like number in [−1, 1], shown with 3 decimals and shaded by sign and
  /// magnitude in HTML.
  case correlation(Double)
  /// A value that is undefined (e.g. τ of a constant measure), shown as `—`.
  case undefined

  /// The cell's plain text (the same in HTML and Markdown, before escaping).
  public var text: String {
    switch self {
    case .text(let s): return s
    case .number(let v, let digits): return Self.fixed(v, digits)
    case .integer(let i): return String(i)
    case .correlation(let v): return Self.fixed(v, 3)
    case .undefined: return "—"
    }
  }

  /// Whether the cell is right-aligned (numbers are).
  public var isNumeric: Bool {
    if case .text = self { return false }
    return true
  }

  static func fixed(_ v: Double, _ digits: Int) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "inf" : "-inf" }
    if v != 0, abs(v) >= 1e6 || abs(v) < pow(10, Double(-digits)) {
      return String(format: "%.\(max(digits - 1, 1))e", v)
    }
    return String(format: "%.\(digits)f", v)
  }
}

/// A table with a header row.
public struct ReportTable: Sendable, Equatable {
  /// Column headers.
  public var columns: [String]
  /// Rows; each has one cell per column.
  public var rows: [[ReportCell]]
  /// Optional caption under the table.
  public var caption: String?
  /// In HTML, rows after the first `visibleRowCount` are folded into a `<details>` element
  /// ("N more rows"), so long tables (e.g. 70 measures) do not bury the plots; `nil` shows
  /// every row. Markdown always lists every row.
  public var visibleRowCount: Int?

  /// Creates a table.
  public init(
    columns: [String], rows: [[ReportCell]], caption: String? = nil, visibleRowCount: Int? = nil
  ) {
    self.columns = columns
    self.rows = rows
    self.caption = caption
    self.visibleRowCount = visibleRowCount
  }
}

/// One block of a report document.
public enum ReportBlock: Sendable, Equatable {
  /// A heading, level 1 (title) to 3.
  case heading(level: Int, text: String, anchor: String?)
  /// A paragraph of plain text (escaped; no markup).
  case paragraph(String)
  /// A bullet list of plain-text items.
  case list([String])
  /// A table.
  case table(ReportTable)
  /// A plot with a caption.
  case figure(Plot, caption: String)
}

/// A report as a sequence of blocks, rendered to self-contained HTML or to Markdown.
public struct ReportDocument: Sendable, Equatable {
  /// The document title (HTML `<title>`).
  public var title: String
  /// The blocks in reading order.
  public var blocks: [ReportBlock]

  /// Creates a document.
  public init(title: String, blocks: [ReportBlock] = []) {
    self.title = title
    self.blocks = blocks
  }

  /// The figures' plots, in order.
  public var plots: [Plot] {
    blocks.compactMap { if case .figure(let p, _) = $0 { return p } else { return nil } }
  }

  /// Renders a complete HTML5 page.
  ///
  /// The page is self-contained: CSS in a `<style>` element, plots as inline `<svg>`, no
  /// scripts, fonts, images or other URLs, so it opens offline and can be mailed as one
  /// file. All text from the data is escaped with ``escapeMarkup(_:)``.
  ///
  /// - Returns: The HTML text.
  /// - Complexity: O(size of the document).
  public func renderHTML() -> String {
    var h = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <meta name="generator" content="gapdb">
      <title>\(escapeMarkup(title))</title>
      <style>\(Self.css)</style>
      </head>
      <body>
      <main>

      """
    var inFigureGrid = false
    for block in blocks {
      // Consecutive figures share a responsive grid (two per row on a wide screen).
      if case .figure = block {
        if !inFigureGrid { h += "<div class=\"figures\">\n" }
        inFigureGrid = true
      } else if inFigureGrid {
        h += "</div>\n"
        inFigureGrid = false
      }
      switch block {
      case .heading(let level, let text, let anchor):
        let l = min(max(level, 1), 3)
        let id = anchor.map { " id=\"\(escapeMarkup($0))\"" } ?? ""
        h += "<h\(l)\(id)>\(escapeMarkup(text))</h\(l)>\n"
      case .paragraph(let text):
        h += "<p>\(escapeMarkup(text))</p>\n"
      case .list(let items):
        h += "<ul>\n" + items.map { "<li>\(escapeMarkup($0))</li>\n" }.joined() + "</ul>\n"
      case .table(let table):
        h += htmlTable(table)
      case .figure(let plot, let caption):
        let r = plot.render()
        h += "<figure>\n\(r.svg)<figcaption>\(escapeMarkup(caption))</figcaption>\n</figure>\n"
      }
    }
    if inFigureGrid { h += "</div>\n" }
    h += "</main>\n</body>\n</html>\n"
    return h
  }

  private func htmlTable(_ t: ReportTable) -> String {
    let visible = min(t.visibleRowCount ?? t.rows.count, t.rows.count)
    var h = htmlRows(t, rows: t.rows[..<visible], caption: t.caption)
    if visible < t.rows.count {
      let rest = t.rows.count - visible
      h += "<details><summary>\(rest) more row\(rest == 1 ? "" : "s")</summary>\n"
      h += htmlRows(t, rows: t.rows[visible...], caption: nil)
      h += "</details>\n"
    }
    return h
  }

  private func htmlRows(_ t: ReportTable, rows: ArraySlice<[ReportCell]>, caption: String?) -> String {
    var h = "<div class=\"table-wrap\"><table>\n"
    if let caption { h += "<caption>\(escapeMarkup(caption))</caption>\n" }
    h += "<thead><tr>" + t.columns.map { "<th>\(escapeMarkup($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
    for row in rows {
      h += "<tr>"
      for cell in row {
        var attrs = cell.isNumeric ? " class=\"num\"" : ""
        if case .correlation(let v) = cell, v.isFinite {
          let alpha = min(abs(v), 1) * 0.45
          let rgb = v >= 0 ? "0,114,178" : "213,94,0"
          attrs = " class=\"num\" style=\"background: rgba(\(rgb),\(String(format: "%.3f", alpha)))\""
        }
        h += "<td\(attrs)>\(escapeMarkup(cell.text))</td>"
      }
      h += "</tr>\n"
    }
    h += "</tbody></table></div>\n"
    return h
  }

  /// Renders GitHub-flavoured Markdown; plots become SVG files beside it.
  ///
  /// - Parameter assetDirectory: The relative directory the figures are referenced from
  ///   (e.g. `report_files`); the caller writes each asset there.
  /// - Returns: The Markdown text and the figures as (file name, SVG text), named
  ///   `figure-01.svg`, `figure-02.svg`, …
  /// - Complexity: O(size of the document).
  public func renderMarkdown(assetDirectory: String) -> MarkdownRendering {
    var md = ""
    var assets: [(name: String, contents: String)] = []
    for block in blocks {
      switch block {
      case .heading(let level, let text, _):
        md += String(repeating: "#", count: min(max(level, 1), 3)) + " " + escapeMarkdown(text) + "\n\n"
      case .paragraph(let text):
        md += escapeMarkdown(text) + "\n\n"
      case .list(let items):
        md += items.map { "- " + escapeMarkdown($0) + "\n" }.joined() + "\n"
      case .table(let t):
        md += "| " + t.columns.map(escapeMarkdown).joined(separator: " | ") + " |\n"
        md += "|" + t.columns.indices.map { i in
          (t.rows.first.map { $0[i].isNumeric } ?? false) ? "---:|" : "---|"
        }.joined() + "\n"
        for row in t.rows {
          md += "| " + row.map { escapeMarkdown($0.text) }.joined(separator: " | ") + " |\n"
        }
        if let caption = t.caption { md += "\n" + escapeMarkdown(caption) + "\n" }
        md += "\n"
      case .figure(let plot, let caption):
        let name = String(format: "figure-%02d.svg", assets.count + 1)
        assets.append((name, plot.render().svg))
        let alt = escapeMarkdown(plot.title)
        md += "![\(alt)](\(assetDirectory)/\(name))\n\n" + escapeMarkdown(caption) + "\n\n"
      }
    }
    return MarkdownRendering(text: md, assets: assets)
  }

  static let css = """
    body{margin:0;background:#fafafa;color:#1d1d1f;font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
    main{max-width:1240px;margin:0 auto;padding:24px 32px 64px;background:#fff}
    h1{font-size:26px;margin:8px 0 4px}h2{font-size:20px;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
    h3{font-size:16px;margin:20px 0 6px}p,li{max-width:900px}
    .table-wrap{overflow-x:auto;margin:8px 0 16px}
    table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums}
    caption{caption-side:bottom;text-align:left;color:#555;font-size:12px;padding-top:4px}
    th,td{border:1px solid #ddd;padding:3px 8px;white-space:nowrap}th{background:#f2f2f2;text-align:left}
    td.num{text-align:right}tbody tr:nth-child(even) td:not([style]){background:#fafafa}
    .figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:8px 20px}
    figure{margin:12px 0 16px}figure svg{max-width:100%;height:auto;border:1px solid #eee}
    figcaption{color:#555;font-size:13px;max-width:720px}
    details{margin:0 0 16px}summary{cursor:pointer;color:#0b5cad;font-size:13px}
    """
}

/// The output of ``ReportDocument/renderMarkdown(assetDirectory:)``.
public struct MarkdownRendering: Sendable {
  /// The Markdown text.
  public var text: String
  /// Figure files: (file name inside the asset directory, SVG text).
  public var assets: [(name: String, contents: String)]
}
