/// Why the target stopped, as the stub reports it after `?`, an interrupt or a stop of its own:
/// `S sig`, `T sig n:v;…`, `W code` (the program exited) or `X sig` (it was terminated).
public struct StopReply: Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// Stopped with a signal: 2 (SIGINT) after an interrupt, 5 (SIGTRAP) for breakpoints, steps
        /// and, with QEMU, the initial halt.
        case signal(UInt8)
        /// The program ended with this exit code (QEMU sends it when semihosting exits).
        case exited(code: UInt8)
        /// The program was ended by this signal.
        case terminated(signal: UInt8)
    }

    public var reason: Reason
    /// Registers the stub chose to include in a `T` reply, by number, as raw target-order bytes.
    public var registers: [Int: [UInt8]]
    /// The other `name:value` pairs of a `T` reply (thread, core, watch, swbreak, …).
    public var fields: [String: String]
    /// The reply as received, for logs.
    public var raw: String

    public var signal: UInt8? {
        if case .signal(let number) = reason { return number }
        return nil
    }

    /// A register from the reply as a little-endian 32-bit value (ARM targets), if present.
    public func register(_ number: Int) -> UInt32? {
        guard let bytes = registers[number], bytes.count == 4 else { return nil }
        return littleEndianWord(bytes)
    }

    public var description: String {
        switch reason {
        case .signal(let number): return "stopped with signal \(number) (\(raw))"
        case .exited(let code): return "exited with code \(code)"
        case .terminated(let number): return "terminated by signal \(number)"
        }
    }

    /// Parses a stop reply; nil when the packet is not one.
    public init?(packet: [UInt8]) {
        guard packet.count >= 3, let code = RSPPacket.bytes(fromHex: packet[1...2])?.first else { return nil }
        raw = printable(packet)
        registers = [:]
        fields = [:]
        switch packet[0] {
        case UInt8(ascii: "S"): reason = .signal(code)
        case UInt8(ascii: "T"): reason = .signal(code)
        case UInt8(ascii: "W"): reason = .exited(code: code)
        case UInt8(ascii: "X"): reason = .terminated(signal: code)
        default: return nil
        }
        // W and X may carry ";process:pid", T carries "n:v;" pairs; S carries nothing more.
        guard packet.count > 3 else { return }
        let rest = packet[3...].first == UInt8(ascii: ";") ? Array(packet[4...]) : Array(packet[3...])
        for pair in rest.split(separator: UInt8(ascii: ";")) {
            guard let colon = pair.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = Array(pair[pair.startIndex..<colon])
            let value = Array(pair[(colon + 1)...])
            // A name made only of hex digits is a register number; anything else is a keyword.
            // A number too large for an Int (found by the gdb-rsp fuzz target) is no register: a keyword.
            if let number = RSPPacket.number(fromHex: name).flatMap({ Int(exactly: $0) }), let bytes = RSPPacket.bytes(fromHex: value) {
                registers[number] = bytes
            } else {
                fields[String(decoding: name, as: UTF8.self)] = String(decoding: value, as: UTF8.self)
            }
        }
    }
}

func littleEndianWord(_ bytes: [UInt8]) -> UInt32 {
    bytes.prefix(4).enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
}

func littleEndianBytes(_ value: UInt32) -> [UInt8] {
    (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}
