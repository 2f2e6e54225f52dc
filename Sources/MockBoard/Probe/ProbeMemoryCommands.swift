/// READMEM/WRITEMEM at 8, 16 and 32 bits, and single debug-register accesses.
///
/// A transfer runs as the probe runs it: one bus access of the transfer's width per element, in
/// address order, so the flash controller sees the real access sizes. Transfers carry no status;
/// the outcome (0x80, 0x10 AP WAIT, 0x11 AP fault with the faulting address, 0x1D bad AP) is what
/// the next GETLASTRWSTATUS(2) reports. A fault stops the transfer at the faulting access.
extension EmulatedSTLink {
    /// A write whose data phase is still arriving.
    struct PendingWrite {
        let name: String
        let address: UInt32
        let width: Int
        let length: Int
        /// nil: perform it; otherwise the status it ends with, having done nothing.
        let refusal: UInt8?
        var data: [UInt8] = []
    }

    /// The probe's limits: 32- and 16-bit transfers up to its 6144-byte buffer with address and
    /// length aligned to the width; 8-bit transfers up to one USB packet (64 bytes full speed, 512 on
    /// a V3).
    private func limitViolation(width: Int, address: UInt32, length: Int) -> String? {
        let limit = width == 1 ? firmware.max8BitTransfer : firmware.maxTransfer
        if length > limit { return "\(length) bytes is over the \(limit)-byte limit of \(firmware.label)" }
        if width > 1 && (address % UInt32(width) != 0 || length % width != 0) {
            return "address \(hexString(address)) and length \(length) must be \(width)-byte aligned"
        }
        return nil
    }

    /// Whether the next memory command is one the WAIT storm answers instead of serving.
    func answersWait() -> Bool {
        guard let storm = faults.waitStorm else { memoryCommandsServed += 1; return false }
        if memoryCommandsServed >= storm.afterMemoryCommands && waitsAnswered < storm.count {
            waitsAnswered += 1
            return true
        }
        memoryCommandsServed += 1
        return false
    }

    /// Why a transfer is not performed at all, if it is not: bad AP, or a WAIT answer.
    private func refusal(_ c: [UInt8]) -> UInt8? {
        // The F7 has one AP. Firmware before J28 ignores the AP byte; later firmware checks it.
        if c[8] != 0 && firmware.hasSeveralAPs { return Status.badAP }
        return answersWait() ? Status.apWait : nil
    }

    func readMemory(_ c: [UInt8], name: String, width: Int) -> Response {
        let address = c.le32(at: 2), length = Int(c.le16(at: 6))
        if let why = limitViolation(width: width, address: address, length: length) {
            reject("\(name) at \(hexString(address)): \(why) (IN phase stalled)")
            lastTransfer = (Status.commandError, 0)
            return .stallIn
        }
        var data = [UInt8](repeating: 0, count: length)
        if let status = refusal(c) {
            lastTransfer = (status, 0)
        } else {
            lastTransfer = (Status.ok, 0)
            transfer(address: address, width: width, length: length) { a, offset in
                busRead(a, width).map { data.storeLittleEndian($0, at: offset, size: width) }
            }
            swd(1)  // the posted read's value comes out of RDBUFF
        }
        // A one-byte read answers two bytes (the ST-LINK facts: "a 1-byte read needs a 2-byte buffer").
        return .reply(width == 1 && length == 1 ? data + [0] : data)
    }

    func writeMemory(_ c: [UInt8], name: String, width: Int) -> Response {
        let address = c.le32(at: 2), length = Int(c.le16(at: 6))
        if let why = limitViolation(width: width, address: address, length: length) {
            reject("\(name) at \(hexString(address)): \(why) (data phase stalled)")
            lastTransfer = (Status.commandError, 0)
            return length == 0 ? .nothing : .stallOut
        }
        let pending = PendingWrite(name: name, address: address, width: width, length: length, refusal: refusal(c))
        if length == 0 {
            finish(pending)
            return .nothing
        }
        return .receive(pending)
    }

    /// The data phase is complete: the probe now runs the bus writes.
    func finish(_ pending: PendingWrite) {
        if let status = pending.refusal {
            lastTransfer = (status, 0)
            return
        }
        lastTransfer = (Status.ok, 0)
        transfer(address: pending.address, width: pending.width, length: pending.length) { a, offset in
            busWrite(a, pending.width, pending.data.littleEndian(at: offset, size: pending.width))
        }
    }

    /// Runs `access` for each element with its SWD time, stopping at the first fault.
    private func transfer(address: UInt32, width: Int, length: Int,
                          _ access: (UInt32, Int) -> Result<Void, BusFault>) {
        guard length > 0 else { return }
        swd(TimingModel.memorySetupTransfers)
        var block = address / TimingModel.autoIncrementBlock
        for offset in stride(from: 0, to: length, by: width) {
            let a = address &+ UInt32(offset)
            if a / TimingModel.autoIncrementBlock != block {
                block = a / TimingModel.autoIncrementBlock
                swd(1)  // TAR rewritten past the auto-increment block
            }
            swd(1)
            if case let .failure(fault) = access(a, offset) {
                lastTransfer = (Status.apFault, fault.address)
                return
            }
        }
    }

    // MARK: the bus as the probe reaches it, with the fault plan's AP fault range

    func busRead(_ address: UInt32, _ size: Int) -> Result<UInt32, BusFault> {
        if let fault = injectedFault(address, size) { return .failure(fault) }
        if faults.unplugDuring == .verify, !readFlashAfterProgramming, target.isFlash(address),
           !target.flashStatistics.programAccesses.isEmpty {
            readFlashAfterProgramming = true
        }
        return target.read(address: address, size: size)
    }

    func busWrite(_ address: UInt32, _ size: Int, _ value: UInt32) -> Result<Void, BusFault> {
        if let fault = injectedFault(address, size) { return .failure(fault) }
        return target.write(address: address, size: size, value: value)
    }

    private func injectedFault(_ address: UInt32, _ size: Int) -> BusFault? {
        guard let range = faults.apFault else { return nil }
        let last = address &+ UInt32(size - 1)
        return range.overlaps(address...max(address, last)) ? BusFault(address: address, reason: .unmapped) : nil
    }

    // MARK: single debug-register accesses (any 32-bit address, answered with a status)

    /// F2 36 addr → 8 bytes: status, then the value at 4.
    func readDebugRegister(_ c: [UInt8]) -> Response {
        if answersWait() { return .reply(status(Status.apWait, length: 8)) }
        swd(TimingModel.memorySetupTransfers + 2)  // CSW, TAR, the read, RDBUFF
        switch busRead(c.le32(at: 2), 4) {
        case let .success(value): return .reply([Status.ok, 0, 0, 0] + le32(value))
        case .failure: return .reply(status(Status.apFault, length: 8))
        }
    }

    /// F2 35 addr value → 2 bytes of status.
    func writeDebugRegister(_ c: [UInt8]) -> Response {
        if answersWait() { return .reply([Status.apWait, 0]) }
        swd(TimingModel.memorySetupTransfers + 1)
        switch busWrite(c.le32(at: 2), 4, c.le32(at: 6)) {
        case .success: return .reply([Status.ok, 0])
        case .failure: return .reply([Status.apFault, 0])
        }
    }
}
