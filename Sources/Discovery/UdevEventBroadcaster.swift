// Sends a udev event the way systemd-udevd does after its rules ran, so the real libudev monitor
// (ours, and any other on the machine) receives it: hot-plug tests and simulations without USB.
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Process-wide, so events from several broadcasters never share a SEQNUM.
private let nextSeqnum = Atomic<UInt64>(1)

public struct UdevEventBroadcaster: Sendable {
    /// The kernel's uevent netlink protocol (linux/netlink.h), and udevd's multicast group.
    static let netlinkKobjectUevent: Int32 = 15
    static let udevGroup: UInt32 = 2

    /// Checks up front what would make every send fail or be ignored.
    public init() throws(DiscoveryError) {
        // The kernel attaches the sender's real uid to each netlink message, and libudev drops
        // any "udev" group message whose sender is not uid 0; CAP_NET_ADMIN alone lets the send
        // succeed, but no monitor would accept it.
        let uid = getuid()
        guard uid == 0 else {
            throw DiscoveryError(.broadcastPrivilege, errno: EPERM,
                "cannot broadcast udev events as uid \(uid): libudev monitors ignore udev messages from a sender that is not uid 0; run as root")
        }
        let fd = try Self.openSocket()
        close(fd)
    }

    /// Broadcasts `device` to the "udev" group. Its action must be a real udev action (not
    /// `.existing`); SEQNUM and USEC_INITIALIZED are filled in unless given in `properties`.
    public func send(_ device: UdevDevice) throws(DiscoveryError) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let usec = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        let seqnum = nextSeqnum.wrappingAdd(1, ordering: .relaxed).oldValue
        let message = try UdevMessage.encode(device, seqnum: seqnum, usecInitialized: usec)

        let fd = try Self.openSocket()
        defer { close(fd) }
        // struct sockaddr_nl by hand (family, pad, pid, groups): pid 0 is "the kernel / multicast",
        // the group is udevd's. Our own port id is assigned by the kernel on first send.
        var address = NetlinkAddress(family: sa_family_t(AF_NETLINK), pad: 0, pid: 0, groups: Self.udevGroup)
        let sent = message.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<NetlinkAddress>.size))
                }
            }
        }
        if sent < 0 {
            let code = errno
            // Like udevd: the multicast copy went out; ECONNREFUSED is the kernel's unicast copy
            // to port 0 finding nobody, which is expected.
            if code == ECONNREFUSED { return }
            if code == EPERM || code == EACCES {
                throw DiscoveryError(.broadcastPrivilege, errno: code,
                    "the kernel refused to send to the udev netlink multicast group: \(errnoText(code)); "
                    + "sending to a uevent group needs CAP_NET_ADMIN (and uid 0 for libudev to accept it): run as root")
            }
            throw DiscoveryError(.broadcastSend, errno: code,
                "cannot send the udev event for \(device.devpath) on netlink: \(errnoText(code))")
        }
    }

    private static func openSocket() throws(DiscoveryError) -> Int32 {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkKobjectUevent)
        guard fd >= 0 else {
            let code = errno
            throw DiscoveryError(.broadcastSocket, errno: code,
                "cannot open a NETLINK_KOBJECT_UEVENT socket to broadcast udev events: \(errnoText(code)); "
                + "a sandbox may forbid AF_NETLINK sockets: allow them")
        }
        return fd
    }
}

/// Linux struct sockaddr_nl, declared here so we need not import linux/netlink.h.
private struct NetlinkAddress {
    var family: sa_family_t
    var pad: UInt16
    var pid: UInt32
    var groups: UInt32
}
