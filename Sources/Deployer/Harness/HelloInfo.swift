/// Everything a device announces in HELLO (and its LABELS frames): who it is, what model it holds
/// and how to talk to it.
public struct HelloInfo: Equatable, Sendable {
    public enum Reason: UInt8, Sendable { case boot = 0, request = 1 }

    public var protocolVersion: UInt8
    /// `.boot` when sent by hil_harness_start: the device has just been reset.
    public var reason: Reason
    /// Sequence number of the HELLO_REQUEST answered (0xFFFF at boot).
    public var ref: UInt16
    /// Differs per reset: results carry it so nothing from before a reboot is taken for after.
    public var bootID: UInt32
    public var modelState: ModelState
    /// hil_status of loading the model (0 = HIL_OK), for saying why a model is corrupt.
    public var modelLoadStatus: UInt8
    public var timer: TimerKind
    public var cacheFlags: CacheFlags
    public var coreClockHz: UInt32
    public var currentBaud: UInt32
    public var maxBaud: UInt32
    /// The rate the device comes up at after a reset.
    public var bootBaud: UInt32
    public var inputBufferSize: UInt32
    public var inputBufferCount: Int
    /// 1 = int8, the only input type today.
    public var inputDType: UInt8
    public var maxPayload: Int
    public var inputShape: InputShape
    public var classCount: Int
    public var inputScale: Float
    public var inputZeroPoint: Int32
    public var outputScale: Float
    public var outputZeroPoint: Int32
    public var arenaBytes: UInt32
    public var modelSize: UInt32
    /// SHA-256 of the model blob (hil_sha256), all zero without a parsed model.
    public var modelHash: [UInt8]
    public var modelMACs: UInt64
    public var board: String
    public var buildID: String
    public var modelName: String
    /// Filled from LABELS frames; the session waits until all `classCount` are in.
    public var labels: [String]

    /// Input bytes per sample.
    public var inputByteCount: Int { inputShape.height * inputShape.width * inputShape.channels }
    public var modelHashHex: String { modelHash.map { String($0, radix: 16).leftPadded(2) }.joined() }

    public init(payload: [UInt8]) throws {
        var r = ByteReader(payload)
        protocolVersion = try r.u8()
        reason = Reason(rawValue: try r.u8()) ?? .request
        ref = try r.u16()
        bootID = try r.u32()
        guard let state = ModelState(rawValue: try r.u8()) else { throw ByteReader.Short() }
        modelState = state
        modelLoadStatus = try r.u8()
        timer = TimerKind(rawValue: try r.u8()) ?? .estimated
        cacheFlags = CacheFlags(rawValue: try r.u8())
        coreClockHz = try r.u32()
        currentBaud = try r.u32()
        maxBaud = try r.u32()
        inputBufferSize = try r.u32()
        inputBufferCount = Int(try r.u8())
        inputDType = try r.u8()
        maxPayload = Int(try r.u16())
        inputShape = InputShape(height: Int(try r.u16()), width: Int(try r.u16()), channels: Int(try r.u16()))
        classCount = Int(try r.u16())
        inputScale = try r.f32()
        inputZeroPoint = try r.i32()
        outputScale = try r.f32()
        outputZeroPoint = try r.i32()
        arenaBytes = try r.u32()
        modelSize = try r.u32()
        modelHash = Array(try r.take(32))
        modelMACs = try r.u64()
        bootBaud = try r.u32()
        board = try r.text()
        buildID = try r.text()
        modelName = try r.text()
        labels = []
    }
}

/// The model's input, NHWC with batch 1.
public struct InputShape: Equatable, Sendable, CustomStringConvertible {
    public var height: Int
    public var width: Int
    public var channels: Int
    public var description: String { "\(height)x\(width)x\(channels)" }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
