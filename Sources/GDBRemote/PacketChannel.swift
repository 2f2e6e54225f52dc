/// Packets over the TCP stream: framing, checksums and the `+`/`-` acknowledgement dance, or its
/// absence once `QStartNoAckMode` is agreed. Knows nothing about what packets mean.
final class PacketChannel {
    let connection: TCPConnection
    /// Until both sides agree on no-ack mode, every packet is acknowledged by its receiver.
    var acknowledging = true
    /// How many times one packet is sent (or a reply awaited again after a bad checksum) before
    /// giving up: a line that corrupts five packets in a row is not going to get better.
    let attempts = 5
    /// Bytes received and not yet consumed; `start` avoids shifting the array on every packet.
    private var inbox: [UInt8] = []
    private var start = 0

    init(connection: TCPConnection) {
        self.connection = connection
    }

    /// Sends one packet; in ack mode, waits for '+' and retransmits on '-'.
    func send(_ payload: [UInt8], command: String, deadline: Deadline) throws(GDBError) {
        let framed = RSPPacket.frame(payload)
        for _ in 0..<attempts {
            try connection.send(framed, deadline: deadline, command: command)
            if !acknowledging { return }
            if try awaitAcknowledgement(command: command, deadline: deadline) { return }
        }
        throw .rejected(command: command, attempts: attempts)
    }

    /// Sends raw bytes outside any packet (the interrupt byte, a lone ack).
    func sendRaw(_ bytes: [UInt8], command: String, deadline: Deadline) throws(GDBError) {
        try connection.send(bytes, deadline: deadline, command: command)
    }

    /// True for '+', false for '-'. Other bytes before the ack are noise and skipped; a '$' means
    /// the stub is already replying (some never ack), which counts as acknowledged.
    private func awaitAcknowledgement(command: String, deadline: Deadline) throws(GDBError) -> Bool {
        while true {
            while start < inbox.count {
                let byte = inbox[start]
                if byte == RSPPacket.start { return true }
                start += 1
                if byte == RSPPacket.ack { return true }
                if byte == RSPPacket.nak { return false }
            }
            try fill(command: command, deadline: deadline)
        }
    }

    /// The next packet's payload, checksum verified and run lengths expanded (binary escapes are
    /// left for the caller: only some replies are binary). Acknowledges it in ack mode, and asks
    /// for a retransmission ('-') when the checksum is wrong. Notifications (`%…`) are skipped:
    /// this client never enables non-stop mode, so none are expected.
    func receive(command: String, deadline: Deadline) throws(GDBError) -> [UInt8] {
        var badChecksums = 0
        while true {
            guard let (body, kind, checksumOK) = try nextFrame(command: command, deadline: deadline) else { continue }
            if kind == RSPPacket.notification { continue }
            if !checksumOK {
                badChecksums += 1
                guard acknowledging, badChecksums < attempts else {
                    throw .malformedReply(command: command, reply: "bad checksum on " + printable(body))
                }
                try connection.send([RSPPacket.nak], deadline: deadline, command: command)
                continue
            }
            if acknowledging { try connection.send([RSPPacket.ack], deadline: deadline, command: command) }
            guard let expanded = RSPPacket.expandRunLengths(body) else {
                throw .malformedReply(command: command, reply: "bad run-length encoding in " + printable(body))
            }
            return expanded
        }
    }

    /// Whether a complete packet (or more) is already here or waiting in the socket.
    func hasPendingPacket() throws(GDBError) -> Bool {
        _ = try connection.receiveIfReady(into: &inbox)
        return inbox[start...].contains(RSPPacket.end)
    }

    /// Drops everything received so far: used after a timeout, so a late reply to the command
    /// that timed out is not taken for the reply to the next one.
    func discardPending() {
        while (try? connection.receiveIfReady(into: &inbox)) == true {}
        inbox.removeAll(keepingCapacity: true)
        start = 0
    }

    /// One `$…#cs` or `%…#cs` frame, or nil after skipping bytes outside any frame.
    private func nextFrame(command: String, deadline: Deadline) throws(GDBError) -> ([UInt8], UInt8, Bool)? {
        switch RSPPacket.scan(inbox, from: start) {
        case .incomplete(let skipTo):
            start = skipTo
            try fill(command: command, deadline: deadline)
            return nil
        case .resynchronise(let at):
            start = at
            return nil
        case .frame(let body, let kind, let checksumOK, let next):
            start = next
            return (body, kind, checksumOK)
        }
    }

    /// Reads more from the socket, first compacting what has been consumed.
    private func fill(command: String, deadline: Deadline) throws(GDBError) {
        if start > 0 {
            inbox.removeFirst(start)
            start = 0
        }
        try connection.receive(into: &inbox, deadline: deadline, command: command)
    }
}
