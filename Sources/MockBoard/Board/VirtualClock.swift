import Foundation
import STLink

/// Time on the mock board. Nothing here waits for real: the emulated USB, SWD and flash controller
/// move it forward by what their work would take, and a driver's `sleep(for:)` moves it forward by
/// the time asked for. So a 2-second sector erase costs no wall time, and every run of a test sees
/// the same instants.
///
/// A lock guards the value because `HostClock` is `Sendable`: a progress reporter on another task
/// may read `now` while the driver's task advances it.
public final class VirtualClock: HostClock, @unchecked Sendable {
    private let lock = NSLock()
    private var elapsed: Duration = .zero

    public init() {}

    public var now: Duration {
        lock.lock()
        defer { lock.unlock() }
        return elapsed
    }

    /// A driver sleeping lets that much virtual time pass, instantly.
    public func sleep(for duration: Duration) {
        advance(by: duration)
    }

    /// Moves time forward; negative or zero durations change nothing (time never runs backwards).
    public func advance(by duration: Duration) {
        guard duration > .zero else { return }
        lock.lock()
        elapsed += duration
        lock.unlock()
    }

    /// Moves time forward to `instant` if it lies ahead; used where the bus stalls until the flash
    /// controller's BSY clears.
    func advance(to instant: Duration) {
        lock.lock()
        if instant > elapsed { elapsed = instant }
        lock.unlock()
    }
}
