import STLink
import Testing
@testable import MockBoard

@Suite("Flash controller, driven at bus level")
struct FlashControllerTests {
    @Test func unlockSequenceClearsLock() {
        let (chip, _) = makeChip()
        #expect(chip.isLocked)
        #expect(chip.read32(F7.cr) & F7.lock != 0)
        chip.unlockFlash()
        #expect(!chip.isLocked)
        #expect(chip.read32(F7.cr) & F7.lock == 0)
    }

    @Test func wrongKeyFaultsAndLocksUntilReset() {
        let (chip, _) = makeChip()
        let wrong = chip.write(address: F7.keyr, size: 4, value: 0x1234_5678)
        #expect(wrong.fault == (BusFault(address: F7.keyr, reason: .flashKeySequence)))
        // The right sequence no longer helps: every KEYR write faults until a reset.
        #expect((try? chip.write(address: F7.keyr, size: 4, value: F7.key1).get()) == nil)
        #expect((try? chip.write(address: F7.keyr, size: 4, value: F7.key2).get()) == nil)
        #expect(chip.isLocked)
        chip.write32(F7.aircr, 0x05FA_0004)
        chip.unlockFlash()
        #expect(!chip.isLocked)
    }

    @Test func keysInTheWrongOrderLockOut() {
        let (chip, _) = makeChip()
        #expect((try? chip.write(address: F7.keyr, size: 4, value: F7.key2).get()) == nil)
        #expect((try? chip.write(address: F7.keyr, size: 4, value: F7.key1).get()) == nil)
        #expect(chip.isLocked)
    }

    @Test func unlockingTwiceIsAWrongSequence() {
        let (chip, _) = makeChip()
        chip.unlockFlash()
        #expect((try? chip.write(address: F7.keyr, size: 4, value: F7.key1).get()) == nil)
        #expect(chip.isLocked)
    }

    @Test func controlWritesAreIgnoredWhileLocked() {
        let (chip, _) = makeChip()
        chip.write32(F7.cr, F7.pg | F7.x32)
        #expect(chip.read32(F7.cr) == F7.lock)
    }

    @Test func sectorEraseTakesTheChipFilesTimeAndLeavesFF() throws {
        let (chip, clock) = makeChip()
        chip.unlockFlash()
        chip.preload(flash: [0x12, 0x34, 0x56, 0x78], at: 0x0804_0000)  // sector 5, 256 KB
        chip.write32(F7.cr, F7.ser | F7.snb(5) | F7.x32)
        let start = clock.now
        chip.write32(F7.cr, F7.ser | F7.snb(5) | F7.x32 | F7.strt)
        #expect(chip.read32(F7.sr) & F7.bsy != 0)
        // Reading the array stalls until the erase is over.
        #expect(chip.read32(0x0804_0000) == 0xFFFF_FFFF)
        let expected = Fixture.chip.eraseTime(sectorSize: 256 * 1024, psize: "x32").typical
        #expect(clock.now - start == expected)
        #expect(expected == .milliseconds(1000))
        #expect(chip.read32(F7.sr) & F7.bsy == 0)
        #expect(chip.read32(F7.cr) & F7.strt == 0)
        #expect(chip.flashBytes(at: 0x0804_0000, count: 4) == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(chip.flashStatistics.sectorErases == [5: 1])
    }

    @Test func eraseTimeDependsOnParallelism() {
        let (chip, clock) = makeChip()
        chip.unlockFlash()
        chip.write32(F7.cr, F7.ser | F7.snb(0) | F7.x8 | F7.strt)
        _ = chip.read32(F7.flashBase)
        #expect(clock.now == .milliseconds(400))  // 32 KB at x8, typical
    }

    @Test func massEraseAndBothBitsSet() {
        let (chip, clock) = makeChip()
        chip.preload(flash: [0], at: 0x080C_0000)
        chip.unlockFlash()
        chip.write32(F7.cr, F7.ser | F7.mer | F7.x32 | F7.strt)  // both set: nothing runs
        #expect(chip.read32(F7.sr) & F7.bsy == 0)
        #expect(chip.flashBytes(at: 0x080C_0000, count: 1) == [0])
        chip.write32(F7.cr, F7.mer | F7.x32 | F7.strt)
        _ = chip.read32(F7.flashBase)
        #expect(clock.now == .milliseconds(8000))
        #expect(chip.flashBytes(at: 0x080C_0000, count: 1) == [0xFF])
        #expect(chip.flashStatistics.massErases == 1)
    }

    @Test func programOnlyClearsBits() {
        let (chip, _) = makeChip()
        chip.unlockFlash()
        chip.write32(F7.cr, F7.pg | F7.x32)
        chip.write32(F7.flashBase, 0xF0F0_F0F0)
        chip.write32(F7.flashBase, 0x0FFF_00FF)  // 1s cannot come back without an erase
        #expect(chip.read32(F7.flashBase) == 0x00F0_00F0)
        #expect(chip.read32(F7.sr) & 0xF0 == 0)
        #expect(chip.flashStatistics.programAccesses == [4: 2])
    }

    @Test func wrongAccessSizeIsPGPERRAndNotPerformed() {
        let (chip, _) = makeChip()
        chip.unlockFlash()
        chip.write32(F7.cr, F7.pg | F7.x32)
        #expect(chip.write(address: F7.flashBase, size: 2, value: 0).fault == nil)
        #expect(chip.read32(F7.sr) & F7.pgperr != 0)
        #expect(chip.flashBytes(at: F7.flashBase, count: 2) == [0xFF, 0xFF])
        chip.write32(F7.sr, F7.pgperr)  // cleared by writing 1
        #expect(chip.read32(F7.sr) & F7.pgperr == 0)
    }

    @Test func writeAcrossARowIsPGAERR() {
        let (chip, _) = makeChip()
        chip.unlockFlash()
        chip.write32(F7.cr, F7.pg | F7.x32)
        chip.write32(F7.flashBase + 14, 0)  // bytes 14..17 straddle the 16-byte row
        #expect(chip.read32(F7.sr) & F7.pgaerr != 0)
        #expect(chip.flashBytes(at: F7.flashBase + 14, count: 4) == [0xFF, 0xFF, 0xFF, 0xFF])
    }

    @Test func writeWithoutPGIsERSERR() {
        let (chip, _) = makeChip()
        chip.unlockFlash()
        chip.write32(F7.flashBase, 0)
        #expect(chip.read32(F7.sr) & F7.erserr != 0)
        #expect(chip.flashBytes(at: F7.flashBase, count: 4) == [0xFF, 0xFF, 0xFF, 0xFF])
    }

    @Test func writeWhileLockedIsERSERR() {
        let (chip, _) = makeChip()
        chip.write32(F7.flashBase, 0)
        #expect(chip.read32(F7.sr) & F7.erserr != 0)
    }

    @Test func protectedSectorIsWRPERR() {
        let (chip, _) = makeChip(protected: [1])
        #expect(chip.read32(F7.optcr) & (1 << 17) == 0)  // nWRP1 cleared
        #expect(chip.read32(F7.optcr) & (1 << 16) != 0)
        chip.unlockFlash()
        chip.write32(F7.cr, F7.ser | F7.snb(1) | F7.x32 | F7.strt)
        #expect(chip.read32(F7.sr) & F7.wrperr != 0)
        #expect(chip.read32(F7.sr) & F7.bsy == 0)
        chip.write32(F7.sr, F7.wrperr)
        chip.write32(F7.cr, F7.pg | F7.x32)
        chip.write32(0x0800_8000, 0)
        #expect(chip.read32(F7.sr) & F7.wrperr != 0)
        #expect(chip.flashBytes(at: 0x0800_8000, count: 4) == [0xFF, 0xFF, 0xFF, 0xFF])
        // A mass erase is refused while any sector is protected.
        chip.write32(F7.cr, F7.mer | F7.x32 | F7.strt)
        #expect(chip.flashStatistics.massErases == 0)
    }

    @Test func busStallsWhileBusy() {
        let (chip, clock) = makeChip()
        chip.unlockFlash()
        chip.write32(F7.cr, F7.pg | F7.x32)
        chip.write32(F7.flashBase, 0x1111_1111)
        #expect(clock.now == .zero)
        #expect(chip.read32(F7.sr) & F7.bsy != 0)  // SR reads do not stall
        chip.write32(F7.flashBase + 4, 0x2222_2222)  // waits for the first word's 16 µs
        #expect(clock.now == .microseconds(16))
        chip.write32(F7.cr, F7.pg | F7.x32)  // CR writes wait too
        #expect(clock.now == .microseconds(32))
        #expect(chip.flashStatistics.flashBusyTime == .microseconds(32))
    }

    @Test func endOfOperationOnlyWithEOPIE() {
        let (chip, clock) = makeChip()
        chip.unlockFlash()
        chip.write32(F7.cr, F7.pg | F7.x32)
        chip.write32(F7.flashBase, 0)
        clock.advance(by: .milliseconds(1))
        #expect(chip.read32(F7.sr) == 0)
        chip.write32(F7.cr, F7.pg | F7.x32 | F7.eopie)
        chip.write32(F7.flashBase + 4, 0)
        #expect(chip.read32(F7.sr) & F7.eop == 0)  // not yet: still busy
        clock.advance(by: .milliseconds(1))
        #expect(chip.read32(F7.sr) & F7.eop != 0)
    }

    @Test func lowVoltageProgrammingLeavesCellsUnchanged() {
        let (chip, clock) = makeChip(voltage: 2.4)
        chip.unlockFlash()
        chip.write32(F7.cr, F7.pg | F7.x32)  // x32 needs 2.7 V
        chip.write32(F7.flashBase, 0)
        #expect(chip.read32(F7.sr) & 0xF3 == 0)  // no error flag
        #expect(chip.read32(F7.flashBase) == 0xFFFF_FFFF)  // the read-back is what shows it
        #expect(clock.now == .microseconds(16))  // and it took its time
        // x8 is allowed down to 1.7 V.
        chip.write32(F7.cr, F7.pg | F7.x8)
        #expect(chip.write(address: F7.flashBase, size: 1, value: 0x5A).fault == nil)
        #expect(chip.flashBytes(at: F7.flashBase, count: 1) == [0x5A])
    }

    @Test func itcmAliasReadsTheSameCells() {
        let (chip, _) = makeChip()
        chip.preload(flash: [1, 2, 3, 4], at: F7.flashBase + 0x100)
        #expect(chip.read32(0x0020_0100) == 0x0403_0201)
        #expect(chip.write(address: 0x0020_0100, size: 4, value: 0).fault == (BusFault(address: 0x0020_0100, reason: .readOnly)))
    }
}
