import STLink
import Testing
@testable import MockBoard

/// Flash programming as a driver does it over the wire: registers through the debug-register
/// commands, data through WRITEMEM.
@Suite("Flash through the probe, timing, reset")
struct ProbeFlashTests {
    func unlockForProgramming(_ board: MockBoard, psize: UInt32 = F7.x32) throws {
        #expect(try board.writeDebug(F7.keyr, F7.key1) == 0x80)
        #expect(try board.writeDebug(F7.keyr, F7.key2) == 0x80)
        #expect(try board.writeDebug(F7.cr, F7.pg | psize) == 0x80)
    }

    @Test func writeMem32ProgramsWithWordAccesses() throws {
        let board = MockBoard()
        try board.connect()
        try unlockForProgramming(board)
        let image = (0..<64).map { UInt8($0) }
        try board.writeMem32(F7.flashBase, image)
        #expect(try board.lastStatus().status == 0x80)
        #expect(try board.readDebug(F7.sr).value & 0xF2 == 0)
        #expect(board.target.flashBytes(at: F7.flashBase, count: 64) == image)
        #expect(try board.readMem32(F7.flashBase, 64) == image)
        #expect(board.statistics.programAccesses == [4: 16])
        #expect(board.statistics.flashBusyTime == .microseconds(16 * 16))
    }

    @Test func byteTransfersIntoX32FlashAreParallelismErrors() throws {
        let board = MockBoard()
        try board.connect()
        try unlockForProgramming(board)
        try board.send([0xF2, 0x0D] + u32(F7.flashBase) + u16(4), data: [0, 0, 0, 0])
        #expect(try board.lastStatus().status == 0x80)  // the bus took the writes...
        #expect(try board.readDebug(F7.sr).value & F7.pgperr != 0)  // ...the controller refused them
        #expect(board.target.flashBytes(at: F7.flashBase, count: 4) == [0xFF, 0xFF, 0xFF, 0xFF])
    }

    @Test func timingOfAFullBufferIntoRAM() throws {
        let board = MockBoard()
        try board.connect()
        let start = board.clock.now
        try board.writeMem32(0x2001_0000, [UInt8](repeating: 1, count: 6144))
        // 1 ms command round trip + 6144 bytes at 1 µs + (2 setup + 1536 words + 5 TAR reloads)
        // SWD transfers of 46 clocks at 1.8 MHz.
        let expected = 1_000_000 + 6_144_000 + 1543.0 * 46 / 1.8e6 * 1e9
        let took = (board.clock.now - start).seconds * 1e9
        #expect(abs(took - expected) < 5_000)
        // Deterministic: the same work on another board takes exactly the same time.
        let other = MockBoard()
        try other.connect()
        try other.writeMem32(0x2001_0000, [UInt8](repeating: 1, count: 6144))
        #expect(other.clock.now == board.clock.now)
    }

    @Test func fastSWDStallsOnBusy() throws {
        let board = MockBoard()
        try board.connect()
        #expect(try board.send([0xF2, 0x43] + u16(0), reply: 2) == [0x80, 0x00])  // 4 MHz: 11.5 µs a transfer
        try unlockForProgramming(board)
        let start = board.clock.now
        try board.writeMem32(F7.flashBase, [UInt8](repeating: 0, count: 64))
        // 1 ms + 64 µs of USB, 23 µs of CSW/TAR, 11.5 µs to the first word, then every next word
        // waits for the previous one's 16 µs of programming.
        #expect(board.clock.now - start == .nanoseconds(1_000_000 + 64_000 + 23_000 + 11_500 + 15 * 16_000))
    }

    @Test func sectorEraseOverTheWireTakesTheChipFilesTime() throws {
        let board = MockBoard()
        try board.connect()
        try unlockForProgramming(board)
        _ = try board.writeDebug(F7.cr, F7.ser | F7.snb(4) | F7.x32)
        _ = try board.writeDebug(F7.cr, F7.ser | F7.snb(4) | F7.x32 | F7.strt)
        let start = board.clock.now
        var polls = 0
        while try board.readDebug(F7.sr).value & F7.bsy != 0 { polls += 1 }
        #expect(board.clock.now - start >= .milliseconds(550))  // 128 KB at x32, typical
        #expect(polls > 100)  // each poll is a ~1 ms round trip
        #expect(board.statistics.sectorErases == [4: 1])
    }

    @Test func aircrResetRelocksAndHaltsWithVectorCatch() throws {
        let board = MockBoard()
        try board.connect()
        try unlockForProgramming(board)
        #expect(try board.writeDebug(F7.dhcsr, F7.dbgkey | 1) == 0x80)
        #expect(try board.writeDebug(F7.demcr, 1) == 0x80)
        _ = try board.readDebug(F7.dhcsr)  // clear the power-on S_RESET_ST
        #expect(try board.writeDebug(F7.aircr, 0x05FA_0004) == 0x80)
        #expect(try board.readDebug(F7.cr).value == F7.lock)
        let dhcsr = try board.readDebug(F7.dhcsr).value
        #expect(dhcsr & (1 << 17) != 0)  // S_HALT
        #expect(dhcsr & (1 << 25) != 0)  // S_RESET_ST
        #expect(try board.readDebug(F7.dhcsr).value & (1 << 25) == 0)  // sticky until read
        // RESETSYS does the same.
        #expect(try board.send([0xF2, 0x32], reply: 2) == [0x80, 0x00])
        #expect(try board.readDebug(F7.dhcsr).value & (1 << 25) != 0)
        #expect(board.target.coreState == .halted)
    }

    @Test func coreRegistersNeedAHaltedCore() throws {
        let board = MockBoard()
        try board.connect()
        #expect(try board.send([0xF2, 0x33, 15], reply: 8)[0] == 0x81)
        _ = try board.writeDebug(F7.dhcsr, F7.dbgkey | 3)
        #expect(try board.send([0xF2, 0x34, 2] + u32(0xBEEF), reply: 2) == [0x80, 0x00])
        let reply = try board.send([0xF2, 0x33, 2], reply: 8)
        #expect(reply[0] == 0x80 && value32(reply, at: 4) == 0xBEEF)
        let all = try board.send([0xF2, 0x3A], reply: 88)
        #expect(all.count == 88 && value32(all, at: 4 + 2 * 4) == 0xBEEF)
    }

    @Test func nrstLowHoldsTheTargetInReset() throws {
        let board = MockBoard()
        try board.connect()
        #expect(try board.send([0xF2, 0x3C, 0], reply: 2) == [0x80, 0x00])
        _ = try board.readMem32(0x2000_0000, 4)
        #expect(try board.lastStatus().status == 0x11)
        #expect(try board.writeDebug(F7.dhcsr, F7.dbgkey | 3) == 0x80)  // connect under reset
        #expect(try board.send([0xF2, 0x3C, 1], reply: 2) == [0x80, 0x00])
        #expect(board.target.coreState == .halted)
        _ = try board.readMem32(0x2000_0000, 4)
        #expect(try board.lastStatus().status == 0x80)
    }
}
