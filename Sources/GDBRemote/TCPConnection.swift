#if canImport(Glibc)
import Glibc
#endif

/// A TCP stream to the GDB server. The socket is non-blocking and every wait goes through poll()
/// with a deadline, so no call can hang past the client's timeout; SIGPIPE is avoided per send
/// (MSG_NOSIGNAL) because a stub that dies must become an error, not kill the bench.
final class TCPConnection {
    let host: String
    let port: Int
    private var fd: Int32
    private var scratch = [UInt8](repeating: 0, count: 65536)

    init(host: String, port: Int, timeout: Duration) throws(GDBError) {
        self.host = host
        self.port = port
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM_VALUE)
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .connectionFailed(host: host, port: port, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        let deadline = Deadline(timeout)
        var lastError: Int32 = ECONNREFUSED
        var entry: UnsafeMutablePointer<addrinfo>? = first
        // Try each address the name resolves to (IPv6 and IPv4 for "localhost").
        while let info = entry {
            entry = info.pointee.ai_next
            let candidate = socket(info.pointee.ai_family, Int32(SOCK_STREAM_VALUE), 0)
            guard candidate >= 0 else { lastError = errno; continue }
            _ = fcntl(candidate, F_SETFD, FD_CLOEXEC)  // a spawned QEMU must not inherit it
            _ = fcntl(candidate, F_SETFL, fcntl(candidate, F_GETFL) | O_NONBLOCK)
            let error = Self.connect(candidate, info.pointee.ai_addr, info.pointee.ai_addrlen, deadline)
            if error == 0 {
                fd = candidate
                // Packets are small and each waits for an answer: Nagle would add tens of ms.
                var one: Int32 = 1
                _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return
            }
            Glibc.close(candidate)
            lastError = error
        }
        if lastError == ECONNREFUSED { throw .connectionRefused(host: host, port: port) }
        if lastError == ETIMEDOUT {
            throw .timeout(host: host, port: port, command: "connect", after: timeout)
        }
        throw .connectionFailed(host: host, port: port, reason: String(cString: strerror(lastError)))
    }

    /// Non-blocking connect finished with poll; returns 0 or the errno.
    private static func connect(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>?, _ length: socklen_t,
                                _ deadline: Deadline) -> Int32 {
        if Glibc.connect(fd, address, length) == 0 { return 0 }
        guard errno == EINPROGRESS else { return errno }
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&pfd, 1, milliseconds(until: deadline))
        if ready == 0 { return ETIMEDOUT }
        if ready < 0 { return errno }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 else { return errno }
        return error
    }

    var isOpen: Bool { fd >= 0 }

    func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    deinit { close() }

    /// Sends all of `bytes` before the deadline.
    func send(_ bytes: [UInt8], deadline: Deadline, command: String) throws(GDBError) {
        var sent = 0
        while sent < bytes.count {
            guard fd >= 0 else { throw .connectionClosed(host: host, port: port) }
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                sent += n
                continue
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: try wait(for: Int16(POLLOUT), deadline: deadline, command: command)
            default: throw closedError()
            }
        }
    }

    /// Appends whatever arrives (at least one byte) to `buffer`, waiting until the deadline.
    func receive(into buffer: inout [UInt8], deadline: Deadline, command: String) throws(GDBError) {
        while true {
            guard fd >= 0 else { throw .connectionClosed(host: host, port: port) }
            let n = readAvailable(into: &buffer)
            if n > 0 { return }
            if n == 0 { throw closedError() }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: try wait(for: Int16(POLLIN), deadline: deadline, command: command)
            default: throw closedError()
            }
        }
    }

    /// Appends what is already waiting, without blocking; false when nothing was.
    func receiveIfReady(into buffer: inout [UInt8]) throws(GDBError) -> Bool {
        guard fd >= 0 else { throw .connectionClosed(host: host, port: port) }
        let n = readAvailable(into: &buffer)
        if n > 0 { return true }
        if n == 0 { throw closedError() }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return false }
        throw closedError()
    }

    private func readAvailable(into buffer: inout [UInt8]) -> Int {
        let n = scratch.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 { buffer += scratch[0..<n] }
        return n
    }

    private func wait(for events: Int16, deadline: Deadline, command: String) throws(GDBError) {
        var pfd = pollfd(fd: fd, events: events, revents: 0)
        while true {
            let ms = milliseconds(until: deadline)
            let ready = poll(&pfd, 1, ms)
            if ready > 0 { return }  // readable, writable, or an error the next call reports
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 && ms > 0 { continue }  // rounding: poll woke a little early
            throw .timeout(host: host, port: port, command: command, after: deadline.span)
        }
    }

    /// A peer that vanished (reset, broken pipe, EOF) is reported as closed, which is what it is.
    private func closedError() -> GDBError {
        close()
        return .connectionClosed(host: host, port: port)
    }
}

/// SOCK_STREAM is imported as an enum from Glibc.
private let SOCK_STREAM_VALUE = SOCK_STREAM.rawValue

/// A point in time to give up at, remembering the span it was made from for error messages.
struct Deadline {
    let instant: ContinuousClock.Instant
    let span: Duration

    init(_ span: Duration) {
        self.span = span
        instant = .now + span
    }
}

/// poll()'s timeout for a deadline: at least 0, rounded up so a wait never ends early.
func milliseconds(until deadline: Deadline) -> Int32 {
    let left = ContinuousClock.now.duration(to: deadline.instant)
    if left <= .zero { return 0 }
    let (seconds, attoseconds) = left.components
    let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    return Int32(clamping: ms)
}
