/// Commands the probe turns into several debug-register accesses: IDCODE, reset, core registers.
///
/// Core registers go through DCRSR/DCRDR on the bus, so they work only on a halted core: on a
/// running core, or one held in reset, S_REGRDY never sets and the probe answers 0x81 (its "fault"
/// status; the facts name none for this case). The register selector is DCRSR's REGSEL, as OpenOCD
/// sends it: 0–12 R0–R12, 13 SP, 14 LR, 15 PC, 16 xPSR, 17 MSP, 18 PSP, 20 CONTROL/FAULTMASK/
/// BASEPRI/PRIMASK, 33 FPSCR, 64–95 S0–S31.
extension EmulatedSTLink {
    private static let dcrsr: UInt32 = 0xE000_EDF4, dcrdr: UInt32 = 0xE000_EDF8
    private static let aircr: UInt32 = 0xE000_ED0C
    /// READ_ALLREGS: R0–R15, xPSR, MSP, PSP, CONTROL/FAULTMASK/BASEPRI/PRIMASK, FPSCR.
    private static let allRegisters: [UInt32] = Array(0...18) + [20, 33]

    /// F2 31: 12 bytes, status then the SWD DPIDR (from the chip description) at 4.
    func readIDCodes() -> Response {
        swd(1)
        guard let dpidr = target.chip.swdDpidr?.value else {
            return .reply(status(Status.idcodeError, length: 12))
        }
        return .reply([Status.ok, 0, 0, 0] + le32(dpidr) + [0, 0, 0, 0])
    }

    /// F2 32: a system reset through AIRCR.SYSRESETREQ.
    func resetSystem() -> Response {
        swd(TimingModel.memorySetupTransfers + 1)
        if case .failure = busWrite(Self.aircr, 4, 0x05FA_0004) { return .reply([Status.apFault, 0]) }
        return .reply([Status.ok, 0])
    }

    /// Reads one register: DCRSR ← selector, then DCRDR; or the status byte saying why it cannot.
    private func coreRegister(_ selector: UInt32) -> Result<UInt32, StatusCode> {
        guard target.coreState == .halted else { return .failure(StatusCode(Status.fault)) }
        swd(4)  // DCRSR write, DHCSR poll for S_REGRDY, DCRDR read, RDBUFF
        guard case .success = busWrite(Self.dcrsr, 4, selector & 0x7F) else { return .failure(StatusCode(Status.apFault)) }
        return busRead(Self.dcrdr, 4).mapError { _ in StatusCode(Status.apFault) }
    }

    /// F2 33 sel → 8 bytes: status, value at 4.
    func readRegister(_ c: [UInt8]) -> Response {
        if answersWait() { return .reply(status(Status.apWait, length: 8)) }
        swd(TimingModel.memorySetupTransfers)
        switch coreRegister(UInt32(c[2])) {
        case let .success(value): return .reply([Status.ok, 0, 0, 0] + le32(value))
        case let .failure(code): return .reply(status(code.value, length: 8))
        }
    }

    /// F2 34 sel value(at 3) → 2 bytes: DCRDR ← value, then DCRSR ← selector | REGWnR.
    func writeRegister(_ c: [UInt8]) -> Response {
        if answersWait() { return .reply([Status.apWait, 0]) }
        swd(TimingModel.memorySetupTransfers)
        guard target.coreState == .halted else { return .reply([Status.fault, 0]) }
        swd(3)  // DCRDR write, DCRSR write, DHCSR poll
        guard case .success = busWrite(Self.dcrdr, 4, c.le32(at: 3)),
              case .success = busWrite(Self.dcrsr, 4, UInt32(c[2] & 0x7F) | (1 << 16)) else {
            return .reply([Status.apFault, 0])
        }
        return .reply([Status.ok, 0])
    }

    /// F2 3A → 88 bytes: a 4-byte status, then 21 registers.
    func readAllRegisters() -> Response {
        if answersWait() { return .reply(status(Status.apWait, length: 88)) }
        swd(TimingModel.memorySetupTransfers)
        var reply: [UInt8] = [Status.ok, 0, 0, 0]
        for selector in Self.allRegisters {
            switch coreRegister(selector) {
            case let .success(value): reply += le32(value)
            case let .failure(code): return .reply(status(code.value, length: 88))
            }
        }
        return .reply(reply)
    }
}

/// A probe status byte as an error, for results that carry one.
struct StatusCode: Error {
    let value: UInt8
    init(_ value: UInt8) { self.value = value }
}
