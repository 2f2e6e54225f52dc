// Reading a libudev device into a UdevDevice. The only place that walks udev_device fields;
// the caller owns (and unrefs) the pointer.
import CUdev

enum LibUdevDevice {
    /// Copies everything we need out of `device`; nil when libudev gives no subsystem or devpath.
    static func read(_ device: OpaquePointer, action fallback: UdevDevice.Action? = nil) -> UdevDevice? {
        guard let subsystem = string(udev_device_get_subsystem(device)),
              let devpath = string(udev_device_get_devpath(device))
        else { return nil }

        var properties: [String: String] = [:]
        var entry = udev_device_get_properties_list_entry(device)
        while let e = entry {
            if let name = string(udev_list_entry_get_name(e)) {
                properties[name] = string(udev_list_entry_get_value(e)) ?? ""
            }
            entry = udev_list_entry_get_next(e)
        }

        let action: UdevDevice.Action
        if let fallback {
            action = fallback
        } else if let raw = string(udev_device_get_action(device)) {
            // An action this libudev knows and we do not (a future kernel's) is still a change.
            action = UdevDevice.Action(rawValue: raw) ?? .change
        } else {
            action = .existing
        }

        var result = UdevDevice(
            action: action, subsystem: subsystem, devtype: string(udev_device_get_devtype(device)),
            devpath: devpath, devnode: string(udev_device_get_devnode(device)), properties: properties)

        // Sysfs fallback for the ids: only meaningful while the device exists in /sys, so never on
        // remove (the directory is gone, and reading it would only cost a failed open).
        if action != .remove {
            let usb: OpaquePointer? =
                result.isUSBDevice ? device : udev_device_get_parent_with_subsystem_devtype(device, "usb", "usb_device")
            if let usb {  // a parent belongs to its child: no unref
                result.sysattrVendorID = string(udev_device_get_sysattr_value(usb, "idVendor"))?.lowercased()
                result.sysattrProductID = string(udev_device_get_sysattr_value(usb, "idProduct"))?.lowercased()
            }
        }
        return result
    }

    private static func string(_ p: UnsafePointer<CChar>?) -> String? {
        p.map { String(cString: $0) }
    }
}
