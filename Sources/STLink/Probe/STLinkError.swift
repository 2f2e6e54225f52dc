/// What went wrong talking to a probe or through it to the target. Wraps the transport's errors so
/// one type reaches the caller; each message names the probe or address and says what to do.
public enum STLinkError: Error, Equatable, Sendable, CustomStringConvertible {
    case transport(TransportError)
    /// The probe answered a command with an error status.
    case status(command: String, status: STLinkStatus)
    /// A reply of the wrong length or content.
    case malformedReply(command: String, detail: String)
    /// The probe's firmware is older than what hil (or one feature) needs.
    case firmwareTooOld(version: String, needed: String, feature: String)
    /// A memory access failed on the target bus.
    case memoryFault(address: UInt32, operation: String, status: STLinkStatus)
    /// The target kept answering WAIT.
    case targetBusy(command: String, tries: Int)
    /// The target supply is missing or too low to debug.
    case targetNotPowered(volts: Double)
    /// A request the caller made that cannot be sent as is (alignment, size).
    case invalidRequest(String)
    /// The core did not reach the state asked for.
    case core(String)

    public var description: String {
        switch self {
        case let .transport(e):
            return e.description
        case let .status(command, status):
            return "the probe refused \(command): \(status)"
        case let .malformedReply(command, detail):
            return "the probe's reply to \(command) is malformed (\(detail)); unplug and replug the probe"
        case let .firmwareTooOld(version, needed, feature):
            return "probe firmware \(version) is too old for \(feature) (needs \(needed) or newer); update it with ST's ST-LINK upgrade tool (STSW-LINK007)"
        case let .memoryFault(address, operation, status):
            return "\(operation) at 0x\(hex32(address)) failed on the target: \(status); check the address is mapped on this chip"
        case let .targetBusy(command, tries):
            return "the target answered WAIT to \(command) \(tries) times; it may be in a low-power mode: retry with --connect-under-reset"
        case let .targetNotPowered(volts):
            return String(format: "the target supply reads %.2f V: the board is not powered (or the probe's VDD sense pin is not connected)", volts)
        case let .invalidRequest(what):
            return what
        case let .core(what):
            return what
        }
    }
}

public func hex32(_ value: UInt32) -> String {
    let s = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 8 - s.count)) + s
}

import Foundation
