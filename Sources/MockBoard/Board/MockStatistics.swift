/// What the mock board saw during a run: the figures a benchmark prints and the facts a test checks
/// (how many erases, which commands were refused and why).
public struct MockStatistics: Sendable, Equatable {
    /// Bulk transfers that reached the probe (refused and stalled ones included, disconnected ones
    /// not), and the bytes that actually moved (a stalled transfer moves none).
    public var transfersOut = 0
    public var transfersIn = 0
    public var bytesOut = 0
    public var bytesIn = 0
    /// Commands received, by name ("WRITEMEM_32"); refused ones are counted too.
    public var commands: [String: Int] = [:]
    /// Sector index → erases the controller ran (including ones left ineffective by a low supply).
    public var sectorErases: [Int: Int] = [:]
    public var massErases = 0
    /// Access size in bytes (1, 2, 4) → program operations the controller ran.
    public var programAccesses: [Int: Int] = [:]
    /// Total time the flash controller held BSY: its own time, not the bus's or the USB's.
    public var flashBusyTime: Duration = .zero
    /// Every command the probe refused (firmware, mode or limit), or framing it could not accept,
    /// with the reason, in order.
    public var rejected: [String] = []

    public init() {}
}

/// The flash controller's share of the statistics, kept by the chip.
struct FlashStatistics {
    var sectorErases: [Int: Int] = [:]
    var massErases = 0
    var programAccesses: [Int: Int] = [:]
    var flashBusyTime: Duration = .zero
}

/// Hex for messages, without leaning on any other module's helper.
func hexString(_ value: UInt32, digits: Int = 8) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: max(0, digits - text.count)) + text
}
