extension GDBRemoteClient {
    /// `c`: the target runs on. The stop reply comes only when it stops, so nothing is awaited
    /// here beyond the acknowledgement; `halt()` or `waitForStop` collects it.
    public func resume() throws(GDBError) {
        let channel = try openChannel()
        guard !isTargetRunning else { return }
        let deadline = Deadline(timeout)
        try guarded { () throws(GDBError) in try channel.send(Array("c".utf8), command: "c", deadline: deadline) }
        isTargetRunning = true
    }

    /// Stops a running target with the interrupt byte (0x03) and returns its stop reply. A target
    /// that already stopped on its own (breakpoint, exit) has its reply taken instead; a halted
    /// target just reports why it is halted (`?`).
    public func halt() throws(GDBError) -> StopReply {
        guard isTargetRunning else { return try haltReason() }
        let channel = try openChannel()
        let deadline = Deadline(timeout)
        // A stop reply may already be waiting; interrupting a stopped target is answered by
        // some stubs and ignored by others, so never rely on a second reply.
        while try guarded({ () throws(GDBError) in try channel.hasPendingPacket() }) {
            if let stop = try nextStop(command: "stop", deadline: deadline) { return stop }
        }
        try guarded { () throws(GDBError) in
            try channel.sendRaw([RSPPacket.interrupt], command: "interrupt", deadline: deadline)
        }
        while true {
            if let stop = try nextStop(command: "interrupt", deadline: deadline) { return stop }
        }
    }

    /// Waits for the running target to stop by itself (breakpoint, semihosting exit, fault
    /// trap), for at most `timeout` (the client's timeout when nil). A timeout leaves it running.
    public func waitForStop(timeout: Duration? = nil) throws(GDBError) -> StopReply {
        guard isTargetRunning else { return try haltReason() }
        let deadline = Deadline(timeout ?? self.timeout)
        while true {
            if let stop = try nextStop(command: "c", deadline: deadline) { return stop }
        }
    }

    /// One packet while running: console output goes to the handler (nil is returned), a stop
    /// reply ends the run; anything else is a protocol error.
    private func nextStop(command: String, deadline: Deadline) throws(GDBError) -> StopReply? {
        let packet = try receive(command: command, deadline: deadline)
        if let text = consoleText(packet) {
            consoleOutput?(text)
            return nil
        }
        guard let stop = StopReply(packet: packet) else {
            throw .malformedReply(command: command, reply: printable(Array(packet.prefix(60))))
        }
        isTargetRunning = false
        return stop
    }

    /// `qRcmd`: a command for the server itself (OpenOCD's "reset halt", QEMU's "system_reset",
    /// J-Link's "reset"). Its output may come as `O` packets before the final `OK`, or as one hex
    /// reply; both are collected and returned as text.
    public func monitor(_ command: String) throws(GDBError) -> String {
        let label = "monitor \(command)"
        let payload = Array("qRcmd,".utf8) + RSPPacket.hex(Array(command.utf8))
        let channel = try openChannel()
        guard !isTargetRunning else { throw .targetRunning(command: label) }
        let deadline = Deadline(timeout)
        try guarded { () throws(GDBError) in try channel.send(payload, command: label, deadline: deadline) }
        var output: [UInt8] = []
        while true {
            let reply = try receive(command: label, deadline: deadline)
            if reply == Array("OK".utf8) { break }
            if reply.first == UInt8(ascii: "O"), let text = RSPPacket.bytes(fromHex: reply.dropFirst()) {
                output += text
                continue
            }
            try checkError(reply, command: label)
            guard let text = RSPPacket.bytes(fromHex: reply) else {
                throw .malformedReply(command: label, reply: printable(Array(reply.prefix(60))))
            }
            output += text
            break
        }
        return String(decoding: output, as: UTF8.self)
    }
}
