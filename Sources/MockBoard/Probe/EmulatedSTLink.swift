import STLink

/// An ST-LINK as its USB interface sees it: 16-byte commands on bulk OUT, optional data phases,
/// replies on bulk IN — in front of an emulated chip.
///
/// The transport is a small state machine. After a command the probe either has a reply pending,
/// waits for a write's data phase (in one or several bulk OUTs), has refused the data phase (the
/// endpoint stalls once), or has nothing to say (a bulk IN then times out, as on a real probe).
/// Behaviour follows the ST-LINK facts (stlink.md), not what any driver expects.
public final class EmulatedSTLink: USBTransport {
    public let identity: ProbeIdentity
    public let config: EmulatedProbeConfig
    public var clock: any HostClock { virtualClock }
    /// What GET_CURRENT_MODE would answer now.
    public internal(set) var mode: UInt8

    let virtualClock: VirtualClock
    let target: EmulatedSTM32F7
    let faults: FaultPlan
    let firmware: ProbeFirmware
    var timing: TimingModel
    /// The probe's share of the statistics (USB traffic, commands, refusals).
    var statistics = MockStatistics()
    var phase: Phase = .idle
    /// What GETLASTRWSTATUS(2) reports: the last memory transfer's status and fault address.
    var lastTransfer: (status: UInt8, address: UInt32) = (Status.ok, 0)
    private var transfersSeen = 0
    /// Set once the probe read flash after programs ran: the verify stage of `FaultPlan.unplugDuring`.
    var readFlashAfterProgramming = false
    /// Once pulled by `FaultPlan.unplugDuring`, pulled for good.
    private var pulledDuringStage = false
    var memoryCommandsServed = 0
    var waitsAnswered = 0

    enum Mode {
        static let dfu: UInt8 = 0, massStorage: UInt8 = 1, debug: UInt8 = 2
    }
    enum Status {
        static let ok: UInt8 = 0x80, fault: UInt8 = 0x81, idcodeError: UInt8 = 0x09
        static let commandError: UInt8 = 0x08, apWait: UInt8 = 0x10, apFault: UInt8 = 0x11
        static let badAP: UInt8 = 0x1D, frequencyUnsupported: UInt8 = 0x41, unknownCommand: UInt8 = 0x42
    }

    enum Phase {
        case idle
        case reply([UInt8], command: String)
        case receiving(PendingWrite)
        case stallIn
        case stallOut
    }

    /// What a command leaves the transport expecting.
    enum Response {
        case nothing
        case reply([UInt8])
        case receive(PendingWrite)
        case stallIn
        case stallOut
    }

    public init(config: EmulatedProbeConfig, target: EmulatedSTM32F7, clock: VirtualClock, faults: FaultPlan = .none) {
        self.config = config
        self.identity = ProbeIdentity(model: config.model, serial: config.serial)
        self.mode = config.initialMode
        self.virtualClock = clock
        self.target = target
        self.faults = faults
        self.firmware = ProbeFirmware(config: config)
        self.timing = TimingModel.forProbe(firmware)
    }

    /// True when a bulk IN would complete now: a reply is queued, or the IN endpoint is to stall.
    /// A real probe NAKs an IN until then; a USB/IP export keeps the URB pending meanwhile
    /// instead of letting it time out on the virtual clock.
    public var inEndpointReady: Bool {
        switch phase {
        case .reply, .stallIn: return true
        case .idle, .receiving, .stallOut: return false
        }
    }

    private var outEndpoint: UInt8 { config.model.outEndpoint }
    private var inEndpoint: UInt8 { config.model.inEndpoint }

    // MARK: USBTransport

    public func bulkOut(_ data: [UInt8], timeout: Duration) throws(TransportError) {
        try admitTransfer()
        statistics.transfersOut += 1
        switch phase {
        case .stallOut:
            phase = .idle
            throw .stall(endpoint: outEndpoint)
        case var .receiving(pending):
            let expected = pending.length - pending.data.count
            guard data.count <= expected else {
                phase = .idle
                lastTransfer = (Status.commandError, 0)
                reject("\(pending.name): a data phase of \(pending.data.count + data.count) bytes for a command that announced \(pending.length)")
                throw .stall(endpoint: outEndpoint)
            }
            move(out: data.count)
            pending.data += data
            if pending.data.count == pending.length {
                phase = .idle
                finish(pending)
            } else {
                phase = .receiving(pending)
            }
            return
        case let .reply(_, command):
            reject("\(command): its reply was never read before the next command was sent")
            phase = .idle
        case .stallIn, .idle:
            phase = .idle
        }
        guard data.count == 16 else {
            reject("a command block is 16 bytes; \(data.count) bytes were sent")
            throw .stall(endpoint: outEndpoint)
        }
        statistics.bytesOut += 16
        virtualClock.advance(by: timing.commandRoundTrip)
        switch execute(data) {
        case .nothing: phase = .idle
        case let .reply(bytes): phase = .reply(bytes, command: commandName(data))
        case let .receive(pending): phase = .receiving(pending)
        case .stallIn: phase = .stallIn
        case .stallOut: phase = .stallOut
        }
    }

    public func bulkIn(maxLength: Int, timeout: Duration) throws(TransportError) -> [UInt8] {
        try admitTransfer()
        statistics.transfersIn += 1
        switch phase {
        case let .reply(bytes, command):
            if bytes.count <= maxLength {
                phase = .idle
                move(in: bytes.count)
                return bytes
            }
            // The probe sends max-size packets: a buffer that is a whole number of packets takes
            // that many and leaves the rest queued; otherwise the last packet overflows it (libusb's
            // LIBUSB_ERROR_OVERFLOW) and the reply is lost.
            if maxLength > 0 && maxLength % firmware.maxPacket == 0 {
                phase = .reply(Array(bytes[maxLength...]), command: command)
                move(in: maxLength)
                return Array(bytes[..<maxLength])
            }
            phase = .idle
            throw .io("overflow: the probe sent \(bytes.count) bytes in reply to \(command) into a \(maxLength)-byte buffer")
        case .stallIn:
            phase = .idle
            throw .stall(endpoint: inEndpoint)
        case .idle, .receiving, .stallOut:
            virtualClock.advance(by: timeout)
            throw .timeout(endpoint: inEndpoint, after: timeout)
        }
    }

    /// A USB reset re-enumerates the probe: its firmware restarts in its power-up mode with its
    /// default clock; the target is not touched.
    public func reset() throws(TransportError) {
        try checkPlugged()
        virtualClock.advance(by: TimingModel.usbReset)
        phase = .idle
        mode = config.initialMode
        timing = TimingModel.forProbe(firmware)
        lastTransfer = (Status.ok, 0)
    }

    // MARK: plumbing

    private func checkPlugged() throws(TransportError) {
        if let limit = faults.unplugAfterTransfers, transfersSeen >= limit {
            throw .disconnected(serial: config.serial)
        }
        if let stage = faults.unplugDuring, pulledDuringStage || stageBegun(stage) {
            pulledDuringStage = true
            throw .disconnected(serial: config.serial)
        }
    }

    /// Whether the target has entered `stage`, from the flash controller's own counts.
    private func stageBegun(_ stage: FlashStage) -> Bool {
        let flash = target.flashStatistics
        switch stage {
        case .erase: return flash.massErases + flash.sectorErases.values.reduce(0, +) > 0
        // Some words in, so the cut lands mid-image rather than before the first write.
        case .program: return flash.programAccesses.values.reduce(0, +) >= 64
        case .verify: return readFlashAfterProgramming
        }
    }

    private func admitTransfer() throws(TransportError) {
        try checkPlugged()
        transfersSeen += 1
    }

    private func move(out count: Int) {
        statistics.bytesOut += count
        virtualClock.advance(by: timing.usb(bytes: count))
    }

    private func move(in count: Int) {
        statistics.bytesIn += count
        virtualClock.advance(by: timing.usb(bytes: count))
    }

    func reject(_ why: String) {
        statistics.rejected.append(why)
    }

    func count(_ name: String) {
        statistics.commands[name, default: 0] += 1
    }

    /// Moves SWD time forward for `transfers` SWD transfers at the current clock.
    func swd(_ transfers: Int) {
        virtualClock.advance(by: timing.swd(transfers: transfers))
    }
}
