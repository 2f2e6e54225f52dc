/// The wire under the ST-LINK command layer: one USB interface with a bulk OUT and a bulk IN endpoint.
///
/// Three things implement it: libusb (a real probe), the emulated probe of the mock board, and
/// USB/IP (a probe exported by another host, or a mock board behind `hilctl mock serve`). The command layer never knows which one it drives, so everything it does is testable
/// against the emulated probe byte for byte.
///
/// Calls block the calling thread, as libusb's synchronous transfers do; a probe is driven from one
/// task at a time.
public protocol USBTransport: AnyObject {
    /// Which probe this is: its model (from VID/PID) and its serial number.
    var identity: ProbeIdentity { get }
    /// Time as this transport sees it. Real probes use the host's clock; the mock board a virtual
    /// clock that its emulated USB, SWD and flash advance, so that timings are deterministic.
    var clock: any HostClock { get }
    /// Sends `data` on the bulk OUT endpoint, all of it, or throws.
    func bulkOut(_ data: [UInt8], timeout: Duration) throws(TransportError)
    /// Reads one transfer of at most `maxLength` bytes from the bulk IN endpoint.
    func bulkIn(maxLength: Int, timeout: Duration) throws(TransportError) -> [UInt8]
    /// Resets the USB device (libusb_reset_device); the session must start again afterwards.
    func reset() throws(TransportError)
}

/// What went wrong below the ST-LINK protocol. Each case says what a user can do about it.
public enum TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No answer within the timeout.
    case timeout(endpoint: UInt8, after: Duration)
    /// The device went away (unplugged, or reset by someone else).
    case disconnected(serial: String)
    /// The endpoint stalled (the probe rejected the transfer).
    case stall(endpoint: UInt8)
    /// Any other I/O failure, with the underlying library's words.
    case io(String)
    /// The network connection to a remote probe (USB/IP) ended.
    case connectionLost(remote: String, reason: String)

    public var description: String {
        switch self {
        case let .timeout(endpoint, after):
            return "the probe did not answer on endpoint 0x\(hex8(endpoint)) within \(after); check the USB cable and that no other tool holds the probe"
        case let .disconnected(serial):
            return "the probe \(serial) was unplugged or reset; plug it back in and run the command again"
        case let .stall(endpoint):
            return "the probe stalled endpoint 0x\(hex8(endpoint)); unplug and replug it"
        case let .io(message):
            return "USB I/O error: \(message)"
        case let .connectionLost(remote, reason):
            return "the USB/IP connection to \(remote) dropped (\(reason)); the remote probe is unreachable — check that its server still runs and the network, then run again"
        }
    }
}

func hex8(_ value: UInt8) -> String {
    let s = String(value, radix: 16, uppercase: true)
    return s.count < 2 ? "0" + s : s
}
