import CLibUSB
import USBIP

/// A libusb result code, kept as a value so no C type leaves this folder.
struct LibUSBResult: RawRepresentable, Equatable {
    let rawValue: Int32
    static let success = LibUSBResult(rawValue: 0)
    static let access = LibUSBResult(rawValue: Int32(LIBUSB_ERROR_ACCESS.rawValue))
    static let noDevice = LibUSBResult(rawValue: Int32(LIBUSB_ERROR_NO_DEVICE.rawValue))
    static let busy = LibUSBResult(rawValue: Int32(LIBUSB_ERROR_BUSY.rawValue))
    static let timeout = LibUSBResult(rawValue: Int32(LIBUSB_ERROR_TIMEOUT.rawValue))
    static let pipe = LibUSBResult(rawValue: Int32(LIBUSB_ERROR_PIPE.rawValue))
    static let notFound = LibUSBResult(rawValue: Int32(LIBUSB_ERROR_NOT_FOUND.rawValue))

    var name: String { String(cString: libusb_error_name(rawValue)) }

    func transportError(endpoint: UInt8, timeout: Duration, serial: String) -> TransportError {
        switch self {
        case .timeout: return .timeout(endpoint: endpoint, after: timeout)
        case .noDevice: return .disconnected(serial: serial)
        case .pipe: return .stall(endpoint: endpoint)
        default: return .io(name)
        }
    }
}

/// Why a probe that is present cannot be used: the words a user needs to fix it.
public enum ProbeOpenError: Error, Equatable, Sendable, CustomStringConvertible {
    case permissionDenied(description: String)
    case busy(description: String)
    case notFound(serial: String?, available: [String])
    case unsupported(description: String, reason: String)
    case usb(String)
    /// A probe exported over USB/IP could not be reached or imported.
    case usbip(USBIPError)

    public var description: String {
        switch self {
        case let .permissionDenied(d):
            return "found \(d) but cannot open it: permission denied. Install the udev rules: sudo cp boards/udev/49-stlink.rules /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger, then replug the probe"
        case let .busy(d):
            return "\(d) is in use by another program (OpenOCD, st-util, STM32CubeProgrammer?); close it and try again"
        case let .notFound(serial?, available) where !available.isEmpty:
            return "no ST-LINK with serial \(serial) is attached; attached: \(available.joined(separator: ", "))"
        case let .notFound(serial?, _):
            return "no ST-LINK with serial \(serial) is attached, nor any other; check the USB cable"
        case let .notFound(nil, available) where available.count > 1:
            return "\(available.count) ST-LINKs are attached (\(available.joined(separator: ", "))); choose one with --probe SERIAL"
        case .notFound(nil, _):
            return "no ST-LINK is attached; plug in the board's USB (the ST-LINK connector), or use --mock to flash a mock board"
        case let .unsupported(d, reason):
            return "\(d): \(reason)"
        case let .usb(message):
            return "USB error: \(message)"
        case let .usbip(error):
            return error.description
        }
    }
}
