import ArgumentParser
import Deployer
import Foundation
import HilAPI

/// `hilctl compare A B`: two runs side by side; each a job id or a report JSON file.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Compare two runs: job ids on hild, or report JSON files (e.g. from `hilctl run --json`).")

    static let formats = ["text", "json", "markdown"]

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "The baseline: a job id or a report JSON file.") var a: String
    @Argument(help: "The candidate: a job id or a report JSON file.") var b: String
    @Option(help: ArgumentHelp("One of \(formats.joined(separator: ", ")).", valueName: "FORMAT")) var format = "text"

    func validate() throws {
        guard ComparisonFormat(rawValue: format) != nil else {
            throw ValidationError("--format '\(format)' is not one of \(Self.formats.joined(separator: ", "))")
        }
    }

    func run() throws {
        let first = try load(a), second = try load(b)
        do {
            let text = try RunComparison(first, second).render(ComparisonFormat(rawValue: format) ?? .text)
            print(text)
        } catch {
            throw commandFailure(error)
        }
    }

    /// A file when one exists at that path; else a job id; else neither, said plainly.
    func load(_ side: String) throws -> ComparedRun {
        if FileManager.default.fileExists(atPath: side) {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: side)) } catch {
                throw commandFailure(ReportJSON.Failure.unreadable(side, (error as NSError).localizedDescription))
            }
            do {
                return ComparedRun(label: URL(fileURLWithPath: side).lastPathComponent, report: try ReportJSON.decode(data, source: side))
            } catch { throw commandFailure(error) }
        }
        guard let id = Int64(side.hasPrefix("#") ? String(side.dropFirst()) : side) else {
            throw ValidationError("'\(side)' is neither a report file (no such file) nor a job id")
        }
        let client = try daemon.client()
        let (data, record) = try withDaemon { () async throws -> (Data, JobRecord) in
            (try await client.report(job: id), try await client.job(id))
        }
        do {
            let report = try ReportJSON.decode(data, source: "the report of job \(id)")
            return ComparedRun(label: record.spec.name.map { "\($0) (job \(id))" } ?? "job \(id)", report: report)
        } catch { throw commandFailure(error) }
    }
}
