/// The ST-LINK/V2-1's mass-storage interface as a drive with no medium in it: enough of the
/// bulk-only transport (USB MSC BOT 1.0) and SCSI for a host's usb-storage driver to bind, ask
/// INQUIRY and learn there is nothing to mount, instead of resetting a silent device forever.
/// (The real probe shows a small drive for drag-and-drop flashing; the mock does not emulate it.)
final class MassStorageStub {
    enum Answer: Equatable { case data([UInt8]), stall, nothing }

    private var queue: [Answer] = []
    private var sense: (key: UInt8, asc: UInt8) = (0, 0)

    static let notReady: (key: UInt8, asc: UInt8) = (0x02, 0x3A)       // NOT READY, MEDIUM NOT PRESENT
    static let illegalRequest: (key: UInt8, asc: UInt8) = (0x05, 0x24) // ILLEGAL REQUEST, INVALID FIELD IN CDB

    /// A bulk OUT: a command block wrapper, or data the host sends for a command (ignored: no
    /// command here takes data). False when it should stall (a malformed CBW).
    func receive(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == 31 else { return !bytes.isEmpty }
        guard bytes[0...3] == [0x55, 0x53, 0x42, 0x43] else { return false }      // "USBC"
        let tag = Array(bytes[4...7])
        let expected = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        let wantsIn = bytes[12] & 0x80 != 0
        let opcode = bytes[15]
        var payload: [UInt8]?
        switch opcode {
        case 0x12:          // INQUIRY
            payload = Self.inquiry
            sense = (0, 0)
        case 0x03:          // REQUEST SENSE
            payload = [0x70, 0, sense.key, 0, 0, 0, 0, 10, 0, 0, 0, 0, sense.asc, 0, 0, 0, 0, 0]
            sense = (0, 0)
        default:            // TEST UNIT READY, READ CAPACITY, READ(10)…: there is no medium
            sense = bytes[15] == 0x00 || [0x25, 0x28, 0x1A, 0x5A, 0x23, 0x1E].contains(opcode) ? Self.notReady : Self.illegalRequest
        }
        if let payload, wantsIn {
            let sent = Array(payload.prefix(expected))
            if !sent.isEmpty { queue.append(.data(sent)) }
            queue.append(.data(Self.status(tag: tag, residue: expected - sent.count, failed: false)))
        } else {
            // A failed command with an IN data stage: stall it, then the status (BOT §6.7.2).
            if wantsIn && expected > 0 { queue.append(.stall) }
            queue.append(.data(Self.status(tag: tag, residue: expected, failed: payload == nil)))
        }
        return true
    }

    /// What the next bulk IN gets.
    func next(maxLength: Int) -> Answer {
        guard !queue.isEmpty else { return .nothing }
        switch queue.removeFirst() {
        case let .data(bytes): return .data(Array(bytes.prefix(maxLength)))
        case let other: return other
        }
    }

    /// Direct-access, removable, SPC-2; vendor and product say it is hil's mock.
    static let inquiry: [UInt8] = [0x00, 0x80, 0x04, 0x02, 31, 0, 0, 0]
        + Array("HIL     ".utf8) + Array("MOCK ST-LINK MSD".utf8) + Array("1.0 ".utf8)

    /// The command status wrapper: "USBS", the tag, the residue, 0 passed / 1 failed.
    static func status(tag: [UInt8], residue: Int, failed: Bool) -> [UInt8] {
        let r = UInt32(max(0, residue))
        return [0x55, 0x53, 0x42, 0x53] + tag
            + [UInt8(truncatingIfNeeded: r), UInt8(truncatingIfNeeded: r >> 8), UInt8(truncatingIfNeeded: r >> 16), UInt8(truncatingIfNeeded: r >> 24)]
            + [failed ? 1 : 0]
    }
}
