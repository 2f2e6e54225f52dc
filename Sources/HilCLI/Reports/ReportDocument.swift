import Deployer
import Foundation
import HilAPI

/// The formats `hilctl report` writes an evaluation report in.
enum ReportFormat: String, CaseIterable, Sendable {
    /// The terminal table, as `hilctl run` prints it.
    case text
    /// The report's own JSON (schema_version 2), unchanged, for tools.
    case json
    /// For a merge request, a wiki page or a CI job summary.
    case markdown
    /// JUnit XML, which CI systems turn into test results.
    case junit
    /// One self-contained page with the confusion matrix and the latency histogram drawn.
    case html
}

/// One report in any format. `job` is the daemon's record of the run when there is one: it adds
/// the verdict and the threshold checks, which a plain `hilctl run` report does not have.
enum ReportDocument {
    static func render(_ report: EvaluationReport, format: ReportFormat, job: JobRecord?) throws -> String {
        switch format {
        case .text: return text(report, job: job)
        case .json: return try report.json()
        case .markdown: return MarkdownReport(report: report, job: job).render()
        case .junit: return JUnitReport(report: report, job: job).render()
        case .html: return HTMLReport(report: report, job: job).render()
        }
    }

    /// The terminal renderer's table, then the daemon's verdict and each check under it.
    private static func text(_ report: EvaluationReport, job: JobRecord?) -> String {
        var out = ReportRenderer.text(report)
        guard let job else { return out }
        out += "\n\nverdict  " + ThresholdWording.verdict(job)
        for check in job.checks {
            out += "\n         " + (check.passed ? "pass  " : "FAIL  ") + ThresholdWording.describe(check, report: report)
        }
        return out
    }
}
