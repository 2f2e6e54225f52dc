import Foundation
import HilAPI

/// A job record in words: the full view of `hilctl show`, the one-line verdict of `submit --wait`.
enum JobText {
    static func detail(_ job: JobRecord) -> String {
        let spec = job.spec
        var lines = ["job \(job.id)\(spec.name.map { " \"\($0)\"" } ?? "")  \(job.state.rawValue)"]
        func row(_ label: String, _ value: String) { lines.append("  " + label.padding(toLength: 11, withPad: " ", startingAt: 0) + value) }
        row("model", spec.model)
        row("dataset", spec.dataset)
        row("firmware", spec.firmware ?? "the board's own harness build")
        row("labels", spec.labels ?? "-")
        row("boards", spec.selector.description)
        row("options", options(spec.options))
        row("thresholds", thresholds(spec.thresholds))
        row("priority", "\(spec.priority)\(spec.healthCheck ? " (health check)" : "")")
        if let reason = job.reason { row("reason", "\(job.failureKind.map { "[\($0)] " } ?? "")\(reason)") }
        row("attempts", "\(job.attempts)" + (job.failedBoards.isEmpty ? "" : "; failed on \(job.failedBoards.joined(separator: ", "))"))
        row("board", job.board ?? "-")
        if let host = job.host { row("host", host) }
        row("submitted", Show.time(job.submittedAt))
        row("started", Show.time(job.startedAt))
        row("finished", Show.time(job.finishedAt) + (Show.seconds(from: job.startedAt, to: job.finishedAt).map { " (ran \($0))" } ?? ""))
        if let p = job.progress, !job.state.isFinal { row("progress", progress(p)) }
        if let s = job.summary { row("summary", summary(s)) }
        for check in job.checks { row("check", self.check(check)) }
        return lines.joined(separator: "\n")
    }

    /// "job 42 passed on B1: top-1 91.0 % of 500, agreement 100.0 %, p50 1.234 ms, p99 1.500 ms (measured)"
    static func verdict(_ job: JobRecord) -> String {
        var line = "job \(job.id) \(job.state.rawValue)"
        if let board = job.board { line += " on \(board)" }
        if let s = job.summary { line += ": " + summary(s) }
        if let reason = job.reason, job.state != .passed { line += (job.summary == nil ? ": " : "; ") + reason }
        return ([line] + job.checks.map { "  " + check($0) }).joined(separator: "\n")
    }

    static func summary(_ s: JobSummary) -> String {
        "top-1 \(Show.percent(s.top1)) of \(s.samples), agreement \(Show.percent(s.agreement)), p50 \(Show.ms(s.p50Ms)), p99 \(Show.ms(s.p99Ms)) (\(s.timerKind))"
    }

    static func check(_ c: ThresholdCheck) -> String {
        let comparison = c.name.hasPrefix("min") ? ">=" : "<="
        let actual = c.actual.map { String(format: "%.4g", $0) } ?? "not measured"
        return "\(c.passed ? "pass" : "FAIL")  \(c.name) \(comparison) \(String(format: "%.4g", c.limit)): \(actual)"
    }

    static func progress(_ p: JobProgress) -> String {
        var text = p.phase
        if p.total > 0 { text += " \(p.done)/\(p.total)" }
        if let accuracy = p.accuracy { text += "  accuracy \(Show.percent(accuracy))" }
        return text
    }

    static func options(_ o: JobOptions) -> String {
        var parts = ["pixels \(o.pixels ?? "from the model")", "warmup \(o.warmup)", "repeat \(o.repeats)"]
        if let limit = o.limit { parts.insert("limit \(limit)", at: 0) }
        if let baud = o.baud { parts.append("baud \(baud)") }
        return parts.joined(separator: ", ")
    }

    static func thresholds(_ t: Thresholds) -> String {
        var parts: [String] = []
        if let v = t.minTop1 { parts.append("min_top1 \(v)") }
        if let v = t.maxP50Ms { parts.append("max_p50_ms \(v)") }
        if let v = t.maxP99Ms { parts.append("max_p99_ms \(v)") }
        if let v = t.minAgreement { parts.append("min_agreement \(v)") }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    /// One event as a log line: "12:00:01.250  assigned  B1  job 42 runs on B1".
    static func event(_ e: JobEvent) -> String {
        let message = e.kind == "progress" && e.message.isEmpty ? e.progress.map(progress) ?? "" : e.message
        return "\(Show.clock(e.time))  \(e.kind.padding(toLength: 16, withPad: " ", startingAt: 0))  \(e.board ?? "-")  \(message)"
    }

    /// The exit status a CI job gates on: passed 0, failed 1, cancelled 2, errored 3.
    static func exitCode(_ state: JobState) -> Int32 {
        switch state {
        case .passed: return ExitCodes.passed
        case .failed: return ExitCodes.failed
        case .cancelled: return ExitCodes.cancelled
        case .errored, .queued, .running: return ExitCodes.infrastructure
        }
    }
}
