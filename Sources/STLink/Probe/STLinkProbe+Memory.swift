/// Target memory through the probe: transfers split at each probe's limits, every one followed by
/// GETLASTRWSTATUS2 so that a transfer the target refused is never taken for one that worked.
extension STLinkProbe {
    /// The largest transfer one command may carry, by access width and direction.
    public func maxTransfer(width: AccessWidth, write: Bool) -> Int {
        switch width {
        case .word, .halfword:
            return 6144                      // the probe's buffer
        case .byte:
            // V3 takes 512 bytes; its 8-bit reads above 255 are reported unreliable, so stay below.
            if version.hardware >= 3 { return write ? 512 : 255 }
            return 64
        }
    }

    /// Reads `count` bytes at `address` with accesses of `width`. Address and count must be
    /// multiples of the width; use `read(_:count:)` for any range.
    public func read(_ address: UInt32, count: Int, width: AccessWidth) throws(STLinkError) -> [UInt8] {
        try checkAccess(address, count: count, width: width, operation: "read")
        var result: [UInt8] = []
        result.reserveCapacity(count)
        let chunk = maxTransfer(width: width, write: false)
        var offset = 0
        while offset < count {
            let n = min(chunk, count - offset)
            let at = address &+ UInt32(offset)
            let data = try transfer(.readMemory(at, length: n, width: width), operation: "\(width) read of \(n) bytes")
            result += data.prefix(n)
            offset += n
        }
        return result
    }

    /// Writes `data` at `address` with accesses of `width`, split at the probe's limit.
    public func write(_ address: UInt32, _ data: [UInt8], width: AccessWidth) throws(STLinkError) {
        try checkAccess(address, count: data.count, width: width, operation: "write")
        let chunk = maxTransfer(width: width, write: true)
        var offset = 0
        while offset < data.count {
            let n = min(chunk, data.count - offset)
            let at = address &+ UInt32(offset)
            _ = try transfer(.writeMemory(at, data: Array(data[offset..<offset + n]), width: width),
                             operation: "\(width) write of \(n) bytes")
            offset += n
        }
    }

    /// Reads any byte range: word accesses for the aligned body, then trims.
    public func read(_ address: UInt32, count: Int) throws(STLinkError) -> [UInt8] {
        guard count > 0 else { return [] }
        let start = address & ~3
        let end = (UInt64(address) + UInt64(count) + 3) & ~3
        let bytes = try read(start, count: Int(end - UInt64(start)), width: .word)
        let skip = Int(address - start)
        return Array(bytes[skip..<skip + count])
    }

    /// One 32-bit read in a single round trip (READ_DEBUG_REG works for any aligned address).
    public func read32(_ address: UInt32) throws(STLinkError) -> UInt32 {
        do {
            let reply = try execute(.readDebugRegister(address))
            return readLE32(reply, 4)
        } catch let .status(_, status) where status.isFault {
            throw .memoryFault(address: address, operation: "32-bit read", status: status)
        }
    }

    /// One 32-bit write in a single round trip.
    public func write32(_ address: UInt32, _ value: UInt32) throws(STLinkError) {
        do {
            try execute(.writeDebugRegister(address, value))
        } catch let .status(_, status) where status.isFault {
            throw .memoryFault(address: address, operation: "32-bit write", status: status)
        }
    }

    func checkAccess(_ address: UInt32, count: Int, width: AccessWidth, operation: String) throws(STLinkError) {
        let w = width.rawValue
        guard address % UInt32(w) == 0, count % w == 0 else {
            throw .invalidRequest("a \(width) \(operation) needs an address and length that are multiples of \(w) (got 0x\(hex32(address)), \(count) bytes)")
        }
        guard UInt64(address) + UInt64(count) <= 0x1_0000_0000 else {
            throw .invalidRequest("a \(operation) of \(count) bytes at 0x\(hex32(address)) runs past the end of the address space")
        }
        if width == .halfword, !features.contains(.memory16) {
            throw .firmwareTooOld(version: version.description, needed: "V2J26", feature: "16-bit memory access")
        }
    }

    /// Sends a memory command, then asks how it went. WAIT redoes the whole transfer after a back-off;
    /// a fault throws with the address the probe reports.
    func transfer(_ command: Command, operation: String) throws(STLinkError) -> [UInt8] {
        var attempt = 0
        while true {
            let data = try exchange(command)
            let (status, faultAddress) = try lastTransferStatus()
            if status.isOK { return data }
            if status.isWait {
                attempt += 1
                guard attempt < waitRetries.tries else { throw .targetBusy(command: command.name, tries: attempt) }
                clock.sleep(for: waitRetries.backoff(attempt: attempt - 1))
                continue
            }
            let start = readLE32(command.block, 2)
            throw .memoryFault(address: faultAddress ?? start, operation: operation, status: status)
        }
    }

    /// The status of the last memory transfer, with the fault address when the firmware gives one.
    func lastTransferStatus() throws(STLinkError) -> (STLinkStatus, UInt32?) {
        if features.contains(.lastRWStatus2) {
            let reply = try exchange(.lastRWStatus2)
            let status = STLinkStatus(rawValue: reply[0])
            return (status, status.isOK ? nil : readLE32(reply, 4))
        }
        let reply = try exchange(.lastRWStatus)
        return (STLinkStatus(rawValue: reply[0]), nil)
    }
}
