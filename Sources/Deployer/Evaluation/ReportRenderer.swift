import Foundation

/// The report as a person reads it in a terminal: headline figures first, then per-class rows,
/// the confusion matrix (when it fits) and every device/host disagreement.
public enum ReportRenderer {
    public static func text(_ r: EvaluationReport, maxConfusionClasses: Int = 30) -> String {
        var out: [String] = []
        func pct(_ x: Double) -> String { String(format: "%.2f %%", x * 100) }
        func kb(_ n: Int) -> String { String(format: "%.1f KB", Double(n) / 1024) }
        let m = r.model
        out.append("model    \(m.name)  sha256 \(m.sha256.prefix(16))…  \(m.inputShape.map(String.init).joined(separator: "×")) int8 → \(m.labels.count) classes")
        out.append("         \(m.parameters) parameters, \(m.macs) MACs, \(kb(m.flashBytes)) flash, \(kb(m.arenaBytes)) arena")
        // A host-only run has no line, so no rate to print.
        let line = r.board.kind == "host" ? "" : ", \(r.board.baud) baud"
        out.append("board    \(r.board.name) (\(r.board.kindLabel)), harness \(r.board.harnessBuild), \(r.board.coreClockHz / 1_000_000) MHz\(line)")
        out.append("dataset  \(r.dataset), \(r.accuracy.total) samples")
        if let input = r.input { out.append("input    \(input.summary)") }
        out.append("")
        var acc = "accuracy top-1 \(pct(r.accuracy.top1)) (\(r.accuracy.correct)/\(r.accuracy.total))"
        if let t5 = r.accuracy.top5 { acc += ", top-5 \(pct(t5))" }
        out.append(acc)
        if let l = r.latency {
            out.append("latency  \(l.timer) — \(l.timerKind.uppercased())")
            out.append(String(format: "         cycles  min %.0f  median %.0f  p90 %.0f  p99 %.0f  max %.0f  mean %.0f",
                              l.cycles.min, l.cycles.median, l.cycles.p90, l.cycles.p99, l.cycles.max, l.cycles.mean))
            out.append(String(format: "         µs      min %.1f  median %.1f  p90 %.1f  p99 %.1f  max %.1f  mean %.1f",
                              l.microseconds.min, l.microseconds.median, l.microseconds.p90, l.microseconds.p99, l.microseconds.max, l.microseconds.mean))
        }
        let t = r.throughput
        if r.board.kind == "host" {
            // No board and no line: the predictions are the host's own, so there is nothing to agree with.
            out.append("stream   none: evaluated on this host by the board's C runtime (no board, no line)")
        } else {
            out.append(String(format: "stream   %.2f samples/s over %.2f s; %.3f wire bytes per input byte; %.1f %% of the line rate",
                              t.samplesPerSecond, t.seconds, t.wireBytesPerInputByte, t.lineUtilisation * 100))
            out.append("agree    device = host reference on \(r.agreement.agree)/\(r.agreement.total) (\(pct(r.agreement.rate)))")
        }
        let f = r.footprint
        out.append("memory   model \(kb(f.modelBytes)) of \(kb(f.modelRegionBytes)) model region (\(kb(f.boardFlashBytes)) flash)\(f.modelFits ? "" : " DOES NOT FIT"); arena \(kb(f.arenaBytes)) of \(kb(f.harnessArenaBytes)) (\(kb(f.boardRAMBytes)) RAM)\(f.arenaFits ? "" : " DOES NOT FIT")")
        if let memory = r.profile?.memory { out.append("         " + memoryLine(memory)) }
        if r.link.resends + r.link.crcErrors + r.link.reboots + r.link.droppedResults > 0 {
            out.append("link     \(r.link.resends) resends, \(r.link.crcErrors) CRC errors, \(r.link.reboots) board reboots, \(r.link.droppedResults) results dropped as unattributable")
        }
        if let p = r.profile {
            out.append("")
            out += layerTable(p)
        }
        out.append("")
        let width = max(5, r.classes.map(\.label.count).max() ?? 5)
        out.append("class".padding(toLength: width, withPad: " ", startingAt: 0) + "  support  predicted  precision  recall")
        for c in r.classes where c.support > 0 || c.predicted > 0 {
            let p = c.precision.map { String(format: "%8.1f %%", $0 * 100) } ?? "       — "
            let rc = c.recall.map { String(format: "%6.1f %%", $0 * 100) } ?? "     — "
            out.append(c.label.padding(toLength: width, withPad: " ", startingAt: 0)
                       + String(format: "  %7d  %9d  ", c.support, c.predicted) + p + "  " + rc)
        }
        if r.confusion.count <= maxConfusionClasses {
            out.append("")
            out.append("confusion (rows: true class, columns: predicted)")
            let short = r.model.labels.map { String($0.prefix(4)) }
            out.append("    " + short.map { $0.rightAligned(5) }.joined())
            for (i, row) in r.confusion.enumerated() {
                out.append(short[i].rightAligned(4) + row.map { String($0).rightAligned(5) }.joined())
            }
        }
        if !r.agreement.mismatches.isEmpty {
            out.append("")
            out.append("device/host disagreements:")
            for x in r.agreement.mismatches.prefix(50) { out.append("  #\(x.index) \(x.source): device \(x.device), host \(x.host)") }
            if r.agreement.mismatches.count > 50 { out.append("  … and \(r.agreement.mismatches.count - 50) more (see --json)") }
        }
        return out.joined(separator: "\n")
    }
}

extension ReportRenderer {
    /// What the device measured of its memory, against the plan and the board.
    public static func memoryLine(_ m: ProfileReport.Memory) -> String {
        func kb(_ n: Int) -> String { String(format: "%.1f KB", Double(n) / 1024) }
        let arena = m.arenaPeakBytes.map { "arena used \(kb($0)) (\($0) bytes) of \(kb(m.arenaPlannedBytes)) planned, \(kb(m.arenaAvailableBytes)) in the harness" }
            ?? "arena \(kb(m.arenaPlannedBytes)) planned (not measured on this host)"
        let stack = m.stackPeakBytes.map { "stack peak \(kb($0)) (\($0) bytes, painted)" } ?? "stack not measured"
        var line = "measured: \(arena); \(stack)"
        if let sections = m.firmwareSections, !sections.isEmpty {
            let flash = sections.filter { $0.memory == .flash }, ram = sections.filter { $0.memory == .ram }
            line += "; harness firmware: flash \(kb(flash.reduce(0) { $0 + $1.bytes })) ("
                + flash.map { "\($0.name) \($0.bytes)" }.joined(separator: ", ") + "), RAM "
                + ram.map { "\($0.name) \(kb($0.bytes))" }.joined(separator: ", ")
        }
        return line
    }

    /// The per-layer table: index, operator, output shape, parameters, MACs, median cycles, µs,
    /// cycles per MAC, share; `*` marks the layers that take the most time.
    public static func layerTable(_ p: ProfileReport) -> [String] {
        var out = ["layers   median of \(p.profiledInputs) profiled input(s) (\(p.requestedInputs) asked), \(p.timer) — \(p.timerKind.uppercased())"]
        if let note = p.note { out.append("         " + note) }
        guard !p.layers.isEmpty else { return out }
        let opWidth = max(8, p.layers.map(\.op.count).max() ?? 8)
        out.append("    #  " + "op".padding(toLength: opWidth, withPad: " ", startingAt: 0)
                   + "      output    params         MACs       cycles          µs  cyc/MAC   share")
        for l in p.layers {
            let shape = l.outputShape.map(String.init).joined(separator: "×")
            let perMAC = l.cyclesPerMac.map { String(format: "%8.2f", $0) } ?? "       —"
            out.append(String(format: "%5d  ", l.index) + l.op.padding(toLength: opWidth, withPad: " ", startingAt: 0)
                       + shape.rightAligned(12) + String(l.parameters).rightAligned(10) + String(l.macs).rightAligned(13)
                       + String(l.cycles).rightAligned(13) + String(format: "%12.1f", l.microseconds) + " " + perMAC
                       + String(format: " %6.1f %%", l.share * 100) + (l.hot ? " *" : ""))
        }
        let totalMicro = p.layers.reduce(0) { $0 + $1.microseconds }
        out.append("       " + "total".padding(toLength: opWidth, withPad: " ", startingAt: 0) + String(repeating: " ", count: 35)
                   + String(p.layerCyclesTotal).rightAligned(13) + String(format: "%12.1f", totalMicro)
                   + "           100.0 %   (whole inference \(p.inferenceCycles) cycles)")
        out.append("         * the most expensive layers: together at least half the time (at most three)")
        return out
    }
}

extension String {
    /// Right-aligned in a column of `width` characters, padded with spaces.
    func rightAligned(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
