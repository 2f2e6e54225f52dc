import Foundation

/// Time for the driver's timeouts, back-offs and progress rates.
///
/// The driver only ever asks "how long since I started" and "let this much time pass". A real probe
/// answers with the host's monotonic clock; the mock board with its virtual clock, where sleeping
/// advances time instantly, so a 2-second sector erase costs no wall time in a test.
public protocol HostClock: AnyObject, Sendable {
    /// Monotonic time since an arbitrary origin fixed for this clock.
    var now: Duration { get }
    /// Lets `duration` pass.
    func sleep(for duration: Duration)
}

/// The host's monotonic clock.
public final class SystemClock: HostClock {
    private let origin = ContinuousClock.now
    public init() {}
    public var now: Duration { ContinuousClock.now - origin }
    public func sleep(for duration: Duration) {
        guard duration > .zero else { return }
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}

extension Duration {
    /// Seconds as a Double, for rates and reports.
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
