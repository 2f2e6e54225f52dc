import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A serial port in raw mode: a board's /dev/ttyACM* (the ST-LINK's virtual COM port) or a pty.
///
/// Raw means every byte value passes unchanged (no echo, no CR/LF translation, no XON/XOFF, no
/// signals), 8N1, no hardware flow control. Reads wait with poll(2) up to a timeout; a port that
/// hangs up (USB unplugged, pty closed) is reported as `unplugged`, never as "no data".
public final class SerialPort: SerialConnection {
    public let path: String
    public private(set) var baud: Int
    private var fd: Int32

    /// Opens `path` at `baud`, exclusively (TIOCEXCL), so two jobs never share a board's port.
    public init(path: String, baud: Int) throws(SerialError) {
        guard let speed = SerialPort.speed(for: baud) else { throw .unsupportedRate(baud, supported: SerialPort.rates) }
        let fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard isatty(fd) == 1 else {
            Glibc.close(fd)
            throw .notATerminal(path: path)
        }
        _ = ioctl(fd, UInt(TIOCEXCL))
        self.path = path
        self.baud = baud
        self.fd = fd
        do { try configure(speed: speed) } catch {
            Glibc.close(fd)
            self.fd = -1
            throw error
        }
        tcflush(fd, TCIOFLUSH)      // whatever the board said before we listened is stale
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    public func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    /// Changes the line rate; pending output is sent first at the old rate.
    public func setBaud(_ rate: Int) throws(SerialError) {
        guard let speed = SerialPort.speed(for: rate) else { throw .unsupportedRate(rate, supported: SerialPort.rates) }
        tcdrain(fd)
        try configure(speed: speed)
        baud = rate
    }

    /// Writes every byte, waiting while the driver's buffer is full.
    public func send(_ bytes: [UInt8], timeout: Duration) throws(SerialError) {
        var offset = 0
        let deadline = ContinuousClock.now + timeout
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n > 0 { offset += n; continue }
            if n < 0 && errno != EAGAIN && errno != EINTR { throw failure() }
            guard ContinuousClock.now < deadline else { throw .writeTimeout(path: path) }
            try wait(for: Int16(POLLOUT), timeout: .milliseconds(50))
        }
    }

    /// Up to `maxBytes` bytes; empty when nothing arrived within `timeout`.
    public func receive(maxBytes: Int, timeout: Duration) throws(SerialError) -> [UInt8] {
        guard try wait(for: Int16(POLLIN), timeout: timeout) else { return [] }
        var buffer = [UInt8](repeating: 0, count: maxBytes)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, maxBytes) }
        if n > 0 { return Array(buffer.prefix(n)) }
        if n < 0 {
            if errno == EAGAIN || errno == EINTR { return [] }
            throw failure()
        }
        // With VMIN = VTIME = 0 a read that finds nothing returns 0, not EAGAIN, and poll can
        // report a tty readable that then has nothing (a termios change wakes it). Only a hung-up
        // tty (a USB ACM device unplugged) says so in poll as well.
        if hungUp() { throw .unplugged(path: path) }
        return []
    }

    /// Whether the tty has hung up, asked without waiting.
    private func hungUp() -> Bool {
        var p = pollfd(fd: fd, events: 0, revents: 0)
        return poll(&p, 1, 0) > 0 && p.revents & Int16(POLLHUP | POLLNVAL) != 0
    }

    /// Drops unread input (a board's boot chatter, a garbled tail after a baud switch).
    public func discardInput() { tcflush(fd, TCIFLUSH) }

    /// Waits until `events` or the timeout; throws when the port hung up.
    @discardableResult
    private func wait(for events: Int16, timeout: Duration) throws(SerialError) -> Bool {
        var p = pollfd(fd: fd, events: events, revents: 0)
        let ms = Int32(clamping: Int64(timeout.seconds * 1000))
        let r = poll(&p, 1, ms)
        if r < 0 {
            if errno == EINTR { return false }
            throw failure()
        }
        if r == 0 { return false }
        if p.revents & Int16(POLLNVAL) != 0 { throw .unplugged(path: path) }
        if p.revents & events != 0 { return true }
        if p.revents & Int16(POLLHUP | POLLERR) != 0 { throw .unplugged(path: path) }
        return false
    }

    private func configure(speed: speed_t) throws(SerialError) {
        var t = termios()
        guard tcgetattr(fd, &t) == 0 else { throw failure() }
        cfmakeraw(&t)
        t.c_cflag |= tcflag_t(CLOCAL) | tcflag_t(CREAD)
        t.c_cflag &= ~(tcflag_t(CRTSCTS) | tcflag_t(CSTOPB) | tcflag_t(PARENB))
        t.c_iflag &= ~(tcflag_t(IXON) | tcflag_t(IXOFF) | tcflag_t(IXANY))
        withUnsafeMutableBytes(of: &t.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        cfsetispeed(&t, speed)
        cfsetospeed(&t, speed)
        guard tcsetattr(fd, TCSANOW, &t) == 0 else { throw failure() }
    }

    /// Turns errno into an error: a vanished device is "unplugged", anything else I/O.
    private func failure() -> SerialError {
        let code = errno
        if code == EIO || code == ENODEV || code == ENXIO || code == EBADF { return .unplugged(path: path) }
        return .io(path: path, reason: String(cString: strerror(code)))
    }

    /// The rates termios can set on Linux, standard and high.
    public static let rates: [Int] = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 576000,
                                      921600, 1_000_000, 1_152_000, 1_500_000, 2_000_000, 2_500_000,
                                      3_000_000, 3_500_000, 4_000_000]

    static func speed(for rate: Int) -> speed_t? {
        let table: [Int: speed_t] = [
            9600: speed_t(B9600), 19200: speed_t(B19200), 38400: speed_t(B38400), 57600: speed_t(B57600),
            115200: speed_t(B115200), 230400: speed_t(B230400), 460800: speed_t(B460800),
            500000: speed_t(B500000), 576000: speed_t(B576000), 921600: speed_t(B921600),
            1_000_000: speed_t(B1000000), 1_152_000: speed_t(B1152000), 1_500_000: speed_t(B1500000),
            2_000_000: speed_t(B2000000), 2_500_000: speed_t(B2500000), 3_000_000: speed_t(B3000000),
            3_500_000: speed_t(B3500000), 4_000_000: speed_t(B4000000),
        ]
        return table[rate]
    }

    /// The rate a tty is set to, as termios reports it (for a pty: what the other side chose).
    public static func rate(of speed: speed_t) -> Int? {
        rates.first { SerialPort.speed(for: $0) == speed }
    }
}

/// A serial port problem, naming the port and what to do.
public enum SerialError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notATerminal(path: String)
    case unsupportedRate(Int, supported: [Int])
    case unplugged(path: String)
    case writeTimeout(path: String)
    case io(path: String, reason: String)
    /// The network connection carrying a remote board's VCP (USB/IP) ended.
    case connectionLost(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open serial port \(path): \(reason); check the board is plugged in, and that your user may open it (group dialout or plugdev, or the udev rules in boards/udev)"
        case let .notATerminal(path):
            return "\(path) is not a serial port (not a tty); give the board's /dev/ttyACM* or /dev/serial/by-id/ path"
        case let .unsupportedRate(rate, supported):
            return "\(rate) baud cannot be set on this system; choose one of \(supported.map(String.init).joined(separator: ", "))"
        case let .unplugged(path):
            return "serial port \(path) went away (board unplugged or reset its USB); plug it back in and run again"
        case let .writeTimeout(path):
            return "serial port \(path) accepts no more data (is the board stuck, or hardware flow control on?)"
        case let .io(path, reason):
            return "serial port \(path): \(reason)"
        case let .connectionLost(path, reason):
            return "the USB/IP connection carrying serial port \(path) dropped (\(reason)); the remote board is unreachable — check that its server still runs and the network, then run again"
        }
    }
}
