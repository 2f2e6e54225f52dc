// The hot-plug half of discovery: a libudev monitor on the "udev" netlink group (events after
// udevd's rules ran, so ID_SERIAL_SHORT and friends are present), read by one poll()-based thread.
import CUdev
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public final class UdevMonitor: Sendable {
    /// ST-LINK probes (usb/usb_device) and their virtual COM ports (any tty).
    public static let defaultFilters: [(subsystem: String, devtype: String?)] = [
        (subsystem: "usb", devtype: "usb_device"),
        (subsystem: "tty", devtype: nil),
    ]

    private let core: MonitorCore

    /// Opens and binds the monitor now, so events from this moment on are queued in the socket
    /// even before `events()` is first called; errors surface here, not in the stream.
    public init(filters: [(subsystem: String, devtype: String?)] = UdevMonitor.defaultFilters) throws(DiscoveryError) {
        core = try MonitorCore(filters: filters)
    }

    deinit { core.stop() }

    /// The devices present now (udev_enumerate) that pass the filters, action `.existing`.
    /// Call after `init` and before consuming `events()` to miss nothing: a device that appears in
    /// between shows up in both, which ProbeTracker treats as the same device.
    public func enumerate() -> [UdevDevice] {
        UdevEnumeration.scan(filters: core.filters)
    }

    /// Hot-plug events as they arrive. Each call returns a new stream that gets every later event;
    /// all streams finish when `stop()` is called (or at once, if it already was).
    public func events() -> AsyncStream<UdevDevice> {
        core.subscribe()
    }

    /// Ends the reader thread and finishes every stream; returns without waiting for the thread.
    public func stop() {
        core.stop()
    }
}

/// The state shared by the public handle and the reader thread. The thread holds a strong
/// reference, so the libudev objects outlive it however the handle is dropped.
final class MonitorCore: @unchecked Sendable {  // unchecked: pointers are touched only by the reader, or under `state` while idle
    let filters: [(subsystem: String, devtype: String?)]
    private let udev: OpaquePointer
    private var monitor: OpaquePointer?
    private let monitorFD: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32

    private enum Phase { case idle, running, stopped }
    private struct State {
        var phase = Phase.idle
        var consumers: [UInt64: AsyncStream<UdevDevice>.Continuation] = [:]
        var nextID: UInt64 = 0
    }
    private let state = Mutex(State())

    init(filters: [(subsystem: String, devtype: String?)]) throws(DiscoveryError) {
        self.filters = filters
        guard let udev = udev_new() else {
            let code = errno
            throw DiscoveryError(.udevContext, errno: code,
                "cannot create a libudev context: \(errnoText(code)); check that libudev1 is installed and memory is available")
        }
        errno = 0
        guard let monitor = udev_monitor_new_from_netlink(udev, "udev") else {
            let code = errno
            udev_unref(udev)
            throw .monitorOpen(code)
        }
        func fail(_ error: DiscoveryError) -> DiscoveryError {
            udev_monitor_unref(monitor)
            udev_unref(udev)
            return error
        }
        for filter in filters {
            let r = udev_monitor_filter_add_match_subsystem_devtype(monitor, filter.subsystem, filter.devtype)
            if r < 0 {
                throw fail(DiscoveryError(.monitorFilter, errno: -r,
                    "cannot add the udev monitor filter \(filter.subsystem)/\(filter.devtype ?? "*"): \(errnoText(-r)); check the filter names"))
            }
        }
        // Hot-plug is bursty (a hub with four probes is dozens of events); a larger queue makes
        // ENOBUFS less likely. Capped by net.core.rmem_max without privilege; failure is harmless.
        _ = udev_monitor_set_receive_buffer_size(monitor, 1 << 20)
        let r = udev_monitor_enable_receiving(monitor)
        if r < 0 {
            throw fail(DiscoveryError(.monitorStart, errno: -r,
                "cannot start the udev monitor (BPF filter or bind on the netlink socket): \(errnoText(-r)); "
                + "a sandbox may forbid SO_ATTACH_FILTER or binding netlink sockets: allow them for hild"))
        }
        var pipeFDs: [Int32] = [-1, -1]
        // pipe2 is hidden behind _GNU_SOURCE in Swift's Glibc; pipe + fcntl does the same here,
        // since no other thread of ours forks between the two calls.
        if pipe(&pipeFDs) != 0 {
            let code = errno
            throw fail(DiscoveryError(.wakePipe, errno: code,
                "cannot create the wake pipe for the udev reader: \(errnoText(code)); raise the open-file limit (ulimit -n)"))
        }
        for fd in pipeFDs {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }
        self.udev = udev
        self.monitor = monitor
        self.monitorFD = udev_monitor_get_fd(monitor)
        self.wakeRead = pipeFDs[0]
        self.wakeWrite = pipeFDs[1]
    }

    deinit {
        if let monitor { udev_monitor_unref(monitor) }
        udev_unref(udev)
        close(wakeRead)
        close(wakeWrite)
    }

    func subscribe() -> AsyncStream<UdevDevice> {
        // Unbounded: events are rare, and dropping a `remove` would leave a ghost probe.
        let (stream, continuation) = AsyncStream.makeStream(of: UdevDevice.self, bufferingPolicy: .unbounded)
        enum Outcome { case alreadyStopped, subscribed, subscribedFirst }
        let outcome: Outcome = state.withLock { s in
            if s.phase == .stopped { return .alreadyStopped }
            let id = s.nextID
            s.nextID += 1
            s.consumers[id] = continuation
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.consumers.removeValue(forKey: id) }
            }
            guard s.phase == .idle else { return .subscribed }
            s.phase = .running
            return .subscribedFirst
        }
        switch outcome {
        case .alreadyStopped: continuation.finish()
        case .subscribed: break
        case .subscribedFirst: ReaderThread.start { self.run() }
        }
        return stream
    }

    func stop() {
        let consumers: [AsyncStream<UdevDevice>.Continuation] = state.withLock { s in
            switch s.phase {
            case .stopped: return []
            case .idle:
                // No reader owns the monitor: close it now so the kernel stops queueing for us.
                if let monitor = self.monitor { udev_monitor_unref(monitor) }
                self.monitor = nil
            case .running:
                var one: UInt8 = 1
                _ = write(wakeWrite, &one, 1)
            }
            s.phase = .stopped
            defer { s.consumers = [:] }
            return Array(s.consumers.values)
        }
        for c in consumers { c.finish() }
    }

    /// The reader: sleeps in poll() on the monitor socket and the wake pipe, never spins.
    private func run() {
        guard let monitor else { return }
        var fds = [
            pollfd(fd: monitorFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            fds[0].revents = 0
            fds[1].revents = 0
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            if fds[1].revents != 0 || fds[0].revents & Int16(POLLNVAL) != 0 { break }
            // POLLERR too: after a queue overflow (ENOBUFS) the next receive clears the error.
            if fds[0].revents & Int16(POLLIN | POLLERR) != 0 { drain(monitor) }
        }
        state.withLock { _ in
            udev_monitor_unref(monitor)
            self.monitor = nil
        }
    }

    /// Receives every queued event; libudev's socket is non-blocking, so NULL means "queue empty"
    /// (or a message libudev rejected: wrong sender, bad magic, filtered out).
    private func drain(_ monitor: OpaquePointer) {
        while let device = udev_monitor_receive_device(monitor) {
            let read = LibUdevDevice.read(device)
            udev_device_unref(device)
            guard let read, UdevEnumeration.matches(read, filters) else { continue }
            let consumers = state.withLock { Array($0.consumers.values) }
            for c in consumers { c.yield(read) }
        }
    }
}
