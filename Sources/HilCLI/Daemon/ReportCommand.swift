import ArgumentParser
import Deployer
import Foundation
import HilAPI

/// `hilctl report JOB`: a finished job's evaluation report, rendered.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Render a finished job's evaluation report: text, json, markdown, junit or html.")

    static let formats = ["text", "json", "markdown", "junit", "html"]

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "The job id.") var job: Int64
    @Option(help: ArgumentHelp("One of \(formats.joined(separator: ", ")).", valueName: "FORMAT")) var format = "text"
    @Option(name: .shortAndLong, help: ArgumentHelp("Write the report to FILE (atomically) instead of stdout.", valueName: "FILE"))
    var output: String?
    @Flag(help: "Print only the per-layer table (and the measured memory) as text.") var layers = false

    func validate() throws {
        guard ReportFormat(rawValue: format) != nil else {
            throw ValidationError("--format '\(format)' is not one of \(Self.formats.joined(separator: ", "))")
        }
        if layers && format != "text" { throw ValidationError("--layers prints text; leave out --format, or use --format json and read its profile") }
    }

    func run() throws {
        let client = try daemon.client()
        let id = job
        let (data, record) = try withDaemon { () async throws -> (Data, JobRecord) in
            (try await client.report(job: id), try await client.job(id))
        }
        do {
            let report = try ReportJSON.decode(data, source: "the report of job \(id)")
            let text = layers ? Self.layerText(report, job: id)
                : try ReportDocument.render(report, format: ReportFormat(rawValue: format) ?? .text, job: record)
            try emit(text, to: output)
        } catch {
            throw commandFailure(error)
        }
    }
}

extension ReportCommand {
    /// The layer table alone, or a sentence saying why there is none.
    static func layerText(_ report: EvaluationReport, job: Int64) -> String {
        guard let profile = report.profile else {
            return "job \(job) has no per-layer profile (it was run with --profile 0, or by a bench before profiles existed)"
        }
        var lines = ReportRenderer.layerTable(profile)
        if let m = profile.memory { lines.append("memory   " + ReportRenderer.memoryLine(m)) }
        return lines.joined(separator: "\n")
    }
}

/// A rendered document to stdout, or atomically to a file (told on stderr).
func emit(_ text: String, to path: String?) throws {
    guard let path else { return print(text) }
    try OutputFile.write(text.hasSuffix("\n") ? text : text + "\n", to: path)
    note("wrote \(path)")
}
