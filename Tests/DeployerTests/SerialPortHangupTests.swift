import Foundation
import Glibc
import Synchronization
import Testing
@testable import Deployer

/// A tty in raw mode with VMIN = VTIME = 0 answers a read that finds nothing with 0 bytes, and poll
/// can call it readable just before (a flush or a termios change on the line wakes it). A
/// zero-byte read is a hang-up only when poll says POLLHUP: otherwise a busy line would report
/// the board unplugged now and then.
@Suite struct SerialPortHangupTests {
    @Test func flushesAndTermiosChangesOnABusyLineAreNotAnUnplug() throws {
        var master: Int32 = -1, slave: Int32 = -1
        try #require(openpty(&master, &slave, nil, nil, nil) == 0)
        let path = String(cString: ttyname(slave))
        let port = try SerialPort(path: path, baud: 921_600)
        let stop = Mutex(false)
        // The other end keeps the line busy while someone flushes it and retunes it.
        let agitator = Thread { [master, slave] in
            var chunk = [UInt8](repeating: 0x55, count: 8), sink = [UInt8](repeating: 0, count: 64)
            var t = termios()
            var i = 0
            _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
            while !stop.withLock({ $0 }) {
                _ = write(master, &chunk, 1 + i % 8)
                _ = read(master, &sink, sink.count)
                if i % 3 == 0 {
                    tcgetattr(slave, &t)
                    cfsetspeed(&t, speed_t(i & 4 != 0 ? B115200 : B921600))
                    tcsetattr(slave, TCSANOW, &t)
                }
                if i % 5 == 0 { tcflush(slave, TCIFLUSH) }
                i += 1
                usleep(50)
            }
        }
        agitator.start()
        defer {
            stop.withLock { $0 = true }
            while !agitator.isFinished { usleep(1000) }
            port.close()
            close(master)
            close(slave)
        }
        var received = 0
        let end = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < end {
            received += try port.receive(maxBytes: 64, timeout: .milliseconds(20)).count
        }
        #expect(received > 0, "the line carried nothing: the test exercised nothing")
    }

    @Test func aClosedOtherEndIsAnUnplug() throws {
        var master: Int32 = -1, slave: Int32 = -1
        try #require(openpty(&master, &slave, nil, nil, nil) == 0)
        let port = try SerialPort(path: String(cString: ttyname(slave)), baud: 115_200)
        defer { port.close() }
        close(master)
        close(slave)
        #expect(throws: SerialError.unplugged(path: port.path)) {
            _ = try port.receive(maxBytes: 8, timeout: .milliseconds(500))
        }
    }
}
