import Deployer

/// Two runs' per-layer profiles lined up layer by layer, where that means something: a pruned
/// network keeps its layers' operators and order (only their widths change), so layer i of A is
/// layer i of B. Different networks — another count or another operator somewhere — are compared
/// by their totals only, and `verdict` says where the lists part.
struct LayerComparison: Encodable {
    struct Row: Encodable {
        let index: Int
        let op: String
        let outputA: [Int], outputB: [Int]
        let macsA: UInt64, macsB: UInt64
        let cyclesA: UInt64, cyclesB: UInt64
        /// cycles B / cycles A; nil when A's layer took no cycles.
        let ratio: Double?
    }

    /// Layer by layer, or empty when the lists do not line up.
    let rows: [Row]
    let totalA: UInt64?, totalB: UInt64?
    /// Why there are no rows (or nil when there are).
    let verdict: String?

    init(a: ComparedRun, b: ComparedRun) {
        let pa = a.report.profile, pb = b.report.profile
        totalA = pa.flatMap { $0.layers.isEmpty ? nil : $0.layerCyclesTotal }
        totalB = pb.flatMap { $0.layers.isEmpty ? nil : $0.layerCyclesTotal }
        guard let la = pa?.layers, !la.isEmpty else {
            rows = []
            verdict = "\(a.label) has no per-layer profile: nothing to line up"
            return
        }
        guard let lb = pb?.layers, !lb.isEmpty else {
            rows = []
            verdict = "\(b.label) has no per-layer profile: nothing to line up"
            return
        }
        if let i = (0..<min(la.count, lb.count)).first(where: { la[$0].op != lb[$0].op }) {
            rows = []
            verdict = "the layer lists differ at layer \(i) (\(a.label): \(la[i].op), \(b.label): \(lb[i].op)): different networks, compared by their totals only"
            return
        }
        guard la.count == lb.count else {
            rows = []
            verdict = "\(a.label) has \(la.count) layers and \(b.label) \(lb.count): different networks, compared by their totals only"
            return
        }
        rows = zip(la, lb).map { x, y in
            Row(index: x.index, op: x.op, outputA: x.outputShape, outputB: y.outputShape, macsA: x.macs, macsB: y.macs,
                cyclesA: x.cycles, cyclesB: y.cycles, ratio: x.cycles > 0 ? Double(y.cycles) / Double(x.cycles) : nil)
        }
        verdict = nil
    }

    func text(aLabel: String, bLabel: String) -> [String] {
        var out = ["layers (median cycles of the profiled inputs)"]
        if let verdict { out.append("  " + verdict) }
        if !rows.isEmpty {
            let opWidth = max(8, rows.map(\.op.count).max() ?? 8)
            out.append("    #  " + "op".padding(toLength: opWidth, withPad: " ", startingAt: 0)
                       + "  " + "output \(aLabel)".rightAligned(14) + "  " + "output \(bLabel)".rightAligned(14)
                       + "  " + "cycles \(aLabel)".rightAligned(14) + "  " + "cycles \(bLabel)".rightAligned(14) + "  " + "\(bLabel)/\(aLabel)".rightAligned(8))
            for r in rows {
                out.append(String(format: "%5d  ", r.index) + r.op.padding(toLength: opWidth, withPad: " ", startingAt: 0)
                           + "  " + shape(r.outputA).rightAligned(14) + "  " + shape(r.outputB).rightAligned(14)
                           + "  " + String(r.cyclesA).rightAligned(14) + "  " + String(r.cyclesB).rightAligned(14)
                           + "  " + (r.ratio.map { String(format: "%.3f×", $0) } ?? "—").rightAligned(8))
            }
        }
        if let totalA, let totalB {
            out.append("  total  \(totalA) → \(totalB) cycles" + (totalA > 0 ? String(format: " (%.3f×)", Double(totalB) / Double(totalA)) : ""))
        }
        return out
    }

    func markdown(aLabel: String, bLabel: String) -> [String] {
        let e = ReportEscaping.markdown
        var out = ["### Layers", ""]
        if let verdict { out += [e(verdict) + ".", ""] }
        if !rows.isEmpty {
            out.append("| # | operator | output \(e(aLabel)) | output \(e(bLabel)) | cycles \(e(aLabel)) | cycles \(e(bLabel)) | \(e(bLabel))/\(e(aLabel)) |")
            out.append("|---:|---|---|---|---:|---:|---:|")
            for r in rows {
                out.append("| \(r.index) | \(e(r.op)) | \(shape(r.outputA)) | \(shape(r.outputB)) | \(r.cyclesA) | \(r.cyclesB) | \(r.ratio.map { String(format: "%.3f×", $0) } ?? "—") |")
            }
            out.append("")
        }
        if let totalA, let totalB { out += ["Total: \(totalA) → \(totalB) cycles.", ""] }
        return out
    }

    private func shape(_ s: [Int]) -> String { s.map(String.init).joined(separator: "×") }
}

private extension String {
    func rightAligned(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
