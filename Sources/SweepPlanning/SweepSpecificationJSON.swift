import TabularOutput
import Foundation

extension SweepSpecification {
  /// The sweep as a JSON sweep file (`{"name": …, "fixed": {…}, "grid": {…}}`).
  ///
  /// ``SweepFileParser/parse(_:format:path:)`` reads it back to an equal specification:
  /// integers and layouts stay exact, reals are written in shortest round-trip form. Keys
  /// are sorted, so equal sweeps give byte-identical text. `gapdb sweep --jobs N` hands this
  /// file to its worker processes.
  ///
  /// - Returns: UTF-8 JSON text.
  public func jsonText() -> String {
    func encode(_ v: SweepValue) -> String {
      switch v {
      case .integer(let i): return String(i)
      case .real(let r): return r.description
      case .text(let s): return quote(s)
      case .layout(let units): return quote(SweepValue.layout(units).canonicalText)
      }
    }
    func quote(_ s: String) -> String { jsonStringLiteral(s) }
    var parts: [String] = []
    if let name { parts.append("\"name\": \(quote(name))") }
    let fixedText = fixed.sorted { $0.key < $1.key }
      .map { "\(quote($0.key.rawValue)): \(encode($0.value))" }.joined(separator: ", ")
    parts.append("\"fixed\": {\(fixedText)}")
    let gridText = orderedAxes.map { axis in
      "\(quote(axis.rawValue)): [" + (axes[axis] ?? []).map(encode).joined(separator: ", ") + "]"
    }.joined(separator: ", ")
    parts.append("\"grid\": {\(gridText)}")
    return "{" + parts.joined(separator: ", ") + "}\n"
  }
}
