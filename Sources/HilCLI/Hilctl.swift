import ArgumentParser

/// `hilctl`: the bench's command line. Results go to stdout, progress and errors to stderr.
public struct Hilctl: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hilctl",
        abstract: "Flash and evaluate TinyML firmware on STM32 boards (or mock boards).",
        discussion: """
        Exit status: 0 success, 1 the input was refused (image, board name, options) or a job failed, \
        2 a job was cancelled, 3 the bench failed (probe, cable, target, flash; hild unreachable), 64 usage (bad options).
        Commands that talk to hild (boards, submit, jobs, show, cancel, logs, report, compare) find it at \
        --host, else $HILD_SOCKET, else its default socket.
        """,
        subcommands: [ProbesCommand.self, FlashCommand.self, RunCommand.self, PackCommand.self, MockCommand.self,
                      BoardsCommand.self, SubmitCommand.self, JobsCommand.self, ShowCommand.self, CancelCommand.self,
                      LogsCommand.self, ReportCommand.self, CompareCommand.self]
    )
    public init() {}
}

/// Exit codes that tell a CI job whose fault a failure was.
enum ExitStatus {
    static let refused: Int32 = 1
    static let infrastructure: Int32 = 3
}
