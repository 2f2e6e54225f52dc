import Foundation
import USBIP

/// Exports mock boards as USB/IP devices, the protocol of the Linux kernel's usbip tools: a
/// client lists them (OP_REQ_DEVLIST), imports one (OP_REQ_IMPORT) and then drives it with URBs,
/// so `usbip attach` on a Linux host with vhci-hcd makes it a real-looking ST-LINK/V2-1 that any
/// tool can use, and hil's own USB/IP transport reaches it without a kernel module.
///
/// Limits: at most `maxClients` connections at once (more are closed unanswered) and one importer
/// per device (a second import of a busy bus id is refused with status 1).
public final class MockUSBIPServer: @unchecked Sendable {
    public struct Options: Sendable {
        /// Loopback unless told otherwise: an exported board is open to whoever reaches the port.
        public var host = "127.0.0.1"
        /// 3240 is usbipd's port; 0 picks a free one (tests).
        public var port = USBIPOp.defaultPort
        public var maxClients = 8
        public init(host: String = "127.0.0.1", port: Int = USBIPOp.defaultPort, maxClients: Int = 8) {
            self.host = host; self.port = port; self.maxClients = maxClients
        }
    }

    public let options: Options
    /// The port bound (the one asked for, or the one the system picked for 0).
    public let port: Int
    private let description: USBDeviceDescription
    private let listener: TCPListener
    private let log: @Sendable (String) -> Void
    private let lock = NSLock()
    private var devices: [ExportedDevice] = []
    private var importers: [String: String] = [:]            // busid → peer
    private var connections: [ObjectIdentifier: TCPSocket] = [:]
    private let running = DispatchGroup()
    private var stopped = false

    /// Binds the listener; exports are added with `export`, served once `start()` runs.
    public init(description: USBDeviceDescription, options: Options = Options(),
                log: @escaping @Sendable (String) -> Void = { _ in }) throws(SocketError) {
        self.options = options
        self.description = description
        self.log = log
        listener = try TCPListener(host: options.host, port: options.port)
        port = listener.port
    }

    deinit { stop() }

    /// The descriptors of the STM32F746G-DISCO's probe, an ST-LINK/V2-1 with mass storage
    /// (`boards/probes/stlink-v2-1.json`).
    public static func stlinkV21(boardsDirectory: URL) throws(USBDescriptionError) -> USBDeviceDescription {
        try USBDeviceDescription.load(path: boardsDirectory.appendingPathComponent("probes/stlink-v2-1.json").path)
    }

    /// Exports `board` (its VCP on `serialPath`, the pty `attachSerial` returned) and returns its bus id.
    @discardableResult
    public func export(_ board: MockBoard, serialPath: String?) -> String {
        lock.withLock {
            let device = ExportedDevice(number: devices.count + 1, board: board, serialPath: serialPath, description: description)
            devices.append(device)
            return device.busid
        }
    }

    /// Bus id and probe serial of each export, in order.
    public var exports: [(busid: String, serial: String)] { lock.withLock { devices.map { ($0.busid, $0.serial) } } }

    public func start() {
        let t = Thread { [self] in acceptLoop() }
        t.name = "usbip-accept"
        running.enter()
        t.start()
    }

    /// Stops accepting, drops every connection and waits (briefly) for their threads.
    public func stop() {
        let open: [TCPSocket] = lock.withLock {
            stopped = true
            return Array(connections.values)
        }
        listener.shutdown()
        for socket in open { socket.shutdown() }
        _ = running.wait(timeout: .now() + 10)
    }

    private func acceptLoop() {
        defer { running.leave() }
        while let socket = listener.accept() {
            let admitted: Bool = lock.withLock {
                guard !stopped, connections.count < options.maxClients else { return false }
                connections[ObjectIdentifier(socket)] = socket
                return true
            }
            guard admitted else {
                log("refused \(socket.peer): \(options.maxClients) clients are connected already")
                socket.shutdown()
                continue
            }
            running.enter()
            let t = Thread { [self] in
                defer {
                    lock.withLock { _ = connections.removeValue(forKey: ObjectIdentifier(socket)) }
                    socket.shutdown()
                    running.leave()
                }
                serve(socket)
            }
            t.name = "usbip-client"
            t.start()
        }
    }

    /// One connection: a device list, or an import followed by that device's URBs.
    private func serve(_ socket: TCPSocket) {
        // A client that connects and says nothing must not hold one of the few slots for ever.
        socket.setReadTimeout(.seconds(10))
        guard let header = try? OpHeader.decode(try socket.read(exactly: OpHeader.size)) else { return }
        switch header.code {
        case USBIPOp.reqDevlist:
            let records = lock.withLock { devices.map(\.record) }
            try? socket.write(encodeDevlistReply(records))
        case USBIPOp.reqImport:
            guard let busid = try? ByteReader(try socket.read(exactly: 32)).textField(size: 32) else { return }
            guard let device = claim(busid, by: socket.peer) else {
                try? socket.write(encodeImportReply(nil))
                return
            }
            defer { lock.withLock { _ = importers.removeValue(forKey: busid) } }
            guard (try? socket.write(encodeImportReply(device.record))) != nil else { return }
            socket.setReadTimeout(nil)      // an imported device may sit idle for hours
            log("\(socket.peer) imported \(busid) (\(device.serial))")
            let why = DeviceSession(socket: socket, device: device, log: log).run()
            log("\(socket.peer) released \(busid): \(why)")
        default:
            log("\(socket.peer) sent operation 0x\(String(header.code, radix: 16)), which this server does not serve; closing")
        }
    }

    /// The device with `busid` if nobody has imported it; else nil (and the reason logged).
    private func claim(_ busid: String, by peer: String) -> ExportedDevice? {
        lock.withLock {
            guard let device = devices.first(where: { $0.busid == busid }) else {
                log("\(peer) asked to import \(busid), which is not exported")
                return nil
            }
            if let holder = importers[busid] {
                log("\(peer) asked to import \(busid), which \(holder) has imported")
                return nil
            }
            importers[busid] = peer
            return device
        }
    }
}

extension ByteReader {
    /// Reads a NUL-padded text field from a fresh reader (non-mutating convenience).
    func textField(size: Int) throws(USBIPProtocolError) -> String {
        var copy = self
        return try copy.text(size: size)
    }
}
