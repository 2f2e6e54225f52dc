import Foundation
import Testing

/// The built `hild` and `hilctl`, run as a user runs them: separate processes, a Unix socket
/// between them, a state directory on disk.
enum Products {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The folder SwiftPM built the executables into: the test runner's own.
    static var directory: URL {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: dir.appendingPathComponent("hild").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// One hild process in a temporary state directory.
final class Daemon: @unchecked Sendable {
    let state: URL
    let socket: String
    private(set) var process: Process?
    let log: URL

    init(state: URL? = nil) {
        self.state = state ?? FileManager.default.temporaryDirectory.appendingPathComponent("hild-e2e-\(UUID().uuidString.prefix(8))")
        socket = self.state.appendingPathComponent("hild.sock").path
        log = self.state.appendingPathComponent("hild.log")
    }

    func start(_ arguments: [String] = ["--mock", "2"]) throws {
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Products.path("hild"))
        p.arguments = ["--state-dir", state.path, "--socket", socket, "--no-udev", "--boards", Products.root.appendingPathComponent("boards").path] + arguments
        p.standardOutput = handle
        p.standardError = handle
        p.currentDirectoryURL = Products.root
        try p.run()
        process = p
    }

    /// Waits until hild answers on its socket.
    func waitReady(seconds: Double = 30) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let r = try? hilctl(["boards", "--json"]), r.status == 0, r.stdout.contains("idle") { return }
            guard process?.isRunning == true else { throw Failure("hild exited early: \(logText)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw Failure("hild did not answer within \(seconds) s: \(logText)")
    }

    func kill(_ signal: Int32) {
        guard let p = process else { return }
        Glibc.kill(p.processIdentifier, signal)
        p.waitUntilExit()
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    struct Result { let status: Int32; let stdout: String; let stderr: String }

    func hilctl(_ arguments: [String], timeout: Double = 300) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Products.path("hilctl"))
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["HILD_SOCKET"] = socket
        p.environment = env
        p.currentDirectoryURL = Products.root
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Drain both pipes while it runs so a chatty child never blocks on a full pipe.
        nonisolated(unsafe) var errData = Data()
        let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while reader.isExecuting || !reader.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    deinit {
        if let p = process, p.isRunning { Glibc.kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
