import Foundation
import GDBRemote
#if canImport(Glibc)
import Glibc
#endif

/// A QEMU board: `qemu-system-arm` started halted, its UART0 on a pty, its GDB stub on a free
/// loopback port with a client connected, supervised until `terminate()` (or deinit).
///
/// QEMU dying is reported, not hidden: `isRunning` turns false as soon as the watchdog sees the
/// exit, and every operation through `withGDB`, `load` and `boot` then throws `.exited` with
/// QEMU's last stderr lines.
public final class QEMUMachine {
    public let config: QEMUConfig
    /// The pty QEMU created for serial0 (UART0 on mps2 machines).
    public let serialPath: String
    public let gdbPort: Int
    /// QEMU's process id (for diagnostics; terminate() is the way to stop it).
    public let pid: Int32
    /// QEMU's full command line, for logs.
    public let commandLine: [String]
    private let process: ChildProcess
    private let client: GDBRemoteClient

    /// The connected GDB client. Its errors are plain GDBErrors; `withGDB` turns them into
    /// `.exited` when QEMU is what failed.
    public var gdb: GDBRemoteClient { client }

    /// Whether the QEMU process is alive (not whether the CPU runs).
    public var isRunning: Bool { process.exitStatus == nil }

    /// How QEMU ended, nil while it runs.
    public var exitStatus: QEMUExitStatus? { process.exitStatus }

    /// The last lines QEMU wrote to stderr.
    public var stderrTail: String { process.output.tail(.stderr) }

    public init(config: QEMUConfig = QEMUConfig()) throws(QEMUError) {
        self.config = config
        guard let executable = locateExecutable(config.executable) else {
            throw .notInstalled(executable: config.executable)
        }
        // The port is free when chosen but could be taken before QEMU binds it: try again then.
        var attempt = 0
        while true {
            attempt += 1
            guard let port = freeLoopbackPort() else {
                throw .failedToStart(reason: "no free loopback TCP port for the GDB stub", stderr: "")
            }
            let name = Self.uniqueName()
            let arguments = Self.arguments(config, gdbPort: port, name: name)
            do {
                let (process, serial, client) = try Self.start(executable, arguments, port: port, name: name, config: config)
                self.process = process
                self.serialPath = serial
                self.client = client
                self.gdbPort = port
                self.pid = process.pid
                self.commandLine = [executable] + arguments
                return
            } catch {
                guard case .failedToStart(let reason, let stderr) = error,
                      stderr.contains("Address already in use") || reason.contains(Self.foreignStub),
                      attempt < 3 else { throw error }
            }
        }
    }

    deinit { terminate() }

    /// The command line: halted (-S), no display, no monitor, nothing on stdio (-nodefaults
    /// drops the default serial/monitor/parallel back-ends), serial0 on a new pty, the GDB stub
    /// on loopback only, and a name only this machine has. No -no-reboot: with it, a reset
    /// (`monitor system_reset`, which `boot` uses, or the firmware's own SYSRESETREQ) ends QEMU
    /// instead of resetting the board.
    static func arguments(_ config: QEMUConfig, gdbPort: Int, name: String) -> [String] {
        var arguments = [
            "-M", config.machine, "-name", name, "-nodefaults", "-display", "none", "-monitor", "none",
            "-serial", "pty", "-S", "-gdb", "tcp:127.0.0.1:\(gdbPort)",
        ]
        if let shift = config.icountShift { arguments += ["-icount", "shift=\(shift)"] }
        return arguments + config.extraArguments
    }

    /// Spawns QEMU, reads the pty from its output, connects to the stub; kills it on failure.
    private static func start(_ executable: String, _ arguments: [String], port: Int, name: String,
                              config: QEMUConfig) throws(QEMUError) -> (ChildProcess, String, GDBRemoteClient) {
        let process: ChildProcess
        do {
            process = try ChildProcess(executable: executable, arguments: arguments)
        } catch {
            throw .failedToStart(reason: error.reason, stderr: "")
        }
        func fail(_ reason: String) -> QEMUError {
            process.signal(SIGKILL)
            _ = process.waitForExit(timeout: .seconds(5))
            process.output.waitForEnd(timeout: .seconds(1))
            return .failedToStart(reason: reason, stderr: process.output.tail(.stderr))
        }
        let deadline = ContinuousClock.now + config.startupTimeout
        // QEMU prints the line to stdout (qemu_printf) while it creates the chardev.
        guard let serial = process.output.wait(until: deadline, for: serialPath(in:)) else {
            if let status = process.waitForExit(timeout: .milliseconds(200)) {
                throw fail("it exited during startup (\(status))")
            }
            let output = process.output.text(.stdout) + process.output.text(.stderr)
            _ = fail("")
            throw .serialNotFound(output: output)
        }
        // The stub listens once the machine is built, a moment after the pty exists.
        let client: GDBRemoteClient
        while true {
            do {
                client = try GDBRemoteClient(host: "127.0.0.1", port: port, timeout: config.gdbTimeout)
                break
            } catch .connectionRefused {
                if let status = process.exitStatus { throw fail("it exited during startup (\(status))") }
                guard ContinuousClock.now < deadline else { throw fail("its GDB stub never listened on port \(port)") }
                Thread.sleep(forTimeInterval: 0.02)
            } catch {
                throw fail("its GDB stub on port \(port) failed: \(error)")
            }
        }
        // If the port was taken between our check and QEMU's bind, QEMU has exited and whoever
        // took the port answered instead: ask the stub for its machine's name.
        let answer: String
        do {
            answer = try client.monitor("info name")
        } catch {
            client.close()
            throw fail("its GDB stub on port \(port) failed: \(error)")
        }
        guard answer.contains(name) else {
            client.close()
            throw fail("\(foreignStub) on port \(port) (its name: \(answer.trimmingCharacters(in: .whitespacesAndNewlines)))")
        }
        return (process, serial, client)
    }

    static let foreignStub = "another GDB stub answered"

    /// "hil-PID-N": one per machine this process starts.
    private static func uniqueName() -> String {
        machineCount.withLock { count in
            count += 1
            return "hil-\(getpid())-\(count)"
        }
    }

    private static let machineCount = LockedCounter()

    /// The path in QEMU's "char device redirected to /dev/pts/N (label serial0)".
    static func serialPath(in output: String) -> String? {
        for line in output.split(separator: "\n") where line.contains("(label serial0)") {
            guard let start = line.firstRange(of: "redirected to ") else { continue }
            let rest = line[start.upperBound...]
            if let path = rest.split(separator: " ").first, path.hasPrefix("/dev/") { return String(path) }
        }
        return nil
    }

    /// Runs GDB operations; a failure caused by QEMU's death becomes `.exited`, others `.gdb`.
    public func withGDB<T>(_ body: (GDBRemoteClient) throws(GDBError) -> T) throws(QEMUError) -> T {
        try checkAlive()
        do {
            return try body(client)
        } catch {
            throw failure(error)
        }
    }

    /// Throws `.exited` if QEMU has ended.
    public func checkAlive() throws(QEMUError) {
        if let status = process.exitStatus { throw exited(status) }
    }

    /// A stub that hangs up or stops answering usually means QEMU is gone; the watchdog may need
    /// a moment to see the exit, so it gets one.
    private func failure(_ error: GDBError) -> QEMUError {
        switch error {
        case .connectionClosed, .timeout, .connectionRefused, .connectionFailed:
            if let status = process.waitForExit(timeout: .seconds(1)) { return exited(status) }
        default:
            if let status = process.exitStatus { return exited(status) }
        }
        return .gdb(error)
    }

    private func exited(_ status: QEMUExitStatus) -> QEMUError {
        process.output.waitForEnd(timeout: .milliseconds(500))
        return .exited(status, stderr: process.output.tail(.stderr))
    }

    /// Kills QEMU (SIGKILL: nothing in it needs a clean shutdown) and waits until it is reaped.
    /// Idempotent; also run by deinit.
    public func terminate() {
        client.close()
        process.signal(SIGKILL)
        _ = process.waitForExit(timeout: .seconds(10))
    }
}

/// A counter behind a lock, shareable as a static.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func withLock<T>(_ body: (inout Int) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&count)
    }
}
