/// Why an access on the emulated chip's bus failed.
///
/// On the wire all of these look the same: the probe reports status 0x11 (AP fault) with the address.
/// Tests that drive the bus directly can tell the reasons apart.
public struct BusFault: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case unmapped = "nothing is mapped there"
        case heldInReset = "the chip is held in reset (NRST low); only the debug registers answer"
        case readOnly = "the address cannot be written"
        case flashKeySequence = "wrong FLASH_KEYR/OPTKEYR sequence: locked until the next reset"
        case misaligned = "a register access must be naturally aligned"
        case badSize = "bus accesses are 1, 2 or 4 bytes"
    }

    public let address: UInt32
    public let reason: Reason

    public init(address: UInt32, reason: Reason) {
        self.address = address
        self.reason = reason
    }

    public var description: String { "bus fault at \(hexString(address)): \(reason.rawValue)" }
}

/// The core's run state as the debug registers show it.
public enum CoreState: Sendable, Equatable {
    /// Executing: the firmware in flash when a `CoreRunner` drives the chip, otherwise a state only.
    case running
    /// In debug state; core registers are readable through DCRSR/DCRDR.
    case halted
    /// Held in reset by NRST.
    case reset
}

/// Registers are 32 bits wide; byte and half-word accesses reach one lane of the word.
enum Lanes {
    static func mask(size: Int) -> UInt32 {
        size >= 4 ? 0xFFFF_FFFF : (UInt32(1) << UInt32(size * 8)) - 1
    }

    /// Naturally aligned, so the access stays inside one word.
    static func isNatural(_ address: UInt32, size: Int) -> Bool {
        address % UInt32(size) == 0
    }

    static func extract(_ word: UInt32, address: UInt32, size: Int) -> UInt32 {
        (word >> ((address & 3) * 8)) & mask(size: size)
    }

    /// The written value moved to its lane, and which bits of the word the access covers.
    static func place(_ value: UInt32, address: UInt32, size: Int) -> (bits: UInt32, covered: UInt32) {
        let shift = (address & 3) * 8
        let m = mask(size: size)
        return ((value & m) << shift, m << shift)
    }

    static func merge(_ word: UInt32, address: UInt32, size: Int, value: UInt32) -> UInt32 {
        let (bits, covered) = place(value, address: address, size: size)
        return (word & ~covered) | bits
    }
}

/// Little-endian byte storage (flash cells, RAM).
extension Array where Element == UInt8 {
    func littleEndian(at offset: Int, size: Int) -> UInt32 {
        var value: UInt32 = 0
        for i in 0..<size { value |= UInt32(self[offset + i]) << UInt32(8 * i) }
        return value
    }

    mutating func storeLittleEndian(_ value: UInt32, at offset: Int, size: Int) {
        for i in 0..<size { self[offset + i] = UInt8(truncatingIfNeeded: value >> UInt32(8 * i)) }
    }
}
