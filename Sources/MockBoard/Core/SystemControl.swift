/// The parts of the Cortex-M7's System Control Space a running core needs (ARMv7-M ARM B3.2–B3.4):
/// the NVIC, the exception state the SCB shows (ICSR, VTOR, SHPR, SHCSR, the fault status
/// registers, CCR, CPACR, the cache ID registers) and SysTick. Exceptions are numbered as in the
/// vector table: 2 NMI, 3 HardFault, 4–6 MemManage/BusFault/UsageFault, 11 SVCall, 14 PendSV,
/// 15 SysTick, 16 + n external interrupt n.
///
/// The debug registers (DHCSR, DEMCR, …), CPUID and AIRCR stay with `CortexM7Core`.
final class SystemControl: InterruptLines {
    static let priorityBits = 4              // the STM32F7 implements the top 4 bits of each priority

    let exceptionCount: Int
    private let clock: CoreClock
    /// AIRCR.PRIGROUP, kept by the debug side of the core.
    private let prigroup: () -> UInt32
    /// IPSR of the running core, for ICSR.VECTACTIVE.
    var currentException: () -> Int = { 0 }
    /// Something became pending: the core stops its run so it can take it.
    var onPending: () -> Void = {}

    private(set) var enabled: [Bool]
    private(set) var pending: [Bool]
    private(set) var active: [Bool]
    private var lineHigh: [Bool]
    private var priority: [UInt8]

    private(set) var vtor: UInt32 = 0
    private(set) var shcsr: UInt32 = 0
    private(set) var ccr: UInt32 = 0
    var cfsr: UInt32 = 0
    var hfsr: UInt32 = 0
    var bfar: UInt32 = 0
    var mmfar: UInt32 = 0
    private var cpacr: UInt32 = 0
    private var csselr: UInt32 = 0
    private var fpccr: UInt32 = 0
    private var storage: [UInt32: UInt32] = [:]

    // SysTick: the counter's value `anchorValue` at cycle `anchorCycle`, counting down when enabled.
    private var systCSR: UInt32 = 0
    private var systRVR: UInt32 = 0
    private var anchorCycle: UInt64 = 0
    private var anchorValue: UInt32 = 0

    enum Address {
        static let systCSR: UInt32 = 0xE000_E010, systRVR: UInt32 = 0xE000_E014
        static let systCVR: UInt32 = 0xE000_E018, systCALIB: UInt32 = 0xE000_E01C
        static let nvic: ClosedRange<UInt32> = 0xE000_E100...0xE000_E4EF
        static let icsr: UInt32 = 0xE000_ED04, vtor: UInt32 = 0xE000_ED08, ccr: UInt32 = 0xE000_ED14
        static let shpr: ClosedRange<UInt32> = 0xE000_ED18...0xE000_ED23
        static let shcsr: UInt32 = 0xE000_ED24, cfsr: UInt32 = 0xE000_ED28, hfsr: UInt32 = 0xE000_ED2C
        static let mmfar: UInt32 = 0xE000_ED34, bfar: UInt32 = 0xE000_ED38
        static let ccsidr: UInt32 = 0xE000_ED80, csselr: UInt32 = 0xE000_ED84, cpacr: UInt32 = 0xE000_ED88
        static let stir: UInt32 = 0xE000_EF00, fpccr: UInt32 = 0xE000_EF34
        /// The cache maintenance operations (write-only; the emulated memory has no caches).
        static let cacheMaintenance: ClosedRange<UInt32> = 0xE000_EF50...0xE000_EF78
    }

    /// The registers this block answers for; the rest of the SCS goes to the debug side.
    static func claims(_ address: UInt32) -> Bool {
        (Address.systCSR...Address.systCALIB).contains(address) || Address.nvic.contains(address)
            || (Address.icsr...Address.cpacr).contains(address) && address != 0xE000_ED0C && address != 0xE000_ED30  // AIRCR, DFSR: the core's
            || (Address.stir...0xE000_EF8F).contains(address)
    }

    init(irqCount: Int, clock: CoreClock, prigroup: @escaping () -> UInt32) {
        exceptionCount = 16 + irqCount
        self.clock = clock
        self.prigroup = prigroup
        enabled = Array(repeating: false, count: exceptionCount)
        pending = enabled
        active = enabled
        lineHigh = Array(repeating: false, count: irqCount)
        priority = Array(repeating: 0, count: exceptionCount)
        reset()
    }

    func reset() {
        for n in 0..<exceptionCount { enabled[n] = n < 16; pending[n] = false; active[n] = false; priority[n] = 0 }
        for i in lineHigh.indices { lineHigh[i] = false }
        vtor = 0; shcsr = 0; cfsr = 0; hfsr = 0; bfar = 0; mmfar = 0; cpacr = 0; csselr = 0
        ccr = 0x0000_0200                        // STKALIGN
        fpccr = 0xC000_0000                      // ASPEN, LSPEN
        storage = [:]
        systCSR = 0; systRVR = 0; anchorCycle = clock.cycles; anchorValue = 0
    }

    // MARK: priorities

    /// The priority an exception runs at: Reset -3, NMI -2, HardFault -1, the rest configurable.
    func priority(of exception: Int) -> Int {
        switch exception {
        case 1: return -3
        case 2: return -2
        case 3: return -1
        default: return Int(priority[exception])
        }
    }

    /// The group priority: what decides pre-emption (AIRCR.PRIGROUP splits off the subpriority).
    func groupPriority(of exception: Int) -> Int {
        let p = priority(of: exception)
        guard p >= 0 else { return p }
        let subBits = Int(prigroup()) + 1
        return p & ~((1 << subBits) - 1)
    }

    /// The execution priority (B1.5.4): the highest of the active exceptions' group priorities and
    /// the boosts from PRIMASK, FAULTMASK and BASEPRI; 256 in thread mode with nothing active.
    func executionPriority(primask: Bool, faultmask: Bool, basepri: UInt32) -> Int {
        var level = 256
        for n in 1..<exceptionCount where active[n] { level = min(level, groupPriority(of: n)) }
        if basepri & 0xFF != 0 {
            let subBits = Int(prigroup()) + 1
            level = min(level, Int(basepri & 0xFF) & ~((1 << subBits) - 1))
        }
        if primask { level = min(level, 0) }
        if faultmask { level = min(level, -1) }
        return level
    }

    /// The pending, enabled exception that would pre-empt at `executionPriority`, if any: the
    /// lowest priority value wins, the lower exception number breaks ties.
    func exceptionToTake(executionPriority: Int) -> Int? {
        var best: Int?
        for n in 2..<exceptionCount where pending[n] && isEnabled(n) {
            if let b = best, priority(of: n) >= priority(of: b) { continue }
            best = n
        }
        guard let n = best, groupPriority(of: n) < executionPriority else { return nil }
        return n
    }

    /// Any pending exception at all, masked or not: what wakes a core from WFI (B1.5.19 with SEVONPEND aside).
    var anyPendingWakes: Bool {
        (2..<exceptionCount).contains { pending[$0] && isEnabled($0) }
    }

    private func isEnabled(_ n: Int) -> Bool { n < 16 ? true : enabled[n] }

    func pend(_ exception: Int) {
        pending[exception] = true
        onPending()
    }

    /// Exception entry: pending becomes active.
    func activate(_ exception: Int) {
        pending[exception] = false
        active[exception] = true
    }

    /// Exception return: no longer active; a level-sensitive interrupt still asserted pends again.
    func deactivate(_ exception: Int) {
        active[exception] = false
        if exception >= 16, lineHigh[exception - 16] { pending[exception] = true }
    }

    func setLine(_ irq: Int, high: Bool) {
        guard irq < lineHigh.count else { return }
        lineHigh[irq] = high
        // Level-sensitive: an asserted line pends its interrupt unless it is being handled; what
        // is pending stays pending when the line drops, until taken or cleared (B3.4.1).
        if high && !active[16 + irq] && !pending[16 + irq] { pend(16 + irq) }
    }

    /// The number of exceptions active: RETTOBASE and lock-up need it.
    var activeCount: Int { active.filter { $0 }.count }

    // MARK: SysTick (B3.3): counts the core clock (CLKSOURCE 1) or HCLK / 8 (the STM32's external reference)

    private var systDivider: UInt64 { systCSR & 4 != 0 ? 1 : 8 }
    private var systEnabled: Bool { systCSR & 1 != 0 }

    /// Counts SysTick up to now: every pass through zero reloads, sets COUNTFLAG and pends the
    /// exception if TICKINT is set.
    func advanceSysTick() {
        guard systEnabled else { anchorCycle = clock.cycles; return }
        let ticks = (clock.cycles - anchorCycle) / systDivider
        guard ticks > 0 else { return }
        let value = UInt64(anchorValue)
        anchorCycle += ticks * systDivider
        if ticks <= value {
            anchorValue = UInt32(value - ticks)
        } else {
            // Reached 0 after `value` ticks; each further tick either reloads (from 0) or counts down.
            let period = UInt64(systRVR & 0xFF_FFFF) + 1
            let after = ticks - value            // ticks counted from the zero
            anchorValue = period > 1 ? UInt32((UInt64(systRVR & 0xFF_FFFF)) - ((after - 1) % period)) : 0
            systCSR |= 1 << 16
            if systCSR & 2 != 0 && systRVR & 0xFF_FFFF != 0 { pend(15) }
        }
    }

    /// The cycle at which SysTick next reaches zero, if it counts.
    var nextSysTickEvent: UInt64? {
        guard systEnabled, systRVR & 0xFF_FFFF != 0 else { return nil }
        let ticksToZero = UInt64(anchorValue == 0 ? (systRVR & 0xFF_FFFF) + 1 : anchorValue)
        return anchorCycle + ticksToZero * systDivider
    }

    // MARK: registers

    func read(address: UInt32) -> UInt32 {
        switch address {
        case Address.systCSR:
            advanceSysTick()
            let value = systCSR
            systCSR &= ~(1 << 16)                // COUNTFLAG clears on read
            return value
        case Address.systRVR: return systRVR
        case Address.systCVR:
            advanceSysTick()
            return anchorValue
        case Address.systCALIB: return 0x4000_0000 | 27_000   // no exact 10 ms value; 10 ms at HCLK/8 = 216 MHz / 8
        case Address.nvic: return readNVIC(address)
        case Address.icsr: return icsr
        case Address.vtor: return vtor
        case Address.ccr: return ccr
        case Address.shpr:
            let base = address & ~3
            return (0..<4).reduce(UInt32(0)) { word, i in
                let n = Int(base - 0xE000_ED18) + i + 4
                return word | UInt32(priority[n]) << UInt32(8 * i)
            }
        case Address.shcsr: return shcsr | activePendingBits
        case Address.cfsr: return cfsr
        case Address.hfsr: return hfsr
        case Address.mmfar: return mmfar
        case Address.bfar: return bfar
        case Address.ccsidr:
            // 4 KB D-cache: 4 ways x 32 sets of 32 bytes; 4 KB I-cache: 2 ways x 64 sets (RM0385 / Cortex-M7 TRM).
            return csselr & 1 == 0 ? 0xF003_E019 : 0xF007_E009
        case Address.csselr: return csselr
        case Address.cpacr: return cpacr
        case Address.fpccr: return fpccr
        case Address.stir, Address.cacheMaintenance: return 0
        default: return storage[address] ?? 0
        }
    }

    func write(address: UInt32, value: UInt32, mask: UInt32) {
        let bits = value & mask
        switch address {
        case Address.systCSR:
            advanceSysTick()
            let wasEnabled = systEnabled
            systCSR = (systCSR & (1 << 16)) | (systCSR.merged(value, mask: mask) & 7)
            if !wasEnabled && systEnabled { anchorCycle = clock.cycles }
        case Address.systRVR: systRVR = systRVR.merged(value, mask: mask) & 0xFF_FFFF
        case Address.systCVR:
            advanceSysTick()
            anchorValue = 0                      // any write clears the counter and COUNTFLAG
            anchorCycle = clock.cycles
            systCSR &= ~(1 << 16)
        case Address.nvic: writeNVIC(address, bits: bits, value: value, mask: mask)
        case Address.icsr:
            if bits & (1 << 28) != 0 { pend(14) }          // PENDSVSET
            if bits & (1 << 27) != 0 { pending[14] = false } // PENDSVCLR
            if bits & (1 << 26) != 0 { pend(15) }          // PENDSTSET
            if bits & (1 << 25) != 0 { pending[15] = false } // PENDSTCLR
            if bits & (1 << 31) != 0 { pend(2) }           // NMIPENDSET
        case Address.vtor: vtor = vtor.merged(value, mask: mask) & 0xFFFF_FF80
        case Address.ccr: ccr = ccr.merged(value, mask: mask) & 0x0007_031B | 0x200
        case Address.shpr:
            for i in 0..<4 where mask & (0xFF << UInt32(8 * i)) != 0 {
                let n = Int((address & ~3) - 0xE000_ED18) + i + 4
                priority[n] = UInt8(truncatingIfNeeded: value >> UInt32(8 * i)) & 0xF0
            }
        case Address.shcsr: shcsr = shcsr.merged(value, mask: mask) & 0x0007_0000
        case Address.cfsr: cfsr &= ~bits                    // write 1 to clear
        case Address.hfsr: hfsr &= ~bits
        case Address.mmfar: mmfar = mmfar.merged(value, mask: mask)
        case Address.bfar: bfar = bfar.merged(value, mask: mask)
        case Address.csselr: csselr = csselr.merged(value, mask: mask) & 0xF
        case Address.cpacr: cpacr = cpacr.merged(value, mask: mask) & 0x00F0_0000
        case Address.fpccr: fpccr = fpccr.merged(value, mask: mask)
        case Address.stir:
            let irq = Int(bits & 0x1FF)
            if 16 + irq < exceptionCount { pend(16 + irq) }
        case Address.cacheMaintenance: break
        default: storage[address] = (storage[address] ?? 0).merged(value, mask: mask)
        }
    }

    /// Whether the FPU is accessible: CP10 and CP11 both granted (full or privileged).
    var fpuEnabled: Bool { (cpacr >> 20) & 0xF != 0 }

    private var icsr: UInt32 {
        let activeNumber = UInt32(currentException() & 0x1FF)
        var value = activeNumber
        var highest: Int?
        for n in 2..<exceptionCount where pending[n] && isEnabled(n) {
            if let h = highest, priority(of: n) >= priority(of: h) { continue }
            highest = n
        }
        if let h = highest { value |= UInt32(h) << 12 }
        if (16..<exceptionCount).contains(where: { pending[$0] }) { value |= 1 << 22 }
        if activeCount <= 1 { value |= 1 << 11 }           // RETTOBASE
        if pending[14] { value |= 1 << 28 }
        if pending[15] { value |= 1 << 26 }
        if pending[2] { value |= 1 << 31 }
        return value
    }

    private var activePendingBits: UInt32 {
        var value: UInt32 = 0
        if active[4] { value |= 1 << 0 }
        if active[5] { value |= 1 << 1 }
        if active[6] { value |= 1 << 3 }
        if active[11] { value |= 1 << 7 }
        if active[12] { value |= 1 << 8 }
        if active[14] { value |= 1 << 10 }
        if active[15] { value |= 1 << 11 }
        return value
    }

    // MARK: NVIC (B3.4): ISER/ICER/ISPR/ICPR/IABR as bit sets of 32 lines, IPR a byte per line

    private func readNVIC(_ address: UInt32) -> UInt32 {
        let offset = address - 0xE000_E100
        if offset >= 0x300 {
            let first = Int(offset - 0x300) & ~3
            return (0..<4).reduce(UInt32(0)) { word, i in
                let n = 16 + first + i
                return n < exceptionCount ? word | UInt32(priority[n]) << UInt32(8 * i) : word
            }
        }
        let group = Int((offset & 0x7F) / 4)
        let set: [Bool]
        switch offset / 0x80 {
        case 0, 1: set = enabled
        case 2, 3: set = pending
        case 4: set = active
        default: return 0
        }
        var word: UInt32 = 0
        for bit in 0..<32 {
            let n = 16 + group * 32 + bit
            if n < exceptionCount && set[n] { word |= 1 << UInt32(bit) }
        }
        return word
    }

    private func writeNVIC(_ address: UInt32, bits: UInt32, value: UInt32, mask: UInt32) {
        let offset = address - 0xE000_E100
        if offset >= 0x300 {
            let first = Int(offset - 0x300) & ~3
            for i in 0..<4 where mask & (0xFF << UInt32(8 * i)) != 0 {
                let n = 16 + first + i
                if n < exceptionCount { priority[n] = UInt8(truncatingIfNeeded: value >> UInt32(8 * i)) & 0xF0 }
            }
            return
        }
        let group = Int((offset & 0x7F) / 4)
        for bit in 0..<32 where bits & (1 << UInt32(bit)) != 0 {
            let n = 16 + group * 32 + bit
            guard n < exceptionCount else { continue }
            switch offset / 0x80 {
            case 0: enabled[n] = true; if pending[n] { onPending() }
            case 1: enabled[n] = false
            case 2: pend(n)
            case 3: pending[n] = false
            default: break
            }
        }
    }
}
