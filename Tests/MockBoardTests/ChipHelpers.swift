import STLink
import Testing
@testable import MockBoard

/// Register addresses written out by hand from RM0385, so the tests do not borrow the emulation's
/// own constants.
enum F7 {
    static let flashBase: UInt32 = 0x0800_0000
    static let keyr: UInt32 = 0x4002_3C04, sr: UInt32 = 0x4002_3C0C, cr: UInt32 = 0x4002_3C10
    static let optcr: UInt32 = 0x4002_3C14
    static let key1: UInt32 = 0x4567_0123, key2: UInt32 = 0xCDEF_89AB
    static let pg: UInt32 = 1, ser: UInt32 = 2, mer: UInt32 = 4, strt: UInt32 = 1 << 16
    static let eopie: UInt32 = 1 << 24, lock: UInt32 = 1 << 31
    static let x8: UInt32 = 0 << 8, x16: UInt32 = 1 << 8, x32: UInt32 = 2 << 8
    static func snb(_ n: UInt32) -> UInt32 { n << 3 }
    static let eop: UInt32 = 1, wrperr: UInt32 = 1 << 4, pgaerr: UInt32 = 1 << 5
    static let pgperr: UInt32 = 1 << 6, erserr: UInt32 = 1 << 7, bsy: UInt32 = 1 << 16
    static let dhcsr: UInt32 = 0xE000_EDF0, dcrsr: UInt32 = 0xE000_EDF4, dcrdr: UInt32 = 0xE000_EDF8
    static let demcr: UInt32 = 0xE000_EDFC, aircr: UInt32 = 0xE000_ED0C
    static let dbgkey: UInt32 = 0xA05F_0000
}

extension EmulatedSTM32F7 {
    func read32(_ address: UInt32, sourceLocation: SourceLocation = #_sourceLocation) -> UInt32 {
        switch read(address: address, size: 4) {
        case let .success(value): return value
        case let .failure(fault):
            Issue.record("unexpected \(fault)", sourceLocation: sourceLocation)
            return 0
        }
    }

    func write32(_ address: UInt32, _ value: UInt32, sourceLocation: SourceLocation = #_sourceLocation) {
        if case let .failure(fault) = write(address: address, size: 4, value: value) {
            Issue.record("unexpected \(fault)", sourceLocation: sourceLocation)
        }
    }

    func unlockFlash() {
        write32(F7.keyr, F7.key1)
        write32(F7.keyr, F7.key2)
    }
}

func makeChip(voltage: Double = 3.3, protected: Set<Int> = []) -> (EmulatedSTM32F7, VirtualClock) {
    let clock = VirtualClock()
    let chip = EmulatedSTM32F7(chip: Fixture.chip, clock: clock, supplyVoltage: voltage, writeProtectedSectors: protected)
    return (chip, clock)
}

extension Result where Success == Void, Failure == BusFault {
    /// The fault of a write, or nil if it went through (`Void` results are not `Equatable`).
    var fault: BusFault? {
        if case let .failure(fault) = self { return fault }
        return nil
    }
}
