/// One frame before stuffing: type, sequence number, payload. On the wire it is
/// COBS(type u8, seq u16 LE, payload, CRC-32 LE over the previous fields) followed by 0x00.
public struct Frame: Equatable, Sendable {
    /// Type, sequence number and CRC: the bytes a frame adds to its payload before COBS.
    public static let overhead = 7

    public var type: UInt8
    public var seq: UInt16
    public var payload: [UInt8]

    public init(type: UInt8, seq: UInt16, payload: [UInt8] = []) {
        self.type = type
        self.seq = seq
        self.payload = payload
    }

    public init(_ type: FrameType, seq: UInt16, payload: [UInt8] = []) {
        self.init(type: type.rawValue, seq: seq, payload: payload)
    }

    /// The bytes covered by the CRC, then the CRC.
    public var rawBytes: [UInt8] {
        var w = ByteWriter()
        w.u8(type)
        w.u16(seq)
        w.raw(payload)
        w.u32(CRC32.checksum(w.bytes))
        return w.bytes
    }

    /// Stuffed and delimited: what goes on the wire.
    public var wireBytes: [UInt8] { COBS.encode(rawBytes) + [0] }

    /// Checks and splits the bytes of one decoded frame.
    public init(raw: [UInt8]) throws(FrameDropReason) {
        guard raw.count >= Frame.overhead else { throw .tooShort }
        guard CRC32.checksum(raw) == CRC32.residue else { throw .badCRC }
        self.init(type: raw[0], seq: UInt16(raw[1]) | UInt16(raw[2]) << 8, payload: Array(raw[3..<raw.count - 4]))
    }
}

/// Why received bytes did not make a frame.
public enum FrameDropReason: Error, Equatable, Sendable {
    case badCOBS        // a block claimed more bytes than the frame had: truncated or corrupt
    case tooShort       // shorter than type + seq + CRC
    case badCRC
    case oversize       // longer than any frame the peer may send
}
