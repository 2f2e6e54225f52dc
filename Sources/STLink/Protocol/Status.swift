/// The first byte of an ST-LINK status reply, with what it means for a user.
public struct STLinkStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let ok = STLinkStatus(rawValue: 0x80)
    public static let fault = STLinkStatus(rawValue: 0x81)
    public static let noDevice = STLinkStatus(rawValue: 0x05)
    public static let commandWait = STLinkStatus(rawValue: 0x07)
    public static let commandError = STLinkStatus(rawValue: 0x08)
    public static let idcodeError = STLinkStatus(rawValue: 0x09)
    public static let debugPowerError = STLinkStatus(rawValue: 0x0B)
    public static let writeError = STLinkStatus(rawValue: 0x0C)
    public static let writeVerifyError = STLinkStatus(rawValue: 0x0D)
    public static let alreadyOpenInAnotherMode = STLinkStatus(rawValue: 0x0E)
    public static let apWait = STLinkStatus(rawValue: 0x10)
    public static let apFault = STLinkStatus(rawValue: 0x11)
    public static let apError = STLinkStatus(rawValue: 0x12)
    public static let apParityError = STLinkStatus(rawValue: 0x13)
    public static let dpWait = STLinkStatus(rawValue: 0x14)
    public static let dpFault = STLinkStatus(rawValue: 0x15)
    public static let dpError = STLinkStatus(rawValue: 0x16)
    public static let dpParityError = STLinkStatus(rawValue: 0x17)
    public static let apWdataError = STLinkStatus(rawValue: 0x18)
    public static let apStickyError = STLinkStatus(rawValue: 0x19)
    public static let apStickyOverrun = STLinkStatus(rawValue: 0x1A)
    public static let badAP = STLinkStatus(rawValue: 0x1D)
    public static let swoUnavailable = STLinkStatus(rawValue: 0x20)
    public static let frequencyUnsupported = STLinkStatus(rawValue: 0x41)
    public static let unknownCommand = STLinkStatus(rawValue: 0x42)

    public var isOK: Bool { self == .ok }
    /// The target (or the probe) asked us to try again later.
    public var isWait: Bool { self == .commandWait || self == .apWait || self == .dpWait }
    /// A bus fault on the target side: the address is not accessible.
    public var isFault: Bool { self == .apFault || self == .dpFault || self == .fault }

    public var description: String {
        let name: String
        switch self {
        case .ok: name = "OK"
        case .fault: name = "fault"
        case .noDevice: name = "no target found on SWD (is the board powered and the SWD cable connected?)"
        case .commandWait: name = "command WAIT"
        case .commandError: name = "command error"
        case .idcodeError: name = "IDCODE error (no or wrong target answering on SWD)"
        case .debugPowerError: name = "debug power-up failed (target unpowered, or held in reset or low-power mode)"
        case .writeError: name = "write error"
        case .writeVerifyError: name = "write-verify error"
        case .alreadyOpenInAnotherMode: name = "probe already open in another mode (another tool is using it?)"
        case .apWait: name = "AP WAIT (target bus busy)"
        case .apFault: name = "AP fault (bus error at the address)"
        case .apError: name = "AP error"
        case .apParityError: name = "AP parity error (noisy SWD line; lower the SWD clock)"
        case .dpWait: name = "DP WAIT"
        case .dpFault: name = "DP fault"
        case .dpError: name = "DP error"
        case .dpParityError: name = "DP parity error (noisy SWD line; lower the SWD clock)"
        case .apWdataError: name = "AP write-data error"
        case .apStickyError: name = "AP sticky error"
        case .apStickyOverrun: name = "AP sticky overrun"
        case .badAP: name = "bad AP number"
        case .swoUnavailable: name = "SWO unavailable"
        case .frequencyUnsupported: name = "SWD frequency not supported by the probe"
        case .unknownCommand: name = "unknown command (probe firmware too old?)"
        default: name = "unknown status"
        }
        return "\(name) [0x\(hex8(rawValue))]"
    }
}
