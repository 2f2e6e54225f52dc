import STLink
import Testing
@testable import MockBoard

@Suite("Memory transfers through the probe")
struct ProbeMemoryTests {
    @Test func writeMem32OverTheBufferIsRejected() throws {
        let board = MockBoard()
        try board.connect()
        let data = [UInt8](repeating: 0xA5, count: 6148)
        try board.send([0xF2, 0x08] + u32(0x2001_0000) + u16(6148))
        #expect(throws: TransportError.stall(endpoint: 0x01)) { try board.probe.bulkOut(data, timeout: timeout) }
        #expect(board.statistics.rejected.contains { $0.contains("6148 bytes is over the 6144-byte limit") })
        #expect(board.target.read32(0x2001_0000) == 0)
        // The probe is usable again, and 6144 bytes are fine.
        try board.writeMem32(0x2001_0000, Array(data[..<6144]))
        #expect(board.target.read32(0x2001_17FC) == 0xA5A5_A5A5)
        #expect(try board.lastStatus().status == 0x80)
    }

    @Test func misalignedWriteMem32IsRejected() throws {
        let board = MockBoard()
        try board.connect()
        try board.send([0xF2, 0x08] + u32(0x2000_0002) + u16(4))
        #expect(throws: TransportError.stall(endpoint: 0x01)) { try board.probe.bulkOut([1, 2, 3, 4], timeout: timeout) }
        #expect(board.statistics.rejected.count == 1)
    }

    @Test func writeMem8Limit() throws {
        let bytes = (0..<65).map { UInt8($0) }
        let v21 = MockBoard(.v2_1())
        try v21.connect()
        try v21.send([0xF2, 0x0D] + u32(0x2000_0000) + u16(65))
        #expect(throws: TransportError.stall(endpoint: 0x01)) { try v21.probe.bulkOut(bytes, timeout: timeout) }
        #expect(v21.statistics.rejected.contains { $0.contains("over the 64-byte limit") })
        #expect(v21.target.read32(0x2000_0000) == 0)

        let v3 = MockBoard(.v3())
        try v3.connect()
        try v3.send([0xF2, 0x0D] + u32(0x2000_0000) + u16(65), data: bytes)
        #expect(v3.statistics.rejected.isEmpty)
        #expect(v3.target.read32(0x2000_0040) & 0xFF == 64)
        #expect(try v3.lastStatus().status == 0x80)
    }

    @Test func dataPhaseMayComeInSeveralTransfers() throws {
        let board = MockBoard()
        try board.connect()
        try board.send([0xF2, 0x08] + u32(0x2000_0000) + u16(64))
        for chunk in 0..<4 {
            try board.probe.bulkOut([UInt8](repeating: UInt8(chunk), count: 16), timeout: timeout)
        }
        #expect(board.target.read32(0x2000_0030) == 0x0303_0303)
        #expect(try board.readMem32(0x2000_0010, 4) == [1, 1, 1, 1])
    }

    @Test func lastRWStatus2ReportsTheFaultAddress() throws {
        let board = MockBoard()
        try board.connect()
        board.target.write32(0x2004_FFF8, 0x1122_3344)
        // SRAM2 ends at 0x2005_0000: the third word faults, and the transfer stops there.
        let data = try board.readMem32(0x2004_FFF8, 16)
        #expect(Array(data[0..<4]) == [0x44, 0x33, 0x22, 0x11])
        #expect(Array(data[8...]) == [UInt8](repeating: 0, count: 8))
        let last = try board.lastStatus()
        #expect(last.status == 0x11 && last.address == 0x2005_0000)
        #expect(try board.send([0xF2, 0x3B], reply: 2) == [0x11, 0x00])
        _ = try board.readMem32(0x2000_0000, 4)
        #expect(try board.lastStatus().status == 0x80)
    }

    @Test func injectedAPFaultStopsAWrite() throws {
        let board = MockBoard(faults: FaultPlan(apFault: 0x2000_0100...0x2000_01FF))
        try board.connect()
        try board.writeMem32(0x2000_00F8, [UInt8](repeating: 0xEE, count: 16))
        let last = try board.lastStatus()
        #expect(last.status == 0x11 && last.address == 0x2000_0100)
        #expect(board.target.read32(0x2000_00FC) == 0xEEEE_EEEE)
        #expect(board.target.read32(0x2000_0100) == 0)
        #expect(board.target.read32(0x2000_0104) == 0)
    }

    @Test func waitStorm() throws {
        let board = MockBoard(faults: FaultPlan(waitStorm: WaitStorm(afterMemoryCommands: 1, count: 2)))
        try board.connect()
        try board.writeMem32(0x2000_0000, u32(1))
        #expect(try board.lastStatus().status == 0x80)
        try board.writeMem32(0x2000_0000, u32(2))  // WAIT: not performed
        #expect(try board.lastStatus().status == 0x10)
        #expect(board.target.read32(0x2000_0000) == 1)
        #expect(try board.readDebug(0x2000_0000).status == 0x10)  // the second WAIT
        try board.writeMem32(0x2000_0000, u32(3))  // the storm is over
        #expect(try board.lastStatus().status == 0x80)
        #expect(board.target.read32(0x2000_0000) == 3)
    }

    @Test func unplugAfterNTransfers() throws {
        let board = MockBoard(faults: FaultPlan(unplugAfterTransfers: 3))
        #expect(try board.send([0xF1], reply: 6).count == 6)  // transfers 1 and 2
        try board.probe.bulkOut(block([0xF5]), timeout: timeout)  // transfer 3
        let gone = TransportError.disconnected(serial: board.probe.identity.serial)
        #expect(throws: gone) { _ = try board.probe.bulkIn(maxLength: 2, timeout: timeout) }
        #expect(throws: gone) { try board.probe.bulkOut(block([0xF1]), timeout: timeout) }
        #expect(throws: gone) { try board.probe.reset() }
        #expect(board.statistics.transfersOut + board.statistics.transfersIn == 3)
    }

    @Test func statisticsCountTheWire() throws {
        let board = MockBoard()
        try board.send([0xF1], reply: 6)
        let stats = board.statistics
        #expect(stats.transfersOut == 1 && stats.bytesOut == 16)
        #expect(stats.transfersIn == 1 && stats.bytesIn == 6)
        #expect(stats.commands == ["GET_VERSION": 1])
    }
}
