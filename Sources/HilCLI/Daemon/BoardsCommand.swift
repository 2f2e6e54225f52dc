import ArgumentParser
import Foundation
import HilAPI

/// `hilctl boards`: the bench's boards as hild sees them.
struct BoardsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boards", abstract: "List the boards of the bench (through hild): state, current job, serial port.")

    @OptionGroup var daemon: DaemonOptions
    @Flag(help: "Print the boards as JSON.") var json = false

    func run() throws {
        let client = try daemon.client()
        let boards = try withDaemon { try await client.boards() }
        if json { return try printJSON(boards) }
        guard !boards.isEmpty else { return print("no boards: hild sees no ST-LINK, mock or QEMU board") }
        // A bench of several hosts names each board's host; a bench of one has no such column.
        let hosts = boards.contains { $0.host != nil }
        var table = hosts ? TextTable("HOST", "ID", "KIND", "TYPE", "STATE", "REASON/JOB", "PORT", "TAGS")
                          : TextTable("ID", "KIND", "TYPE", "STATE", "REASON/JOB", "PORT", "TAGS")
        for b in boards {
            let why = b.reason ?? b.currentJob.map { "job \($0)" } ?? "-"
            let row = [b.id, b.kind.rawValue, b.boardType, b.state.rawValue, why, b.serialPort ?? "-",
                       b.tags.isEmpty ? "-" : b.tags.joined(separator: ",")]
            table.add(hosts ? [b.host ?? "-"] + row : row)
        }
        print(table.render())
    }
}
