import Foundation

/// The RNG (RM0385 §24): a new word in DR whenever DRDY is set, while RNGEN is set and the 48 MHz
/// domain runs. Without that clock it reports a clock error (CECS), as the silicon does. Words
/// differ from boot to boot, so the harness's boot id does too.
final class RandomNumberGenerator: RegisterBlock {
    private var cr: UInt32 = 0
    private var generator: SplitMix
    private let clockRuns: () -> Bool

    init(seed: UInt64, clockRuns: @escaping () -> Bool) {
        generator = SplitMix(seed: seed)
        self.clockRuns = clockRuns
    }

    func reset() { cr = 0 }

    func read(offset: UInt32) -> UInt32 {
        let enabled = cr & (1 << 2) != 0
        switch offset {
        case 0x00: return cr
        case 0x04:
            guard enabled else { return 0 }
            return clockRuns() ? 1 : (1 << 1) | (1 << 5)     // DRDY, or CECS with CEIS
        case 0x08:
            guard enabled, clockRuns() else { return 0 }
            return UInt32(truncatingIfNeeded: generator.next())
        default: return 0
        }
    }

    func write(offset: UInt32, value: UInt32, mask: UInt32) {
        if offset == 0x00 { cr = cr.merged(value, mask: mask) & 0x0C }
    }
}
