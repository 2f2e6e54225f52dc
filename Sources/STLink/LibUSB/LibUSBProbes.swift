import CLibUSB

/// Finds ST-LINK probes with libusb and opens one by serial number.
public enum LibUSBProbes {
    /// Every device with ST's vendor id whose product id is a probe (or a known non-probe, so it can
    /// be named). Devices that cannot be opened are listed with the reason, never silently dropped.
    public static func list() throws(ProbeOpenError) -> [DiscoveredProbe] {
        let context = try LibUSBContext()
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(context.pointer, &list)
        guard count >= 0, let list else { throw .usb("cannot list USB devices: \(LibUSBResult(rawValue: Int32(count)).name)") }
        defer { libusb_free_device_list(list, 1) }
        var found: [DiscoveredProbe] = []
        for i in 0..<Int(count) {
            guard let device = list[i] else { continue }
            var descriptor = libusb_device_descriptor()
            guard libusb_get_device_descriptor(device, &descriptor) == 0, descriptor.idVendor == ProbeModel.vendorID else { continue }
            let pid = descriptor.idProduct
            let model = ProbeModel.model(productID: pid)
            guard model != nil || ProbeModel.unsupported[pid] != nil else { continue }
            let bus = Int(libusb_get_bus_number(device)), address = Int(libusb_get_device_address(device))
            let label = (model?.name ?? String(format: "ST device 0483:%04x", pid)) + " at USB \(bus)-\(address)"
            if let reason = ProbeModel.unsupported[pid] {
                found.append(DiscoveredProbe(model: nil, productID: pid, serial: nil, bus: bus, address: address,
                                             problem: .unsupported(description: label, reason: reason)))
                continue
            }
            var handle: OpaquePointer?
            let rc = LibUSBResult(rawValue: libusb_open(device, &handle))
            guard rc == .success, let handle else {
                let problem: ProbeOpenError = rc == .access ? .permissionDenied(description: label) : .usb("\(label): \(rc.name)")
                found.append(DiscoveredProbe(model: model, productID: pid, serial: nil, bus: bus, address: address, problem: problem))
                continue
            }
            let serial = readSerial(handle, index: descriptor.iSerialNumber)
            libusb_close(handle)
            found.append(DiscoveredProbe(model: model, productID: pid, serial: serial, bus: bus, address: address, problem: nil))
        }
        return found
    }

    /// Opens the probe with `serial`, or the only probe when `serial` is nil.
    public static func open(serial wanted: String?) throws(ProbeOpenError) -> LibUSBTransport {
        let probes = try list()
        let usable = probes.filter { $0.problem == nil && $0.model != nil }
        let candidates = wanted.map { w in usable.filter { $0.serial?.caseInsensitiveCompare(w) == .orderedSame } } ?? usable
        guard candidates.count == 1, let chosen = candidates.first, let model = chosen.model, let serial = chosen.serial else {
            // Say why: a probe we cannot open explains "none found" better than silence.
            if candidates.isEmpty, let blocked = probes.first(where: { $0.problem != nil }), wanted == nil || usable.isEmpty {
                throw blocked.problem!
            }
            throw .notFound(serial: wanted, available: usable.compactMap(\.serial))
        }
        return try LibUSBTransport(bus: chosen.bus, address: chosen.address, identity: ProbeIdentity(model: model, serial: serial))
    }

    /// The serial string descriptor, read raw so that old V2 firmware's binary serial can be
    /// hex-encoded (libusb's ASCII helper would turn its bytes into '?').
    static func readSerial(_ handle: OpaquePointer, index: UInt8) -> String? {
        guard index != 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 255)
        let n = libusb_control_transfer(handle, 0x80, 0x06, UInt16(0x03) << 8 | UInt16(index), 0x0409,
                                        &buffer, UInt16(buffer.count), 1000)
        guard n >= 2 else { return nil }
        let length = min(Int(buffer[0]), Int(n))
        var units: [UInt16] = []
        var i = 2
        while i + 1 < length { units.append(UInt16(buffer[i]) | UInt16(buffer[i + 1]) << 8); i += 2 }
        return normalizedSerial(utf16: units)
    }
}
