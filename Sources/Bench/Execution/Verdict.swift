import Deployer
import HilAPI

/// The headline figures and the threshold checks of a finished run.
enum Verdict {
    static func summary(_ report: EvaluationReport) -> JobSummary {
        JobSummary(samples: report.accuracy.total, top1: report.accuracy.top1, agreement: report.agreement.rate,
                          p50Ms: report.latency.map { $0.microseconds.median / 1000 },
                          p99Ms: report.latency.map { $0.microseconds.p99 / 1000 },
                          timerKind: report.board.timerKind)
    }

    static func checks(_ summary: JobSummary, _ t: Thresholds) -> [ThresholdCheck] {
        var checks: [ThresholdCheck] = []
        if let limit = t.minTop1 {
            checks.append(ThresholdCheck(name: "min_top1", limit: limit, actual: summary.top1, passed: summary.top1 >= limit))
        }
        if let limit = t.minAgreement {
            checks.append(ThresholdCheck(name: "min_agreement", limit: limit, actual: summary.agreement, passed: summary.agreement >= limit))
        }
        if let limit = t.maxP50Ms {
            checks.append(ThresholdCheck(name: "max_p50_ms", limit: limit, actual: summary.p50Ms, passed: (summary.p50Ms ?? .infinity) <= limit))
        }
        if let limit = t.maxP99Ms {
            checks.append(ThresholdCheck(name: "max_p99_ms", limit: limit, actual: summary.p99Ms, passed: (summary.p99Ms ?? .infinity) <= limit))
        }
        return checks
    }

    static func failureText(_ checks: [ThresholdCheck]) -> String {
        checks.filter { !$0.passed }.map { c in
            let actual = c.actual.map { String(format: "%.4g", $0) } ?? "none"
            let op = c.name.hasPrefix("min") ? "<" : ">"
            return "\(c.name): \(actual) \(op) \(String(format: "%.4g", c.limit))"
        }.joined(separator: "; ")
    }
}
