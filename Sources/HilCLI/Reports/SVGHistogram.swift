import Foundation

/// The per-sample latencies as an SVG bar chart, with the median and p99 marked. The title names
/// the timer and its kind, so a chart of estimates cannot be mistaken for measurements.
struct SVGHistogram {
    let values: [Double]
    let unit: String
    /// The report's own median and p99 (nearest rank), in `unit`: drawn, not recomputed.
    let p50: Double?
    let p99: Double?
    let timer: String

    private func x(_ s: String) -> String { ReportEscaping.xml(s) }
    private func n(_ v: Double) -> String { String(format: "%.1f", v) }

    func render() -> String {
        let width = 640.0, height = 280.0
        let left = 56.0, right = 16.0, top = 34.0, bottom = 46.0
        let plotW = width - left - right, plotH = height - top - bottom
        // Thousands of microseconds read better as milliseconds.
        let (scale, shownUnit) = unit == "µs" && (values.max() ?? 0) >= 10_000 ? (0.001, "ms") : (1.0, unit)
        let shown = values.map { $0 * scale }
        var s: [String] = []
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"histogram\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">")
        let title = "Latency per sample (\(shownUnit)) — \(timer)"
        s.append("<title>\(x(title))</title>")
        s.append("<text x=\"\(n(width / 2))\" y=\"16\" text-anchor=\"middle\" font-weight=\"bold\">\(x(title))</text>")
        guard let bins = HistogramBins(shown) else {
            s.append("<text x=\"\(n(width / 2))\" y=\"\(n(height / 2))\" text-anchor=\"middle\">No latency figures: no sample was timed.</text>")
            s.append("</svg>")
            return s.joined(separator: "\n")
        }
        let peak = max(1, bins.counts.max() ?? 1)
        func px(_ v: Double) -> Double { left + (v - bins.lower) / (bins.upper - bins.lower) * plotW }
        func py(_ c: Double) -> Double { top + plotH - c / Double(peak) * plotH }

        // Axes, then ticks: x over the latency range, y over the sample count (whole numbers only).
        s.append("<line x1=\"\(n(left))\" y1=\"\(n(top + plotH))\" x2=\"\(n(left + plotW))\" y2=\"\(n(top + plotH))\" stroke=\"#333333\"/>")
        s.append("<line x1=\"\(n(left))\" y1=\"\(n(top))\" x2=\"\(n(left))\" y2=\"\(n(top + plotH))\" stroke=\"#333333\"/>")
        let xTicks = AxisTicks.ticks(lower: bins.lower, upper: bins.upper, target: 6)
        let xStep = xTicks.count > 1 ? xTicks[1] - xTicks[0] : AxisTicks.niceStep(bins.upper - bins.lower)
        for t in xTicks {
            s.append("<line class=\"x-tick\" x1=\"\(n(px(t)))\" y1=\"\(n(top + plotH))\" x2=\"\(n(px(t)))\" y2=\"\(n(top + plotH + 5))\" stroke=\"#333333\"/>")
            s.append("<text x=\"\(n(px(t)))\" y=\"\(n(top + plotH + 17))\" text-anchor=\"middle\">\(AxisTicks.label(t, step: xStep))</text>")
        }
        let yTicks = AxisTicks.ticks(lower: 0, upper: Double(peak), target: 4).filter { $0 == $0.rounded() }
        for t in yTicks {
            s.append("<line class=\"y-tick\" x1=\"\(n(left - 5))\" y1=\"\(n(py(t)))\" x2=\"\(n(left))\" y2=\"\(n(py(t)))\" stroke=\"#333333\"/>")
            s.append("<text x=\"\(n(left - 8))\" y=\"\(n(py(t) + 4))\" text-anchor=\"end\">\(Int(t))</text>")
        }
        s.append("<text x=\"\(n(left + plotW / 2))\" y=\"\(n(height - 8))\" text-anchor=\"middle\">latency (\(x(shownUnit)))</text>")
        s.append("<text transform=\"translate(14 \(n(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">samples</text>")

        let w = bins.binWidth
        for (i, count) in bins.counts.enumerated() {
            let from = bins.lower + Double(i) * w
            let x0 = px(from), barW = max(0.5, plotW / Double(bins.counts.count) - 1)
            let y0 = py(Double(count))
            s.append("<rect class=\"bar\" x=\"\(n(x0 + 0.5))\" y=\"\(n(y0))\" width=\"\(n(barW))\" height=\"\(n(top + plotH - y0))\" fill=\"#4a7fb5\">"
                     + "<title>\(AxisTicks.label(from, step: w / 10))–\(AxisTicks.label(from + w, step: w / 10)) \(x(shownUnit)): \(count) samples</title></rect>")
        }
        for (name, value, colour) in [("p50", p50, "#d9822b"), ("p99", p99, "#c23030")] {
            guard let value, value.isFinite else { continue }
            let at = px(min(bins.upper, max(bins.lower, value * scale)))
            s.append("<line class=\"\(name)\" x1=\"\(n(at))\" y1=\"\(n(top - 4))\" x2=\"\(n(at))\" y2=\"\(n(top + plotH))\" stroke=\"\(colour)\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>")
            s.append("<text x=\"\(n(at + 3))\" y=\"\(n(top + (name == "p50" ? 6 : 18)))\" fill=\"\(colour)\">\(name) \(AxisTicks.label(value * scale, step: xStep / 10))</text>")
        }
        s.append("</svg>")
        return s.joined(separator: "\n")
    }
}
