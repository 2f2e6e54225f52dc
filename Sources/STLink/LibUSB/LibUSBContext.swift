import CLibUSB

/// One libusb context, closed when the last reference goes. Devices and handles keep it alive.
final class LibUSBContext {
    let pointer: OpaquePointer

    init() throws(ProbeOpenError) {
        var ctx: OpaquePointer?
        let rc = libusb_init(&ctx)
        guard rc == 0, let ctx else { throw .usb("libusb_init failed: \(LibUSBResult(rawValue: rc).name)") }
        pointer = ctx
    }

    deinit { libusb_exit(pointer) }
}

/// An ST device found on the bus, before it is opened.
public struct DiscoveredProbe: Sendable, Equatable {
    /// nil when the USB product id is ST's but not a probe we drive (see `unsupportedReason`).
    public let model: ProbeModel?
    public let productID: UInt16
    /// nil when the device could not be opened to read it.
    public let serial: String?
    public let bus: Int
    public let address: Int
    /// Why it cannot be used, when it cannot (permissions, busy, unsupported product).
    public let problem: ProbeOpenError?

    public var label: String {
        let name = model?.name ?? String(format: "ST device 0483:%04x", productID)
        return "\(name) at USB \(bus)-\(address)" + (serial.map { " (serial \($0))" } ?? "")
    }
}
