import STLink

/// The STM32F7 embedded-flash interface (RM0385 §3): its registers and the flash cells behind it.
///
/// Facts about the silicon (sectors, timings, voltages, row size, option-byte reset value) come from
/// the chip description; register layout and key values are the controller's own and live here.
/// Operations take virtual time: an operation sets BSY until `busyUntil`, and any access that
/// RM0385 says stalls (a CR write, a flash access) moves the clock to that instant first.
final class FlashController {
    enum Offset {
        static let acr: UInt32 = 0x00, keyr: UInt32 = 0x04, optkeyr: UInt32 = 0x08, sr: UInt32 = 0x0C
        static let cr: UInt32 = 0x10, optcr: UInt32 = 0x14, optcr1: UInt32 = 0x18
    }
    enum CR {
        static let pg: UInt32 = 1 << 0, ser: UInt32 = 1 << 1, mer: UInt32 = 1 << 2
        static let snbShift: UInt32 = 3, snbMask: UInt32 = 0xF << 3
        static let psizeShift: UInt32 = 8, psizeMask: UInt32 = 0x3 << 8
        static let strt: UInt32 = 1 << 16, eopie: UInt32 = 1 << 24, errie: UInt32 = 1 << 25
        static let lock: UInt32 = 1 << 31
    }
    enum SR {
        static let eop: UInt32 = 1 << 0, operr: UInt32 = 1 << 1, wrperr: UInt32 = 1 << 4
        static let pgaerr: UInt32 = 1 << 5, pgperr: UInt32 = 1 << 6, erserr: UInt32 = 1 << 7
        static let bsy: UInt32 = 1 << 16
        static let clearable: UInt32 = eop | operr | wrperr | pgaerr | pgperr | erserr
    }
    static let key1: UInt32 = 0x4567_0123, key2: UInt32 = 0xCDEF_89AB
    static let optKey1: UInt32 = 0x0819_2A3B, optKey2: UInt32 = 0x4C5D_6E7F
    static let optLock: UInt32 = 1 << 0
    /// OPTCR1 after reset on F74x/F75x: BOOT_ADD0 = 0x0080 (flash on ITCM), BOOT_ADD1 = 0x0040
    /// (system memory). Not in the chip file because nothing in hil depends on it; only read back.
    static let optcr1Reset: UInt32 = 0x0040_0080

    let chip: ChipDescription
    let clock: VirtualClock
    let sectors: [ChipDescription.Sector]
    /// Shared with the emulated core, which maps them read-only at the flash and ITCM addresses.
    let cells: MemoryBank
    /// Bumped whenever a cell changes: the core drops what it translated from the old contents.
    var generation = 0
    /// The target's supply, which decides whether an operation at a given PSIZE really changes cells.
    var supplyVoltage: Double
    let writeProtected: Set<Int>
    var statistics = FlashStatistics()

    var acr: UInt32 = 0
    var cr: UInt32 = CR.lock
    var sr: UInt32 = 0
    var optcr: UInt32
    /// 0: waiting for the first key; 1: first key seen.
    var keyStage = 0
    var optKeyStage = 0
    /// A wrong key sequence keeps LOCK set until the next system reset (RM0385 §3.3.5).
    var lockedUntilReset = false
    var optLockedUntilReset = false
    /// When the running operation ends; nil when BSY is clear.
    var busyUntil: Duration?

    init(chip: ChipDescription, clock: VirtualClock, supplyVoltage: Double, writeProtected: Set<Int>) {
        self.chip = chip
        self.clock = clock
        self.sectors = chip.sectors
        self.cells = MemoryBank(count: chip.flashSize, filledWith: UInt8(truncatingIfNeeded: chip.flash.erasedByte.value))
        self.supplyVoltage = supplyVoltage
        self.writeProtected = writeProtected
        self.optcr = FlashController.optionRegister(chip: chip, writeProtected: writeProtected)
    }

    /// OPTCR as loaded from the option bytes: the reset value with nWRP cleared for protected sectors.
    static func optionRegister(chip: ChipDescription, writeProtected: Set<Int>) -> UInt32 {
        var value = chip.optionBytes.optcrReset.value
        for sector in writeProtected where sector >= 0 && sector < 8 {
            value &= ~(UInt32(1) << UInt32(chip.optionBytes.nwrpShift + sector))
        }
        return value
    }

    var isLocked: Bool { cr & CR.lock != 0 }
    var isBusy: Bool { busyUntil != nil }

    /// A system reset: registers back to their reset values, LOCK set, a wrong-key lockout forgotten,
    /// option bytes reloaded. An operation in flight is cut short; its cells were already written
    /// (RM0385 leaves them undefined; nothing can observe them before the reset ends here).
    func reset() {
        busyUntil = nil
        acr = 0
        cr = CR.lock
        sr = 0
        keyStage = 0
        optKeyStage = 0
        lockedUntilReset = false
        optLockedUntilReset = false
        optcr = FlashController.optionRegister(chip: chip, writeProtected: writeProtected)
    }

    // MARK: registers

    func readRegister(offset: UInt32, address: UInt32, size: Int) -> UInt32 {
        settle()
        let word: UInt32
        switch offset & ~3 {
        case Offset.acr: word = acr
        case Offset.sr: word = sr | (isBusy ? SR.bsy : 0)
        case Offset.cr: word = cr
        case Offset.optcr: word = optcr
        case Offset.optcr1: word = FlashController.optcr1Reset
        default: word = 0  // KEYR and OPTKEYR read as zero; the rest of the block is reserved
        }
        return Lanes.extract(word, address: address, size: size)
    }

    func writeRegister(offset: UInt32, address: UInt32, size: Int, value: UInt32) -> Result<Void, BusFault> {
        settle()
        switch offset & ~3 {
        case Offset.acr:
            acr = Lanes.merge(acr, address: address, size: size, value: value)
        case Offset.keyr:
            return unlockStep(address: address, size: size, value: value)
        case Offset.optkeyr:
            return optionUnlockStep(address: address, size: size, value: value)
        case Offset.sr:
            // Status flags are cleared by writing 1; BSY is read-only.
            let (bits, _) = Lanes.place(value, address: address, size: size)
            sr &= ~(bits & SR.clearable)
        case Offset.cr:
            writeControl(Lanes.merge(cr, address: address, size: size, value: value))
        case Offset.optcr:
            // Option-byte programming (OPTSTRT) is not emulated: only OPTLOCK can be set again.
            let (bits, _) = Lanes.place(value, address: address, size: size)
            if bits & FlashController.optLock != 0 { optcr |= FlashController.optLock }
        default:
            break  // OPTCR1 and reserved offsets: writes have no effect
        }
        return .success(())
    }

    /// KEYR: KEY1 then KEY2 clears LOCK. Anything else — a wrong value, the keys swapped, a key
    /// written while already unlocked (OpenOCD checks LOCK first for this reason), or a narrower
    /// access — is a wrong sequence: bus error, and LOCK stays set until the next reset.
    private func unlockStep(address: UInt32, size: Int, value: UInt32) -> Result<Void, BusFault> {
        let fault = BusFault(address: address, reason: .flashKeySequence)
        if lockedUntilReset || !isLocked || size != 4 {
            lockOut()
            return .failure(fault)
        }
        switch (keyStage, value) {
        case (0, FlashController.key1):
            keyStage = 1
        case (1, FlashController.key2):
            keyStage = 0
            cr &= ~CR.lock
        default:
            lockOut()
            return .failure(fault)
        }
        return .success(())
    }

    private func lockOut() {
        lockedUntilReset = true
        keyStage = 0
        cr |= CR.lock
    }

    /// OPTKEYR: the same rule for OPTLOCK with the option keys.
    private func optionUnlockStep(address: UInt32, size: Int, value: UInt32) -> Result<Void, BusFault> {
        let fault = BusFault(address: address, reason: .flashKeySequence)
        let optLocked = optcr & FlashController.optLock != 0
        if optLockedUntilReset || !optLocked || size != 4 {
            optLockedUntilReset = true
            optKeyStage = 0
            optcr |= FlashController.optLock
            return .failure(fault)
        }
        switch (optKeyStage, value) {
        case (0, FlashController.optKey1):
            optKeyStage = 1
        case (1, FlashController.optKey2):
            optKeyStage = 0
            optcr &= ~FlashController.optLock
        default:
            optLockedUntilReset = true
            optKeyStage = 0
            return .failure(fault)
        }
        return .success(())
    }
}
