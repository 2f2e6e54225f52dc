import Foundation
import STLink
import USBIP

/// One imported mock board: reads URBs from the importer's connection until it closes, answers
/// each on its endpoint, and keeps several submits outstanding at once (the Linux vhci driver
/// pipelines them). Replies leave through one lock, so threads never interleave their bytes.
final class DeviceSession: @unchecked Sendable {
    private let socket: TCPSocket
    private let device: ExportedDevice
    private let writeLock = NSLock()
    private var control: ControlEndpoint
    private var vcp: VCPBridge?
    private let massStorage = MassStorageStub()
    /// Bulk INs on the probe's endpoint waiting for a reply, oldest first (connection thread only).
    private var probeReads: [CmdSubmit] = []
    /// INs that never complete on their own (trace, CDC notifications) until they are unlinked.
    private var parked: Set<UInt32> = []
    /// When the previous URB was handled. The board's virtual clock moves by the emulated work and
    /// also by the real time between a client's requests: a remote host waits in real time (it
    /// polls BSY while an erase runs), and on a real board that time passes too.
    private var lastActivity = ContinuousClock.now
    /// The largest transfer accepted: far above any real one, low enough that a bad length is
    /// caught instead of allocated.
    static let maxTransfer: UInt32 = 1 << 20

    private let log: @Sendable (String) -> Void

    init(socket: TCPSocket, device: ExportedDevice, log: @escaping @Sendable (String) -> Void) {
        self.socket = socket
        self.device = device
        self.log = log
        control = ControlEndpoint(device: device)
    }

    /// Serves URBs until the importer disconnects or breaks the protocol; returns why it ended.
    func run() -> String {
        if let path = device.serialPath {
            do {
                vcp = try VCPBridge(path: path, baud: Int(control.lineCoding.baud)) { [weak self] seqnum, status, data, written in
                    self?.reply(RetSubmit(seqnum: seqnum, status: status, actualLength: UInt32(data.isEmpty ? written : data.count)), data)
                }
            } catch {
                log("\(device.busid): its virtual COM port is unavailable, the VCP endpoints will stall: \(error)")
            }
        }
        defer { vcp?.stop() }
        do {
            while true {
                let message = try URBMessage.decode(header: try socket.read(exactly: URBMessage.headerSize))
                switch message {
                case let .submit(cmd):
                    let now = ContinuousClock.now
                    device.board.clock.advance(by: now - lastActivity)
                    defer { lastActivity = ContinuousClock.now }
                    guard cmd.length <= Self.maxTransfer else { return "a submit of \(cmd.length) bytes (seqnum \(cmd.seqnum)) is beyond any transfer" }
                    let data = cmd.direction == .out ? try socket.read(exactly: Int(cmd.length)) : []
                    try submit(cmd, data: data)
                case let .unlink(seqnum, _, target):
                    unlink(seqnum: seqnum, target: target)
                case .retSubmit, .retUnlink:
                    return "the client sent a reply (RET_*), which only a server sends"
                }
            }
        } catch let error as SocketError {
            if case .closed = error { return "the client disconnected" }
            return error.description
        } catch let gone as DeviceGone {
            return gone.reason
        } catch {
            return "\(error)"
        }
    }

    /// The emulated probe was unplugged (its fault plan): the device is gone, so is the connection,
    /// as usbipd's stub drops the connection of a device pulled from its host.
    struct DeviceGone: Error { let reason: String }

    private func submit(_ cmd: CmdSubmit, data: [UInt8]) throws {
        if cmd.endpoint == 0 { return try controlTransfer(cmd, data: data) }
        switch device.routes[cmd.endpointAddress] {
        case .probeOut?:
            do {
                try device.board.probe.bulkOut(data, timeout: .seconds(5))
                reply(RetSubmit(seqnum: cmd.seqnum, status: URBStatus.ok, actualLength: UInt32(data.count)))
            } catch .disconnected {
                throw DeviceGone(reason: "the emulated probe \(device.serial) was unplugged (fault plan)")
            } catch {
                reply(RetSubmit(seqnum: cmd.seqnum, status: URBStatus.stall, actualLength: 0))
            }
            try serveProbeReads()
        case .probeIn?:
            probeReads.append(cmd)
            try serveProbeReads()
        case .vcpOut? where vcp != nil:
            vcp?.write(seqnum: cmd.seqnum, data: data)
        case .vcpIn? where vcp != nil:
            vcp?.read(seqnum: cmd.seqnum, length: Int(cmd.length))
        case .massStorageOut?:
            let ok = massStorage.receive(data)
            reply(RetSubmit(seqnum: cmd.seqnum, status: ok ? URBStatus.ok : URBStatus.stall, actualLength: ok ? UInt32(data.count) : 0))
        case .massStorageIn?:
            switch massStorage.next(maxLength: Int(cmd.length)) {
            case let .data(bytes): reply(RetSubmit(seqnum: cmd.seqnum, status: URBStatus.ok, actualLength: UInt32(bytes.count)), bytes)
            case .stall: reply(RetSubmit(seqnum: cmd.seqnum, status: URBStatus.stall, actualLength: 0))
            case .nothing: parked.insert(cmd.seqnum)
            }
        case .silentIn?, .vcpIn?:
            parked.insert(cmd.seqnum)
        case .vcpOut?, nil:
            reply(RetSubmit(seqnum: cmd.seqnum, status: URBStatus.stall, actualLength: 0))
        }
    }

    /// Answers waiting INs while the probe has something to say; a probe with nothing NAKs, so
    /// the URB stays pending until the next command produces a reply or the client unlinks it.
    private func serveProbeReads() throws {
        let probe = device.board.probe
        while let cmd = probeReads.first, probe.inEndpointReady {
            probeReads.removeFirst()
            do {
                let bytes = try probe.bulkIn(maxLength: Int(cmd.length), timeout: .zero)
                reply(RetSubmit(seqnum: cmd.seqnum, status: URBStatus.ok, actualLength: UInt32(bytes.count)), bytes)
            } catch .disconnected {
                throw DeviceGone(reason: "the emulated probe \(device.serial) was unplugged (fault plan)")
            } catch .stall {
                reply(RetSubmit(seqnum: cmd.seqnum, status: URBStatus.stall, actualLength: 0))
            } catch {
                reply(RetSubmit(seqnum: cmd.seqnum, status: URBStatus.overflow, actualLength: 0))
            }
        }
    }

    private func controlTransfer(_ cmd: CmdSubmit, data: [UInt8]) throws {
        guard let setup = SetupPacket(cmd.setup) else {
            return reply(RetSubmit(seqnum: cmd.seqnum, status: URBStatus.stall, actualLength: 0))
        }
        var probeGone = false
        let vcp = self.vcp
        let probe = device.board.probe
        let result = control.handle(setup, data: data, setBaud: { vcp?.setBaud($0) ?? false }, resetProbe: {
            do { try probe.reset(); return true } catch { probeGone = true; return false }
        })
        if probeGone { throw DeviceGone(reason: "the emulated probe \(device.serial) was unplugged (fault plan)") }
        switch result {
        case let .data(bytes): reply(RetSubmit(seqnum: cmd.seqnum, status: URBStatus.ok, actualLength: UInt32(bytes.count)), bytes)
        case .ack: reply(RetSubmit(seqnum: cmd.seqnum, status: URBStatus.ok, actualLength: UInt32(setup.isIn ? 0 : data.count)))
        case .stall: reply(RetSubmit(seqnum: cmd.seqnum, status: URBStatus.stall, actualLength: 0))
        }
    }

    /// -ECONNRESET when the URB was still pending (it then gets no RET_SUBMIT), 0 when it had
    /// completed already.
    private func unlink(seqnum: UInt32, target: UInt32) {
        var cancelled = parked.remove(target) != nil
        if !cancelled, let i = probeReads.firstIndex(where: { $0.seqnum == target }) {
            probeReads.remove(at: i)
            cancelled = true
        }
        if !cancelled { cancelled = vcp?.cancel(seqnum: target) ?? false }
        send(encodeRetUnlink(seqnum: seqnum, status: cancelled ? URBStatus.unlinked : URBStatus.ok))
    }

    private func reply(_ ret: RetSubmit, _ data: [UInt8] = []) { send(ret.encode(data: data)) }

    private func send(_ bytes: [UInt8]) {
        // A write that fails means the client is gone; the reader notices and ends the session.
        writeLock.withLock { try? socket.write(bytes) }
    }
}
