/// What a Cortex-M core is doing when its firmware stopped answering, read through the debug port
/// as a debugger's post-mortem would: is it in a fault handler or locked up, where, and why
/// (the fault status registers, ARMv7-M B3.2.15–B3.2.18, and the frame the fault stacked).
public struct CoreFaultState: Sendable, Equatable, CustomStringConvertible {
    /// DHCSR.S_LOCKUP: a fault inside the HardFault handler (or an unusable vector); the core stopped.
    public let lockedUp: Bool
    /// IPSR: 0 thread mode, 2 NMI, 3 HardFault, 4 MemManage, 5 BusFault, 6 UsageFault, ….
    public let exception: UInt32
    public let pc: UInt32
    /// The return address the fault stacked: the instruction that faulted (nil when none was readable).
    public let faultingPC: UInt32?
    public let cfsr: UInt32, hfsr: UInt32
    public let bfar: UInt32?, mmfar: UInt32?

    public init(lockedUp: Bool, exception: UInt32, pc: UInt32, faultingPC: UInt32?, cfsr: UInt32, hfsr: UInt32,
                bfar: UInt32? = nil, mmfar: UInt32? = nil) {
        self.lockedUp = lockedUp; self.exception = exception; self.pc = pc; self.faultingPC = faultingPC
        self.cfsr = cfsr; self.hfsr = hfsr; self.bfar = bfar; self.mmfar = mmfar
    }

    /// True when the firmware crashed: locked up, or running a fault handler (HardFault … UsageFault).
    public var isFault: Bool { lockedUp || (2...6).contains(exception) }

    static let exceptionNames: [UInt32: String] = [2: "NMI", 3: "HardFault", 4: "MemManage", 5: "BusFault", 6: "UsageFault"]

    /// The CFSR and HFSR bits that are set, by their manual names.
    public var reasons: [String] {
        let cfsrBits: [(Int, String)] = [
            (0, "IACCVIOL"), (1, "DACCVIOL"), (3, "MUNSTKERR"), (4, "MSTKERR"), (5, "MLSPERR"),
            (8, "IBUSERR"), (9, "PRECISERR"), (10, "IMPRECISERR"), (11, "UNSTKERR"), (12, "STKERR"), (13, "LSPERR"),
            (16, "UNDEFINSTR"), (17, "INVSTATE"), (18, "INVPC"), (19, "NOCP"), (24, "UNALIGNED"), (25, "DIVBYZERO"),
        ]
        let hfsrBits: [(Int, String)] = [(1, "VECTTBL"), (30, "FORCED"), (31, "DEBUGEVT")]
        return cfsrBits.filter { cfsr & (1 << UInt32($0.0)) != 0 }.map(\.1)
            + hfsrBits.filter { hfsr & (1 << UInt32($0.0)) != 0 }.map(\.1)
    }

    public var description: String {
        var text = lockedUp ? "the core is locked up at PC 0x\(hex32(pc))"
            : exception == 0 ? "the core runs thread code at PC 0x\(hex32(pc))"
            : "the core is in its \(Self.exceptionNames[exception] ?? "exception \(exception)") handler at PC 0x\(hex32(pc))"
        if let faultingPC { text += ", the fault taken at PC 0x\(hex32(faultingPC))" }
        let why = reasons
        text += why.isEmpty ? "" : " (\(why.joined(separator: ", ")))"
        if let bfar { text += ", bus fault address 0x\(hex32(bfar))" }
        if let mmfar { text += ", memory-manage fault address 0x\(hex32(mmfar))" }
        return text
    }
}

extension CortexM {
    enum FaultRegister {
        static let cfsr: UInt32 = 0xE000_ED28, hfsr: UInt32 = 0xE000_ED2C
        static let mmfar: UInt32 = 0xE000_ED34, bfar: UInt32 = 0xE000_ED38
    }

    /// Halts the core, reads where it is and its fault status, and lets it run again if it was
    /// running (a core in a fault handler only spins there). The stacked PC is read from the stack
    /// the EXC_RETURN in LR names, which holds while the handler has not touched LR (a handler that
    /// spins, as the harness's does).
    public func faultState() throws(STLinkError) -> CoreFaultState {
        let dhcsr = try probe.read32(Register.dhcsr)
        let wasHalted = dhcsr & DHCSR.statusHalted != 0
        if !wasHalted { try halt() }
        let after = try probe.read32(Register.dhcsr)
        let lockedUp = (dhcsr | after) & DHCSR.statusLockup != 0
        let xpsr = try readRegister(16), pc = try readRegister(15), lr = try readRegister(14)
        let exception = xpsr & 0x1FF
        var faultingPC: UInt32?
        if (2...6).contains(exception), lr & 0xFFFF_FF00 == 0xFFFF_FF00 {
            let sp = try readRegister(lr & 0x4 != 0 ? 18 : 17)
            faultingPC = try? probe.read32(sp &+ 24)
        }
        let cfsr = try probe.read32(FaultRegister.cfsr), hfsr = try probe.read32(FaultRegister.hfsr)
        let bfar = cfsr & (1 << 15) != 0 ? try probe.read32(FaultRegister.bfar) : nil
        let mmfar = cfsr & (1 << 7) != 0 ? try probe.read32(FaultRegister.mmfar) : nil
        if !wasHalted { try run() }
        return CoreFaultState(lockedUp: lockedUp, exception: exception, pc: pc, faultingPC: faultingPC,
                              cfsr: cfsr, hfsr: hfsr, bfar: bfar, mmfar: mmfar)
    }
}
