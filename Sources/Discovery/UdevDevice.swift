// One udev device as the watcher sees it: from the initial enumeration or a hot-plug event.
// A plain value with no libudev pointer inside, so it crosses threads and tasks freely.

public struct UdevDevice: Sendable, Equatable {
    public enum Action: String, Sendable {
        case add, remove, change, bind, unbind, move, online, offline
        /// Present at start, from udev_enumerate rather than an event.
        case existing
    }

    public var action: Action
    public var subsystem: String
    public var devtype: String?
    /// DEVPATH, e.g. /devices/pci0000:00/0000:00:14.0/usb1/1-1 (without the /sys prefix).
    public var devpath: String
    /// DEVNAME, e.g. /dev/ttyACM0 or /dev/bus/usb/001/004.
    public var devnode: String?
    /// All udev properties (after rules ran): ID_VENDOR_ID, ID_SERIAL_SHORT, ...
    public var properties: [String: String]
    /// idVendor/idProduct of the usb_device (the device itself, or a tty's USB ancestor), read from
    /// sysfs when the event was received. A fallback for devices whose rules set no ID_* properties;
    /// nil for devices built from a message alone (no /sys entry) and after a remove.
    public var sysattrVendorID: String?
    public var sysattrProductID: String?

    public init(
        action: Action, subsystem: String, devtype: String? = nil, devpath: String,
        devnode: String? = nil, properties: [String: String] = [:]
    ) {
        self.action = action
        self.subsystem = subsystem
        self.devtype = devtype
        self.devpath = devpath
        self.devnode = devnode
        self.properties = properties
    }

    /// USB vendor id, lowercase hex ("0483"): ID_VENDOR_ID, else the sysfs idVendor.
    public var vendorID: String? { (nonEmpty(properties["ID_VENDOR_ID"]) ?? sysattrVendorID)?.lowercased() }
    /// USB product id, lowercase hex ("374b"): ID_MODEL_ID, else the sysfs idProduct.
    public var productID: String? { (nonEmpty(properties["ID_MODEL_ID"]) ?? sysattrProductID)?.lowercased() }
    /// The USB serial number (ID_SERIAL_SHORT): the stable key pairing a probe with its tty.
    public var serialShort: String? { nonEmpty(properties["ID_SERIAL_SHORT"]) }
    /// The USB interface a tty hangs off ("02" for an ST-LINK/V2-1 VCP).
    public var interfaceNumber: String? { nonEmpty(properties["ID_USB_INTERFACE_NUM"]) }

    var isUSBDevice: Bool { subsystem == "usb" && devtype == "usb_device" }
    var isTTY: Bool { subsystem == "tty" }
}

private func nonEmpty(_ s: String?) -> String? {
    guard let s, !s.isEmpty else { return nil }
    return s
}
