/// Cortex-M core control through the debug registers (ARMv7-M architecture manual, C1.6).
public struct CortexM {
    public enum Register {
        public static let cpuid: UInt32 = 0xE000_ED00
        public static let aircr: UInt32 = 0xE000_ED0C
        public static let dhcsr: UInt32 = 0xE000_EDF0
        public static let demcr: UInt32 = 0xE000_EDFC
    }
    enum DHCSR {
        static let key: UInt32 = 0xA05F_0000
        static let debugEnable: UInt32 = 1 << 0
        static let halt: UInt32 = 1 << 1
        static let step: UInt32 = 1 << 2
        static let maskInterrupts: UInt32 = 1 << 3
        static let statusHalted: UInt32 = 1 << 17
        static let statusLockup: UInt32 = 1 << 19
        static let statusResetSeen: UInt32 = 1 << 25
    }
    enum DEMCR {
        static let vectorCatchCoreReset: UInt32 = 1 << 0
        static let traceEnable: UInt32 = 1 << 24
    }
    static let aircrSystemReset: UInt32 = 0x05FA_0004

    public let probe: STLinkProbe
    /// How long to wait for the core to reach a state before giving up.
    public var timeout: Duration = .milliseconds(500)

    public init(probe: STLinkProbe) { self.probe = probe }

    public func isHalted() throws(STLinkError) -> Bool {
        try probe.read32(Register.dhcsr) & DHCSR.statusHalted != 0
    }

    /// Stops the core and waits until it says it has stopped.
    public func halt() throws(STLinkError) {
        try probe.write32(Register.dhcsr, DHCSR.key | DHCSR.debugEnable | DHCSR.halt)
        try waitUntilHalted(what: "halt")
    }

    /// Lets the core run (debug stays enabled so it can be halted again).
    public func run() throws(STLinkError) {
        try probe.write32(Register.dhcsr, DHCSR.key | DHCSR.debugEnable)
    }

    /// Executes one instruction with interrupts masked, then halts.
    public func step() throws(STLinkError) {
        try probe.write32(Register.dhcsr, DHCSR.key | DHCSR.debugEnable | DHCSR.maskInterrupts | DHCSR.step)
        try waitUntilHalted(what: "single step")
    }

    /// System reset through AIRCR.SYSRESETREQ. With `halt`, the core stops at the reset vector
    /// (vector catch), before any firmware instruction runs.
    public func reset(halt: Bool) throws(STLinkError) {
        let demcr = try probe.read32(Register.demcr)
        let wanted = halt ? demcr | DEMCR.vectorCatchCoreReset : demcr & ~DEMCR.vectorCatchCoreReset
        try probe.write32(Register.demcr, wanted)
        // DHCSR lives in the debug domain and survives the reset: a C_HALT left from flashing would
        // stop the core again the moment it leaves reset. Clear it, so "run" means run.
        try probe.write32(Register.dhcsr, DHCSR.key | DHCSR.debugEnable)
        // The reset may cut the write's acknowledgement short; the reset still happens.
        do { try probe.write32(Register.aircr, Self.aircrSystemReset) } catch .memoryFault {}
        try waitForResetToComplete()
        if halt {
            try waitUntilHalted(what: "halt after reset")
            try probe.write32(Register.demcr, demcr & ~DEMCR.vectorCatchCoreReset)
        }
    }

    /// Reset through the NRST pin (the probe pulses it), for a chip whose core no longer answers
    /// AIRCR. With `halt`, vector catch stops the core at the reset vector.
    public func pinReset(halt: Bool) throws(STLinkError) {
        let demcr = try probe.read32(Register.demcr)
        try probe.write32(Register.demcr, halt ? demcr | DEMCR.vectorCatchCoreReset : demcr & ~DEMCR.vectorCatchCoreReset)
        try probe.write32(Register.dhcsr, DHCSR.key | DHCSR.debugEnable)     // no stale C_HALT
        try probe.driveNRST(.pulse)
        try waitForResetToComplete()
        if halt {
            try waitUntilHalted(what: "halt after reset")
            try probe.write32(Register.demcr, demcr & ~DEMCR.vectorCatchCoreReset)
        }
    }

    /// For firmware that sleeps (WFI) or takes over the SWD pins: hold NRST low, enable halting
    /// debug with vector catch, release NRST, and check that the core stopped at reset.
    public func connectUnderReset() throws(STLinkError) {
        try probe.driveNRST(.low)
        try probe.execute(.enterSWD)
        try probe.write32(Register.dhcsr, DHCSR.key | DHCSR.debugEnable | DHCSR.halt)
        let demcr = try probe.read32(Register.demcr)
        try probe.write32(Register.demcr, demcr | DEMCR.vectorCatchCoreReset)
        try probe.driveNRST(.high)
        probe.clock.sleep(for: .milliseconds(10))
        try waitUntilHalted(what: "halt under reset")
        let status = try probe.read32(Register.dhcsr)
        try probe.write32(Register.demcr, demcr & ~DEMCR.vectorCatchCoreReset)
        guard status & DHCSR.statusResetSeen != 0 || status & DHCSR.statusHalted != 0 else {
            throw .core("the core did not go through reset while NRST was held low; check that the probe's NRST line reaches the board")
        }
    }

    /// Reads R0–R15 (13 SP, 14 LR, 15 PC), 16 xPSR, 17 MSP, 18 PSP. The core must be halted.
    public func readRegister(_ index: UInt8) throws(STLinkError) -> UInt32 {
        let reply = try probe.execute(.readCoreRegister(index))
        return readLE32(reply, 4)
    }

    public func writeRegister(_ index: UInt8, _ value: UInt32) throws(STLinkError) {
        try probe.execute(.writeCoreRegister(index, value))
    }

    /// The core's identity, e.g. implementer 0x41 (ARM), part 0xC27 (Cortex-M7).
    public func cpuid() throws(STLinkError) -> (implementer: UInt32, part: UInt32, raw: UInt32) {
        let raw = try probe.read32(Register.cpuid)
        return (raw >> 24, (raw >> 4) & 0xFFF, raw)
    }

    func waitUntilHalted(what: String) throws(STLinkError) {
        let deadline = probe.clock.now + timeout
        while true {
            if try isHalted() { return }
            guard probe.clock.now < deadline else {
                throw .core("the core did not \(what) within \(timeout); try again with --connect-under-reset")
            }
            probe.clock.sleep(for: .milliseconds(1))
        }
    }

    /// After SYSRESETREQ the debug port may answer with faults for a moment; S_RESET_ST tells us the
    /// reset happened (reading it clears it).
    func waitForResetToComplete() throws(STLinkError) {
        let deadline = probe.clock.now + timeout
        while true {
            do {
                if try probe.read32(Register.dhcsr) & DHCSR.statusResetSeen != 0 { return }
            } catch .memoryFault {
                // still in reset
            }
            guard probe.clock.now < deadline else {
                throw .core("the target did not complete a system reset within \(timeout)")
            }
            probe.clock.sleep(for: .milliseconds(1))
        }
    }
}
