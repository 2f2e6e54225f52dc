import Foundation

/// Finds the virtual COM port of an ST-LINK by its USB serial number: the CDC-ACM tty belongs to
/// the same USB device, so its sysfs parent carries the same serial (udev's ID_SERIAL_SHORT).
/// Matching by serial, never by /dev/ttyACM number, keeps two identical boards apart.
public enum VCPFinder {
    public static func port(forProbeSerial serial: String, sysfs: String = "/sys/class/tty") -> String? {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: sysfs) else { return nil }
        for name in names.sorted() where name.hasPrefix("ttyACM") {
            // /sys/class/tty/ttyACM0/device -> …/1-2:1.2 (the interface); its parent is the device.
            let device = URL(fileURLWithPath: "\(sysfs)/\(name)/device").resolvingSymlinksInPath().deletingLastPathComponent()
            let file = device.appendingPathComponent("serial")
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            if text.trimmingCharacters(in: .whitespacesAndNewlines).caseInsensitiveCompare(serial) == .orderedSame {
                return "/dev/\(name)"
            }
        }
        return nil
    }
}
