/// What the mock board's serial side needs to know about the firmware layout and the board.
/// The Deployer fills it from the board definition (`boards/*.json`, "firmware" and "harness").
public struct MockUARTConfig: Sendable {
    /// The harness info block (docs/firmware-layout.md) sits at this flash address.
    public var infoBlockAddress: UInt32
    public var modelRegionBase: UInt32
    public var modelRegionSize: Int
    public var coreClockHz: UInt32
    public var arenaSize: Int
    public var inputBufferSize: Int
    /// The UART's rate after reset.
    public var bootBaud: Int = 115_200
    /// The highest rate the harness accepts in a baud switch.
    public var maxBaud: Int = 2_000_000
    public var costModel = CortexM7CostModel()

    public init(infoBlockAddress: UInt32, modelRegionBase: UInt32, modelRegionSize: Int, coreClockHz: UInt32,
                arenaSize: Int, inputBufferSize: Int) {
        self.infoBlockAddress = infoBlockAddress
        self.modelRegionBase = modelRegionBase
        self.modelRegionSize = modelRegionSize
        self.coreClockHz = coreClockHz
        self.arenaSize = arenaSize
        self.inputBufferSize = inputBufferSize
    }
}

/// Faults on the virtual COM port, applied by the mock UART. Deterministic for a given seed.
public struct SerialFaultPlan: Sendable, Equatable {
    /// Probability that a byte (either direction) has one bit flipped.
    public var bitFlipRate: Double = 0
    /// Probability that a byte (either direction) is lost.
    public var dropRate: Double = 0
    /// Probability that a byte (either direction) arrives twice.
    public var duplicateRate: Double = 0
    /// After this many bytes received from the host, the board stops reading and answering for
    /// `stallDuration`.
    public var stallAfterBytes: Int?
    public var stallDuration: Duration = .seconds(1)
    /// After this many bytes received from the host, the board reboots (its harness starts over
    /// with a new boot id; whatever was in flight is lost).
    public var rebootAfterBytes: Int?
    /// After this many bytes received from the host the board is pulled, VCP and probe together
    /// (the owner of the board does the pulling; see `MockBoard.attachSerial(_:faults:onPull:)`).
    public var pullAfterBytes: Int?
    /// The model the harness finds in flash at boot, in place of what was flashed: a board that
    /// answers with another model (a stale image, a second firmware that kept its own model).
    public var foreignModel: [UInt8]?
    public var seed: UInt64 = 0x5EED

    public init() {}
    public static let none = SerialFaultPlan()
}

/// The harness info block as the firmware carries it (docs/firmware-layout.md): without a valid
/// one the flash holds no harness, and a board that runs no harness says nothing.
struct HarnessInfoBlock: Equatable {
    static let magic: UInt32 = 0x484C_4948     // "HILH"
    static let size = 64
    let protocolVersion: UInt16
    let buildID: String
    let board: String

    init?(_ bytes: [UInt8]) {
        guard bytes.count >= Self.size else { return nil }
        let magic = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        guard magic == Self.magic else { return nil }
        protocolVersion = UInt16(bytes[4]) | UInt16(bytes[5]) << 8
        let declared = Int(UInt16(bytes[6]) | UInt16(bytes[7]) << 8)
        guard declared == Self.size else { return nil }
        func text(_ range: Range<Int>) -> String? {
            let field = bytes[range].prefix { $0 != 0 }
            guard field.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
            return String(decoding: field, as: UTF8.self)
        }
        guard let build = text(8..<32), let board = text(32..<64), !board.isEmpty else { return nil }
        buildID = build
        self.board = board
    }
}
