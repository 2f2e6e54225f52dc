/// The Cortex-M7's Flash Patch and Breakpoint unit as a debugger uses it (ARMv7-M ARM C1.11,
/// FPB version 2): eight instruction comparators, each a full address with an enable bit, that
/// halt the core when it is about to execute there. No literal comparators and no remapping
/// (the M7 has neither). A debugger counts the comparators from FP_CTRL: OpenOCD says "8
/// breakpoints" where it said 0 while this address range was plain storage.
///
/// A comparator halts only with halting debug enabled (DHCSR.C_DEBUGEN); without it the
/// architecture would raise a DebugMonitor or HardFault, which the harness never enables, so the
/// emulator ignores the match. Like the rest of the debug logic it is reset by power-up only.
final class FlashPatchBreakpoint {
    static let span: ClosedRange<UInt32> = 0xE000_2000...0xE000_2FFF
    static let codeComparators = 8

    private var enabled = false
    private var comparators = [UInt32](repeating: 0, count: FlashPatchBreakpoint.codeComparators)

    /// The addresses the core halts at, Thumb bit clear.
    var breakpoints: [UInt32] {
        guard enabled else { return [] }
        return comparators.filter { $0 & 1 != 0 }.map { $0 & ~1 }
    }

    func read(address: UInt32) -> UInt32 {
        let offset = address - FlashPatchBreakpoint.span.lowerBound
        switch offset {
        case 0x000:
            // REV 1 (version 2: comparators hold an address), NUM_CODE 8 in bits 7:4 (14:12 zero), NUM_LIT 0.
            return 1 << 28 | UInt32(FlashPatchBreakpoint.codeComparators) << 4 | (enabled ? 1 : 0)
        case 0x004:
            return 0                                    // FP_REMAP: RMPSPT clear, no remapping
        case 0x008..<(0x008 + 4 * UInt32(FlashPatchBreakpoint.codeComparators)):
            return comparators[Int(offset - 0x008) / 4]
        default:
            return 0
        }
    }

    func write(address: UInt32, value: UInt32, mask: UInt32) {
        let offset = address - FlashPatchBreakpoint.span.lowerBound
        switch offset {
        case 0x000:
            // ENABLE changes only with KEY (bit 1) written as 1 in the same access.
            if value & mask & 2 != 0 { enabled = value & 1 != 0 }
        case 0x008..<(0x008 + 4 * UInt32(FlashPatchBreakpoint.codeComparators)):
            let i = Int(offset - 0x008) / 4
            comparators[i] = comparators[i].merged(value, mask: mask)
        default:
            break
        }
    }
}
