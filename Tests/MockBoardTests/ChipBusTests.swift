import STLink
import Testing
@testable import MockBoard

@Suite("Memory map, identification, core and reset")
struct ChipBusTests {
    @Test func identificationRegisters() {
        let (chip, _) = makeChip()
        #expect(chip.read32(0xE004_2000) == 0x1001_6449)
        #expect(chip.read32(0xE000_ED00) == 0x411F_C270)
        #expect(chip.read(address: 0x1FF0_F442, size: 2) == .success(1024))
        #expect(chip.read32(0x1FF0_F440) == 1024 << 16)
    }

    @Test func unmappedAddressesFault() {
        let (chip, _) = makeChip()
        #expect(chip.read(address: 0x6000_0000, size: 4) == .failure(BusFault(address: 0x6000_0000, reason: .unmapped)))
        #expect(chip.read(address: 0x0810_0000, size: 4) == .failure(BusFault(address: 0x0810_0000, reason: .unmapped)))
        // Last word of flash is fine; a word hanging over its end is not.
        #expect((try? chip.read(address: 0x080F_FFFC, size: 4).get()) != nil)
        #expect((try? chip.read(address: 0x080F_FFFE, size: 4).get()) == nil)
        #expect(chip.write(address: 0x2005_0000, size: 4, value: 1).fault == (BusFault(address: 0x2005_0000, reason: .unmapped)))
    }

    @Test func ramKeepsWhatIsWritten() {
        let (chip, _) = makeChip()
        chip.write32(0x2000_0000, 0xDEAD_BEEF)
        chip.write(address: 0x2004_FFFF, size: 1, value: 0xAB)
        #expect(chip.read32(0x2000_0000) == 0xDEAD_BEEF)
        #expect(chip.read(address: 0x2004_FFFF, size: 1) == .success(0xAB))
    }

    @Test func dhcsrNeedsTheKey() {
        let (chip, _) = makeChip()
        chip.write32(F7.dhcsr, 0x3)  // no DBGKEY: ignored
        #expect(chip.coreState == .running)
        chip.write32(F7.dhcsr, F7.dbgkey | 0x3)
        #expect(chip.coreState == .halted)
        #expect(chip.read32(F7.dhcsr) & (1 << 17) != 0)
        chip.write32(F7.dhcsr, F7.dbgkey | 0x1)
        #expect(chip.coreState == .running)
    }

    @Test func resetStickyIsClearedByReading() {
        let (chip, _) = makeChip()
        #expect(chip.read32(F7.dhcsr) & (1 << 25) != 0)  // power-on reset
        #expect(chip.read32(F7.dhcsr) & (1 << 25) == 0)
        chip.write32(F7.aircr, 0x05FA_0004)
        #expect(chip.read32(F7.dhcsr) & (1 << 25) != 0)
        #expect(chip.read32(F7.dhcsr) & (1 << 25) == 0)
    }

    @Test func aircrResetRelocksFlashKeepsRAMAndHaltsWithVectorCatch() {
        let (chip, _) = makeChip()
        chip.preload(flash: [0x00, 0x00, 0x05, 0x20, 0x99, 0x01, 0x00, 0x08], at: F7.flashBase)
        chip.write32(0x2000_0010, 0x1234_5678)
        chip.unlockFlash()
        chip.write32(F7.cr, F7.pg | F7.x32)
        chip.write32(F7.dhcsr, F7.dbgkey | 0x1)
        chip.write32(F7.demcr, 1)  // VC_CORERESET
        chip.write32(F7.aircr, 0x0400_0004)  // wrong VECTKEY: ignored
        #expect(!chip.isLocked)
        chip.write32(F7.aircr, 0x05FA_0004)
        #expect(chip.isLocked)
        #expect(chip.read32(F7.cr) == F7.lock)
        #expect(chip.read32(0x2000_0010) == 0x1234_5678)
        #expect(chip.coreState == .halted)
        // The core fetched SP and PC from the vector table.
        chip.write32(F7.dcrsr, 15)
        #expect(chip.read32(F7.dcrdr) == 0x0800_0198)
        chip.write32(F7.dcrsr, 17)
        #expect(chip.read32(F7.dcrdr) == 0x2005_0000)
    }

    @Test func withoutVectorCatchTheCoreRunsAfterReset() {
        let (chip, _) = makeChip()
        chip.write32(F7.dhcsr, F7.dbgkey | 0x1)
        chip.write32(F7.aircr, 0x05FA_0004)
        #expect(chip.coreState == .running)
    }

    @Test func coreRegistersOnlyWhileHalted() {
        let (chip, _) = makeChip()
        chip.write32(F7.dcrdr, 0xCAFE)
        chip.write32(F7.dcrsr, (1 << 16) | 3)  // running: dropped
        #expect(chip.read32(F7.dhcsr) & (1 << 16) == 0)  // S_REGRDY clear
        chip.write32(F7.dhcsr, F7.dbgkey | 0x3)
        chip.write32(F7.dcrsr, (1 << 16) | 3)
        chip.write32(F7.dcrdr, 0)
        chip.write32(F7.dcrsr, 3)
        #expect(chip.read32(F7.dcrdr) == 0xCAFE)
        #expect(chip.read32(F7.dhcsr) & (1 << 16) != 0)
    }

    @Test func nrstHoldsTheChipInReset() {
        let (chip, _) = makeChip()
        chip.unlockFlash()
        chip.setNRST(low: true)
        #expect(chip.coreState == .reset)
        #expect(chip.read(address: 0x2000_0000, size: 4) == .failure(BusFault(address: 0x2000_0000, reason: .heldInReset)))
        // The debug registers still answer: connect under reset.
        chip.write32(F7.dhcsr, F7.dbgkey | 0x3)
        #expect(chip.read32(0xE004_2000) & 0xFFF == 0x449)
        chip.setNRST(low: false)
        #expect(chip.coreState == .halted)
        #expect(chip.isLocked)
        #expect(chip.read32(F7.dhcsr) & (1 << 25) != 0)
    }
}
