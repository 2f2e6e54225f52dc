/// The client side of the operations before an import: list what a server exports, and import one
/// device (the connection then carries its URBs). Works against any USB/IP server (usbipd, hil's
/// mock-board server) and needs no kernel module on this side.
public enum USBIPOpClient {
    /// OP_REQ_DEVLIST on a fresh connection.
    public static func list(host: String, port: Int, timeout: Duration = .seconds(5)) throws(USBIPError) -> [DeviceRecord] {
        let server = USBIPAddress(host: host, port: port, busid: "-").server
        let socket = try connect(host: host, port: port, timeout: timeout)
        defer { socket.shutdown() }
        do {
            try socket.write(OpHeader(code: USBIPOp.reqDevlist).bytes)
            try expect(try socket.read(exactly: OpHeader.size), code: USBIPOp.repDevlist, server: server)
            var countReader = ByteReader(try socket.read(exactly: 4))
            let count = Int(try countReader.u32())
            guard count <= 1024 else { throw USBIPError.protocolViolation(server: server, detail: "it claims to export \(count) devices") }
            var devices: [DeviceRecord] = []
            for _ in 0..<count {
                let fixed = try socket.read(exactly: DeviceRecord.size)
                let interfaces = try socket.read(exactly: Int(fixed[DeviceRecord.size - 1]) * 4)
                var r = ByteReader(fixed + interfaces)
                devices.append(try DeviceRecord.decode(&r, withInterfaces: true))
            }
            return devices
        } catch let error as USBIPError { throw error } catch {
            throw refusalOrViolation(error, server: server)
        }
    }

    /// OP_REQ_IMPORT of `address.busid`. On success the socket stays open for the device's URBs.
    /// A refusal is explained: a bus id the server does not export (with the ones it does), or a
    /// device someone else has imported.
    public static func importDevice(_ address: USBIPAddress, timeout: Duration = .seconds(5)) throws(USBIPError) -> (TCPSocket, DeviceRecord) {
        let socket = try connect(host: address.host, port: address.port, timeout: timeout)
        do {
            try socket.write(encodeImportRequest(busid: address.busid))
            let header = try OpHeader.decode(try socket.read(exactly: OpHeader.size))
            guard header.code == USBIPOp.repImport else {
                throw USBIPError.protocolViolation(server: address.server, detail: "OP_REQ_IMPORT was answered with code 0x\(String(header.code, radix: 16))")
            }
            guard header.status == USBIPOp.statusOK else {
                socket.shutdown()
                let exported = (try? list(host: address.host, port: address.port, timeout: timeout)) ?? []
                if exported.contains(where: { $0.busid == address.busid }) { throw USBIPError.busy(address) }
                throw USBIPError.notExported(address, exported: exported.map(\.busid))
            }
            var r = ByteReader(try socket.read(exactly: DeviceRecord.size))
            let record = try DeviceRecord.decode(&r, withInterfaces: false)
            guard record.busid == address.busid else {
                throw USBIPError.protocolViolation(server: address.server, detail: "asked for bus id \(address.busid), it imported \(record.busid)")
            }
            return (socket, record)
        } catch let error as USBIPError {
            socket.shutdown()
            throw error
        } catch {
            socket.shutdown()
            throw refusalOrViolation(error, server: address.server)
        }
    }

    /// A server that closes before answering is refusing (usually: it serves its maximum number
    /// of clients); anything else that does not parse is a protocol violation.
    static func refusalOrViolation(_ error: any Error, server: String) -> USBIPError {
        if let e = error as? SocketError, case .closed = e { return .closedWithoutAnswer(server: server) }
        return .protocolViolation(server: server, detail: "\(error)")
    }

    private static func expect(_ bytes: [UInt8], code: UInt16, server: String) throws {
        let header = try OpHeader.decode(bytes)
        guard header.code == code, header.status == 0 else {
            throw USBIPError.protocolViolation(server: server, detail: "expected reply code 0x\(String(code, radix: 16)), got 0x\(String(header.code, radix: 16)) with status \(header.status)")
        }
    }

    static func connect(host: String, port: Int, timeout: Duration) throws(USBIPError) -> TCPSocket {
        do { return try TCPSocket.connect(host: host, port: port, timeout: timeout) } catch {
            throw .unreachable(server: USBIPAddress(host: host, port: port, busid: "-").server, reason: error.description)
        }
    }
}

/// Why a remote device cannot be used. Each message names the server or address and what to do.
public enum USBIPError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreachable(server: String, reason: String)
    case notExported(USBIPAddress, exported: [String])
    case busy(USBIPAddress)
    case protocolViolation(server: String, detail: String)
    case closedWithoutAnswer(server: String)
    /// The connection of an imported device ended (server stopped, network, device unplugged there).
    case connectionLost(USBIPAddress, reason: String)
    /// The device is not a probe this side can drive.
    case unsupportedDevice(USBIPAddress, detail: String)

    public var description: String {
        switch self {
        case let .unreachable(server, reason):
            return "cannot reach the USB/IP server \(server) (\(reason)); check the host and port, that usbipd or `hilctl mock serve` runs there, and that no firewall blocks TCP \(server.split(separator: ":").last ?? "3240")"
        case let .notExported(address, exported) where exported.isEmpty:
            return "\(address.server) exports no device, so not bus id \(address.busid); on that host bind the probe (`usbip bind -b BUSID`) or start `hilctl mock serve`"
        case let .notExported(address, exported):
            return "\(address.server) does not export bus id \(address.busid); it exports \(exported.joined(separator: ", ")): use one of those in usbip://\(address.server)/BUSID"
        case let .busy(address):
            return "\(address) is already imported by another client (a USB/IP device has one importer at a time); detach it there (`usbip detach`, or stop the hild or hilctl using it) and try again"
        case let .protocolViolation(server, detail):
            return "the USB/IP server \(server) broke the protocol: \(detail); is it a USB/IP server (usbipd speaks v1.1.1)?"
        case let .closedWithoutAnswer(server):
            return "the USB/IP server \(server) closed the connection without answering; it may be serving as many clients as it allows — try again when one has finished, or raise its limit (hilctl mock serve --max-clients)"
        case let .connectionLost(address, reason):
            return "the USB/IP connection to \(address) dropped (\(reason)); the remote probe is unreachable — check that its server still runs and the network, then run again"
        case let .unsupportedDevice(address, detail):
            return "\(address) is not a probe hil can drive: \(detail)"
        }
    }
}
