/// An open serial line to a board: a tty or pty (`SerialPort`), or the CDC-ACM virtual COM port
/// of a probe reached over USB/IP (`USBIPSerialPort`). The deployment talks to the harness
/// through this and never knows which; every failure is a `SerialError` naming the line.
public protocol SerialConnection: HarnessLink {
    /// What to call the line in messages: a device path, or a usbip:// address.
    var path: String { get }
    /// The line rate this side is set to.
    var baud: Int { get }
    /// Sends every byte, or throws (`writeTimeout` when the board takes nothing for `timeout`).
    func send(_ bytes: [UInt8], timeout: Duration) throws(SerialError)
    /// Up to `maxBytes` bytes; empty when nothing arrived within `timeout`.
    func receive(maxBytes: Int, timeout: Duration) throws(SerialError) -> [UInt8]
    /// Changes the line rate; what was sent before goes out at the old rate.
    func setBaud(_ rate: Int) throws(SerialError)
    /// Drops input not read yet (boot chatter, a garbled tail after a baud switch).
    func discardInput()
    func close()
}

extension SerialConnection {
    public func send(_ bytes: [UInt8]) throws(SerialError) { try send(bytes, timeout: .seconds(5)) }

    // The harness session's view of the line.
    public func write(_ bytes: [UInt8]) throws { try send(bytes) }
    public func read(maxBytes: Int, timeout: Duration) throws -> [UInt8] { try receive(maxBytes: maxBytes, timeout: timeout) }
}
