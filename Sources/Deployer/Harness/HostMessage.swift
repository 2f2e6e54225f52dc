/// Frames the host sends, as values. Payload layouts: docs/harness-protocol.md.
public enum HostMessage: Equatable, Sendable {
    case helloRequest
    case ping
    case setBaud(UInt32)
    /// `data` goes to offset `offset` of the input of `sample`, held in input buffer `slot`.
    case input(slot: UInt8, sample: UInt32, offset: UInt32, data: [UInt8])
    /// Run `sample` once all of its input is in `slot`; with `profile` (protocol 2) the device
    /// sends the cycles of each layer (LAYER_PROFILE) before the RESULT.
    case infer(slot: UInt8, sample: UInt32, profile: Bool = false)

    /// Bytes an INPUT payload spends before its data.
    public static let inputHeaderCount = 9

    public var type: FrameType {
        switch self {
        case .helloRequest: return .helloRequest
        case .ping: return .ping
        case .setBaud: return .setBaud
        case .input: return .input
        case .infer: return .infer
        }
    }

    public var payload: [UInt8] {
        var w = ByteWriter()
        switch self {
        case .helloRequest, .ping: break
        case let .setBaud(baud): w.u32(baud)
        case let .input(slot, sample, offset, data): w.u8(slot); w.u32(sample); w.u32(offset); w.raw(data)
        case let .infer(slot, sample, profile):
            w.u8(slot); w.u32(sample)
            if profile { w.u8(1) }               // flags, bit 0; absent = 0, so version 1 is unchanged
        }
        return w.bytes
    }

    public func frame(seq: UInt16) -> Frame { Frame(type, seq: seq, payload: payload) }

    /// Reads a host frame back (for test doubles and wire monitors).
    public init(_ frame: Frame) throws {
        var r = ByteReader(frame.payload)
        switch FrameType(rawValue: frame.type) {
        case .helloRequest: self = .helloRequest
        case .ping: self = .ping
        case .setBaud: self = .setBaud(try r.u32())
        case .input: self = .input(slot: try r.u8(), sample: try r.u32(), offset: try r.u32(), data: r.rest())
        case .infer:
            let slot = try r.u8(), sample = try r.u32()
            self = .infer(slot: slot, sample: sample, profile: (r.rest().first ?? 0) & 1 != 0)
        default: throw ByteReader.Short()
        }
    }
}
