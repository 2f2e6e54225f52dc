import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A GDB stub in the test process: one loopback connection, served on its own thread, speaking
/// just enough of the protocol to exercise the client, with switches for the awkward cases
/// (no X, no p/P, run-length replies, corrupted replies, refused packets, a close mid-reply).
/// Its framing and encodings are written independently of the client's, so the two check
/// each other.
final class FakeStub: @unchecked Sendable {
    struct Options {
        var packetSize = 0x400
        var offerNoAck = true
        var binaryWrites = true
        var singleRegisters = true
        var description = false
        var runLengthReplies = false
        /// The first N replies go out with a wrong checksum (then correctly when NAKed).
        var corruptReplies = 0
        /// The first N packets are answered with '-' instead of being processed.
        var rejectPackets = 0
        /// Commands starting with this get half a reply, then the connection is closed.
        var closeMidReplyOn: String?
        /// Commands starting with this are acknowledged and never answered.
        var silentOn: String?
        /// Sent as an `O` packet right after `c`.
        var consoleWhileRunning: String?
    }

    static let memoryBase: UInt32 = 0x2000_0000
    let options: Options
    let port: Int
    private let lock = NSLock()
    private var listener: Int32
    private var client: Int32 = -1
    private var stopped = false

    private var _memory = [UInt8](repeating: 0, count: 0x1_0000)
    private var _registers = [UInt32](repeating: 0, count: 28)
    private var _log: [String] = []
    private var _naksReceived = 0
    private var _acksInNoAckMode = 0
    private var noAckAgreed = false
    private var noAckActive = false
    private var running = false
    private var lastReply: [UInt8] = []
    private var corruptionsLeft: Int
    private var rejectionsLeft: Int

    var memory: [UInt8] { lock.withLock { _memory } }
    var registers: [UInt32] { lock.withLock { _registers } }
    var log: [String] { lock.withLock { _log } }
    var naksReceived: Int { lock.withLock { _naksReceived } }
    var acksInNoAckMode: Int { lock.withLock { _acksInNoAckMode } }
    func setMemory(_ bytes: [UInt8], at offset: Int) {
        lock.withLock { _memory.replaceSubrange(offset..<(offset + bytes.count), with: bytes) }
    }
    func setRegister(_ n: Int, _ v: UInt32) { lock.withLock { _registers[n] = v } }

    init(_ options: Options = Options()) {
        self.options = options
        corruptionsLeft = options.corruptReplies
        rejectionsLeft = options.rejectPackets
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                _ = bind(fd, raw, length)
                _ = getsockname(fd, raw, &length)
            }
        }
        listen(fd, 1)
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    func stop() {
        lock.withLock {
            stopped = true
            if client >= 0 { shutdown(client, Int32(SHUT_RDWR)) }
        }
    }

    deinit { stop() }

    // MARK: Serving

    private func serve() {
        defer { Glibc.close(listener) }
        var pfd = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        while !lock.withLock({ stopped }) {
            if poll(&pfd, 1, 100) > 0 { break }
        }
        guard !lock.withLock({ stopped }) else { return }
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else { return }
        lock.withLock { client = fd }
        defer {
            // Forget the descriptor before closing it: a later stop() must not shut down
            // whatever socket (another test's) reuses the number.
            lock.withLock {
                client = -1
                Glibc.close(fd)
            }
        }
        var inbox: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { return }
            inbox += chunk[0..<n]
            while let consumed = handle(inbox, fd) {
                if consumed < 0 { return }  // the stub hung up on purpose
                inbox.removeFirst(consumed)
            }
        }
    }

    /// Handles one unit at the start of `inbox`; returns the bytes used, nil if incomplete,
    /// or -1 after closing the connection.
    private func handle(_ inbox: [UInt8], _ fd: Int32) -> Int? {
        guard let first = inbox.first else { return nil }
        switch first {
        case UInt8(ascii: "+"):
            lock.withLock {
                if noAckActive { _acksInNoAckMode += 1 }
                // The client acknowledges the OK to QStartNoAckMode; silence starts after that.
                if noAckAgreed { noAckActive = true }
            }
            return 1
        case UInt8(ascii: "-"):
            lock.withLock { _naksReceived += 1 }
            write(fd, lastReply)
            return 1
        case 0x03:
            let wasRunning = lock.withLock { () -> Bool in
                defer { running = false }
                return running
            }
            if wasRunning { reply(fd, "T02thread:01;") }
            return 1
        case UInt8(ascii: "$"):
            guard let hash = inbox.firstIndex(of: UInt8(ascii: "#")), inbox.count >= hash + 3 else { return nil }
            let payload = Array(inbox[1..<hash])
            let sum = payload.reduce(UInt8(0), &+)
            let sent = UInt8(String(decoding: inbox[(hash + 1)...(hash + 2)], as: UTF8.self), radix: 16)
            let acking = !lock.withLock { noAckActive }
            if sent != sum || lock.withLock({ () -> Bool in
                defer { rejectionsLeft -= 1 }
                return rejectionsLeft > 0
            }) {
                write(fd, Array("-".utf8))
                return hash + 3
            }
            if acking { write(fd, Array("+".utf8)) }
            return process(payload, fd) ? hash + 3 : -1
        default:
            return 1  // noise
        }
    }

    /// Acts on one packet; false when the connection was closed as part of the act.
    private func process(_ payload: [UInt8], _ fd: Int32) -> Bool {
        let text = String(decoding: payload, as: UTF8.self)
        let command = payload.first.map { $0 == UInt8(ascii: "X") ? "X" + text.dropFirst().prefix { $0 != ":" } : text } ?? ""
        lock.withLock { _log.append(command) }
        if let prefix = options.closeMidReplyOn, text.hasPrefix(prefix) {
            write(fd, Array("$0011".utf8))
            return false
        }
        if let prefix = options.silentOn, text.hasPrefix(prefix) { return true }

        switch payload.first.map({ Character(UnicodeScalar($0)) }) {
        case "q" where text.hasPrefix("qSupported"):
            var features = "PacketSize=\(String(options.packetSize, radix: 16))"
            if options.offerNoAck { features += ";QStartNoAckMode+" }
            if options.description { features += ";qXfer:features:read+" }
            reply(fd, features)
        case "Q" where text == "QStartNoAckMode":
            reply(fd, "OK")
            lock.withLock { noAckAgreed = true }
        case "q" where text.hasPrefix("qXfer:features:read:"):
            reply(fd, featureChunk(text))
        case "q" where text.hasPrefix("qRcmd,"):
            return monitor(String(decoding: hexDecode(text.dropFirst(6)) ?? [], as: UTF8.self), fd)
        case "?": reply(fd, "T05thread:01;")
        case "m": reply(fd, readMemory(text))
        case "M": reply(fd, writeMemory(text, binary: false, payload))
        case "X": reply(fd, options.binaryWrites ? writeMemory(text, binary: true, payload) : "")
        case "p": reply(fd, options.singleRegisters ? readRegister(text) : "")
        case "P": reply(fd, options.singleRegisters ? writeRegister(text) : "")
        case "g": reply(fd, hexEncode(allRegisters()))
        case "G": reply(fd, setAllRegisters(hexDecode(text.dropFirst()) ?? []) ? "OK" : "E01")
        case "c":
            lock.withLock { running = true }
            if let console = options.consoleWhileRunning { reply(fd, "O" + hexEncode(Array(console.utf8))) }
        case "D": reply(fd, "OK")
        case "k": return false
        default: reply(fd, "")
        }
        return true
    }

    private func monitor(_ command: String, _ fd: Int32) -> Bool {
        if command.hasPrefix("echo ") {
            // Output in two O packets, the way stubs stream it, then OK.
            let words = Array((command.dropFirst(5) + "\n").utf8)
            let half = words.count / 2
            reply(fd, "O" + hexEncode(Array(words[..<half])))
            reply(fd, "O" + hexEncode(Array(words[half...])))
            reply(fd, "OK")
        } else if command == "hexreply" {
            reply(fd, hexEncode(Array("done\n".utf8)))
        } else if command == "fail" {
            reply(fd, "E01")
        } else {
            reply(fd, "")
        }
        return true
    }

    // MARK: Memory and registers

    private func offset(_ address: UInt64, _ count: Int) -> Int? {
        let start = Int64(address) - Int64(Self.memoryBase)
        return start >= 0 && start + Int64(count) <= 0x1_0000 ? Int(start) : nil
    }

    private func readMemory(_ text: String) -> String {
        let fields = text.dropFirst().split(separator: ",")
        guard fields.count == 2, let address = UInt64(fields[0], radix: 16), let count = Int(fields[1], radix: 16) else { return "E01" }
        guard count * 2 <= options.packetSize else { return "E22" }  // as QEMU refuses it
        guard let start = offset(address, count) else { return "E14" }
        return hexEncode(lock.withLock { Array(_memory[start..<(start + count)]) })
    }

    private func writeMemory(_ text: String, binary: Bool, _ payload: [UInt8]) -> String {
        guard let colon = payload.firstIndex(of: UInt8(ascii: ":")) else { return "E01" }
        let fields = String(decoding: payload[1..<colon], as: UTF8.self).split(separator: ",")
        guard fields.count == 2, let address = UInt64(fields[0], radix: 16), let count = Int(fields[1], radix: 16) else { return "E01" }
        let data = binary ? unescape(Array(payload[(colon + 1)...])) : hexDecode(payload[(colon + 1)...])
        guard let data, data.count == count else { return "E02" }
        guard let start = offset(address, count) else { return "E14" }
        lock.withLock { _memory.replaceSubrange(start..<(start + count), with: data) }
        return "OK"
    }

    private func readRegister(_ text: String) -> String {
        guard let n = Int(text.dropFirst(), radix: 16), n < 26 || (options.description && n < 28) else { return "E00" }
        if n == 26 { return "0000000000000000" }  // d0, 64 bits
        return hexEncode(littleEndian(lock.withLock { _registers[n] }))
    }

    private func writeRegister(_ text: String) -> String {
        let parts = text.dropFirst().split(separator: "=")
        guard parts.count == 2, let n = Int(parts[0], radix: 16), n < 26, n != 26,
              let bytes = hexDecode(parts[1]), bytes.count == 4 else { return "E00" }
        lock.withLock { _registers[n] = bytes.enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * $1.offset) } }
        return "OK"
    }

    /// The `g` layout: classic ARM (r0–r15, 8 × 12-byte FPA, fps, cpsr/xpsr) without a
    /// description; r0–r15, xpsr, d0 (8 bytes), fpscr with the one below.
    private func layout() -> [(register: Int, size: Int)] {
        var slots = (0..<16).map { ($0, 4) }
        if options.description {
            slots += [(25, 4), (26, 8), (27, 4)]
        } else {
            slots += (16..<24).map { ($0, 12) } + [(24, 4), (25, 4)]
        }
        return slots
    }

    private func allRegisters() -> [UInt8] {
        let values = registers
        return layout().flatMap { slot in
            slot.size == 4 ? littleEndian(values[slot.register]) : [UInt8](repeating: 0, count: slot.size)
        }
    }

    private func setAllRegisters(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        for slot in layout() {
            guard offset + slot.size <= bytes.count else { return false }
            if slot.size == 4 {
                let value = bytes[offset..<(offset + 4)].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
                lock.withLock { _registers[slot.register] = value }
            }
            offset += slot.size
        }
        return true
    }

    // MARK: Target description

    static let documents: [String: String] = [
        "target.xml": """
            <?xml version="1.0"?><!DOCTYPE target SYSTEM "gdb-target.dtd"><target>\
            <architecture>arm</architecture><xi:include href="core.xml"/><xi:include href="fp.xml"/></target>
            """,
        "core.xml": "<?xml version=\"1.0\"?>\n<!-- r0..pc then xpsr -->\n<feature name=\"org.gnu.gdb.arm.m-profile\">\n"
            + (0...12).map { "  <reg name=\"r\($0)\" bitsize=\"32\"/>\n" }.joined()
            + "  <reg name=\"sp\" bitsize=\"32\" type=\"data_ptr\"/>\n  <reg name=\"lr\" bitsize=\"32\"/>\n"
            + "  <reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\"/>\n  <reg name=\"xpsr\" bitsize=\"32\" regnum=\"25\"/>\n</feature>\n",
        "fp.xml": "<feature name=\"org.gnu.gdb.arm.vfp\"><reg name=\"d0\" bitsize=\"64\" type=\"float\"/>"
            + "<reg name=\"fpscr\" bitsize=\"32\" type=\"int\"/></feature>",
    ]

    /// Serves a document in small pieces (at most 100 bytes) so the client must ask repeatedly.
    private func featureChunk(_ text: String) -> String {
        let fields = text.dropFirst("qXfer:features:read:".count).split(separator: ":")
        guard fields.count == 2, let document = Self.documents[String(fields[0])] else { return "E00" }
        let range = fields[1].split(separator: ",")
        guard range.count == 2, let start = Int(range[0], radix: 16), let length = Int(range[1], radix: 16) else { return "E01" }
        let bytes = Array(document.utf8)
        let end = min(bytes.count, start + min(length, 100))
        let piece = start < bytes.count ? String(decoding: bytes[start..<end], as: UTF8.self) : ""
        return (end >= bytes.count ? "l" : "m") + piece
    }

    // MARK: Wire

    private func reply(_ fd: Int32, _ text: String) {
        var body = Array(text.utf8)
        if options.runLengthReplies { body = runLengthEncode(body) }
        let sum = body.reduce(UInt8(0), &+)
        let frame = Array("$".utf8) + body + Array(String(format: "#%02x", sum).utf8)
        lock.withLock { lastReply = frame }
        let corrupt = lock.withLock { () -> Bool in
            defer { corruptionsLeft -= 1 }
            return corruptionsLeft > 0
        }
        write(fd, corrupt ? Array("$".utf8) + body + Array(String(format: "#%02x", sum &+ 1).utf8) : frame)
    }

    private func write(_ fd: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}

/// Runs of four or more equal characters as `c*n` (n − 29 more copies), avoiding the counts
/// that would put '#' or '$' on the wire.
func runLengthEncode(_ body: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var index = 0
    while index < body.count {
        let byte = body[index]
        var run = 1
        while index + run < body.count, body[index + run] == byte, run < 98 { run += 1 }
        var repeats = run - 1
        if repeats + 29 == 35 || repeats + 29 == 36 { repeats = 5 }
        if repeats >= 3 {
            out += [byte, UInt8(ascii: "*"), UInt8(repeats + 29)]
            index += repeats + 1
        } else {
            out.append(byte)
            index += 1
        }
    }
    return out
}

func hexEncode(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

func hexDecode<S: Collection>(_ text: S) -> [UInt8]? where S.Element == Character {
    let chars = Array(text)
    guard chars.count % 2 == 0 else { return nil }
    return stride(from: 0, to: chars.count, by: 2).compactMap { UInt8(String(chars[$0...$0 + 1]), radix: 16) }
}

func hexDecode(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
    hexDecode(String(decoding: bytes, as: UTF8.self))
}

func littleEndian(_ value: UInt32) -> [UInt8] {
    (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}

private func unescape(_ data: [UInt8]) -> [UInt8]? {
    var out: [UInt8] = []
    var escaped = false
    for byte in data {
        if escaped {
            out.append(byte ^ 0x20)
            escaped = false
        } else if byte == UInt8(ascii: "}") {
            escaped = true
        } else {
            out.append(byte)
        }
    }
    return escaped ? nil : out
}
