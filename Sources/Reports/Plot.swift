import Foundation

/// One data point of a plot series; `label` becomes the marker's tooltip (e.g. the run).
public struct PlotPoint: Sendable, Equatable {
  /// Horizontal value, in the x axis's units.
  public var x: Double
  /// Vertical value, in the y axis's units.
  public var y: Double
  /// Optional tooltip text (shown by browsers on hover).
  public var label: String?

  /// Creates a point.
  public init(x: Double, y: Double, label: String? = nil) {
    self.x = x
    self.y = y
    self.label = label
  }
}

/// How a series is drawn.
public enum SeriesStyle: Sendable, Equatable {
  /// Markers only (scatter plots).
  case markers
  /// A line through the points in the given order; breaks where points are skipped.
  case line
  /// A line with a marker at every point.
  case lineAndMarkers
}

/// A named set of points drawn in one color; named series appear in the legend.
public struct PlotSeries: Sendable, Equatable {
  /// Legend text.
  public var name: String
  /// The points, drawn in this order.
  public var points: [PlotPoint]
  /// Markers, a line, or both.
  public var style: SeriesStyle
  /// Whether the line is dashed (e.g. training error vs solid test error).
  public var isDashed: Bool
  /// A CSS color; `nil` picks the next color of ``Plot/palette``.
  public var color: String?

  /// Creates a series.
  public init(
    name: String, points: [PlotPoint], style: SeriesStyle = .markers, isDashed: Bool = false,
    color: String? = nil
  ) {
    self.name = name
    self.points = points
    self.style = style
    self.isDashed = isDashed
    self.color = color
  }
}

/// A 2-D plot rendered as standalone SVG, written by us (no plotting dependency).
///
/// Axis labels should carry units ("hidden units", "test error (fraction)",
/// "ℓ2 path norm (log scale)"). Points that cannot be drawn, non-finite x or y or values
/// ≤ 0 on a logarithmic axis, are skipped, counted in ``PlotRendering/skippedPointCount``,
/// and announced under the plot area, never moved to 0.
///
/// Example:
/// ```swift
/// let plot = Plot(title: "Test error vs width", xLabel: "hidden units", yLabel: "test error",
///                 xScale: .log2, series: [PlotSeries(name: "true labels", points: pts, style: .lineAndMarkers)])
/// let svg = plot.render().svg
/// ```
public struct Plot: Sendable, Equatable {
  /// Title above the plot.
  public var title: String
  /// x-axis label with units.
  public var xLabel: String
  /// y-axis label with units.
  public var yLabel: String
  /// x-axis scale.
  public var xScale: PlotScale
  /// y-axis scale.
  public var yScale: PlotScale
  /// The series, drawn in order (later on top).
  public var series: [PlotSeries]
  /// Whether x ticks must be whole numbers (epochs).
  public var hasIntegerX: Bool
  /// Total width in pixels.
  public var width: Double
  /// Total height in pixels.
  public var height: Double

  /// Okabe–Ito colors (distinguishable with common color-vision deficiencies).
  public static let palette = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
  ]

  /// Creates a plot.
  public init(
    title: String, xLabel: String, yLabel: String, xScale: PlotScale = .linear,
    yScale: PlotScale = .linear, series: [PlotSeries], hasIntegerX: Bool = false,
    width: Double = 720, height: Double = 400
  ) {
    self.hasIntegerX = hasIntegerX
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.xScale = xScale
    self.yScale = yScale
    self.series = series
    self.width = width
    self.height = height
  }

  /// Margins around the plot area, in pixels.
  static let marginLeft = 78.0, marginTop = 40.0, marginBottom = 62.0
  /// Right margin: room for the legend when any series is named.
  var marginRight: Double { series.contains { !$0.name.isEmpty } ? 190 : 20 }

  /// Characters per legend line; longer names wrap at ", " or spaces (see ``legendLines(_:)``).
  static let legendLineLength = 24
  /// Legend lines per series at most; the last one ends in "…" when the name is longer.
  static let legendMaxLines = 3

  /// A legend name broken into lines of at most ``legendLineLength`` characters, at commas or
  /// spaces when possible (hard breaks otherwise), at most ``legendMaxLines`` lines.
  static func legendLines(_ name: String) -> [String] {
    var lines: [String] = []
    var rest = Substring(name)
    while !rest.isEmpty {
      if lines.count == legendMaxLines - 1 && rest.count > legendLineLength {
        lines.append(String(rest.prefix(legendLineLength - 1)) + "…")
        break
      }
      if rest.count <= legendLineLength {
        lines.append(String(rest))
        break
      }
      let window = rest.prefix(legendLineLength + 1)
      let cut = window.lastIndex(of: " ").map { rest.index(after: $0) } ?? rest.index(rest.startIndex, offsetBy: legendLineLength)
      lines.append(String(rest[..<cut]).trimmingCharacters(in: .whitespaces))
      rest = rest[cut...].drop { $0 == " " }
    }
    return lines
  }

  /// Dash pattern of the `index`-th automatically styled series: solid, dashed, dotted, in
  /// turn. With the 8 palette colors this gives 24 distinct (color, dash) pairs.
  static func autoDash(_ index: Int) -> String? { [nil, "7 3", "2 2"][index % 3] }

  /// Marker shapes cycled over automatically styled series.
  enum MarkerShape: CaseIterable { case circle, square, triangle, diamond }

  /// The stroke dash and marker shape of series `index`: series with an explicit color keep a
  /// solid (or ``PlotSeries/isDashed``) line and circles; the others cycle dashes and shapes
  /// with the palette so that many series stay distinguishable.
  func style(of index: Int) -> (dash: String?, shape: MarkerShape) {
    let s = series[index]
    if s.color != nil || series.count <= 2 { return (s.isDashed ? "6 4" : nil, .circle) }
    let dash = s.isDashed ? "6 4" : Self.autoDash(index)
    return (dash, MarkerShape.allCases[index % MarkerShape.allCases.count])
  }

  /// The pixel rectangle of the plot area: (left, top, right, bottom).
  public var plotArea: (left: Double, top: Double, right: Double, bottom: Double) {
    (Self.marginLeft, Self.marginTop, width - marginRight, height - Self.marginBottom)
  }

  /// The drawable points of every series (finite, and > 0 on log axes).
  func drawable(_ s: PlotSeries) -> [PlotPoint] {
    s.points.filter { xScale.canPlot($0.x) && yScale.canPlot($0.y) }
  }

  /// Number of points that cannot be drawn (non-finite, or ≤ 0 on a log axis).
  public var skippedPointCount: Int {
    series.reduce(0) { $0 + $1.points.count - drawable($1).count }
  }

  /// The axes' ticks and mappings for the drawable data, or `nil` when nothing is drawable.
  public func axes() -> (x: AxisTicks, y: AxisTicks, xMap: AxisMapping, yMap: AxisMapping)? {
    let pts = series.flatMap(drawable)
    guard let first = pts.first else { return nil }
    var (x0, x1, y0, y1) = (first.x, first.x, first.y, first.y)
    for p in pts {
      x0 = min(x0, p.x)
      x1 = max(x1, p.x)
      y0 = min(y0, p.y)
      y1 = max(y1, p.y)
    }
    let xt = AxisTicks.make(minimum: x0, maximum: x1, scale: xScale, integerStep: hasIntegerX)
    let yt = AxisTicks.make(minimum: y0, maximum: y1, scale: yScale)
    let a = plotArea
    let xm = AxisMapping(lower: xt.lower, upper: xt.upper, start: a.left, end: a.right, scale: xScale)
    let ym = AxisMapping(lower: yt.lower, upper: yt.upper, start: a.bottom, end: a.top, scale: yScale)
    return (xt, yt, xm, ym)
  }

  /// Renders the plot.
  ///
  /// - Returns: The SVG text (a complete `<svg>` element with `viewBox`, no external
  ///   references) and the counts of drawn and skipped points.
  /// - Complexity: O(total points).
  public func render() -> PlotRendering {
    var svg = SVGWriter()
    let a = plotArea
    svg.open(
      "svg",
      [
        ("xmlns", "http://www.w3.org/2000/svg"), ("viewBox", "0 0 \(n(width)) \(n(height))"),
        ("width", n(width)), ("height", n(height)), ("role", "img"),
        ("aria-label", title), ("class", "gapdb-plot"),
        ("font-family", "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"),
      ])
    svg.element("title", [], text: title)
    svg.element("rect", [("x", "0"), ("y", "0"), ("width", n(width)), ("height", n(height)), ("fill", "#ffffff")])
    svg.element(
      "text", [("x", n(width / 2)), ("y", "22"), ("text-anchor", "middle"), ("font-size", "15"), ("font-weight", "600"), ("class", "plot-title")],
      text: title)
    // Axis labels.
    svg.element(
      "text", [("x", n((a.left + a.right) / 2)), ("y", n(height - 14)), ("text-anchor", "middle"), ("font-size", "13"), ("class", "x-label")],
      text: xLabel)
    let yMid = (a.top + a.bottom) / 2
    svg.element(
      "text", [("x", "16"), ("y", n(yMid)), ("text-anchor", "middle"), ("font-size", "13"), ("transform", "rotate(-90 16 \(n(yMid)))"), ("class", "y-label")],
      text: yLabel)
    svg.element(
      "rect", [("x", n(a.left)), ("y", n(a.top)), ("width", n(a.right - a.left)), ("height", n(a.bottom - a.top)), ("fill", "none"), ("stroke", "#444"), ("stroke-width", "1")])

    var drawn = 0
    if let (xt, yt, xm, ym) = axes() {
      drawGrid(&svg, xt: xt, yt: yt, xm: xm, ym: ym)
      for (i, s) in series.enumerated() {
        let color = s.color ?? Self.palette[i % Self.palette.count]
        drawn += drawSeries(&svg, s, color: color, xm: xm, ym: ym, index: i)
      }
    } else {
      svg.element(
        "text", [("x", n((a.left + a.right) / 2)), ("y", n(yMid)), ("text-anchor", "middle"), ("font-size", "13"), ("fill", "#777")],
        text: "no plottable data")
    }
    let skipped = skippedPointCount
    if skipped > 0 {
      let reason = (xScale == .linear && yScale == .linear) ? "non-finite" : "non-finite or ≤ 0 on a log axis"
      svg.element(
        "text", [("x", n(a.right)), ("y", n(height - 32)), ("text-anchor", "end"), ("font-size", "11"), ("fill", "#a33"), ("class", "skipped-note")],
        text: "\(skipped) point\(skipped == 1 ? "" : "s") not shown (\(reason))")
    }
    drawLegend(&svg)
    svg.close("svg")
    return PlotRendering(svg: svg.text, drawnPointCount: drawn, skippedPointCount: skipped)
  }

  private func drawGrid(
    _ svg: inout SVGWriter, xt: AxisTicks, yt: AxisTicks, xm: AxisMapping, ym: AxisMapping
  ) {
    let a = plotArea
    svg.open("g", [("class", "x-ticks"), ("font-size", "11"), ("fill", "#333")])
    for (v, label) in zip(xt.values, xt.labels) {
      let px = xm.position(of: v)
      svg.element("line", [("x1", n(px)), ("y1", n(a.top)), ("x2", n(px)), ("y2", n(a.bottom)), ("stroke", "#e3e3e3")])
      svg.element("line", [("x1", n(px)), ("y1", n(a.bottom)), ("x2", n(px)), ("y2", n(a.bottom + 5)), ("stroke", "#444")])
      svg.element("text", [("x", n(px)), ("y", n(a.bottom + 18)), ("text-anchor", "middle")], text: label)
    }
    svg.close("g")
    svg.open("g", [("class", "y-ticks"), ("font-size", "11"), ("fill", "#333")])
    for (v, label) in zip(yt.values, yt.labels) {
      let py = ym.position(of: v)
      svg.element("line", [("x1", n(a.left)), ("y1", n(py)), ("x2", n(a.right)), ("y2", n(py)), ("stroke", "#e3e3e3")])
      svg.element("line", [("x1", n(a.left - 5)), ("y1", n(py)), ("x2", n(a.left)), ("y2", n(py)), ("stroke", "#444")])
      svg.element("text", [("x", n(a.left - 8)), ("y", n(py + 4)), ("text-anchor", "end")], text: label)
    }
    svg.close("g")
  }

  private func drawSeries(
    _ svg: inout SVGWriter, _ s: PlotSeries, color: String, xm: AxisMapping, ym: AxisMapping,
    index: Int
  ) -> Int {
    svg.open("g", [("class", "series"), ("data-series", s.name)])
    var count = 0
    if s.style != .markers {
      // Break the line at skipped points.
      var segments: [[String]] = [[]]
      for p in s.points {
        if xScale.canPlot(p.x) && yScale.canPlot(p.y) {
          segments[segments.count - 1].append("\(n(xm.position(of: p.x))),\(n(ym.position(of: p.y)))")
        } else if !(segments.last?.isEmpty ?? true) {
          segments.append([])
        }
      }
      for seg in segments where seg.count >= 2 {
        var attrs = [("points", seg.joined(separator: " ")), ("fill", "none"), ("stroke", color), ("stroke-width", "2")]
        if let dash = style(of: index).dash { attrs.append(("stroke-dasharray", dash)) }
        svg.element("polyline", attrs)
      }
    }
    for p in s.points where xScale.canPlot(p.x) && yScale.canPlot(p.y) {
      count += 1
      guard s.style != .line else { continue }
      let tip = p.label.map { "\($0): " } ?? ""
      drawMarker(
        &svg, style(of: index).shape, x: xm.position(of: p.x), y: ym.position(of: p.y), color: color,
        tooltip: "\(tip)(\(formatValue(p.x)), \(formatValue(p.y)))")
    }
    svg.close("g")
    return count
  }

  /// One marker: a circle, square, triangle or diamond of about 7 px centred on (x, y).
  private func drawMarker(
    _ svg: inout SVGWriter, _ shape: MarkerShape, x: Double, y: Double, color: String, tooltip: String?
  ) {
    let paint = [("fill", color), ("fill-opacity", "0.85"), ("stroke", "#fff"), ("stroke-width", "0.8")]
    let child = tooltip.map { ("title", $0) }
    switch shape {
    case .circle:
      svg.element("circle", [("cx", n(x)), ("cy", n(y)), ("r", "3.5")] + paint, child: child)
    case .square:
      svg.element("rect", [("x", n(x - 3.2)), ("y", n(y - 3.2)), ("width", "6.4"), ("height", "6.4")] + paint, child: child)
    case .triangle:
      let pts = "\(n(x)),\(n(y - 4.2)) \(n(x + 4)),\(n(y + 3)) \(n(x - 4)),\(n(y + 3))"
      svg.element("polygon", [("points", pts)] + paint, child: child)
    case .diamond:
      let pts = "\(n(x)),\(n(y - 4.4)) \(n(x + 4.4)),\(n(y)) \(n(x)),\(n(y + 4.4)) \(n(x - 4.4)),\(n(y))"
      svg.element("polygon", [("points", pts)] + paint, child: child)
    }
  }

  private func drawLegend(_ svg: inout SVGWriter) {
    let named = series.enumerated().filter { !$0.element.name.isEmpty }
    guard !named.isEmpty else { return }
    let x = plotArea.right + 14
    var y = plotArea.top + 8
    svg.open("g", [("class", "legend"), ("font-size", "12")])
    for (i, s) in named {
      let color = s.color ?? Self.palette[i % Self.palette.count]
      let (dash, shape) = style(of: i)
      if s.style != .markers {
        var attrs = [("x1", n(x)), ("y1", n(y)), ("x2", n(x + 20)), ("y2", n(y)), ("stroke", color), ("stroke-width", "2")]
        if let dash { attrs.append(("stroke-dasharray", dash)) }
        svg.element("line", attrs)
      }
      if s.style != .line {
        drawMarker(&svg, shape, x: x + 10, y: y, color: color, tooltip: nil)
      }
      // The full name wraps over up to 3 lines instead of being cut to one.
      for line in Self.legendLines(s.name) {
        svg.element("text", [("x", n(x + 26)), ("y", n(y + 4))], text: line)
        y += 14
      }
      y += 5
    }
    svg.close("g")
  }
}

/// The output of ``Plot/render()``.
public struct PlotRendering: Sendable, Equatable {
  /// A complete, self-contained `<svg>` element.
  public var svg: String
  /// Points drawn (as markers or line vertices).
  public var drawnPointCount: Int
  /// Points skipped: non-finite, or ≤ 0 on a log axis.
  public var skippedPointCount: Int
}

/// A number for SVG coordinates: at most 2 decimals, no trailing zeros.
func n(_ v: Double) -> String {
  let r = (v * 100).rounded() / 100
  if r == r.rounded() { return String(Int(r)) }
  return String(format: "%.2f", r).replacingOccurrences(of: #"0+$"#, with: "", options: .regularExpression)
}

/// Tooltip number: 4 significant digits; `NaN`, `inf`, `-inf` as such.
func formatValue(_ v: Double) -> String {
  if v.isNaN { return "NaN" }
  if v.isInfinite { return v > 0 ? "inf" : "-inf" }
  return String(format: "%.4g", v)
}

/// A tiny XML writer that escapes every attribute value and text node.
struct SVGWriter {
  var text = ""

  mutating func open(_ name: String, _ attributes: [(String, String)]) {
    text += "<\(name)\(format(attributes))>"
  }

  mutating func close(_ name: String) { text += "</\(name)>\n" }

  mutating func element(
    _ name: String, _ attributes: [(String, String)], text content: String? = nil,
    child: (String, String)? = nil
  ) {
    if content == nil && child == nil {
      text += "<\(name)\(format(attributes))/>"
      return
    }
    text += "<\(name)\(format(attributes))>"
    if let content { text += escapeMarkup(content) }
    if let (childName, childText) = child {
      text += "<\(childName)>\(escapeMarkup(childText))</\(childName)>"
    }
    text += "</\(name)>"
  }

  private func format(_ attributes: [(String, String)]) -> String {
    attributes.map { " \($0.0)=\"\(escapeMarkup($0.1))\"" }.joined()
  }
}
