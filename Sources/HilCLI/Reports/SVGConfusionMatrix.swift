import Foundation

/// The confusion matrix as an SVG heat map: one square per (true, predicted) pair, rows the true
/// label, columns the prediction, shaded by count against the largest cell. Inline SVG, so the
/// HTML page needs no script or external asset to show it.
struct SVGConfusionMatrix {
    let labels: [String]
    /// matrix[true][predicted]
    let matrix: [[Int]]

    /// Above this many classes the counts no longer fit inside the squares; the shade and each
    /// square's tooltip still carry them.
    static let maxClassesWithCounts = 30

    private func x(_ s: String) -> String { ReportEscaping.xml(s) }

    func render() -> String {
        let n = labels.count
        guard n > 0, matrix.count == n else {
            return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"320\" height=\"40\" role=\"img\">"
                + "<text x=\"8\" y=\"24\">No confusion matrix: the model has no classes.</text></svg>"
        }
        let cell = n <= 10 ? 44 : n <= Self.maxClassesWithCounts ? 26 : max(6, 780 / n)
        let showLabels = cell >= 10
        // Room for the longest (shortened) label; column labels are turned 45° so need less height.
        let longest = labels.map { Self.short($0).count }.max() ?? 1
        let margin = showLabels ? min(150, 16 + longest * 7) : 24
        let left = margin + 22, top = margin + 22
        let side = n * cell
        let legendTop = top + side + 28
        let width = max(left + side + 16, 360), height = legendTop + 44
        let peak = matrix.flatMap { $0 }.max() ?? 0

        var s: [String] = []
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"confusion\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">")
        s.append("<title>Confusion matrix: rows are the true label, columns the predicted label</title>")
        s.append("<defs><linearGradient id=\"confusion-scale\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\">"
                 + "<stop offset=\"0\" stop-color=\"\(Self.shade(0))\"/><stop offset=\"1\" stop-color=\"\(Self.shade(1))\"/></linearGradient></defs>")
        s.append("<text x=\"\(left + side / 2)\" y=\"12\" text-anchor=\"middle\" font-weight=\"bold\">predicted</text>")
        s.append("<text transform=\"translate(12 \(top + side / 2)) rotate(-90)\" text-anchor=\"middle\" font-weight=\"bold\">true label</text>")
        if showLabels {
            for (i, label) in labels.enumerated() {
                let mid = i * cell + cell / 2
                s.append("<text class=\"col-label\" transform=\"translate(\(left + mid + 4) \(top - 6)) rotate(-45)\">\(x(Self.short(label)))</text>")
                s.append("<text class=\"row-label\" x=\"\(left - 6)\" y=\"\(top + mid + 4)\" text-anchor=\"end\">\(x(Self.short(label)))</text>")
            }
        }
        let counts = n <= Self.maxClassesWithCounts
        for (t, row) in matrix.enumerated() {
            for (p, count) in row.prefix(n).enumerated() {
                let level = peak > 0 ? Double(count) / Double(peak) : 0
                let cx = left + p * cell, cy = top + t * cell
                s.append("<rect class=\"cell\" x=\"\(cx)\" y=\"\(cy)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"\(Self.shade(level))\" stroke=\"#ffffff\" stroke-width=\"0.5\">"
                         + "<title>true \(x(labels[t])), predicted \(x(labels[p])): \(count)</title></rect>")
                if counts && count > 0 {
                    s.append("<text class=\"count\" x=\"\(cx + cell / 2)\" y=\"\(cy + cell / 2 + 4)\" text-anchor=\"middle\" fill=\"\(level > 0.55 ? "#ffffff" : "#1a1a1a")\">\(count)</text>")
                }
            }
        }
        s.append("<rect class=\"legend\" x=\"\(left)\" y=\"\(legendTop)\" width=\"200\" height=\"12\" fill=\"url(#confusion-scale)\" stroke=\"#999999\" stroke-width=\"0.5\"/>")
        s.append("<text x=\"\(left)\" y=\"\(legendTop + 26)\">0</text>")
        s.append("<text x=\"\(left + 200)\" y=\"\(legendTop + 26)\" text-anchor=\"end\">\(peak) samples</text>")
        s.append("</svg>")
        return s.joined(separator: "\n")
    }

    /// Long labels are cut for the axes; the square's tooltip keeps the whole name.
    static func short(_ label: String) -> String {
        label.count <= 14 ? label : String(label.prefix(13)) + "…"
    }

    /// White to dark blue: a sequential scale reads as "more" without a legend, and stays
    /// legible when printed in grey.
    static func shade(_ level: Double) -> String {
        let t = min(1, max(0, level.isFinite ? level : 0))
        let from = (247.0, 251.0, 255.0), to = (8.0, 48.0, 107.0)
        let r = Int((from.0 + (to.0 - from.0) * t).rounded())
        let g = Int((from.1 + (to.1 - from.1) * t).rounded())
        let b = Int((from.2 + (to.2 - from.2) * t).rounded())
        return String(format: "#%02x%02x%02x", r, g, b)
    }
}
