// Which ST-LINK probes are plugged in, and which tty is each one's virtual COM port.
// Pure state: enumeration results and hot-plug events in, changes out; no I/O, so every arrival
// order can be tested. Identity is the USB serial number (ID_SERIAL_SHORT), never the order of
// enumeration or the /dev name, which both change across replugs and reboots.

public struct DiscoveredProbe: Sendable, Equatable {
    public var serial: String
    public var vendorID: String
    public var productID: String
    public var usbDevpath: String
    /// /dev/bus/usb/BBB/DDD
    public var usbDevnode: String?
    /// The virtual COM port, e.g. /dev/ttyACM0, once its tty is known.
    public var ttyPath: String?

    public init(serial: String, vendorID: String, productID: String, usbDevpath: String,
                usbDevnode: String? = nil, ttyPath: String? = nil) {
        self.serial = serial
        self.vendorID = vendorID
        self.productID = productID
        self.usbDevpath = usbDevpath
        self.usbDevnode = usbDevnode
        self.ttyPath = ttyPath
    }
}

public enum ProbeChange: Sendable, Equatable {
    case appeared(DiscoveredProbe)
    /// Its tty came or went, or its USB node changed without an unplug.
    case updated(DiscoveredProbe)
    case vanished(serial: String, lastSeen: DiscoveredProbe)
}

public struct ProbeTracker: Sendable {
    private let ids: ProbeIDs
    public private(set) var probes: [String: DiscoveredProbe] = [:]

    /// A probe's tty as last seen; kept even without its probe, because the tty can be announced
    /// first (udev processes the usb_device and its interfaces' children in parallel).
    private struct TTY: Sendable { var serial: String; var path: String; var interface: String? }
    private var ttys: [String: TTY] = [:]            // by tty devpath
    private var usbSerials: [String: String] = [:]   // usb devpath -> serial, for removes without properties

    public init(ids: ProbeIDs) { self.ids = ids }

    public mutating func apply(_ device: UdevDevice) -> [ProbeChange] {
        if device.isUSBDevice { return applyUSB(device) }
        if device.isTTY { return applyTTY(device) }
        return []
    }

    private mutating func applyUSB(_ device: UdevDevice) -> [ProbeChange] {
        if device.action == .remove {
            // A remove may carry fewer properties than the add; the devpath we saw is authoritative.
            guard let serial = usbSerials.removeValue(forKey: device.devpath) ?? device.serialShort,
                  let last = probes.removeValue(forKey: serial)
            else { return [] }
            return [.vanished(serial: serial, lastSeen: last)]
        }
        guard let serial = device.serialShort,
              ids.contains(vendor: device.vendorID, product: device.productID),
              let vendor = device.vendorID, let product = device.productID
        else { return [] }

        let probe = DiscoveredProbe(
            serial: serial, vendorID: vendor, productID: product, usbDevpath: device.devpath,
            usbDevnode: device.devnode, ttyPath: ttyPath(for: serial))
        usbSerials[device.devpath] = serial
        guard let old = probes[serial] else {
            probes[serial] = probe
            return [.appeared(probe)]
        }
        if old.usbDevpath != probe.usbDevpath { usbSerials.removeValue(forKey: old.usbDevpath) }
        probes[serial] = probe
        return old == probe ? [] : [.updated(probe)]
    }

    private mutating func applyTTY(_ device: UdevDevice) -> [ProbeChange] {
        let serial: String
        if device.action == .remove {
            guard let gone = ttys.removeValue(forKey: device.devpath) else { return [] }
            serial = gone.serial
        } else {
            // Only ttys of an ST-LINK (by the USB ids udev copies onto the tty) with a serial
            // and a node: a CDC-ACM modem with the same serial text is not our VCP.
            guard let s = device.serialShort, let path = device.devnode,
                  ids.contains(vendor: device.vendorID, product: device.productID)
            else { return [] }
            serial = s
            ttys[device.devpath] = TTY(serial: s, path: path, interface: device.interfaceNumber)
        }
        return refreshTTY(of: serial)
    }

    /// Re-derives a probe's tty from what is known and reports it if that changed.
    private mutating func refreshTTY(of serial: String) -> [ProbeChange] {
        guard var probe = probes[serial] else { return [] }
        let path = ttyPath(for: serial)
        guard probe.ttyPath != path else { return [] }
        probe.ttyPath = path
        probes[serial] = probe
        return [.updated(probe)]
    }

    /// The VCP for a serial. Probes with several ttys (an STLINK-V3 bridge) get the one on the
    /// lowest USB interface, then the lowest path, so the choice is stable whatever the order.
    private func ttyPath(for serial: String) -> String? {
        ttys.values
            .filter { $0.serial == serial }
            .min { ($0.interface ?? "~", $0.path) < ($1.interface ?? "~", $1.path) }?
            .path
    }
}
