/// Escapes text for HTML and SVG (XML) content and attribute values.
///
/// Replaces `&`, `<`, `>`, `"` and `'` with character references, so any run name, measure
/// name or hyperparameter value (user data) is shown as text and can never open a tag or
/// end an attribute.
///
/// - Parameter text: Any text.
/// - Returns: The escaped text.
/// - Complexity: O(n).
public func escapeMarkup(_ text: String) -> String {
  var out = ""
  out.reserveCapacity(text.utf8.count)
  for ch in text {
    switch ch {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    case "'": out += "&#39;"
    default: out.append(ch)
    }
  }
  return out
}

/// Escapes text for a Markdown table cell or paragraph.
///
/// Backslash-escapes Markdown's punctuation (`\ ` `` ` `` `* _ [ ] < > # |`), and turns
/// line breaks into spaces so a cell stays on its row.
///
/// - Parameter text: Any text.
/// - Returns: Text that renders literally in CommonMark/GitHub Markdown.
public func escapeMarkdown(_ text: String) -> String {
  var out = ""
  for ch in text {
    switch ch {
    case "\\", "`", "*", "_", "[", "]", "<", ">", "#", "|":
      out.append("\\")
      out.append(ch)
    case "\n", "\r": out.append(" ")
    default: out.append(ch)
    }
  }
  return out
}
