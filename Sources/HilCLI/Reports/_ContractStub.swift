// TEMPORARY: minimal stand-ins for the renderers another helper writes in Sources/HilCLI/Reports/,
// so `hilctl report` and `hilctl compare` compile before they land. Deleted before the last commit.
import Deployer
import Foundation
import HilAPI

enum ReportFormat: String { case text, json, markdown, junit, html }

enum ReportDocument {
    static func render(_ report: EvaluationReport, format: ReportFormat, job: JobRecord?) throws -> String {
        format == .json ? try report.json() : ReportRenderer.text(report)
    }
}

enum ComparisonFormat: String { case text, json, markdown }

struct ComparedRun {
    var label: String
    var report: EvaluationReport
    init(label: String, report: EvaluationReport) { self.label = label; self.report = report }
}

struct RunComparison {
    let a: ComparedRun, b: ComparedRun
    init(_ a: ComparedRun, _ b: ComparedRun) { self.a = a; self.b = b }
    func render(_ format: ComparisonFormat) throws -> String {
        "\(a.label): top-1 \(a.report.accuracy.top1)\n\(b.label): top-1 \(b.report.accuracy.top1)"
    }
}
