import STLink
import Testing
@testable import MockBoard

/// Command blocks written by hand, byte for byte, as the ST-LINK facts give them; no driver here.
func block(_ bytes: [UInt8]) -> [UInt8] {
    bytes + [UInt8](repeating: 0, count: 16 - bytes.count)
}

func u32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }
func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
func value32(_ bytes: [UInt8], at i: Int) -> UInt32 {
    UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
}

let timeout: Duration = .seconds(1)

extension MockBoard {
    convenience init(_ probe: EmulatedProbeConfig = .v2_1(), faults: FaultPlan = .none) {
        self.init(chip: Fixture.chip, probe: probe, faults: faults)
    }

    /// One command with an optional data OUT phase and an optional IN phase.
    @discardableResult
    func send(_ command: [UInt8], data: [UInt8]? = nil, reply: Int? = nil) throws(TransportError) -> [UInt8] {
        try probe.bulkOut(block(command), timeout: timeout)
        if let data { try probe.bulkOut(data, timeout: timeout) }
        guard let reply else { return [] }
        return try probe.bulkIn(maxLength: reply, timeout: timeout)
    }

    /// Leaves whatever mode the probe powered up in and enters SWD, as the facts' habits say.
    func connect() throws(TransportError) {
        let mode = try send([0xF5], reply: 2)[0]
        if mode == 0 { try send([0xF3, 0x07]) }
        if mode == 2 { try send([0xF2, 0x21]) }
        let status = try send([0xF2, 0x30, 0xA3], reply: 2)
        #expect(status == [0x80, 0x00])
    }

    func writeDebug(_ address: UInt32, _ value: UInt32) throws(TransportError) -> UInt8 {
        try send([0xF2, 0x35] + u32(address) + u32(value), reply: 2)[0]
    }

    func readDebug(_ address: UInt32) throws(TransportError) -> (status: UInt8, value: UInt32) {
        let reply = try send([0xF2, 0x36] + u32(address), reply: 8)
        return (reply[0], value32(reply, at: 4))
    }

    func writeMem32(_ address: UInt32, _ data: [UInt8]) throws(TransportError) {
        try send([0xF2, 0x08] + u32(address) + u16(data.count), data: data)
    }

    func readMem32(_ address: UInt32, _ count: Int) throws(TransportError) -> [UInt8] {
        try send([0xF2, 0x07] + u32(address) + u16(count), reply: count)
    }

    func lastStatus() throws(TransportError) -> (status: UInt8, address: UInt32) {
        let reply = try send([0xF2, 0x3E], reply: 12)
        return (reply[0], value32(reply, at: 4))
    }
}
