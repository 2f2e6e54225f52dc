import CLibUSB

/// A real probe's debug interface through libusb's synchronous bulk transfers.
public final class LibUSBTransport: USBTransport {
    public let identity: ProbeIdentity
    public let clock: any HostClock = SystemClock()
    private let context: LibUSBContext
    private let handle: OpaquePointer

    init(bus: Int, address: Int, identity: ProbeIdentity) throws(ProbeOpenError) {
        self.identity = identity
        context = try LibUSBContext()
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(context.pointer, &list)
        guard count >= 0, let list else { throw .usb("cannot list USB devices") }
        defer { libusb_free_device_list(list, 1) }
        var opened: OpaquePointer?
        let label = "\(identity.model.name) \(identity.serial)"
        for i in 0..<Int(count) {
            guard let device = list[i], Int(libusb_get_bus_number(device)) == bus,
                  Int(libusb_get_device_address(device)) == address else { continue }
            let rc = LibUSBResult(rawValue: libusb_open(device, &opened))
            if rc == .access { throw .permissionDenied(description: label) }
            if rc != .success { throw .usb("\(label): \(rc.name)") }
        }
        guard let opened else { throw .notFound(serial: identity.serial, available: []) }
        handle = opened
        // The VCP's CDC driver does not own interface 0, but a mass-storage or other driver might.
        libusb_set_auto_detach_kernel_driver(handle, 1)
        let claim = LibUSBResult(rawValue: libusb_claim_interface(handle, 0))
        guard claim == .success else {
            libusb_close(handle)
            throw claim == .busy ? .busy(description: label) : .usb("\(label): cannot claim interface 0: \(claim.name)")
        }
        drain()
    }

    deinit {
        libusb_release_interface(handle, 0)
        libusb_close(handle)
    }

    public func bulkOut(_ data: [UInt8], timeout: Duration) throws(TransportError) {
        var bytes = data
        var sent: Int32 = 0
        let endpoint = identity.model.outEndpoint
        let rc = LibUSBResult(rawValue: libusb_bulk_transfer(handle, endpoint, &bytes, Int32(bytes.count), &sent, milliseconds(timeout)))
        guard rc == .success else { throw rc.transportError(endpoint: endpoint, timeout: timeout, serial: identity.serial) }
        guard Int(sent) == data.count else { throw .io("sent \(sent) of \(data.count) bytes") }
    }

    public func bulkIn(maxLength: Int, timeout: Duration) throws(TransportError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(maxLength, 1))
        var received: Int32 = 0
        let endpoint = identity.model.inEndpoint
        let rc = LibUSBResult(rawValue: libusb_bulk_transfer(handle, endpoint, &bytes, Int32(bytes.count), &received, milliseconds(timeout)))
        guard rc == .success else { throw rc.transportError(endpoint: endpoint, timeout: timeout, serial: identity.serial) }
        return Array(bytes.prefix(Int(received)))
    }

    public func reset() throws(TransportError) {
        let rc = LibUSBResult(rawValue: libusb_reset_device(handle))
        guard rc == .success else { throw rc.transportError(endpoint: 0, timeout: .zero, serial: identity.serial) }
    }

    /// A probe left mid-command by a crashed tool may still hold a reply; read it away.
    private func drain() {
        var scratch = [UInt8](repeating: 0, count: 64)
        var received: Int32 = 0
        for _ in 0..<4 {
            let rc = libusb_bulk_transfer(handle, identity.model.inEndpoint, &scratch, 64, &received, 10)
            if rc != 0 || received == 0 { break }
        }
    }

    private func milliseconds(_ d: Duration) -> UInt32 {
        UInt32(clamping: Int64(d.seconds * 1000))
    }
}
