/// The numbers of the wire format (docs/harness-protocol.md); they match hil_harness.h.
public enum FrameType: UInt8, Sendable, CaseIterable {
    case helloRequest = 0x01, ping = 0x02, setBaud = 0x03, input = 0x04, infer = 0x05
    case hello = 0x81, labels = 0x82, pong = 0x83, baudAck = 0x84, nak = 0x85, result = 0x86, error = 0x87
    case layerProfile = 0x88
}

/// ERROR frame codes.
public enum DeviceErrorCode: UInt8, Sendable, CustomStringConvertible {
    case badFrame = 1, unknownType, badPayload, noModel, inputRange, inputIncomplete, unknownSample,
         busy, baudRefused, inferFailed

    public var description: String {
        switch self {
        case .badFrame: return "bad frame"
        case .unknownType: return "unknown frame type"
        case .badPayload: return "bad payload"
        case .noModel: return "no model"
        case .inputRange: return "chunk outside the input"
        case .inputIncomplete: return "input incomplete"
        case .unknownSample: return "unknown sample"
        case .busy: return "busy"
        case .baudRefused: return "baud refused"
        case .inferFailed: return "inference failed"
        }
    }
}

/// Where the device stands with its model (hil_model_state).
public enum ModelState: UInt8, Sendable, CustomStringConvertible {
    case ready = 0, empty, corrupt, tooBig

    public var description: String {
        switch self {
        case .ready: return "ready"
        case .empty: return "empty (the model region is erased)"
        case .corrupt: return "corrupt"
        case .tooBig: return "too big for this firmware's arena or input buffers"
        }
    }
}

/// Which timer produced the cycle counts (hil_timer_kind): an estimate is never a measurement.
public enum TimerKind: UInt8, Sendable, CustomStringConvertible {
    case dwtCycleCounter = 0, systickEmulated, estimated

    public var description: String {
        switch self {
        case .dwtCycleCounter: return "measured (DWT cycle counter)"
        case .systickEmulated: return "emulated (QEMU SysTick)"
        case .estimated: return "estimated (cost model)"
        }
    }
}

/// What a device input buffer holds (hil_slot_state), as PONG reports it.
public enum SlotState: UInt8, Sendable {
    case free = 0, filling, queued, running
}

/// Cache configuration bits as the firmware reports them.
public struct CacheFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let instructionCache = CacheFlags(rawValue: 1)
    public static let dataCache = CacheFlags(rawValue: 2)
    public static let artAccelerator = CacheFlags(rawValue: 4)
}
