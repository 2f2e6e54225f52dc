import GDBRemote

/// How a QEMU process ended.
public enum QEMUExitStatus: Equatable, Sendable, CustomStringConvertible {
    case code(Int32)
    case signal(Int32)
    /// Reaped by someone else in this process, so the status is unknown.
    case unknown

    public var description: String {
        switch self {
        case .code(let code): return "exit code \(code)"
        case .signal(let number):
            let names: [Int32: String] = [1: "SIGHUP", 2: "SIGINT", 6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM"]
            return "killed by signal \(number)" + (names[number].map { " (\($0))" } ?? "")
        case .unknown: return "an unknown status"
        }
    }
}

/// What can go wrong with a QEMU board. `exited` is an infrastructure failure (the emulator
/// died, not the firmware under test): callers report it as such, not as a failed test.
public enum QEMUError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The executable is not in PATH (or not executable at the given path).
    case notInstalled(executable: String)
    /// QEMU could not be spawned, or ended or hung before it was usable; with its stderr tail.
    case failedToStart(reason: String, stderr: String)
    /// QEMU ended while in use; with the last lines of its stderr.
    case exited(QEMUExitStatus, stderr: String)
    /// The GDB stub failed while QEMU itself is still alive.
    case gdb(GDBError)
    /// QEMU started but never said which pty it gave serial0.
    case serialNotFound(output: String)
    /// The vector table's reset entry is not a Thumb address (bit 0 clear), so the core would
    /// fault on its first instruction; usually a table address that is not the image's.
    case invalidVectorTable(address: UInt32, stackPointer: UInt32, resetVector: UInt32)

    public var description: String {
        switch self {
        case .notInstalled(let executable):
            return "\(executable) not found: install Debian's qemu-system-arm (apt-get install qemu-system-arm)"
        case .failedToStart(let reason, let stderr):
            return "QEMU failed to start: \(reason)" + Self.quoted(stderr)
        case .exited(let status, let stderr):
            return "QEMU exited unexpectedly (\(status)): an infrastructure failure, not a firmware result"
                + Self.quoted(stderr)
        case .gdb(let error):
            return "QEMU's GDB stub: \(error)"
        case .serialNotFound(let output):
            return "QEMU did not report the pty of serial0 (\"char device redirected to /dev/pts/N (label serial0)\")"
                + Self.quoted(output)
        case .invalidVectorTable(let address, let sp, let pc):
            return "no vector table at 0x\(hex8(address)): initial SP 0x\(hex8(sp)), reset vector 0x\(hex8(pc)) "
                + "is not a Thumb address"
        }
    }

    private static func quoted(_ text: String) -> String {
        text.isEmpty ? "" : "; QEMU said:\n" + text
    }
}

func hex8(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
