import STLink
import Testing
@testable import MockBoard

@Suite("ST-LINK framing, identity, modes and firmware gates")
struct ProbeProtocolTests {
    @Test func getVersionV2() throws {
        let board = MockBoard(.v2())
        // V2J37S7: 2<<12 | 37<<6 | 7 = 0x2947, then VID 0x0483 and PID 0x3748, little endian.
        #expect(try board.send([0xF1], reply: 6) == [0x29, 0x47, 0x83, 0x04, 0x48, 0x37])
        #expect(board.probe.identity.model.productID == 0x3748)
    }

    @Test func getVersionV2_1() throws {
        let board = MockBoard(.v2_1())
        // V2J40M27: 0x2000 | 40<<6 | 27 = 0x2A1B; PID 0x374B.
        #expect(try board.send([0xF1], reply: 6) == [0x2A, 0x1B, 0x83, 0x04, 0x4B, 0x37])
    }

    @Test func getVersionV3NeedsTheExtendedCommand() throws {
        let board = MockBoard(.v3())
        #expect(try board.send([0xF1], reply: 6) == [0x30, 0x00, 0x83, 0x04, 0x4F, 0x37])
        #expect(try board.send([0xFB], reply: 12) == [3, 1, 7, 3, 2, 0, 0, 0, 0x83, 0x04, 0x4F, 0x37])
    }

    @Test func getVersionExIsV3Only() throws {
        let board = MockBoard(.v2_1())
        #expect(try board.send([0xFB], reply: 12) == [0x42, 0x00])
        #expect(board.statistics.rejected.count == 1)
    }

    @Test func commandBlocksAreSixteenBytes() {
        let board = MockBoard()
        #expect(throws: TransportError.stall(endpoint: 0x01)) { try board.probe.bulkOut([0xF1], timeout: timeout) }
        #expect(board.statistics.rejected.first?.contains("16 bytes") == true)
    }

    @Test func nothingPendingTimesOutOnVirtualTime() {
        let board = MockBoard()
        #expect(throws: TransportError.timeout(endpoint: 0x81, after: .milliseconds(500))) {
            _ = try board.probe.bulkIn(maxLength: 64, timeout: .milliseconds(500))
        }
        #expect(board.clock.now == .milliseconds(500))
    }

    @Test func enterSWDFromDFUIsRefusedUntilDFUIsLeft() throws {
        let board = MockBoard(.v2())
        #expect(try board.send([0xF5], reply: 2) == [0x00, 0x00])
        #expect(try board.send([0xF2, 0x30, 0xA3], reply: 2) == [0x08, 0x00])
        #expect(board.statistics.rejected.last?.contains("DFU") == true)
        try board.send([0xF3, 0x07])
        #expect(try board.send([0xF5], reply: 2) == [0x01, 0x00])
        #expect(try board.send([0xF2, 0x30, 0xA3], reply: 2) == [0x80, 0x00])
        #expect(try board.send([0xF5], reply: 2) == [0x02, 0x00])
    }

    @Test func debugCommandsOutsideDebugModeAreErrors() throws {
        let board = MockBoard(.v2_1())
        #expect(try board.send([0xF2, 0x31], reply: 12)[0] == 0x08)
        #expect(try board.readDebug(0xE000_ED00).status == 0x08)
        try board.send([0xF2, 0x07] + u32(0x2000_0000) + u16(4))
        #expect(throws: TransportError.stall(endpoint: 0x81)) { _ = try board.probe.bulkIn(maxLength: 4, timeout: timeout) }
        #expect(board.statistics.rejected.count == 3)
        try board.connect()
        let ids = try board.send([0xF2, 0x31], reply: 12)
        #expect(ids[0] == 0x80 && value32(ids, at: 4) == 0x5BA0_2477)
    }

    @Test func sixteenBitReadOnJ25IsRejected() throws {
        let board = MockBoard(.v2(jtag: 25))
        try board.connect()
        let reply = try board.send([0xF2, 0x47] + u32(0x2000_0000) + u16(4), reply: 4)
        #expect(reply == [0x42, 0x00])
        #expect(board.statistics.rejected == ["READMEM_16 refused by ST-LINK/V2 V2J25: 16-bit memory access needs firmware J26 or later (answered 0x42)"])
        let newer = MockBoard(.v2(jtag: 26))
        try newer.connect()
        #expect(try newer.send([0xF2, 0x47] + u32(0x2000_0000) + u16(4), reply: 4) == [0, 0, 0, 0])
        #expect(newer.statistics.rejected.isEmpty)
    }

    @Test func lastRWStatus2NeedsJ15() throws {
        let old = MockBoard(.v2(jtag: 14))
        try old.connect()
        #expect(try old.send([0xF2, 0x3E], reply: 12) == [0x42, 0x00])
        #expect(try old.send([0xF2, 0x3B], reply: 2) == [0x80, 0x00])
    }

    @Test func swdClockDivisors() throws {
        let board = MockBoard(.v2_1())
        try board.connect()
        #expect(try board.send([0xF2, 0x43] + u16(0), reply: 2) == [0x80, 0x00])
        #expect(board.probe.timing.swdKHz == 4000)
        #expect(try board.send([0xF2, 0x43] + u16(5), reply: 2) == [0x41, 0x00])
        #expect(board.probe.timing.swdKHz == 4000)
        let old = MockBoard(.v2(jtag: 21))
        #expect(try old.send([0xF2, 0x43] + u16(1), reply: 2) == [0x42, 0x00])
        let v3 = MockBoard(.v3())
        #expect(try v3.send([0xF2, 0x43] + u16(1), reply: 2) == [0x42, 0x00])
    }

    @Test func v3Clock() throws {
        let board = MockBoard(.v3())
        let list = try board.send([0xF2, 0x62, 0x00], reply: 52)
        #expect(list.count == 52 && list[0] == 0x80 && list[8] == 7)
        #expect(value32(list, at: 12) == 24000)
        let set = try board.send([0xF2, 0x61, 0x00, 0x00] + u32(4000), reply: 8)
        #expect(set[0] == 0x80 && value32(set, at: 4) == 3300)
        #expect(try MockBoard(.v2_1()).send([0xF2, 0x62, 0x00], reply: 52) == [0x42, 0x00])
    }

    @Test func targetVoltage() throws {
        for (board, volts) in [(MockBoard(.v2_1()), 3.3), (MockBoard(.v2_1(), faults: FaultPlan(targetVoltage: 2.4)), 2.4)] {
            let reply = try board.send([0xF7], reply: 8)
            let a0 = Double(value32(reply, at: 0)), a1 = Double(value32(reply, at: 4))
            #expect(abs(2 * a1 * 1.2 / a0 - volts) < 0.01)
        }
        // Not in DFU mode: zeros.
        #expect(try MockBoard(.v2()).send([0xF7], reply: 8) == [UInt8](repeating: 0, count: 8))
    }

    @Test func oneByteReadAnswersTwoBytes() throws {
        let board = MockBoard()
        try board.connect()
        try board.send([0xF2, 0x0C] + u32(0xE004_2000) + u16(1))
        #expect(throws: TransportError.self) { _ = try board.probe.bulkIn(maxLength: 1, timeout: timeout) }
        let reply = try board.send([0xF2, 0x0C] + u32(0xE004_2000) + u16(1), reply: 2)
        #expect(reply == [0x49, 0x00])
    }

    @Test func unreadReplyIsNotedWhenTheNextCommandComes() throws {
        let board = MockBoard()
        try board.send([0xF1])
        #expect(try board.send([0xF5], reply: 2) == [0x01, 0x00])
        #expect(board.statistics.rejected == ["GET_VERSION: its reply was never read before the next command was sent"])
    }
}
