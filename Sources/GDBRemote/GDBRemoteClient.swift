/// A client for GDB's Remote Serial Protocol over TCP: the probe backend for QEMU's gdbstub,
/// OpenOCD, pyOCD, st-util and J-Link's GDB server. It speaks the protocol only (no server's
/// private extensions), so whatever GDB can drive, this can.
///
/// All-stop mode: while the target runs (after `resume()`), only `halt()` and `waitForStop` may
/// be used. Calls block, each reply bounded by `timeout`. Not thread-safe: one owner at a time.
public final class GDBRemoteClient {
    public let host: String
    public let port: Int
    /// How long any one reply may take.
    public var timeout: Duration
    /// The largest packet the stub accepts, from `qSupported` (GDB's default of 400 otherwise).
    public private(set) var packetSize: Int = 400
    /// The stub's `qSupported` answer: `PacketSize` → "1000", `qXfer:features:read` → "+", …
    public private(set) var features: [String: String] = [:]
    /// Where `O` console-output packets go (semihosting-like output from a stub, a `monitor`
    /// command's output outside `monitor()`). Ignored when nil.
    public var consoleOutput: ((String) -> Void)?
    /// True between `resume()` and the stop reply.
    public internal(set) var isTargetRunning = false

    var channel: PacketChannel?
    /// Set after a timeout: the next request first throws away whatever arrives late.
    private var staleReplyPossible = false
    /// Learned on first use: whether the stub takes `X`, `p` and `P`.
    var binaryWrites: Bool?
    var singleRegisterReads = true
    var singleRegisterWrites = true
    /// The target description, when the stub offers one (fetched during the handshake).
    var registerLayout: RegisterLayout?

    /// Connects and runs the handshake: `qSupported`, `QStartNoAckMode` when offered, the target
    /// description when offered (GDB always reads it, and some stubs, QEMU among them, only
    /// accept `p`/`P` after that), and `?` so the stub knows the client is there.
    public init(host: String = "127.0.0.1", port: Int, timeout: Duration = .seconds(5)) throws(GDBError) {
        self.host = host
        self.port = port
        self.timeout = timeout
        let connection = try TCPConnection(host: host, port: port, timeout: timeout)
        channel = PacketChannel(connection: connection)
        // Acknowledge anything the stub may have sent before we came (as GDB does).
        try channel?.sendRaw([RSPPacket.ack], command: "+", deadline: Deadline(timeout))
        try negotiate()
        _ = try haltReason()
    }

    deinit { close() }

    private func negotiate() throws(GDBError) {
        // Advertise what this client understands; a stub may then use it in replies.
        let reply = try request("qSupported:multiprocess-;swbreak+;hwbreak+;xmlRegisters=arm")
        for item in String(decoding: reply, as: UTF8.self).split(separator: ";") {
            if let equals = item.firstIndex(of: "=") {
                features[String(item[..<equals])] = String(item[item.index(after: equals)...])
            } else if let last = item.last, "+-?".contains(last) {
                features[String(item.dropLast())] = String(last)
            }
        }
        if let text = features["PacketSize"], let size = Int(text, radix: 16), size >= 64 {
            packetSize = size
        }
        if features["QStartNoAckMode"] == "+" {
            // The OK travels (and is acknowledged) in ack mode; silence starts after it.
            let answer = try request("QStartNoAckMode")
            if answer == Array("OK".utf8) { channel?.acknowledging = false }
        }
        if features["qXfer:features:read"] == "+" {
            // A stub that offers a description and then fails to send it still works with the
            // numbering every ARM stub shares; only the g/G fallback loses precision.
            registerLayout = try? RegisterLayout(client: self)
        }
    }

    /// The largest payload (between '$' and '#') this client puts in one packet. GDB counts the
    /// "$", "#" and checksum in PacketSize, and stubs size their buffers by that: QEMU 7.2 says
    /// PacketSize=1000 (hex) and silently drops a 4096-character payload.
    var payloadLimit: Int { packetSize - 4 }

    // MARK: Requests

    /// Sends a command and returns its reply, `O` packets passed to `consoleOutput` on the way.
    /// Only transport problems throw here; the reply's meaning is the caller's to judge.
    func request(_ payload: [UInt8], command: String? = nil, timeout: Duration? = nil) throws(GDBError) -> [UInt8] {
        let label = command ?? commandLabel(payload)
        let channel = try openChannel()
        guard !isTargetRunning else { throw .targetRunning(command: label) }
        if staleReplyPossible {
            channel.discardPending()
            staleReplyPossible = false
        }
        let deadline = Deadline(timeout ?? self.timeout)
        try guarded { () throws(GDBError) in try channel.send(payload, command: label, deadline: deadline) }
        while true {
            let reply = try receive(command: label, deadline: deadline)
            if let text = consoleText(reply) {
                consoleOutput?(text)
                continue
            }
            return reply
        }
    }

    func request(_ text: String, timeout: Duration? = nil) throws(GDBError) -> [UInt8] {
        try request(Array(text.utf8), command: nil, timeout: timeout)
    }

    /// A reply that must be `OK`; `Exx` and the empty reply become their errors.
    func expectOK(_ reply: [UInt8], command: String) throws(GDBError) {
        try checkError(reply, command: command)
        guard reply == Array("OK".utf8) else {
            throw .malformedReply(command: command, reply: printable(reply))
        }
    }

    /// Turns `Exx` into `.stubError` and the empty reply into `.unsupported`.
    func checkError(_ reply: [UInt8], command: String) throws(GDBError) {
        if reply.isEmpty { throw .unsupported(command: command) }
        if reply.count == 3, reply[0] == UInt8(ascii: "E"), let code = RSPPacket.bytes(fromHex: reply[1...2]) {
            throw .stubError(code: code[0], command: command)
        }
    }

    func receive(command: String, deadline: Deadline) throws(GDBError) -> [UInt8] {
        let channel = try openChannel()
        return try guarded { () throws(GDBError) in try channel.receive(command: command, deadline: deadline) }
    }

    /// The text of an `O` console-output packet; nil for anything else. `OK` is not one.
    func consoleText(_ packet: [UInt8]) -> String? {
        guard packet.first == UInt8(ascii: "O"), packet.count > 1, packet.count % 2 == 1,
              let bytes = RSPPacket.bytes(fromHex: packet.dropFirst()) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    func openChannel() throws(GDBError) -> PacketChannel {
        guard let channel, channel.connection.isOpen else {
            channel = nil
            throw .connectionClosed(host: host, port: port)
        }
        return channel
    }

    /// Runs a transport step, remembering the state a failure leaves behind: a timeout may leave
    /// a late reply in flight; a closed connection is gone for good.
    func guarded<T>(_ step: () throws(GDBError) -> T) throws(GDBError) -> T {
        do {
            return try step()
        } catch {
            if case .timeout = error { staleReplyPossible = true }
            if case .connectionClosed = error { channel = nil }
            throw error
        }
    }

    // MARK: Session

    /// `?`: why the target is halted (QEMU answers T05 right after connecting).
    public func haltReason() throws(GDBError) -> StopReply {
        let reply = try request("?")
        try checkError(reply, command: "?")
        guard let stop = StopReply(packet: reply) else {
            throw .malformedReply(command: "?", reply: printable(reply))
        }
        return stop
    }

    /// `D`: the stub lets the target run on and forgets this client; then the connection is
    /// closed. Best effort: a stub that is already gone is fine.
    public func detach() {
        if isTargetRunning { _ = try? halt() }
        if channel != nil { _ = try? request("D", timeout: min(timeout, .seconds(1))) }
        close()
    }

    /// `k`: asks the stub to kill the target (QEMU exits; hardware servers typically reset or
    /// ignore it). No reply is awaited: many stubs close the connection instead of answering.
    public func kill() {
        if let channel {
            _ = try? channel.send(Array("k".utf8), command: "k", deadline: Deadline(min(timeout, .seconds(1))))
        }
        close()
    }

    /// Closes the connection; every later call throws `.connectionClosed`. Idempotent.
    public func close() {
        channel?.connection.close()
        channel = nil
        isTargetRunning = false
    }
}
