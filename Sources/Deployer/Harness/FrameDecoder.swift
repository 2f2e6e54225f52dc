/// Cuts a byte stream into frames at each 0x00 and checks them. Whatever lies between two
/// delimiters and is not a valid frame is dropped and counted, so the decoder is back in step at
/// the next delimiter whatever came before: garbage, a truncated frame or a bit flip.
public struct FrameDecoder: Sendable {
    public enum Event: Equatable, Sendable {
        case frame(Frame)
        case dropped(FrameDropReason, byteCount: Int)
    }

    /// Largest raw frame (type + seq + payload + CRC) accepted.
    public let maxRawCount: Int
    private var pending: [UInt8] = []
    private var overflowed = 0

    public init(maxPayload: Int = 4096) {
        maxRawCount = maxPayload + Frame.overhead
    }

    /// Bytes held since the last delimiter.
    public var pendingCount: Int { pending.count + overflowed }

    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        let limit = COBS.maxEncodedCount(maxRawCount)
        for byte in bytes {
            if byte != 0 {
                // Past the limit only count: an endless run of garbage must not grow memory.
                if pending.count < limit { pending.append(byte) } else { overflowed += 1 }
                continue
            }
            defer { pending.removeAll(keepingCapacity: true); overflowed = 0 }
            if pending.isEmpty { continue }              // back-to-back delimiters: a flush, not an error
            if overflowed > 0 { events.append(.dropped(.oversize, byteCount: pending.count + overflowed)); continue }
            guard let raw = COBS.decode(pending) else { events.append(.dropped(.badCOBS, byteCount: pending.count)); continue }
            guard raw.count <= maxRawCount else { events.append(.dropped(.oversize, byteCount: pending.count)); continue }
            do { events.append(.frame(try Frame(raw: raw))) } catch { events.append(.dropped(error, byteCount: pending.count)) }
        }
        return events
    }
}
