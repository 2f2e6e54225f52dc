import ArgumentParser
import Foundation
import HilAPI

/// `hilctl logs JOB`: a job's events; with --follow, live until it finishes.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Print a job's events (time, kind, board, message); --follow streams them until the job finishes.")

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "The job id.") var job: Int64
    @Flag(name: .shortAndLong, help: "Keep printing events as they happen, until the job finishes.") var follow = false
    @Flag(help: "Print JSON: an array of events, or with --follow one event per line (JSON Lines).") var json = false

    func run() throws {
        let client = try daemon.client()
        let id = job, json = self.json
        guard follow else {
            let events = try withDaemon { try await client.events(job: id) }
            if json { return try printJSON(events) }
            for e in events { print(JobText.event(e)) }
            return
        }
        _ = try withDaemon {
            try await client.follow(job: id, onInterruption: { note($0) }) { event in
                if json {
                    print(String(decoding: try APIJSON.encoder().encode(event), as: UTF8.self))
                } else {
                    print(JobText.event(event))
                }
                fflush(nil)   // a pipe would otherwise hold the lines until the job ends
            }
        }
    }
}
