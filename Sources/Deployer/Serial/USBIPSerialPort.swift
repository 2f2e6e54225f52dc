import STLink
import USBIP

/// The virtual COM port of a probe imported over USB/IP: its CDC-ACM data endpoints carry the
/// bytes and SET_LINE_CODING sets the rate, over the connection the probe's debug interface
/// uses. What a host's cdc-acm driver does with a local ST-LINK, done in userspace.
///
/// One bulk IN stays outstanding between reads, as cdc-acm keeps its read URBs queued: bytes the
/// board sends while nobody reads are not lost, and a read that times out leaves it waiting.
public final class USBIPSerialPort: SerialConnection {
    public let path: String
    public private(set) var baud: Int
    private let device: USBIPDevice
    private let controlInterface: UInt8
    private let inEndpoint: UInt8, outEndpoint: UInt8
    private var outstandingRead: UInt32?
    private var buffered: [UInt8] = []
    private var closed = false
    /// Bytes one read URB asks for: it completes on a short packet or when full, so a large one
    /// costs no latency and saves round trips at high rates.
    static let readSize = 4096

    /// Opens the VCP at `baud`: raises DTR and RTS (as cdc-acm does on open) and sets the line coding.
    public init(device: USBIPDevice, baud: Int) throws(SerialError) {
        path = "\(device.address) (VCP)"
        guard let cdc = device.configuration.cdcACM else {
            throw .cannotOpen(path: path, reason: "the remote device has no CDC-ACM interface, so no virtual COM port")
        }
        self.device = device
        controlInterface = cdc.control
        inEndpoint = cdc.bulkIn
        outEndpoint = cdc.bulkOut
        self.baud = baud
        do {
            _ = try device.control(.setControlLineState(interface: controlInterface, dtr: true, rts: true), timeout: .seconds(5))
        } catch { throw map(error) }
        try setBaud(baud)
        try dropStaleInput()
    }

    /// Whatever the board said before this side listened is stale, as `SerialPort`'s flush at open
    /// makes it (a HELLO from before a reflash must not pass for the new one): read until the
    /// line has been quiet for 20 ms. The harness session asks for a HELLO when none comes.
    private func dropStaleInput() throws(SerialError) {
        for _ in 0..<64 where !(try receive(maxBytes: Self.readSize, timeout: .milliseconds(20)).isEmpty) {}
        buffered.removeAll()
    }

    public func send(_ bytes: [UInt8], timeout: Duration) throws(SerialError) {
        guard !closed else { throw .io(path: path, reason: "the port is closed") }
        guard !bytes.isEmpty else { return }
        do { try device.bulkOut(endpoint: outEndpoint, bytes, timeout: timeout) } catch {
            if case .timeout = error { throw .writeTimeout(path: path) }
            throw map(error)
        }
    }

    public func receive(maxBytes: Int, timeout: Duration) throws(SerialError) -> [UInt8] {
        guard !closed else { throw .io(path: path, reason: "the port is closed") }
        if buffered.isEmpty {
            let connection = device.connection
            do {
                let seqnum = try outstandingRead ?? connection.submit(endpoint: inEndpoint, length: Self.readSize)
                outstandingRead = seqnum
                guard let done = try connection.wait(seqnum, timeout: timeout) else { return [] }
                outstandingRead = nil
                switch done.status {
                case URBStatus.ok: buffered = done.data
                case URBStatus.noDevice: throw SerialError.unplugged(path: path)
                default: throw SerialError.io(path: path, reason: "the read failed with USB status \(done.status)")
                }
            } catch let error as SerialError {
                throw error
            } catch let error as USBIPError {
                throw map(.connection(error))
            } catch {
                throw .io(path: path, reason: "\(error)")
            }
        }
        let out = Array(buffered.prefix(maxBytes))
        buffered.removeFirst(out.count)
        return out
    }

    /// SET_LINE_CODING, 8N1. A device that stalls it cannot take that rate.
    public func setBaud(_ rate: Int) throws(SerialError) {
        guard rate > 0, rate <= Int(UInt32.max) else { throw .unsupportedRate(rate, supported: SerialPort.rates) }
        do {
            _ = try device.control(.setLineCoding(interface: controlInterface), data: LineCoding(baud: UInt32(rate)).bytes,
                                   timeout: .seconds(5))
        } catch {
            if case .stall = error { throw .unsupportedRate(rate, supported: SerialPort.rates) }
            throw map(error)
        }
        baud = rate
    }

    public func discardInput() {
        buffered.removeAll()
        if let seqnum = outstandingRead {
            _ = try? device.connection.cancel(seqnum)      // whatever it caught is dropped too
            outstandingRead = nil
        }
    }

    /// Cancels the outstanding read and lowers DTR; the connection stays open for the probe.
    public func close() {
        guard !closed else { return }
        discardInput()
        _ = try? device.control(.setControlLineState(interface: controlInterface, dtr: false, rts: false), timeout: .seconds(1))
        closed = true
    }

    deinit { close() }

    private func map(_ error: USBIPTransferError) -> SerialError {
        switch error {
        case let .connection(.connectionLost(_, reason)): return .connectionLost(path: path, reason: reason)
        case let .failed(_, status) where status == URBStatus.noDevice: return .unplugged(path: path)
        default: return .io(path: path, reason: error.description)
        }
    }
}
