import Deployer
import Foundation
import HilAPI

/// A report as one self-contained HTML page: inline CSS and inline SVG, no script, no font, no
/// image fetched from anywhere, so it can be attached to a CI job or mailed and still open.
struct HTMLReport {
    let report: EvaluationReport
    let job: JobRecord?

    private func h(_ s: String) -> String { ReportEscaping.xml(s) }

    func render() -> String {
        let r = report
        let title = "hil: \(r.model.name) on \(r.board.name)"
        var out: [String] = []
        out.append("<!DOCTYPE html>")
        out.append("<html lang=\"en\"><head><meta charset=\"utf-8\">")
        out.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        out.append("<title>\(h(title))</title>")
        out.append("<style>\(Self.style)</style></head><body>")
        out.append("<h1>\(h(title))</h1>")
        if let job {
            let passed = job.state == .passed
            out.append("<p class=\"verdict \(passed ? "pass" : "fail")\">\(h(ThresholdWording.verdict(job)))</p>")
        }
        out.append("<p class=\"context\">Model \(h(r.model.name)) (sha256 \(h(String(r.model.sha256.prefix(16))))…), "
                   + "\(h(ReportFigures.count(Double(r.model.parameters)))) parameters, \(h(ReportFigures.count(Double(r.model.macs)))) MACs, "
                   + "\(r.model.labels.count) classes · board \(h(r.board.name)) (\(h(r.board.kindLabel))), \(r.board.coreClockHz / 1_000_000) MHz, "
                   + "harness \(h(r.board.harnessBuild)) · dataset \(h(r.dataset)), \(r.accuracy.total) samples"
                   + (r.input.map { " · input \(h($0.summary))" } ?? "") + "</p>")
        out.append(headline())
        out.append(footprint())
        out.append(layers())
        out.append(checks())
        out.append("<h2>Confusion matrix</h2>")
        out.append("<figure>" + SVGConfusionMatrix(labels: r.model.labels, matrix: r.confusion).render() + "</figure>")
        out.append("<h2>Latency</h2>")
        let latencies = ReportFigures.sampleLatencies(r)
        let inMicroseconds = latencies.unit == "µs"
        out.append("<figure>" + SVGHistogram(values: latencies.values, unit: latencies.unit,
                                             p50: inMicroseconds ? r.latency?.microseconds.median : r.latency?.cycles.median,
                                             p99: inMicroseconds ? r.latency?.microseconds.p99 : r.latency?.cycles.p99,
                                             timer: ReportFigures.timerDescription(r)).render() + "</figure>")
        out.append(perClass())
        out.append(disagreements())
        out.append("<footer>hil evaluation report, schema version \(r.schemaVersion)</footer>")
        out.append("</body></html>")
        return out.joined(separator: "\n") + "\n"
    }

    private func row(_ cells: [String], header: Bool = false) -> String {
        let tag = header ? "th" : "td"
        return "<tr>" + cells.map { "<\(tag)>\($0)</\(tag)>" }.joined() + "</tr>"
    }

    private func headline() -> String {
        let r = report, a = r.accuracy, g = r.agreement, t = r.throughput
        var rows = [row(["top-1", h("\(ReportFigures.percent(a.top1)) (\(a.correct)/\(a.total))")]),
                    row(["top-5", h(a.top5.map { ReportFigures.percent($0) } ?? "—")]),
                    row(["device = host reference", h("\(ReportFigures.percent(g.rate)) (\(g.agree)/\(g.total))")])]
        if let l = r.latency {
            let q = h(ReportFigures.timerQualifier(kind: l.timerKind))
            let kindClass = l.timerKind == "measured" ? "measured" : "not-measured"
            for (name, us, cyc) in [("p50", l.microseconds.median, l.cycles.median), ("p90", l.microseconds.p90, l.cycles.p90),
                                    ("p99", l.microseconds.p99, l.cycles.p99)] {
                rows.append(row(["latency \(name)", "\(ReportFigures.milliseconds(us)) ms · \(ReportFigures.cycles(cyc)) cycles <span class=\"\(kindClass)\">\(q)</span>"]))
            }
            rows.append(row(["timer", "\(h(l.timer)) <span class=\"\(kindClass)\">\(q)</span>"]))
        } else {
            rows.append(row(["latency", "— (no sample was timed)"]))
        }
        rows.append(row(["throughput", h(String(format: "%.2f samples/s over %.2f s, %.1f %% of the line rate",
                                                t.samplesPerSecond, t.seconds, t.lineUtilisation * 100))]))
        return "<h2>Headline</h2><table class=\"figures\">" + rows.joined() + "</table>"
    }

    private func footprint() -> String {
        let f = report.footprint
        func bar(_ what: String, _ used: Int, _ within: String, _ whole: Int) -> String {
            let share = whole > 0 ? min(100, Double(used) / Double(whole) * 100) : 0
            return row([h(what), h(ReportFigures.bytes(used)), h("\(within) \(ReportFigures.bytes(whole))"),
                        "<span class=\"meter\"><span style=\"width: \(String(format: "%.1f", share))%\"></span></span> \(h(ReportFigures.share(used, of: whole)))"])
        }
        return "<h2>Footprint</h2><table>" + row(["", "size", "of", "share"], header: true)
            + bar("model (flash)", f.modelBytes, "board flash", f.boardFlashBytes)
            + bar("model", f.modelBytes, "model region", f.modelRegionBytes)
            + bar("arena (RAM)", f.arenaBytes, "board RAM", f.boardRAMBytes)
            + bar("arena", f.arenaBytes, "harness arena", f.harnessArenaBytes) + "</table>"
    }

    /// The per-layer profile as a table with a bar per layer (its share of the time); the
    /// most expensive layers' bars are drawn in a warmer colour.
    private func layers() -> String {
        guard let p = report.profile else { return "" }
        let q = h(ReportFigures.timerQualifier(kind: p.timerKind))
        var out = "<h2>Layers</h2><p>Median of \(p.profiledInputs) profiled input(s) (\(p.requestedInputs) asked), \(h(p.timer)) <span class=\"\(p.timerKind == "measured" ? "measured" : "not-measured")\">\(q)</span>.</p>"
        if let note = p.note { out += "<p>\(h(note))</p>" }
        if !p.layers.isEmpty {
            let widest = max(p.layers.map(\.share).max() ?? 1, 1e-9)
            out += "<table class=\"layers\">" + row(["#", "operator", "output", "parameters", "MACs", "cycles", "µs", "cycles/MAC", "share"], header: true)
            for l in p.layers {
                let width = String(format: "%.1f", l.share / widest * 100)
                let bar = "<span class=\"bar\(l.hot ? " hot" : "")\"><span style=\"width: \(width)%\"></span></span> \(h(ReportFigures.percent(l.share, digits: 1)))"
                out += "<tr\(l.hot ? " class=\"hot\"" : "")>" + ["\(l.index)", h(l.op), l.outputShape.map(String.init).joined(separator: "×"),
                                                          "\(l.parameters)", "\(l.macs)", "\(l.cycles)", String(format: "%.1f", l.microseconds),
                                                          l.cyclesPerMac.map { String(format: "%.2f", $0) } ?? "—", bar].map { "<td>\($0)</td>" }.joined() + "</tr>"
            }
            out += row(["", "total", "", "", "", "\(p.layerCyclesTotal)", "", "", "100 %"]) + "</table>"
            out += "<p class=\"context\">Highlighted: the most expensive layers (together at least half the time). The whole inference took \(p.inferenceCycles) cycles.</p>"
        }
        if let m = p.memory { out += "<p>\(h(ReportRenderer.memoryLine(m))).</p>" }
        return out
    }

    private func checks() -> String {
        guard let job, !job.checks.isEmpty else { return "" }
        let rows = job.checks.map { c in
            "<tr class=\"\(c.passed ? "pass" : "fail")\"><td>\(c.passed ? "pass" : "FAIL")</td><td>\(h(ThresholdWording.describe(c, report: report)))</td></tr>"
        }
        return "<h2>Threshold checks</h2><table class=\"checks\">" + rows.joined() + "</table>"
    }

    private func perClass() -> String {
        guard !report.classes.isEmpty else { return "" }
        let rows = report.classes.map { c in
            row([h(c.label), "\(c.support)", "\(c.predicted)", h(ReportFigures.percent(c.precision, digits: 1)), h(ReportFigures.percent(c.recall, digits: 1))])
        }
        return "<h2>Per class</h2><table class=\"classes\">" + row(["class", "support", "predicted", "precision", "recall"], header: true)
            + rows.joined() + "</table>"
    }

    private func disagreements() -> String {
        let m = report.agreement.mismatches
        guard !m.isEmpty else { return "" }
        var rows = m.prefix(50).map { row(["\($0.index)", h($0.source), h($0.device), h($0.host)]) }
        if m.count > 50 { rows.append(row(["…", h("\(m.count - 50) more in the JSON report"), "", ""])) }
        return "<h2>Device/host disagreements</h2><table>" + row(["sample", "source", "device", "host"], header: true)
            + rows.joined() + "</table>"
    }

    private static let style = """
    body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#1a1a1a}
    h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
    table{border-collapse:collapse;margin:.5em 0}td,th{padding:.25em .7em;border-bottom:1px solid #eee;text-align:left}
    .classes td:nth-child(n+2){text-align:right}
    .verdict{font-weight:bold;padding:.4em .8em;border-radius:4px;display:inline-block}
    .pass{color:#1d6b33}.fail{color:#a11d1d}.verdict.pass{background:#e3f4e8}.verdict.fail{background:#fbe4e4}
    .not-measured{color:#a15c00;font-weight:bold}.measured{color:#1d6b33}
    .meter{display:inline-block;width:8em;height:.7em;background:#eee;vertical-align:middle}
    .meter span{display:block;height:100%;background:#4a7fb5}
    .layers td:nth-child(n+4){text-align:right}.layers tr.hot td:nth-child(2){font-weight:bold}
    .bar{display:inline-block;width:10em;height:.7em;background:#eee;vertical-align:middle}
    .bar span{display:block;height:100%;background:#4a7fb5}.bar.hot span{background:#d9822b}
    .context{color:#555}figure{margin:0;overflow-x:auto}footer{margin-top:2em;color:#888;font-size:.85em}
    """
}
