import ArgumentParser
import Foundation
import HilAPI

/// `hilctl jobs`: the job queue and history, newest first.
struct JobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "List jobs on hild, newest first.")

    @OptionGroup var daemon: DaemonOptions
    @Option(help: ArgumentHelp("Only jobs in this state: \(JobState.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "STATE"))
    var state: String?
    @Option(help: "Show at most N jobs.") var limit: Int?
    @Flag(help: "Print the jobs as JSON.") var json = false

    func validate() throws {
        if let state, JobState(rawValue: state) == nil {
            throw ValidationError("--state '\(state)' is not one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let limit, limit <= 0 { throw ValidationError("--limit must be a positive number of jobs") }
    }

    func run() throws {
        let client = try daemon.client()
        let filter = state.flatMap(JobState.init(rawValue:)), limit = self.limit
        let jobs = try withDaemon { try await client.jobs(state: filter, limit: limit) }
        if json { return try printJSON(jobs) }
        guard !jobs.isEmpty else { return print(filter.map { "no \($0.rawValue) jobs" } ?? "no jobs") }
        let hosts = jobs.contains { $0.host != nil }
        var table = hosts ? TextTable("ID", "STATE", "NAME", "HOST", "BOARD", "PRI", "SUBMITTED", "TOP1", "P50")
                          : TextTable("ID", "STATE", "NAME", "BOARD", "PRI", "SUBMITTED", "TOP1", "P50")
        for j in jobs {
            let board = j.board ?? "-"
            table.add([String(j.id), j.state.rawValue, j.spec.name ?? "-"] + (hosts ? [j.host ?? "-", board] : [board])
                      + [String(j.spec.priority), Show.time(j.submittedAt), Show.percent(j.summary?.top1), Show.ms(j.summary?.p50Ms)])
        }
        print(table.render())
    }
}

/// `hilctl show JOB`: one job in full.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one job: its spec, state, attempts, boards tried, times, results and threshold checks.")

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "The job id (see `hilctl jobs`).") var job: Int64
    @Flag(help: "Print the job record as JSON.") var json = false

    func run() throws {
        let client = try daemon.client()
        let id = job
        let record = try withDaemon { try await client.job(id) }
        if json { return try printJSON(record) }
        print(JobText.detail(record))
    }
}

/// `hilctl cancel JOB`.
struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a job: a queued one at once, a running one at its next sample.")

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "The job id.") var job: Int64
    @Flag(help: "Print the job record as JSON.") var json = false

    func run() throws {
        let client = try daemon.client()
        let id = job
        let record = try withDaemon { try await client.cancel(job: id) }
        if json { return try printJSON(record) }
        print(record.state == .cancelled ? "job \(id) cancelled"
              : "job \(id): cancel requested; it is \(record.state.rawValue) and stops at its next sample (`hilctl logs \(id) --follow`)")
    }
}
