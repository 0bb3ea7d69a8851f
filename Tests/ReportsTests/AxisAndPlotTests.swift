import Foundation
import Testing

@testable import Reports

@Suite struct AxisTicksTests {
  // Expected ticks are hand-derived from the nice-number rule: step = 1, 2 or 5 × 10^k
  // nearest to (max − min) / 4, domain widened to whole steps.
  @Test func niceStep_roundsToOneTwoFive() {
    #expect(abs(AxisTicks.niceStep(0.25) - 0.2) < 1e-12)
    #expect(AxisTicks.niceStep(18.8) == 20)
    #expect(AxisTicks.niceStep(0.8) == 1)
    #expect(AxisTicks.niceStep(4) == 5)
    #expect(AxisTicks.niceStep(1.2) == 1)
  }

  @Test func linear_unitRange() {
    let t = AxisTicks.make(minimum: 0, maximum: 1, scale: .linear)
    #expect(t.values == [0, 0.2, 0.4, 0.6, 0.8, 1.0])
    #expect(t.labels == ["0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    #expect(t.lower == 0 && t.upper == 1)
  }

  @Test func linear_widensToWholeSteps() {
    let t = AxisTicks.make(minimum: 3, maximum: 97, scale: .linear)
    #expect(t.values == [0, 20, 40, 60, 80, 100])
    #expect(t.labels == ["0", "20", "40", "60", "80", "100"])
    let n = AxisTicks.make(minimum: -0.35, maximum: 0.62, scale: .linear)
    #expect(n.values == [-0.4, -0.2, 0, 0.2, 0.4, 0.6, 0.8])
    #expect(n.lower == -0.4 && n.upper == 0.8)
  }

  @Test func linear_constantData_isWidened() {
    let t = AxisTicks.make(minimum: 5, maximum: 5, scale: .linear)
    #expect(t.values == [2, 3, 4, 5, 6, 7, 8])
    let z = AxisTicks.make(minimum: 0, maximum: 0, scale: .linear)
    #expect(z.lower < 0 && z.upper > 0)
  }

  @Test func log2_hiddenUnits() {
    let t = AxisTicks.make(minimum: 8, maximum: 4096, scale: .log2)
    #expect(t.values == [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096])
    #expect(t.labels.first == "8" && t.labels.last == "4096")
  }

  @Test func log10_decadesAndSmallValues() {
    let t = AxisTicks.make(minimum: 0.003, maximum: 0.5, scale: .log10)
    #expect(t.values.count == 4)
    for (a, b) in zip(t.values, [0.001, 0.01, 0.1, 1]) { #expect(abs(a - b) < 1e-15) }
    #expect(t.labels == ["0.001", "0.01", "0.1", "1"])
    // Exactly a power of ten, alone: one decade either side, despite log10(1000) rounding.
    let single = AxisTicks.make(minimum: 1000, maximum: 1000, scale: .log10)
    #expect(single.values == [100, 1000, 10000])
    // Within one decade: 1, 2, 5, 10.
    #expect(AxisTicks.make(minimum: 2, maximum: 8, scale: .log10).values == [1, 2, 5, 10])
  }

  @Test func log_manyDecades_thinned() {
    let t = AxisTicks.make(minimum: 1, maximum: Double(1 << 30), scale: .log2)
    #expect(t.values.count == 11)
    #expect(t.values[1] == 8)
    #expect(t.values.last == Double(1 << 30))
  }
}

@Suite struct AxisMappingTests {
  @Test func linear_andInverted() {
    let m = AxisMapping(lower: 0, upper: 10, start: 100, end: 300, scale: .linear)
    #expect(m.position(of: 2.5) == 150)
    #expect(m.position(of: 0) == 100 && m.position(of: 10) == 300)
    let y = AxisMapping(lower: 0, upper: 1, start: 400, end: 100, scale: .linear)
    #expect(y.position(of: 0.25) == 325)
  }

  @Test func logarithmic() {
    let m = AxisMapping(lower: 1, upper: 1000, start: 0, end: 300, scale: .log10)
    #expect(abs(m.position(of: 10) - 100) < 1e-9)
    #expect(abs(m.position(of: 100) - 200) < 1e-9)
    let w = AxisMapping(lower: 8, upper: 4096, start: 0, end: 900, scale: .log2)
    #expect(abs(w.position(of: 64) - 300) < 1e-9)
  }

  @Test func canPlot_rejectsNonFiniteAndNonPositiveOnLog() {
    #expect(PlotScale.linear.canPlot(-3))
    #expect(!PlotScale.linear.canPlot(.nan))
    #expect(!PlotScale.linear.canPlot(.infinity))
    #expect(!PlotScale.log10.canPlot(0))
    #expect(!PlotScale.log10.canPlot(-1))
    #expect(PlotScale.log10.canPlot(1e-300))
  }
}

func count(_ needle: String, in text: String) -> Int {
  text.components(separatedBy: needle).count - 1
}

@Suite struct PlotRenderingTests {
  @Test func render_placesPointsAtMappedPixels() {
    // x and y domains are both [1, 3] (step 0.5). Plot area: left 78, right 720 − 190 = 530
    // (legend), top 40, bottom 400 − 62 = 338. So (2, 2) → (304, 189).
    let plot = Plot(
      title: "t", xLabel: "x (units)", yLabel: "y (units)",
      series: [PlotSeries(name: "s", points: [.init(x: 1, y: 1), .init(x: 2, y: 2), .init(x: 3, y: 3)])])
    let r = plot.render()
    #expect(r.drawnPointCount == 3)
    #expect(r.skippedPointCount == 0)
    #expect(r.svg.contains("cx=\"304\" cy=\"189\""))
    #expect(r.svg.contains("cx=\"78\" cy=\"338\""))
    #expect(r.svg.contains("cx=\"530\" cy=\"40\""))
    #expect(r.svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    #expect(r.svg.contains(">x (units)</text>"))
    #expect(r.svg.contains(">y (units)</text>"))
    // 3 data markers + 1 legend marker.
    #expect(count("<circle", in: r.svg) == 4)
    // 5 x ticks and 5 y ticks: 1, 1.5, 2, 2.5, 3.
    #expect(r.svg.contains(">1.5</text>"))
    #expect(!r.svg.contains("skipped-note"))
  }

  @Test func render_skipsAndCountsNonFiniteAndNonPositiveOnLog() {
    let pts: [PlotPoint] = [
      .init(x: 1, y: 0.5), .init(x: .nan, y: 1), .init(x: 2, y: .infinity), .init(x: 4, y: -1),
      .init(x: 8, y: 0.25), .init(x: 16, y: 0),
    ]
    let plot = Plot(
      title: "log", xLabel: "x", yLabel: "y", xScale: .log2, yScale: .log10,
      series: [PlotSeries(name: "", points: pts, style: .lineAndMarkers)])
    let r = plot.render()
    #expect(r.drawnPointCount == 2)
    #expect(r.skippedPointCount == 4)
    #expect(r.svg.contains("4 points not shown (non-finite or ≤ 0 on a log axis)"))
    #expect(count("<circle", in: r.svg) == 2)  // no legend: the series is unnamed
    // The line breaks at skipped points: (1, 0.5) and (8, 0.25) are not adjacent, so no
    // segment has two points.
    #expect(count("<polyline", in: r.svg) == 0)
  }

  @Test func render_lineBreaksIntoSegments() {
    let pts: [PlotPoint] = [
      .init(x: 0, y: 0), .init(x: 1, y: 1), .init(x: 2, y: .nan), .init(x: 3, y: 1), .init(x: 4, y: 0),
    ]
    let r = Plot(title: "t", xLabel: "x", yLabel: "y", series: [PlotSeries(name: "a", points: pts, style: .line)]).render()
    #expect(count("<polyline", in: r.svg) == 2)
    #expect(r.skippedPointCount == 1)
    #expect(r.svg.contains("1 point not shown (non-finite)"))
  }

  @Test func render_noData_saysSo() {
    let r = Plot(title: "empty", xLabel: "x", yLabel: "y", series: [PlotSeries(name: "a", points: [.init(x: .nan, y: 1)])]).render()
    #expect(r.svg.contains("no plottable data"))
    #expect(r.drawnPointCount == 0)
  }

  @Test func render_escapesAllText() {
    let evil = "<script>alert('x')</script> & \"q\""
    let plot = Plot(
      title: evil, xLabel: evil, yLabel: evil,
      series: [PlotSeries(name: evil, points: [PlotPoint(x: 1, y: 2, label: evil)])])
    let svg = plot.render().svg
    #expect(!svg.contains("<script"))
    #expect(!svg.contains("alert('x')"))
    #expect(svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"))
  }

  @Test func legend_listsNamedSeriesWithDashes() {
    let plot = Plot(
      title: "t", xLabel: "x", yLabel: "y",
      series: [
        PlotSeries(name: "test", points: [.init(x: 1, y: 1), .init(x: 2, y: 2)], style: .line),
        PlotSeries(name: "train", points: [.init(x: 1, y: 0), .init(x: 2, y: 1)], style: .line, isDashed: true),
      ])
    let svg = plot.render().svg
    #expect(svg.contains("<g class=\"legend\""))
    #expect(svg.contains(">test</text>") && svg.contains(">train</text>"))
    // One dashed polyline and one dashed legend line.
    #expect(count("stroke-dasharray=\"6 4\"", in: svg) == 2)
  }
}

@Suite struct LegendStyleTests {
  @Test func legendLines_wrapAtCommasAndSpacesInsteadOfCutting() {
    // 24 characters per line, at most 3 lines.
    #expect(Plot.legendLines("width=64") == ["width=64"])
    #expect(
      Plot.legendLines("depth=2, width=256, learning_rate=0.05")
        == ["depth=2, width=256,", "learning_rate=0.05"])
    #expect(Plot.legendLines(String(repeating: "x", count: 30)) == [String(repeating: "x", count: 24), "xxxxxx"])
    let long = Plot.legendLines("a=1, b=2, c=3, d=4, e=5, f=6, g=7, h=8, i=9, j=10, k=11, l=12, m=13, n=14")
    #expect(long.count == 3)
    #expect(long[2].hasSuffix("…"))
    #expect(long.allSatisfy { $0.count <= 24 })
  }

  @Test func manySeries_getDistinctColorDashAndMarkerCombinations() {
    let series = (0..<12).map { i in
      PlotSeries(name: "run \(i)", points: [.init(x: 0, y: Double(i)), .init(x: 1, y: Double(i))], style: .lineAndMarkers)
    }
    let plot = Plot(title: "t", xLabel: "x", yLabel: "y", series: series)
    var seen = Set<String>()
    for i in 0..<12 {
      let style = plot.style(of: i)
      seen.insert("\(Plot.palette[i % Plot.palette.count]) \(style.dash ?? "solid") \(style.shape)")
    }
    #expect(seen.count == 12)
    let svg = plot.render().svg
    // 12 series × 2 points + 12 legend markers, in 4 shapes: 3 series each → 9 markers each.
    #expect(count("<circle", in: svg) == 9)
    #expect(count("<rect x=", in: svg) - 2 == 9)  // minus the background and the plot frame
    #expect(count("<polygon", in: svg) == 18)  // triangles and diamonds
    #expect(count("stroke-dasharray=\"7 3\"", in: svg) == 8)  // series 1, 4, 7, 10: line + legend
    #expect(svg.contains(">run 11</text>"))
    // Explicitly colored pairs (true vs random labels) keep solid lines and circles.
    let pair = Plot(
      title: "p", xLabel: "x", yLabel: "y",
      series: [
        PlotSeries(name: "a", points: [.init(x: 0, y: 0)], style: .lineAndMarkers, color: "#000"),
        PlotSeries(name: "b", points: [.init(x: 0, y: 1)], style: .lineAndMarkers, color: "#111"),
        PlotSeries(name: "c", points: [.init(x: 0, y: 2)], style: .lineAndMarkers, color: "#222"),
      ])
    #expect(pair.style(of: 2).dash == nil && pair.style(of: 2).shape == .circle)
  }
}

@Suite struct EscapingTests {
  @Test func markup() {
    #expect(escapeMarkup("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;")
    #expect(escapeMarkup("ψ_width τ") == "ψ_width τ")
  }

  @Test func markdown() {
    #expect(escapeMarkdown("a|b*c_d\nе") == "a\\|b\\*c\\_d е")
  }
}

@Suite struct IntegerTickTests {
  @Test func integerStep_neverBelowOne() {
    // Epochs 0…2 would get step 0.5; epochs are whole numbers.
    #expect(AxisTicks.make(minimum: 0, maximum: 2, scale: .linear).values == [0, 0.5, 1, 1.5, 2])
    #expect(AxisTicks.make(minimum: 0, maximum: 2, scale: .linear, integerStep: true).values == [0, 1, 2])
    #expect(AxisTicks.make(minimum: 0, maximum: 40, scale: .linear, integerStep: true).values == [0, 10, 20, 30, 40])
  }
}
