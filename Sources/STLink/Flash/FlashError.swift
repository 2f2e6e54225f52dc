/// Why flashing stopped. Every case says which sector or address and what a user can do; none of
/// them is ever reported as success.
public enum FlashError: Error, Equatable, Sendable, CustomStringConvertible {
    case probe(STLinkError)
    case target(TargetError)
    /// The controller refused or failed an operation; `status` holds the SR error bits.
    case controller(operation: String, status: FlashStatus)
    /// The controller stays locked after the key sequence (a wrong key since the last reset).
    case stillLocked
    case timeout(operation: String, after: Duration)
    case verifyMismatch(address: UInt32, expected: UInt8, actual: UInt8)
    case outsideFlash(address: UInt32, count: Int, flashStart: UInt32, flashEnd: UInt32)
    case overlapping(address: UInt32)
    case supplyTooLow(volts: Double, minimum: Double)

    public var description: String {
        switch self {
        case let .probe(e): return e.description
        case let .target(e): return e.description
        case let .controller(operation, status):
            return "\(operation) failed: \(status.explanation)"
        case .stillLocked:
            return "the flash controller stays locked after the unlock keys: a wrong key was written since the last reset; reset the board (or run with --connect-under-reset) and flash again"
        case let .timeout(operation, after):
            return "\(operation) did not finish within \(after) (BSY stayed set); power-cycle the board and try again"
        case let .verifyMismatch(address, expected, actual):
            return "verify failed at 0x\(hex32(address)): wrote 0x\(hex8(expected)), read back 0x\(hex8(actual)); the flash may be worn or the supply unstable — flash again, and check the board's power"
        case let .outsideFlash(address, count, start, end):
            return "\(count) bytes at 0x\(hex32(address)) are outside the flash (0x\(hex32(start))–0x\(hex32(end &- 1))); nothing was erased"
        case let .overlapping(address):
            return "two pieces of the image overlap at 0x\(hex32(address)); nothing was erased"
        case let .supplyTooLow(volts, minimum):
            return "the target supply reads \(String(format: "%.2f", volts)) V, below the \(String(format: "%.1f", minimum)) V the flash needs to be programmed; check the board's power"
        }
    }
}

/// FLASH_SR as read after an operation (RM0385 3.7.5).
public struct FlashStatus: RawRepresentable, Equatable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let endOfOperation: UInt32 = 1 << 0
    public static let operationError: UInt32 = 1 << 1
    public static let writeProtectionError: UInt32 = 1 << 4
    public static let alignmentError: UInt32 = 1 << 5
    public static let parallelismError: UInt32 = 1 << 6
    public static let sequenceError: UInt32 = 1 << 7
    public static let busy: UInt32 = 1 << 16
    public static let errorMask: UInt32 = operationError | writeProtectionError | alignmentError | parallelismError | sequenceError

    public var errors: UInt32 { rawValue & Self.errorMask }
    public var isBusy: Bool { rawValue & Self.busy != 0 }

    /// Each error bit turned into a sentence a user understands.
    public var explanation: String {
        var parts: [String] = []
        if rawValue & Self.writeProtectionError != 0 {
            parts.append("WRPERR, the sector is write-protected in the option bytes (nWRP); remove the protection with STM32CubeProgrammer and flash again")
        }
        if rawValue & Self.alignmentError != 0 {
            parts.append("PGAERR, a write crossed a 128-bit flash row; this is a bug in hil's flash driver, please report it")
        }
        if rawValue & Self.parallelismError != 0 {
            parts.append("PGPERR, the access size did not match the programming parallelism (PSIZE); this is a bug in hil's flash driver, please report it")
        }
        if rawValue & Self.sequenceError != 0 {
            parts.append("ERSERR, flash was written without the controller set up for it (is firmware on the core writing flash? flash with --connect-under-reset)")
        }
        if rawValue & Self.operationError != 0 {
            parts.append("OPERR, the flash operation failed")
        }
        return parts.isEmpty ? "status 0x\(hex32(rawValue))" : parts.joined(separator: "; ")
    }

    public var description: String { "FLASH_SR=0x\(hex32(rawValue))" }
}
