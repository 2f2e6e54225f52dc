/// A session with one ST-LINK: sends commands over a `USBTransport` and checks every answer.
///
/// Construction does no I/O; `open()` identifies the probe and puts it into SWD mode. After that the
/// memory and debug-register methods (in the extensions beside this file) reach the target.
public final class STLinkProbe {
    public let transport: any USBTransport
    public var identity: ProbeIdentity { transport.identity }
    public var clock: any HostClock { transport.clock }

    /// Known after `open()`.
    public private(set) var version = ProbeVersion(hardware: 0, jtag: 0, swim: 0, msc: 0, bridge: 0, vendorID: 0, productID: 0)
    public var features: ProbeFeatures { version.features }
    /// The target's SWD-DP IDCODE (DPIDR), read when the session opens.
    public private(set) var debugPortID: UInt32?
    /// The SWD clock in effect, when the probe lets us set or read it.
    public internal(set) var swdFrequencyKHz: Int?

    /// How long one USB transfer may take before the probe is declared unresponsive.
    public var transferTimeout: Duration = .seconds(2)
    /// How WAIT answers are retried: `tries` attempts, sleeping `firstBackoff`, doubling each time.
    public var waitRetries = WaitRetryPolicy()

    public init(transport: any USBTransport) {
        self.transport = transport
    }

    /// Reads the firmware version, leaves whatever mode the probe is in, and enters SWD.
    /// If the very first command gets no answer the USB device is reset and asked once more,
    /// as a probe left mid-command by a crashed tool needs.
    public func open() throws(STLinkError) {
        do {
            version = try readVersion()
        } catch .transport(.timeout) {
            try wrap { () throws(TransportError) in try transport.reset() }
            version = try readVersion()
        }
        guard MinimumFirmware.isSupported(version) else {
            throw .firmwareTooOld(version: version.description,
                                  needed: version.hardware >= 3 ? "V3J\(MinimumFirmware.v3)" : "V2J\(MinimumFirmware.v2)",
                                  feature: "reliable flashing (GETLASTRWSTATUS2)")
        }
        try leaveCurrentMode()
        try execute(.enterSWD)
        // A debug port must answer before anything else is worth trying.
        let id = try readIDCode()
        guard id != 0, id != 0xFFFF_FFFF else {
            throw .status(command: "READ_IDCODES", status: .noDevice)
        }
        debugPortID = id
    }

    func readVersion() throws(STLinkError) -> ProbeVersion {
        let reply = try execute(.getVersion)
        let word = UInt16(reply[0]) << 8 | UInt16(reply[1])
        let hardware = Int(word >> 12)
        let low = Int(word & 0x3F)
        // On V2-1 the low field counts the mass-storage firmware, on V2 the SWIM firmware.
        let hasMassStorage = identity.model.family != .v2
        var v = ProbeVersion(hardware: hardware, jtag: Int((word >> 6) & 0x3F),
                             swim: hasMassStorage ? 0 : low, msc: hasMassStorage ? low : 0, bridge: 0,
                             vendorID: readLE16(reply, 2), productID: readLE16(reply, 4))
        if hardware >= 3 {
            // V3 keeps its real numbers in the extended version; the short one no longer fits them.
            let ex = try execute(.getVersionEx)
            v = ProbeVersion(hardware: Int(ex[0]), jtag: Int(ex[2]), swim: Int(ex[1]), msc: Int(ex[3]),
                             bridge: Int(ex[4]), vendorID: readLE16(ex, 8), productID: readLE16(ex, 10))
        }
        return v
    }

    public func currentMode() throws(STLinkError) -> ProbeMode? {
        let reply = try execute(.getCurrentMode)
        return ProbeMode(rawValue: reply[0])
    }

    /// DFU and debug modes must be left explicitly before entering SWD; mass storage needs nothing.
    func leaveCurrentMode() throws(STLinkError) {
        switch try currentMode() {
        case .dfu?: try execute(.dfuExit)
        case .debug?: try execute(.debugExit)
        default: break
        }
    }

    /// Leaves debug mode so the target runs freely and other tools can take the probe.
    public func close() {
        _ = try? execute(.debugExit)
    }

    /// The target's supply in volts, or nil when the firmware cannot measure it.
    public func targetVoltage() throws(STLinkError) -> Double? {
        guard features.contains(.targetVoltage) else { return nil }
        let reply = try execute(.getTargetVoltage)
        let a0 = Double(readLE32(reply, 0)), a1 = Double(readLE32(reply, 4))
        guard a0 > 0 else { return nil }
        return 2 * a1 * 1.2 / a0
    }

    /// The SWD-DP IDCODE (DPIDR) of the target.
    public func readIDCode() throws(STLinkError) -> UInt32 {
        let reply = try execute(.readIDCodes)
        return readLE32(reply, 4)
    }

    public func driveNRST(_ level: Command.NRST) throws(STLinkError) {
        try execute(.driveNRST(level))
    }

    /// Sends one command and returns its reply (empty when it has none). A status reply that is not
    /// OK throws; WAIT is retried with back-off.
    @discardableResult
    public func execute(_ command: Command) throws(STLinkError) -> [UInt8] {
        var attempt = 0
        while true {
            let reply = try exchange(command)
            guard command.hasStatus else { return reply }
            let status = STLinkStatus(rawValue: reply[0])
            if status.isOK { return reply }
            if status.isWait, attempt + 1 < waitRetries.tries {
                clock.sleep(for: waitRetries.backoff(attempt: attempt))
                attempt += 1
                continue
            }
            if status.isWait { throw .targetBusy(command: command.name, tries: attempt + 1) }
            throw .status(command: command.name, status: status)
        }
    }

    /// The raw exchange: 16-byte block, data OUT, reply IN. Checks only the reply's length.
    func exchange(_ command: Command) throws(STLinkError) -> [UInt8] {
        let timeout = transferTimeout
        let transport = self.transport
        try wrap { () throws(TransportError) in try transport.bulkOut(command.block, timeout: timeout) }
        if !command.dataOut.isEmpty {
            try wrap { () throws(TransportError) in try transport.bulkOut(command.dataOut, timeout: timeout) }
        }
        guard command.replyLength > 0 else { return [] }
        var reply: [UInt8] = []
        // A large IN reply may arrive as several USB transfers.
        while reply.count < command.replyLength {
            let part = try wrap { () throws(TransportError) in
                try transport.bulkIn(maxLength: command.replyLength - reply.count, timeout: timeout)
            }
            if part.isEmpty { break }
            reply += part
        }
        guard reply.count == command.replyLength else {
            throw .malformedReply(command: command.name, detail: "expected \(command.replyLength) bytes, got \(reply.count)")
        }
        return reply
    }

    func wrap<T>(_ body: () throws(TransportError) -> T) throws(STLinkError) -> T {
        do { return try body() } catch { throw .transport(error) }
    }
}

/// Exponential back-off for WAIT answers: from 100 µs, doubling, 12 tries (about 0.4 s in all),
/// between OpenOCD's 8 tries from 1 ms and probe-rs's 13 from 100 µs.
public struct WaitRetryPolicy: Sendable {
    public var tries = 12
    public var firstBackoff: Duration = .microseconds(100)
    public init() {}
    public func backoff(attempt: Int) -> Duration { firstBackoff * (1 << min(attempt, 16)) }
}
