import Deployer
import Foundation
import HilAPI

/// The figures every format shows, worded once so a percentage, a latency or a threshold reads
/// the same in the terminal, in Markdown, in a CI system and in a browser.
enum ReportFigures {
    /// What stands beside every latency figure. The kind is always spelled out, measured included:
    /// a figure with no qualifier would be read as a measurement, which an estimate (the mock
    /// board's cost model) or an emulation (SysTick counting QEMU's instructions) is not.
    static func timerQualifier(kind: String) -> String {
        switch kind {
        case "measured": return "(measured)"
        case "emulated": return "(emulated, QEMU SysTick)"
        case "estimated": return "(estimated)"
        case "": return "(timer kind unknown)"
        default: return "(\(kind))"
        }
    }

    /// The timer named with its kind, e.g. "DWT cycle counter (measured)".
    static func timerDescription(_ r: EvaluationReport) -> String {
        let kind = r.latency?.timerKind ?? r.board.timerKind
        return "\(r.latency?.timer ?? r.board.timer) \(timerQualifier(kind: kind))"
    }

    static func percent(_ x: Double?, digits: Int = 2) -> String {
        guard let x, x.isFinite else { return "—" }
        return String(format: "%.\(digits)f %%", x * 100)
    }

    static func milliseconds(_ microseconds: Double) -> String {
        String(format: microseconds < 10_000 ? "%.3f" : "%.1f", microseconds / 1000)
    }

    static func cycles(_ c: Double) -> String { String(format: "%.0f", c) }

    /// Bytes in binary units, as the board definitions and the terminal renderer give them.
    static func bytes(_ n: Int) -> String { ByteUnits.describe(n) }

    /// Parameter and MAC counts: "9.24 M", "250.0 k", "812".
    static func count(_ n: Double) -> String {
        if abs(n) >= 1e9 { return String(format: "%.2f G", n / 1e9) }
        if abs(n) >= 1e6 { return String(format: "%.2f M", n / 1e6) }
        if abs(n) >= 1e3 { return String(format: "%.1f k", n / 1e3) }
        return String(format: "%.0f", n)
    }

    /// `part` as a share of `whole`; "—" when the whole is unknown (0), never a division by zero.
    static func share(_ part: Int, of whole: Int) -> String {
        whole > 0 ? String(format: "%.1f %%", Double(part) / Double(whole) * 100) : "—"
    }

    /// Each sample's latency in the unit the report states it: microseconds at the board's core
    /// clock, or raw cycles when the clock is unknown.
    static func sampleLatencies(_ r: EvaluationReport) -> (values: [Double], unit: String) {
        let cycles = r.samples.map { Double($0.cycles) }
        guard r.board.coreClockHz > 0 else { return (cycles, "cycles") }
        let scale = 1e6 / Double(r.board.coreClockHz)
        return (cycles.map { $0 * scale }, "µs")
    }
}

/// A threshold check in words, as a CI failure message shows it: "top-1 0.62 < 0.90".
enum ThresholdWording {
    static func describe(_ check: ThresholdCheck, report: EvaluationReport?) -> String {
        let (metric, unit, isLatency) = metricName(check.name)
        let minimum = !check.name.hasPrefix("max_")
        let limit = format(check.limit, unit: unit)
        guard let actual = check.actual else {
            return "\(metric): no figure to check (limit \(minimum ? "≥" : "≤") \(limit))"
        }
        var value = format(actual, unit: unit)
        if isLatency, let r = report {
            value += " " + timerQualifier(r)
        }
        let op: String
        if check.passed { op = minimum ? "≥" : "≤" } else { op = minimum ? "<" : ">" }
        return "\(metric) \(value) \(op) \(limit)"
    }

    /// The verdict of a daemon job in one line: "FAILED — job 12 \"nightly\": top-1 below …".
    static func verdict(_ job: JobRecord) -> String {
        var line = job.state.rawValue.uppercased() + " — job \(job.id)"
        if let name = job.spec.name, !name.isEmpty { line += " \"\(name)\"" }
        if let reason = job.reason, !reason.isEmpty { line += ": \(reason)" }
        return line
    }

    private static func timerQualifier(_ r: EvaluationReport) -> String {
        ReportFigures.timerQualifier(kind: r.latency?.timerKind ?? r.board.timerKind)
    }

    private static func metricName(_ name: String) -> (String, String, Bool) {
        switch name {
        case "min_top1": return ("top-1", "", false)
        case "min_top5": return ("top-5", "", false)
        case "min_agreement": return ("agreement", "", false)
        case "max_p50_ms": return ("p50", "ms", true)
        case "max_p90_ms": return ("p90", "ms", true)
        case "max_p99_ms": return ("p99", "ms", true)
        default: return (name, "", name.hasSuffix("_ms"))
        }
    }

    private static func format(_ x: Double, unit: String) -> String {
        unit.isEmpty ? String(format: "%.2f", x) : String(format: "%.2f", x) + " " + unit
    }
}
