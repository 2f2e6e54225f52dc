// The devices present now, via udev_enumerate: what hild sees at start, before any event.
import CUdev

enum UdevEnumeration {
    /// Every device matching one of `filters`, action .existing. A fresh udev context per call:
    /// libudev objects are not thread-safe, and this must not share one with the monitor's reader.
    static func scan(filters: [(subsystem: String, devtype: String?)]) -> [UdevDevice] {
        guard let udev = udev_new() else { return [] }
        defer { udev_unref(udev) }
        guard let enumerate = udev_enumerate_new(udev) else { return [] }
        defer { udev_enumerate_unref(enumerate) }

        // Subsystem matches are OR-ed by libudev; devtype has no enumerate match, so it is checked below.
        for subsystem in Set(filters.map(\.subsystem)) {
            _ = udev_enumerate_add_match_subsystem(enumerate, subsystem)
        }
        guard udev_enumerate_scan_devices(enumerate) >= 0 else { return [] }

        var devices: [UdevDevice] = []
        var entry = udev_enumerate_get_list_entry(enumerate)
        while let e = entry {
            entry = udev_list_entry_get_next(e)
            // The device can vanish between scan and read; that is not an error, just absent.
            guard let syspath = udev_list_entry_get_name(e),
                  let device = udev_device_new_from_syspath(udev, syspath)
            else { continue }
            defer { udev_device_unref(device) }
            guard let read = LibUdevDevice.read(device, action: .existing),
                  matches(read, filters)
            else { continue }
            devices.append(read)
        }
        return devices
    }

    static func matches(_ device: UdevDevice, _ filters: [(subsystem: String, devtype: String?)]) -> Bool {
        // No filters means everything, as for a libudev monitor without matches.
        filters.isEmpty || filters.contains { $0.subsystem == device.subsystem && ($0.devtype == nil || $0.devtype == device.devtype) }
    }
}
