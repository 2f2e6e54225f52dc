import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A connected TCP socket with blocking, whole-message reads and writes: what both ends of a
/// USB/IP connection need. `shutdown()` may be called from any thread and wakes a blocked read;
/// the descriptor itself is closed when the object goes, so it is never reused under a reader.
public final class TCPSocket: @unchecked Sendable {
    private let fd: Int32
    /// "HOST:PORT" of the other end, for messages.
    public let peer: String
    private let lock = NSLock()
    private var isShut = false

    init(fd: Int32, peer: String) {
        self.fd = fd
        self.peer = peer
        var one: Int32 = 1
        // Every URB is a small request waiting for its answer: Nagle would hold each for an ACK.
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { Glibc.close(fd) }

    /// Connects to `host:port`, trying each address the name resolves to, within `timeout` each.
    public static func connect(host: String, port: Int, timeout: Duration = .seconds(5)) throws(SocketError) -> TCPSocket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw .unresolved(host: host, reason: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(first) }
        var lastError = "no address"
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cursor {
            cursor = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { lastError = String(cString: strerror(errno)); continue }
            if let problem = connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen, timeout: timeout) {
                lastError = problem
                Glibc.close(fd)
                continue
            }
            return TCPSocket(fd: fd, peer: "\(host):\(port)")
        }
        throw .unreachable(server: "\(host):\(port)", reason: lastError)
    }

    /// A non-blocking connect bounded by `timeout`, then back to blocking; nil on success.
    private static func connect(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: socklen_t, timeout: Duration) -> String? {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(fd, F_SETFL, flags) }
        if Glibc.connect(fd, address, length) == 0 { return nil }
        guard errno == EINPROGRESS else { return String(cString: strerror(errno)) }
        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&p, 1, milliseconds(timeout))
        if ready == 0 { return "no answer within \(timeout)" }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
        return error == 0 ? nil : String(cString: strerror(error))
    }

    /// Reads exactly `count` bytes; throws `.closed` when the peer ends the stream first.
    public func read(exactly count: Int) throws(SocketError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
            if n > 0 { got += n; continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { throw .timedOut(peer: peer) }
            throw n == 0 || shut ? .closed(peer: peer) : .io(peer: peer, reason: String(cString: strerror(errno)))
        }
        return buffer
    }

    /// Bounds every later read (nil: wait for ever); a read that times out throws `.timedOut`.
    public func setReadTimeout(_ timeout: Duration?) {
        let ms = timeout.map { max(1, Int(milliseconds($0))) } ?? 0
        var tv = timeval(tv_sec: ms / 1000, tv_usec: (ms % 1000) * 1000)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes every byte (never raising SIGPIPE on a closed peer).
    public func write(_ bytes: [UInt8]) throws(SocketError) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n; continue }
            if n < 0 && errno == EINTR { continue }
            throw shut || errno == EPIPE || errno == ECONNRESET ? .closed(peer: peer) : .io(peer: peer, reason: String(cString: strerror(errno)))
        }
    }

    /// Ends the connection both ways; a blocked read returns. Safe to call more than once.
    public func shutdown() {
        lock.withLock { isShut = true }
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    private var shut: Bool { lock.withLock { isShut } }
}

/// A listening TCP socket.
public final class TCPListener: @unchecked Sendable {
    private let fd: Int32
    /// The port actually bound (useful when asked for port 0).
    public let port: Int

    public init(host: String, port: Int, backlog: Int32 = 16) throws(SocketError) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let ai = list else { throw .unresolved(host: host, reason: String(cString: gai_strerror(rc))) }
        defer { freeaddrinfo(ai) }
        let fd = socket(ai.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .cannotListen(address: "\(host):\(port)", reason: String(cString: strerror(errno))) }
        var one: Int32 = 1
        // A server restarted on its well-known port must not wait out TIME_WAIT.
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0, listen(fd, backlog) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw .cannotListen(address: "\(host):\(port)", reason: reason)
        }
        var storage = sockaddr_storage()
        var size = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) } }
        self.port = Int(withUnsafeBytes(of: &storage) { raw -> UInt16 in
            // sin_port and sin6_port sit at the same offset, in network order.
            UInt16(raw[2]) << 8 | UInt16(raw[3])
        })
        self.fd = fd
    }

    deinit { Glibc.close(fd) }

    /// The next connection, or nil once `shutdown()` was called.
    public func accept() -> TCPSocket? {
        while true {
            var storage = sockaddr_storage()
            var size = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let client = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(fd, $0, &size) }
            }
            if client >= 0 {
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                return TCPSocket(fd: client, peer: Self.describe(&storage))
            }
            if errno == EINTR || errno == ECONNABORTED { continue }
            return nil
        }
    }

    /// Stops accepting: a blocked `accept()` returns nil.
    public func shutdown() { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }

    private static func describe(_ storage: inout sockaddr_storage) -> String {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST)), service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &host, socklen_t(host.count), &service, socklen_t(service.count), NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        func text(_ c: [CChar]) -> String { String(decoding: c.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return rc == 0 ? "\(text(host)):\(text(service))" : "?"
    }
}

/// A socket problem, naming the other end.
public enum SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    case unresolved(host: String, reason: String)
    case unreachable(server: String, reason: String)
    case cannotListen(address: String, reason: String)
    case closed(peer: String)
    case timedOut(peer: String)
    case io(peer: String, reason: String)

    public var description: String {
        switch self {
        case let .unresolved(host, reason): return "cannot resolve host '\(host)': \(reason)"
        case let .unreachable(server, reason): return "cannot connect to \(server): \(reason)"
        case let .cannotListen(address, reason): return "cannot listen on \(address): \(reason)"
        case let .closed(peer): return "the connection with \(peer) was closed"
        case let .timedOut(peer): return "\(peer) sent nothing in time"
        case let .io(peer, reason): return "the connection with \(peer) failed: \(reason)"
        }
    }
}

/// Whole milliseconds for poll(2), clamped to what it takes.
func milliseconds(_ d: Duration) -> Int32 {
    let (seconds, atto) = d.components
    return Int32(clamping: seconds * 1000 + atto / 1_000_000_000_000_000)
}
