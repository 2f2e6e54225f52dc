import Deployer
import Foundation

/// One line of a two-run comparison: a figure for each run, their ratio and, for accuracies,
/// their difference in percentage points. A figure one run lacks (a host-only run has no
/// latency) is nil, and so is every ratio that would divide by it or by zero.
struct ComparisonRow: Equatable {
    enum Kind: Equatable { case count, bytes, accuracy, latency, rate }

    let metric: String
    let unit: String
    let kind: Kind
    let a: Double?
    let b: Double?

    var ratio: Double? {
        guard let a, let b, a != 0 else { return nil }
        let r = b / a
        return r.isFinite ? r : nil
    }

    /// B − A in the row's unit; only for accuracies, where "3 points better" is what one asks.
    var difference: Double? {
        guard kind == .accuracy, let a, let b else { return nil }
        return b - a
    }

    /// The rows the seed's comparison of a network against its pruned version has, in its order.
    static func rows(_ a: EvaluationReport, _ b: EvaluationReport) -> [ComparisonRow] {
        func row(_ metric: String, _ unit: String, _ kind: Kind, _ value: (EvaluationReport) -> Double?) -> ComparisonRow {
            func finite(_ r: EvaluationReport) -> Double? { value(r).flatMap { $0.isFinite ? $0 : nil } }
            return ComparisonRow(metric: metric, unit: unit, kind: kind, a: finite(a), b: finite(b))
        }
        // A run of no samples has no accuracy to compare, not an accuracy of 0 %.
        func top1(_ r: EvaluationReport) -> Double? { r.accuracy.total > 0 ? r.accuracy.top1 * 100 : nil }
        return [
            row("parameters", "count", .count) { Double($0.model.parameters) },
            row("MACs", "count", .count) { Double($0.model.macs) },
            row("model flash", "bytes", .bytes) { Double($0.footprint.modelBytes) },
            row("arena RAM", "bytes", .bytes) { Double($0.footprint.arenaBytes) },
            row("top-1 accuracy", "%", .accuracy, top1),
            row("top-5 accuracy", "%", .accuracy) { $0.accuracy.top5.map { $0 * 100 } },
            row("latency p50", "ms", .latency) { $0.latency.map { $0.microseconds.median / 1000 } },
            row("latency p99", "ms", .latency) { $0.latency.map { $0.microseconds.p99 / 1000 } },
            // A host-only run streams nothing: its rate would be the estimate's, not a line's.
            row("throughput", "samples/s", .rate) { $0.accuracy.total > 0 && $0.board.kind != "host" ? $0.throughput.samplesPerSecond : nil },
        ]
    }

    /// A figure as the text and Markdown tables show it. Latencies carry the timer's kind.
    func display(_ value: Double?, timerKind: String) -> String {
        guard let value else { return "—" }
        switch kind {
        case .count: return ReportFigures.count(value)
        case .bytes: return ReportFigures.bytes(Int(value))
        case .accuracy: return String(format: "%.2f %%", value)
        case .latency: return String(format: "%.3f ms ", value) + ReportFigures.timerQualifier(kind: timerKind)
        case .rate: return String(format: "%.2f/s", value)
        }
    }

    static func displayRatio(_ r: Double?) -> String {
        guard let r else { return "—" }
        // Enough digits to tell 0.027× from 0.03×, no more.
        let format = r >= 100 ? "%.0f×" : r >= 10 ? "%.1f×" : r >= 0.1 ? "%.2f×" : r >= 0.01 ? "%.3f×" : "%.2e×"
        return String(format: format, r)
    }

    static func displayDifference(_ d: Double?) -> String {
        guard let d else { return "" }
        // A real minus sign, and "±0" rather than "-0.00" for no change.
        if abs(d) < 0.005 { return "±0.00 pp" }
        return (d > 0 ? "+" : "−") + String(format: "%.2f pp", abs(d))
    }
}
