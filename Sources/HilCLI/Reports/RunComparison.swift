import Deployer
import Foundation

/// One side of a comparison: a report and what to call it in the column header.
struct ComparedRun {
    var label: String
    var report: EvaluationReport
    init(label: String, report: EvaluationReport) {
        self.label = label
        self.report = report
    }
}

enum ComparisonFormat: String, CaseIterable, Sendable {
    case text, json, markdown
}

/// Two runs side by side (a network against its pruned or re-quantised version, one board
/// against another): size, accuracy, latency and throughput, B over A, with a warning whenever
/// the figures were not taken the same way and so do not compare.
struct RunComparison {
    let a: ComparedRun
    let b: ComparedRun
    let rows: [ComparisonRow]
    let warnings: [String]
    /// Layer by layer where the two profiles' layer lists match.
    let layers: LayerComparison

    init(_ a: ComparedRun, _ b: ComparedRun) {
        self.a = a
        self.b = b
        rows = ComparisonRow.rows(a.report, b.report)
        layers = LayerComparison(a: a, b: b)
        warnings = Self.warnings(a, b)
    }

    func render(_ format: ComparisonFormat) throws -> String {
        switch format {
        case .text: return text()
        case .markdown: return markdown()
        case .json: return try json()
        }
    }

    static func timerKind(_ r: EvaluationReport) -> String { r.latency?.timerKind ?? r.board.timerKind }

    /// Why the two columns may not mean the same thing.
    static func warnings(_ a: ComparedRun, _ b: ComparedRun) -> [String] {
        let ra = a.report, rb = b.report
        var w: [String] = []
        let ka = timerKind(ra), kb = timerKind(rb)
        if ka != kb {
            w.append("\(a.label)'s latencies are \(ka) (\(ra.latency?.timer ?? ra.board.timer)) and \(b.label)'s are \(kb) (\(rb.latency?.timer ?? rb.board.timer)): the latencies are not comparable.")
        } else if ra.latency != nil, rb.latency != nil, ra.board.coreClockHz != rb.board.coreClockHz {
            w.append("\(a.label) ran at \(ra.board.coreClockHz / 1_000_000) MHz and \(b.label) at \(rb.board.coreClockHz / 1_000_000) MHz: latencies in ms include the clock difference.")
        }
        for run in [a, b] {
            let f = run.report.footprint, board = run.report.board.name
            var over: [String] = []
            if !f.modelFits {
                over.append("its model (\(ReportFigures.bytes(f.modelBytes))) exceeds the \(ReportFigures.bytes(f.modelRegionBytes)) model region (\(ReportFigures.bytes(f.boardFlashBytes)) flash)")
            }
            if !f.arenaFits {
                over.append("its arena (\(ReportFigures.bytes(f.arenaBytes))) exceeds the harness's \(ReportFigures.bytes(f.harnessArenaBytes)) (\(ReportFigures.bytes(f.boardRAMBytes)) RAM)")
            }
            if !over.isEmpty {
                let how = run.report.board.kind == "host" ? "its figures are host-side (this machine's C runtime, latency estimated)" : "it cannot run on a real \(board)"
                w.append("\(run.label) does not fit \(board): \(over.joined(separator: " and ")); \(how).")
            }
        }
        if ra.dataset != rb.dataset {
            w.append("\(a.label) ran on dataset \(ra.dataset) and \(b.label) on \(rb.dataset): accuracies and latencies are not comparable.")
        } else if ra.accuracy.total != rb.accuracy.total {
            w.append("\(a.label) evaluated \(ra.accuracy.total) samples and \(b.label) \(rb.accuracy.total) of the same dataset: the accuracies are over different samples.")
        }
        return w
    }

    private func runLine(_ run: ComparedRun) -> String {
        let r = run.report
        return "\(run.label): \(r.model.name) on \(r.board.name) (\(r.board.kind)), timer \(ReportFigures.timerDescription(r)), dataset \(r.dataset), \(r.accuracy.total) samples"
    }

    private func cells(_ row: ComparisonRow) -> [String] {
        [row.metric, row.display(row.a, timerKind: Self.timerKind(a.report)), row.display(row.b, timerKind: Self.timerKind(b.report)),
         ComparisonRow.displayRatio(row.ratio), ComparisonRow.displayDifference(row.difference)]
    }

    private var header: [String] { ["metric", a.label, b.label, "\(b.label)/\(a.label)", "difference"] }

    private func text() -> String {
        let table = [header] + rows.map(cells)
        let widths = (0..<header.count).map { c in table.map { $0[c].count }.max() ?? 0 }
        var out = ["A = " + runLine(a), "B = " + runLine(b), ""]
        for (i, line) in table.enumerated() {
            // The metric reads left to right; the figures line up on their right edge.
            let padded = line.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c == 0 ? cell + pad : pad + cell
            }
            out.append(padded.joined(separator: "  ").trimmingTrailingSpaces())
            if i == 0 { out.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        if a.report.profile != nil || b.report.profile != nil {
            out.append("")
            out += layers.text(aLabel: a.label, bLabel: b.label)
        }
        if !warnings.isEmpty { out.append("") }
        out += warnings.map { "warning: " + $0 }
        return out.joined(separator: "\n") + "\n"
    }

    private func markdown() -> String {
        let e = ReportEscaping.markdown
        var out = ["## \(e(a.label)) vs \(e(b.label))", "",
                   "- **A** \(e(runLine(a)))", "- **B** \(e(runLine(b)))", ""]
        for w in warnings { out.append("> **Warning:** \(e(w))") }
        if !warnings.isEmpty { out.append("") }
        out.append("| " + header.map(e).joined(separator: " | ") + " |")
        out.append("|---|---:|---:|---:|---:|")
        for row in rows { out.append("| " + cells(row).map(e).joined(separator: " | ") + " |") }
        if a.report.profile != nil || b.report.profile != nil { out += [""] + layers.markdown(aLabel: a.label, bLabel: b.label) }
        return out.joined(separator: "\n") + "\n"
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
