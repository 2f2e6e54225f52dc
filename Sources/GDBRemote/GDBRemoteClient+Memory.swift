extension GDBRemoteClient {
    /// `m addr,len`, in pieces whose hex reply fits the stub's packet size. A stub may answer
    /// with fewer bytes than asked (the end of a readable region); the rest is asked for next,
    /// and an error on that request says where reading stopped.
    public func readMemory(_ address: UInt32, count: Int) throws(GDBError) -> [UInt8] {
        precondition(count >= 0, "negative count")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        // The reply has two characters per byte; GDB asks for at most half the packet size.
        let largest = max(1, packetSize / 2)
        var next = UInt64(address)
        while bytes.count < count {
            let chunk = min(count - bytes.count, largest)
            let command = "m\(hex(next)),\(hex(chunk))"
            let reply = try request(command)
            try checkError(reply, command: command)
            guard let data = RSPPacket.bytes(fromHex: reply), !data.isEmpty, data.count <= chunk else {
                throw .malformedReply(command: command, reply: printable(Array(reply.prefix(40))))
            }
            bytes += data
            next += UInt64(data.count)
        }
        return bytes
    }

    /// Writes with binary `X` packets when the stub takes them (probed once with an empty `X`,
    /// as GDB does), else hex `M` packets at twice the size on the wire. Each packet is filled up
    /// to the stub's packet size.
    public func writeMemory(_ address: UInt32, _ bytes: [UInt8]) throws(GDBError) {
        guard !bytes.isEmpty else { return }
        if binaryWrites == nil { binaryWrites = try probeBinaryWrites(address) }
        // Room for the header ("X" or "M", 8 address digits, ',', up to 8 length digits, ':').
        let budget = payloadLimit - 19
        var offset = 0
        while offset < bytes.count {
            let next = UInt64(address) + UInt64(offset)
            let end: Int
            var payload: [UInt8]
            if binaryWrites == true {
                end = Self.binaryChunkEnd(bytes, from: offset, budget: budget)
                payload = Array("X\(hex(next)),\(hex(end - offset)):".utf8)
                payload += RSPPacket.escape(Array(bytes[offset..<end]))
            } else {
                end = min(bytes.count, offset + budget / 2)
                payload = Array("M\(hex(next)),\(hex(end - offset)):".utf8)
                payload += RSPPacket.hex(Array(bytes[offset..<end]))
            }
            let command = commandLabel(payload)
            try expectOK(try request(payload, command: command), command: command)
            offset = end
        }
    }

    /// `X addr,0:` writes nothing: OK (or an error about the address) means X is understood,
    /// the empty reply means it is not.
    private func probeBinaryWrites(_ address: UInt32) throws(GDBError) -> Bool {
        let reply = try request("X\(hex(UInt64(address))),0:")
        return !reply.isEmpty
    }

    /// The end of the longest run from `start` whose escaped form fits `budget` bytes.
    static func binaryChunkEnd(_ bytes: [UInt8], from start: Int, budget: Int) -> Int {
        var used = 0
        var end = start
        while end < bytes.count {
            let cost = RSPPacket.needsEscape(bytes[end]) ? 2 : 1
            if used + cost > budget { break }
            used += cost
            end += 1
        }
        return end
    }

    func hex<T: BinaryInteger>(_ value: T) -> String {
        String(value, radix: 16)
    }
}
