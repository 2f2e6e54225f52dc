import Deployer
import Foundation
import HilAPI

/// A report as Markdown (GitHub/GitLab flavour): for a merge request comment, a CI job summary
/// or a wiki page. Headline figures first, then where the model sits on the board, per class,
/// and the daemon's checks.
struct MarkdownReport {
    let report: EvaluationReport
    let job: JobRecord?

    private func e(_ s: String) -> String { ReportEscaping.markdown(s) }

    func render() -> String {
        var out: [String] = []
        out.append("# hil: \(e(report.model.name)) on \(e(report.board.name))")
        out.append("")
        if let job {
            out.append("**\(e(ThresholdWording.verdict(job)))**")
            out.append("")
        }
        out.append(context())
        out.append("")
        out += headline()
        out.append("")
        out += footprint()
        out += layers()
        out += perClass()
        out += checks()
        out += disagreements()
        return out.joined(separator: "\n") + "\n"
    }

    private func context() -> String {
        let m = report.model, b = report.board
        let shape = m.inputShape.map(String.init).joined(separator: "×")
        return "Model \(e(m.name)) (sha256 \(m.sha256.prefix(16))…): \(ReportFigures.count(Double(m.parameters))) parameters, "
            + "\(ReportFigures.count(Double(m.macs))) MACs, input \(shape) int8, \(m.labels.count) classes. "
            + "Board \(e(b.name)) (\(e(b.kindLabel))), harness \(e(b.harnessBuild)), \(b.coreClockHz / 1_000_000) MHz"
            + (b.kind == "host" ? ". " : ", \(b.baud) baud. ")
            + "Dataset \(e(report.dataset)), \(report.accuracy.total) samples."
            + (report.input.map { " Input: \(e($0.summary))." } ?? "")
    }

    private func headline() -> [String] {
        let a = report.accuracy, g = report.agreement, t = report.throughput
        var rows = ["| figure | value |", "|---|---|"]
        rows.append("| top-1 | \(ReportFigures.percent(a.top1)) (\(a.correct)/\(a.total)) |")
        rows.append("| top-5 | \(a.top5.map { ReportFigures.percent($0) } ?? "— (needs ≥ 5 classes with scores)") |")
        rows.append("| device = host reference | \(ReportFigures.percent(g.rate)) (\(g.agree)/\(g.total)) |")
        if let l = report.latency {
            // The kind goes on every latency row, not once in a footnote: a row copied on its own
            // must still say whether it was measured.
            let q = ReportFigures.timerQualifier(kind: l.timerKind)
            for (name, us, cyc) in [("p50", l.microseconds.median, l.cycles.median),
                                    ("p90", l.microseconds.p90, l.cycles.p90),
                                    ("p99", l.microseconds.p99, l.cycles.p99)] {
                rows.append("| latency \(name) | \(ReportFigures.milliseconds(us)) ms, \(ReportFigures.cycles(cyc)) cycles \(q) |")
            }
            rows.append("| timer | \(e(l.timer)) \(q) |")
        } else {
            rows.append("| latency | — (no sample was timed) |")
        }
        rows.append(String(format: "| throughput | %.2f samples/s over %.2f s, %.1f %% of the line rate |",
                           t.samplesPerSecond, t.seconds, t.lineUtilisation * 100))
        let k = report.link
        if k.resends + k.crcErrors + k.reboots + k.droppedResults > 0 {
            rows.append("| link | \(k.resends) resends, \(k.crcErrors) CRC errors, \(k.reboots) reboots, \(k.droppedResults) results dropped |")
        }
        return rows
    }

    private func footprint() -> [String] {
        let f = report.footprint
        func row(_ what: String, _ used: Int, _ within: String, _ whole: Int) -> String {
            "| \(what) | \(ReportFigures.bytes(used)) | \(within) \(ReportFigures.bytes(whole)) | \(ReportFigures.share(used, of: whole)) |"
        }
        return ["## Footprint", "",
                "| | size | of | share |", "|---|---:|---|---:|",
                row("model (flash)", f.modelBytes, "board flash", f.boardFlashBytes),
                row("model", f.modelBytes, "model region", f.modelRegionBytes),
                row("arena (RAM)", f.arenaBytes, "board RAM", f.boardRAMBytes),
                row("arena", f.arenaBytes, "harness arena", f.harnessArenaBytes), ""]
    }

    /// The per-layer profile: the table, the hottest layers in bold, and what the device measured of memory.
    private func layers() -> [String] {
        guard let p = report.profile else { return [] }
        let q = ReportFigures.timerQualifier(kind: p.timerKind)
        var rows = ["## Layers", "",
                    "Median of \(p.profiledInputs) profiled input(s) (\(p.requestedInputs) asked), \(e(p.timer)) \(q)."]
        if let note = p.note { rows.append("") ; rows.append(e(note)) }
        if !p.layers.isEmpty {
            rows += ["", "| # | operator | output | parameters | MACs | cycles | µs | cycles/MAC | share |",
                     "|---:|---|---|---:|---:|---:|---:|---:|---:|"]
            for l in p.layers {
                let b = l.hot ? "**" : ""
                rows.append("| \(l.index) | \(b)\(e(l.op))\(b) | \(l.outputShape.map(String.init).joined(separator: "×")) | \(l.parameters) | \(l.macs) | "
                            + "\(b)\(l.cycles)\(b) | \(String(format: "%.1f", l.microseconds)) | \(l.cyclesPerMac.map { String(format: "%.2f", $0) } ?? "—") | "
                            + "\(b)\(ReportFigures.percent(l.share, digits: 1))\(b) |")
            }
            rows.append("| | **total** | | | | \(p.layerCyclesTotal) | | | 100 % |")
            rows += ["", "Bold: the most expensive layers (together at least half the time). The whole inference took \(p.inferenceCycles) cycles."]
        }
        if let m = p.memory { rows += ["", e(ReportRenderer.memoryLine(m)) + "."] }
        return rows + [""]
    }

    private func perClass() -> [String] {
        guard !report.classes.isEmpty else { return [] }
        var rows = ["## Per class", "", "| class | support | predicted | precision | recall |", "|---|---:|---:|---:|---:|"]
        for c in report.classes {
            rows.append("| \(e(c.label)) | \(c.support) | \(c.predicted) | \(ReportFigures.percent(c.precision, digits: 1)) | \(ReportFigures.percent(c.recall, digits: 1)) |")
        }
        return rows + [""]
    }

    private func checks() -> [String] {
        guard let job, !job.checks.isEmpty else { return [] }
        var rows = ["## Threshold checks", "", "| result | check |", "|---|---|"]
        for c in job.checks {
            rows.append("| \(c.passed ? "✅ pass" : "❌ FAIL") | \(e(ThresholdWording.describe(c, report: report))) |")
        }
        return rows + [""]
    }

    private func disagreements() -> [String] {
        let m = report.agreement.mismatches
        guard !m.isEmpty else { return [] }
        var rows = ["## Device/host disagreements", "", "| sample | source | device | host |", "|---:|---|---|---|"]
        for x in m.prefix(20) {
            rows.append("| \(x.index) | \(e(x.source)) | \(e(x.device)) | \(e(x.host)) |")
        }
        if m.count > 20 { rows += ["", "… and \(m.count - 20) more (see the JSON report)."] }
        return rows + [""]
    }
}
