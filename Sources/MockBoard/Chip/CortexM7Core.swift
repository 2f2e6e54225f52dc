/// The Cortex-M7's debug-visible side (ARMv7-M ARM, C1.6): run state, DHCSR/DCRSR/DCRDR/DEMCR,
/// AIRCR and CPUID, and the core registers a debugger reaches through DCRSR/DCRDR.
///
/// The debug registers live in the debug power domain: a system reset (AIRCR, NRST) leaves
/// C_DEBUGEN, C_HALT and DEMCR as they were, which is what "connect under reset" relies on.
final class CortexM7Core {
    enum Address {
        static let cpuid: UInt32 = 0xE000_ED00, aircr: UInt32 = 0xE000_ED0C
        static let dhcsr: UInt32 = 0xE000_EDF0, dcrsr: UInt32 = 0xE000_EDF4
        static let dcrdr: UInt32 = 0xE000_EDF8, demcr: UInt32 = 0xE000_EDFC
        static let dfsr: UInt32 = 0xE000_ED30
        /// DHCSR..DEMCR: the registers that still answer while NRST holds the chip in reset.
        static let debugBlock: ClosedRange<UInt32> = 0xE000_EDF0...0xE000_EDFF
    }
    enum DHCSR {
        static let key: UInt32 = 0xA05F_0000
        static let debugEnable: UInt32 = 1 << 0, halt: UInt32 = 1 << 1, step: UInt32 = 1 << 2
        static let maskInts: UInt32 = 1 << 3
        static let regReady: UInt32 = 1 << 16, halted: UInt32 = 1 << 17, lockup: UInt32 = 1 << 19
        static let resetSticky: UInt32 = 1 << 25
    }
    static let vcCoreReset: UInt32 = 1 << 0
    static let aircrKey: UInt32 = 0x05FA_0000, aircrKeyStat: UInt32 = 0xFA05_0000
    static let sysResetReq: UInt32 = 1 << 2

    /// What a write asks the rest of the chip to do.
    enum Event { case systemResetRequested }

    let cpuid: UInt32
    private(set) var state: CoreState = .running
    /// C_DEBUGEN, C_HALT, C_STEP, C_MASKINTS as last written (C_HALT is also set on entering debug
    /// state, so that writing it clear resumes the core).
    private var control: UInt32 = 0
    private var resetSticky = true
    private var regReady = false
    private(set) var demcr: UInt32 = 0
    /// DFSR: why the core last entered debug state (HALTED 0, BKPT 1, DWTTRAP 2, VCATCH 3),
    /// sticky until the debugger writes the bit as 1.
    private(set) var dfsr: UInt32 = 0
    private var dcrdr: UInt32 = 0
    private(set) var prigroup: UInt32 = 0
    /// Core registers by DCRSR REGSEL: 0–12 R0–R12, 13 SP, 14 LR, 15 DebugReturnAddress (PC),
    /// 16 xPSR, 17 MSP, 18 PSP, 20 CONTROL/FAULTMASK/BASEPRI/PRIMASK, 33 FPSCR, 64–95 S0–S31.
    var registers = [UInt32](repeating: 0, count: 128)
    /// Set when the registers above changed outside a running core (reset, a debugger's write):
    /// a CPU that executes must load them before it runs again.
    var registersChanged = true
    /// Single steps a debugger asked for (C_STEP with C_HALT clear) that a CPU has not run yet.
    var stepsRequested = 0
    /// A CPU executes for this core (`CoreRunner` attached): steps are then real.
    var executes = false
    /// The rest of the System Control Space: plain storage, so a driver touching VTOR, SHCSR or the
    /// like reads back what it wrote rather than faulting.
    private var otherSCS: [UInt32: UInt32] = [:]

    init(cpuid: UInt32) {
        self.cpuid = cpuid
    }

    private var debugEnabled: Bool { control & DHCSR.debugEnable != 0 }
    /// DEMCR.TRCENA: the DWT and ITM are powered.
    var traceEnabled: Bool { demcr & (1 << 24) != 0 }
    /// DHCSR.C_MASKINTS: a stepping debugger keeps interrupts out.
    var interruptsMasked: Bool { control & DHCSR.debugEnable != 0 && control & DHCSR.maskInts != 0 }
    var debuggerAttached: Bool { debugEnabled }

    /// The core enters debug state by itself (a BKPT, a breakpoint) with halting debug enabled.
    /// Set by the running core when a fault escalates past HardFault (ARMv7-M B1.5.15); DHCSR's
    /// S_LOCKUP shows it until a reset.
    var lockedUp = false

    enum HaltReason: UInt32 { case request = 1, breakpoint = 2, watchpoint = 4, vectorCatch = 8 }

    func enterDebugHalt(_ reason: HaltReason = .breakpoint) {
        state = .halted
        control |= DHCSR.halt
        dfsr |= reason.rawValue
    }

    // MARK: reset

    /// NRST low (or the first half of a system reset): the core stops; S_RESET_ST will read 1.
    func enterReset() {
        state = .reset
        lockedUp = false
        resetSticky = true
        regReady = false
    }

    /// Leaving reset the core fetches SP and PC from the vector table, then halts if halting debug is
    /// enabled and either a halt was requested or DEMCR.VC_CORERESET catches the reset vector
    /// (vector catch needs C_DEBUGEN, as the architecture says); otherwise it runs.
    func leaveReset(initialSP: UInt32, resetVector: UInt32) {
        registers[17] = initialSP
        registers[15] = resetVector & ~1
        registers[16] = 0x0100_0000  // Thumb bit
        registers[14] = 0xFFFF_FFFF
        registers[20] = 0
        registersChanged = true
        stepsRequested = 0
        let catchReset = demcr & CortexM7Core.vcCoreReset != 0
        if debugEnabled && (control & DHCSR.halt != 0 || catchReset) {
            dfsr |= catchReset ? HaltReason.vectorCatch.rawValue : HaltReason.request.rawValue
            state = .halted
            control |= DHCSR.halt
        } else {
            state = .running
        }
    }

    // MARK: bus

    /// `sideEffects: false` is for read-modify-write of a narrow access: it must not clear S_RESET_ST.
    func read(address: UInt32, sideEffects: Bool = true) -> UInt32 {
        switch address {
        case Address.cpuid: return cpuid
        case Address.aircr: return CortexM7Core.aircrKeyStat | (prigroup << 8)
        case Address.dhcsr:
            var value = control & 0xF
            if regReady { value |= DHCSR.regReady }
            // A step in progress is not halted yet: the debugger polls S_HALT for its end.
            if state == .halted && stepsRequested == 0 { value |= DHCSR.halted }
            if lockedUp { value |= DHCSR.lockup }
            if resetSticky { value |= DHCSR.resetSticky }
            if sideEffects { resetSticky = false }  // S_RESET_ST is cleared by reading DHCSR
            return value
        case Address.dcrsr: return 0  // write-only
        case Address.dcrdr: return dcrdr
        case Address.demcr: return demcr
        case Address.dfsr: return dfsr
        default: return otherSCS[address] ?? 0
        }
    }

    func write(address: UInt32, value: UInt32) -> Event? {
        switch address {
        case Address.cpuid:
            break  // read-only
        case Address.aircr:
            // Writes without VECTKEY are ignored. SYSRESETREQ resets the system; VECTRESET and
            // VECTCLRACTIVE are not emulated.
            guard value & 0xFFFF_0000 == CortexM7Core.aircrKey else { return nil }
            prigroup = (value >> 8) & 0x7
            if value & CortexM7Core.sysResetReq != 0 { return .systemResetRequested }
        case Address.dhcsr:
            writeDHCSR(value)
        case Address.dcrsr:
            transferRegister(value)
        case Address.dcrdr:
            dcrdr = value
        case Address.demcr:
            demcr = value
        case Address.dfsr:
            dfsr &= ~value                      // write one to clear
        default:
            otherSCS[address] = value
        }
        return nil
    }

    /// DHCSR writes need DBGKEY in bits 31:16, else they are ignored. C_HALT and C_STEP take effect
    /// only with C_DEBUGEN (set before or in the same write); clearing C_DEBUGEN resumes the core.
    private func writeDHCSR(_ value: UInt32) {
        guard value & 0xFFFF_0000 == DHCSR.key else { return }
        var bits = value & 0xF
        if bits & DHCSR.debugEnable == 0 { bits = 0 }
        control = bits
        guard state != .reset else { return }  // a halt request waits for the end of reset
        if bits & DHCSR.halt != 0 {
            if state != .halted { dfsr |= HaltReason.request.rawValue }
            state = .halted
        } else if state == .halted && bits & DHCSR.step == 0 {
            state = .running
        } else if state == .halted {
            // C_STEP with C_HALT clear: one instruction, then debug state again (a CPU runs it;
            // with none attached the core stays where it is).
            if executes { stepsRequested += 1 }
        }
    }

    /// DCRSR: REGSEL in bits 6:0, REGWnR in bit 16. Only a halted core transfers; otherwise the
    /// request is dropped and S_REGRDY stays clear.
    private func transferRegister(_ value: UInt32) {
        guard state == .halted else { regReady = false; return }
        var index = Int(value & 0x7F)
        if index == 13 { index = registers[20] & (1 << 25) != 0 ? 18 : 17 }  // SP follows CONTROL.SPSEL
        if value & (1 << 16) != 0 {
            registers[index] = dcrdr
            registersChanged = true
        } else {
            dcrdr = registers[index]
        }
        regReady = true
    }
}
