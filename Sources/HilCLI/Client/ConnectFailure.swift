import Foundation
import NIOCore
import NIOPosix

/// Closes a channel when a timeout passes: the simplest way to bound an exchange on NIO's async
/// channel, whose inbound sequence then ends and lets the waiting task go. Re-armed on every chunk
/// of an event stream, it becomes an idle timeout.
final class Deadline: @unchecked Sendable {
    private let channel: any Channel
    private let lock = NSLock()
    private var scheduled: Scheduled<Void>?
    private var didFire = false

    init(channel: any Channel) { self.channel = channel }

    func arm(after timeout: Duration) {
        lock.withLock {
            scheduled?.cancel()
            scheduled = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) { [self] in
                lock.withLock { didFire = true }
                channel.close(promise: nil)
            }
        }
    }

    func cancel() { lock.withLock { scheduled?.cancel(); scheduled = nil } }

    var fired: Bool { lock.withLock { didFire } }
}

/// Words for why a connection could not be made, for `ClientError.unreachable`.
enum ConnectFailure {
    static func reason(_ error: any Error, connectTimeout: Duration) -> String {
        switch error {
        case let error as IOError: return reason(errno: error.errnoCode, fallback: "\(error)")
        case ChannelError.connectTimeout: return "no connection within \(connectTimeout.seconds.formatted()) s"
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first { return reason(first.error, connectTimeout: connectTimeout) }
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "cannot resolve host \(error.host)" }
            return "\(error)"
        case let error as SocketAddressError:
            switch error {
            case .unixDomainSocketPathTooLong: return "the socket path is longer than a Unix socket address allows"
            case .unknown(let host, _): return "cannot resolve host \(host)"
            default: return "\(error)"
            }
        default: return "\(error)"
        }
    }

    static func reason(errno code: Int32, fallback: String) -> String {
        switch code {
        case ENOENT: return "no socket at that path"
        case ECONNREFUSED: return "connection refused: nothing listens there"
        case EACCES, EPERM: return "permission denied: hilctl may not open that socket"
        case ENOTSOCK: return "that path is not a socket"
        case ETIMEDOUT: return "the connection timed out"
        case EHOSTUNREACH, ENETUNREACH: return "no route to that host"
        default: return fallback
        }
    }
}
