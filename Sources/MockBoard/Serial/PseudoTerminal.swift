import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A pty pair standing in for a board's USB virtual COM port: the host opens `path` (the slave)
/// exactly as it opens /dev/ttyACM0; the mock board reads and writes the master.
///
/// The mock keeps its own slave descriptor open so the port exists from "plug" to "unplug", as a
/// real device node does, whether or not the host has it open; it also lets the mock read the
/// line settings the host chose (termios belongs to the tty, not to a descriptor).
final class PseudoTerminal {
    let path: String
    private(set) var master: Int32
    private var slave: Int32

    init() throws {
        var m: Int32 = -1, s: Int32 = -1
        guard openpty(&m, &s, nil, nil, nil) == 0 else {
            throw MockSerialError.pty(String(cString: strerror(errno)))
        }
        guard let name = ttyname(s) else {
            Glibc.close(m); Glibc.close(s)
            throw MockSerialError.pty("ttyname failed")
        }
        path = String(cString: name)
        master = m
        slave = s
        // Raw from the start, so nothing is echoed or translated before the host configures it.
        var t = termios()
        tcgetattr(s, &t)
        cfmakeraw(&t)
        tcsetattr(s, TCSANOW, &t)
        _ = fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK)
    }

    deinit { unplug() }

    /// The input speed the host set on its side, in baud (nil if it is not a standard rate).
    var hostBaud: Int? {
        var t = termios()
        guard slave >= 0, tcgetattr(slave, &t) == 0 else { return nil }
        return Self.baud(of: cfgetospeed(&t))
    }

    /// Closes both ends: the host's reads see a hang-up, like a board pulled from USB.
    func unplug() {
        if master >= 0 { Glibc.close(master); master = -1 }
        if slave >= 0 { Glibc.close(slave); slave = -1 }
    }

    /// termios speeds and their rates: the standard and high rates Linux can set.
    static let rates: [(speed: speed_t, baud: Int)] = [
        (speed_t(B9600), 9600), (speed_t(B19200), 19200), (speed_t(B38400), 38400), (speed_t(B57600), 57600),
        (speed_t(B115200), 115200), (speed_t(B230400), 230400), (speed_t(B460800), 460800),
        (speed_t(B500000), 500000), (speed_t(B576000), 576000), (speed_t(B921600), 921600),
        (speed_t(B1000000), 1_000_000), (speed_t(B1152000), 1_152_000), (speed_t(B1500000), 1_500_000),
        (speed_t(B2000000), 2_000_000), (speed_t(B2500000), 2_500_000), (speed_t(B3000000), 3_000_000),
        (speed_t(B3500000), 3_500_000), (speed_t(B4000000), 4_000_000),
    ]

    static func baud(of speed: speed_t) -> Int? { rates.first { $0.speed == speed }?.baud }
    static func isSettable(_ baud: Int) -> Bool { rates.contains { $0.baud == baud } }
}

public enum MockSerialError: Error, CustomStringConvertible {
    case pty(String)
    public var description: String {
        switch self {
        case let .pty(why): return "cannot create the mock board's serial port (pty): \(why)"
        }
    }
}
