/// The byte stream to a device running the harness: a serial port, a pty, or a test double.
public protocol HarnessLink: AnyObject {
    /// Queues `bytes` for sending. May block until the OS has taken them.
    func write(_ bytes: [UInt8]) throws
    /// Returns what has arrived, at most `maxBytes`, waiting up to `timeout` for the first byte;
    /// empty on timeout.
    func read(maxBytes: Int, timeout: Duration) throws -> [UInt8]
}
