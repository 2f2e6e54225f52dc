// Errors of the udev watcher, as values that say what failed and what to do about it.
#if canImport(Glibc)
import Glibc
#endif

public struct DiscoveryError: Error, Sendable, CustomStringConvertible {
    /// The step that failed; lets the daemon react (e.g. run without hot-plug) without parsing text.
    public enum Operation: String, Sendable {
        case udevContext, monitorOpen, monitorFilter, monitorStart, wakePipe
        case broadcastSocket, broadcastPrivilege, broadcastSend, invalidDevice
    }

    public var operation: Operation
    /// The errno the kernel or libudev reported, when there was one.
    public var errno: Int32?
    public var message: String
    public var description: String { message }

    /// True when the kernel refused for lack of privilege (EPERM/EACCES), as opposed to a real fault.
    public var isPermissionDenied: Bool {
        operation == .broadcastPrivilege || errno == EPERM || errno == EACCES
    }

    public init(_ operation: Operation, errno: Int32? = nil, _ message: String) {
        self.operation = operation
        self.errno = errno
        self.message = message
    }
}

/// strerror(3) text for an errno, e.g. "Operation not permitted (EPERM=1)".
func errnoText(_ code: Int32) -> String {
    let text = strerror(code).map { String(cString: $0) } ?? "error"
    return "\(text) (errno \(code))"
}

extension DiscoveryError {
    static func monitorOpen(_ code: Int32) -> DiscoveryError {
        // Receiving uevent multicasts needs no capability (NETLINK_KOBJECT_UEVENT allows
        // non-root receive), so a failure here is a sandbox or resource limit, not a missing group.
        DiscoveryError(.monitorOpen, errno: code,
            "cannot open a udev monitor on netlink (NETLINK_KOBJECT_UEVENT, group \"udev\"): \(errnoText(code)); "
            + "receiving udev events needs no privilege, so this usually means a sandbox forbids AF_NETLINK sockets "
            + "(seccomp, RestrictAddressFamilies= in the systemd unit, a container) or the process ran out of file descriptors: "
            + "allow AF_NETLINK for hild, or run it without hot-plug (devices only from the initial enumeration)")
    }
}
