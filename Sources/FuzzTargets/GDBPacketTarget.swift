import GDBRemote

/// What a GDB stub (QEMU's, OpenOCD's, st-util's) sends the QEMU board's client: frames found in
/// arbitrary bytes, run lengths expanded, escapes undone, stop replies parsed; and the encodings
/// hil sends, which must come back unchanged.
enum GDBPacketTarget {
    static func run(_ data: [UInt8]) -> FuzzTarget.Outcome {
        var frames = 0
        var start = 0
        scanning: for _ in 0...data.count {
            switch RSPPacket.scan(data, from: start) {
            case .incomplete: break scanning
            case .resynchronise(let at):
                FuzzCheck.require(at > start, "resynchronised without moving on")
                start = at
            case .frame(let body, _, _, let next):
                FuzzCheck.require(next > start && next <= data.count, "a frame ending at \(next) after starting at \(start)")
                start = next
                frames += 1
                if let expanded = RSPPacket.expandRunLengths(body) {
                    _ = StopReply(packet: expanded)
                    _ = RSPPacket.unescape(expanded)
                    _ = RSPPacket.bytes(fromHex: expanded)
                }
            }
        }
        // What we send: the bytes as binary data in a frame, read back by the same scanner.
        let escaped = RSPPacket.escape(data)
        let framed = RSPPacket.frame(escaped)
        FuzzCheck.require(RSPPacket.scan(framed, from: 0) == .frame(body: escaped, kind: UInt8(ascii: "$"), checksumOK: true, next: framed.count),
                          "a frame we built does not scan back whole")
        FuzzCheck.require(RSPPacket.unescape(escaped) == data, "escape then unescape changed \(data.count) bytes")
        FuzzCheck.require(RSPPacket.bytes(fromHex: RSPPacket.hex(data)) == data, "hex round trip")
        return frames > 0 ? .accepted : .rejected
    }
}
