import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child's stdout and stderr, drained by one thread per pipe so the child never blocks on a
/// full pipe (QEMU prints warnings, semihosting output, monitor chatter), and kept in part:
/// the most recent 64 KB of each, for the pty line and for error reports.
final class OutputCapture: @unchecked Sendable {
    enum Stream: Int { case stdout = 0, stderr = 1 }

    private let condition = NSCondition()
    private var texts = ["", ""]
    private var open = 2
    private let limit = 65536

    /// Takes ownership of the read ends of the two pipes; each is closed at end of file.
    init(stdout: Int32, stderr: Int32) {
        for (index, fd) in [stdout, stderr].enumerated() {
            let thread = Thread { [self] in drain(fd, into: index) }
            thread.name = "qemu-output-\(index)"
            thread.start()
        }
    }

    private func drain(_ fd: Int32, into index: Int) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            condition.lock()
            texts[index] += String(decoding: buffer[0..<n], as: UTF8.self)
            if texts[index].utf8.count > limit { texts[index] = String(texts[index].suffix(limit / 2)) }
            condition.broadcast()
            condition.unlock()
        }
        close(fd)
        condition.lock()
        open -= 1
        condition.broadcast()
        condition.unlock()
    }

    func text(_ stream: Stream) -> String {
        condition.lock()
        defer { condition.unlock() }
        return texts[stream.rawValue]
    }

    /// The last `lines` lines of a stream, for error messages.
    func tail(_ stream: Stream, lines: Int = 12) -> String {
        text(stream).split(separator: "\n", omittingEmptySubsequences: true).suffix(lines).joined(separator: "\n")
    }

    /// Waits until `match` finds something in stdout + stderr, both pipes close, or the
    /// deadline passes; returns the match, if any.
    func wait<T>(until deadline: ContinuousClock.Instant, for match: (String) -> T?) -> T? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let found = match(texts[0] + "\n" + texts[1]) { return found }
            guard open > 0 else { return nil }
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return nil }
            let (seconds, attoseconds) = left.components
            _ = condition.wait(until: Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) / 1e18))
        }
    }

    /// Waits (bounded) for both pipes to reach end of file, so the tails are complete.
    func waitForEnd(timeout: Duration) {
        let deadline = ContinuousClock.now + timeout
        _ = wait(until: deadline) { _ in self.open == 0 ? true : nil }
    }
}
