/// Frames the device sends, parsed. A frame with a good CRC but a payload that does not parse is
/// dropped and counted by the session, like a bad CRC.
public enum DeviceMessage: Equatable, Sendable {
    case hello(HelloInfo)
    case labels(first: Int, labels: [String])
    case pong(DeviceStatus)
    case baudAck(ref: UInt16, baud: UInt32)
    /// The device wants `sample`'s input again from `offset` on.
    case nak(ref: UInt16, slot: UInt8, sample: UInt32, offset: UInt32)
    case result(ResultFrame)
    case layerProfile(LayerProfileFrame)
    case error(DeviceErrorFrame)

    public init(_ frame: Frame) throws {
        var r = ByteReader(frame.payload)
        switch FrameType(rawValue: frame.type) {
        case .hello: self = .hello(try HelloInfo(payload: frame.payload))
        case .labels:
            let first = Int(try r.u16())
            let count = Int(try r.u8())
            self = .labels(first: first, labels: try (0..<count).map { _ in try r.text() })
        case .pong: self = .pong(try DeviceStatus(payload: frame.payload))
        case .baudAck: self = .baudAck(ref: try r.u16(), baud: try r.u32())
        case .nak: self = .nak(ref: try r.u16(), slot: try r.u8(), sample: try r.u32(), offset: try r.u32())
        case .result: self = .result(try ResultFrame(payload: frame.payload))
        case .layerProfile: self = .layerProfile(try LayerProfileFrame(payload: frame.payload))
        case .error: self = .error(try DeviceErrorFrame(payload: frame.payload))
        default: throw ByteReader.Short()
        }
    }
}

/// RESULT as sent: the wire sample id, not yet the caller's.
public struct ResultFrame: Equatable, Sendable {
    public var sample: UInt32
    public var bootID: UInt32
    /// CRC-32 of the input bytes the device inferred.
    public var inputCRC: UInt32
    public var cycles: UInt64
    public var predictedClass: UInt16
    public var slot: UInt8
    public var scores: [Int8]

    init(payload: [UInt8]) throws {
        var r = ByteReader(payload)
        sample = try r.u32()
        bootID = try r.u32()
        inputCRC = try r.u32()
        cycles = try r.u64()
        predictedClass = try r.u16()
        let count = Int(try r.u16())
        slot = try r.u8()
        scores = try r.take(count).map { Int8(bitPattern: $0) }
    }
}

/// LAYER_PROFILE as sent (protocol 2, §4.8): cycles of layers `first ..< first + cycles.count`
/// of the inference of `sample`, which the RESULT that follows reports as a whole.
public struct LayerProfileFrame: Equatable, Sendable {
    public var sample: UInt32
    public var bootID: UInt32
    /// Layers of the model; more than the harness records (its build's limit) comes with no cycles.
    public var layerCount: Int
    public var first: Int
    /// The highest arena byte inference has written since boot, + 1 (the arena is painted at init).
    public var arenaPeakBytes: Int
    /// The most stack bytes used since boot, when the firmware paints its stack.
    public var stackPeakBytes: Int?
    public var cycles: [UInt32]

    init(payload: [UInt8]) throws {
        var r = ByteReader(payload)
        sample = try r.u32()
        bootID = try r.u32()
        layerCount = Int(try r.u16())
        first = Int(try r.u16())
        let count = Int(try r.u16())
        arenaPeakBytes = Int(try r.u32())
        let stack = try r.u32()
        stackPeakBytes = stack == 0xFFFF_FFFF ? nil : Int(stack)
        cycles = try (0..<count).map { _ in try r.u32() }
    }
}

/// ERROR as sent. `ref` is the sequence number of the host frame that caused it.
public struct DeviceErrorFrame: Equatable, Sendable {
    public var rawCode: UInt8
    public var ref: UInt16?
    public var slot: UInt8?
    public var sample: UInt32?
    public var value: UInt32
    public var text: String

    public var code: DeviceErrorCode? { DeviceErrorCode(rawValue: rawCode) }

    init(payload: [UInt8]) throws {
        var r = ByteReader(payload)
        rawCode = try r.u8()
        let flags = try r.u8()
        let ref = try r.u16(), slot = try r.u8(), sample = try r.u32()
        self.ref = flags & 1 != 0 ? ref : nil
        self.slot = flags & 2 != 0 ? slot : nil
        self.sample = flags & 4 != 0 ? sample : nil
        value = try r.u32()
        text = String(decoding: r.rest(), as: UTF8.self)
    }
}
