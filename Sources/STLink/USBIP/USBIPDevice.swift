import USBIP

/// A USB device imported over USB/IP, with its descriptors read: what libusb's handle is to a
/// local device. The ST-LINK transport drives its debug interface; the deployment's CDC-ACM
/// serial port drives its VCP over the same connection. Neither needs a kernel module here.
public final class USBIPDevice: @unchecked Sendable {
    public let connection: USBIPConnection
    public let descriptor: DeviceDescriptorFields
    public let configuration: ParsedConfiguration
    /// The serial number string, hex-encoded if it is binary (as udev shows it).
    public let serial: String

    public var address: USBIPAddress { connection.address }
    public var record: DeviceRecord { connection.record }

    /// True for a mock board exported by hil's own server (`hilctl mock serve`): it runs the
    /// harness built for the host and needs no firmware image.
    public var isHilMockBoard: Bool { record.path.hasPrefix("/sys/devices/hil-mock/") }

    /// Imports the device at `address` and reads its device, configuration and serial descriptors.
    public static func open(_ address: USBIPAddress, timeout: Duration = .seconds(5)) throws(USBIPError) -> USBIPDevice {
        let (socket, record) = try USBIPOpClient.importDevice(address, timeout: timeout)
        let connection = USBIPConnection(socket: socket, record: record, address: address)
        do {
            return try USBIPDevice(connection: connection, timeout: timeout)
        } catch {
            connection.close()
            throw error
        }
    }

    private init(connection: USBIPConnection, timeout: Duration) throws(USBIPError) {
        self.connection = connection
        let address = connection.address
        func fetch(_ setup: SetupPacket) throws(USBIPError) -> [UInt8] {
            do { return try Self.control(connection, setup, timeout: timeout) } catch {
                throw error.asUSBIPError(address, doing: "reading its descriptors")
            }
        }
        guard let device = DeviceDescriptorFields(try fetch(.getDescriptor(type: DescriptorType.device, length: 18))) else {
            throw .unsupportedDevice(address, detail: "its device descriptor is malformed")
        }
        descriptor = device
        let head = try fetch(.getDescriptor(type: DescriptorType.configuration, length: 9))
        let total = head.count >= 4 ? UInt16(head[2]) | UInt16(head[3]) << 8 : 9
        guard let config = ParsedConfiguration(try fetch(.getDescriptor(type: DescriptorType.configuration, length: total))) else {
            throw .unsupportedDevice(address, detail: "its configuration descriptor is malformed")
        }
        configuration = config
        var units: [UInt16] = []
        if device.serialIndex != 0 {
            let raw = try fetch(.getDescriptor(type: DescriptorType.string, index: device.serialIndex, language: 0x0409, length: 255))
            units = USBDescriptors.stringUnits(raw) ?? []
        }
        serial = units.isEmpty ? address.busid : normalizedSerial(utf16: units)
        // usbipd exports devices its host has configured; an unconfigured one gets its first.
        if connection.record.configurationValue == 0 {
            _ = try fetch(.setConfiguration(config.value))
        }
    }

    deinit { connection.close() }

    /// A control transfer on endpoint 0; IN data is returned.
    public func control(_ setup: SetupPacket, data: [UInt8] = [], timeout: Duration) throws(USBIPTransferError) -> [UInt8] {
        try Self.control(connection, setup, data: data, timeout: timeout)
    }

    /// Sends `data` on bulk OUT endpoint `endpoint`; returns how many bytes the device took.
    @discardableResult
    public func bulkOut(endpoint: UInt8, _ data: [UInt8], timeout: Duration) throws(USBIPTransferError) -> Int {
        try Self.transfer(connection, endpoint: endpoint & 0x7F, length: data.count, setup: nil, data: data, timeout: timeout).actualLength
    }

    /// One bulk IN transfer of at most `maxLength` bytes.
    public func bulkIn(endpoint: UInt8, maxLength: Int, timeout: Duration) throws(USBIPTransferError) -> [UInt8] {
        try Self.transfer(connection, endpoint: endpoint | 0x80, length: maxLength, setup: nil, data: [], timeout: timeout).data
    }

    static func control(_ c: USBIPConnection, _ setup: SetupPacket, data: [UInt8] = [], timeout: Duration) throws(USBIPTransferError) -> [UInt8] {
        try transfer(c, endpoint: 0, length: setup.isIn ? Int(setup.length) : data.count, setup: setup, data: data, timeout: timeout).data
    }

    /// Submit, wait, and on timeout unlink — keeping a completion that raced the unlink.
    static func transfer(_ c: USBIPConnection, endpoint: UInt8, length: Int, setup: SetupPacket?, data: [UInt8],
                         timeout: Duration) throws(USBIPTransferError) -> USBIPConnection.Completion {
        do {
            let seqnum = try c.submit(endpoint: endpoint, length: length, setup: setup, data: data)
            guard let done = try c.wait(seqnum, timeout: timeout) ?? c.cancel(seqnum) else {
                throw USBIPTransferError.timeout(endpoint: endpoint, after: timeout)
            }
            switch done.status {
            case URBStatus.ok: return done
            case URBStatus.stall: throw USBIPTransferError.stall(endpoint: endpoint)
            default: throw USBIPTransferError.failed(endpoint: endpoint, status: done.status)
            }
        } catch let error as USBIPTransferError {
            throw error
        } catch let error as USBIPError {
            throw .connection(error)
        } catch {
            throw .connection(.protocolViolation(server: c.address.server, detail: "\(error)"))
        }
    }
}

/// How one transfer on an imported device ended badly.
public enum USBIPTransferError: Error, Equatable, Sendable, CustomStringConvertible {
    case timeout(endpoint: UInt8, after: Duration)
    case stall(endpoint: UInt8)
    /// Any other URB status (a negated Linux errno).
    case failed(endpoint: UInt8, status: Int32)
    case connection(USBIPError)

    public var description: String {
        switch self {
        case let .timeout(endpoint, after): return "endpoint 0x\(hex8(endpoint)) did not answer within \(after)"
        case let .stall(endpoint): return "endpoint 0x\(hex8(endpoint)) stalled"
        case let .failed(endpoint, status): return "a transfer on endpoint 0x\(hex8(endpoint)) failed with status \(status) (errno \(-status))"
        case let .connection(error): return error.description
        }
    }

    func asUSBIPError(_ address: USBIPAddress, doing what: String) -> USBIPError {
        if case let .connection(error) = self { return error }
        return .unsupportedDevice(address, detail: "\(what): \(description)")
    }
}
