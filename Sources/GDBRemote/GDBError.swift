/// Everything that can go wrong talking to a GDB server. Connection-level cases name the server
/// (host:port) because the bench may drive several; command-level cases name the packet that
/// failed, shortened so a 4 KB memory write does not end up in a log line.
public enum GDBError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Nothing listens on host:port.
    case connectionRefused(host: String, port: Int)
    /// The connection could not be made for another reason (name lookup, unreachable, socket error).
    case connectionFailed(host: String, port: Int, reason: String)
    /// The server closed the connection (or it was closed here) before the reply was complete.
    case connectionClosed(host: String, port: Int)
    /// No complete reply within the client's timeout.
    case timeout(host: String, port: Int, command: String, after: Duration)
    /// The stub answered `Exx`: the command was understood and failed (errno-like code).
    case stubError(code: UInt8, command: String)
    /// A reply that does not fit the command (bad hex, wrong length, bad checksums, …).
    case malformedReply(command: String, reply: String)
    /// The stub answered with the empty packet: it does not implement the command.
    case unsupported(command: String)
    /// The stub refused ('-') every transmission of the packet.
    case rejected(command: String, attempts: Int)
    /// The command needs a halted target and the target was resumed; call `halt()` first.
    case targetRunning(command: String)

    public var description: String {
        switch self {
        case .connectionRefused(let host, let port):
            return "GDB server at \(host):\(port) refused the connection (is it running and listening there?)"
        case .connectionFailed(let host, let port, let reason):
            return "cannot connect to the GDB server at \(host):\(port): \(reason)"
        case .connectionClosed(let host, let port):
            return "the GDB server at \(host):\(port) closed the connection"
        case .timeout(let host, let port, let command, let after):
            return "the GDB server at \(host):\(port) did not answer '\(command)' within \(after)"
        case .stubError(let code, let command):
            // The code's meaning is the stub's own (QEMU answers E14 for an inaccessible address).
            return "the GDB server answered '\(command)' with error E\(RSPPacket.hexByte(code))"
        case .malformedReply(let command, let reply):
            return "malformed reply to '\(command)': \(reply)"
        case .unsupported(let command):
            return "the GDB server does not support '\(command)'"
        case .rejected(let command, let attempts):
            return "the GDB server rejected '\(command)' \(attempts) times (checksum errors on the line?)"
        case .targetRunning(let command):
            return "cannot send '\(command)' while the target runs: halt it first"
        }
    }
}

/// A short, printable name for a packet in error messages: binary writes are cut at their ':'
/// and anything long is truncated.
func commandLabel(_ payload: [UInt8]) -> String {
    if let first = payload.first, first == UInt8(ascii: "X") || first == UInt8(ascii: "M"),
       let colon = payload.firstIndex(of: UInt8(ascii: ":")) {
        return printable(Array(payload[...colon])) + "…"
    }
    return payload.count > 60 ? printable(Array(payload.prefix(60))) + "…" : printable(payload)
}

/// Bytes as text, with anything outside printable ASCII as \xNN.
func printable(_ bytes: [UInt8]) -> String {
    var text = ""
    for byte in bytes {
        if byte >= 0x20 && byte < 0x7F {
            text.unicodeScalars.append(Unicode.Scalar(byte))
        } else {
            text += "\\x" + RSPPacket.hexByte(byte)
        }
    }
    return text
}
