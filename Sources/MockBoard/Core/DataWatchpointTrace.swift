/// The DWT's cycle counter and lock (ARMv7-M C1.8, Cortex-M7 TRM; CoreSight lock access).
///
/// CYCCNT counts core cycles only while DEMCR.TRCENA and DWT_CTRL.CYCCNTENA are both set. On
/// the Cortex-M7 the DWT also has a software lock: until the core writes the key 0xC5ACCE55 to
/// DWT_LAR, its own writes to the DWT are ignored, so firmware that skips the unlock reads a
/// CYCCNT of 0 forever (zephyr #30322). A debugger's accesses through the AHB-AP are not subject
/// to the lock. The 4 comparators are storage only: no watchpoint halts yet.
final class DataWatchpointTrace {
    static let base: UInt32 = 0xE000_1000
    static let span: ClosedRange<UInt32> = 0xE000_1000...0xE000_1FFF
    static let key: UInt32 = 0xC5AC_CE55
    static let comparators: UInt32 = 4

    private let clock: CoreClock
    private let traceEnabled: () -> Bool
    private var ctrl: UInt32 = 0
    private var locked = true
    /// CYCCNT's value at `since` (cycles), counting from there while enabled.
    private var counted: UInt32 = 0
    private var since: UInt64 = 0
    private var counting = false
    private var storage: [UInt32: UInt32] = [:]

    init(clock: CoreClock, traceEnabled: @escaping () -> Bool) {
        self.clock = clock
        self.traceEnabled = traceEnabled
    }

    func reset() {
        ctrl = 0; locked = true; counted = 0; since = clock.cycles; counting = false; storage = [:]
    }

    var cycleCount: UInt32 {
        guard counting else { return counted }
        return counted &+ UInt32(truncatingIfNeeded: clock.cycles - since)
    }

    /// Call when TRCENA may have changed (DEMCR written).
    func refresh() {
        let shouldCount = traceEnabled() && ctrl & 1 != 0
        if shouldCount != counting {
            counted = cycleCount
            since = clock.cycles
            counting = shouldCount
        }
    }

    func read(address: UInt32) -> UInt32 {
        switch address - DataWatchpointTrace.base {
        case 0x000: return (DataWatchpointTrace.comparators << 28) | ctrl
        case 0x004: return cycleCount
        case 0xFB4: return locked ? 0x3 : 0x1           // LSR: lock implemented, and whether locked
        case 0xFB0: return 0
        default: return storage[address] ?? 0
        }
    }

    func write(address: UInt32, value: UInt32, mask: UInt32, fromCore: Bool) {
        let offset = address - DataWatchpointTrace.base
        if offset == 0xFB0 {
            if fromCore { locked = value & mask != DataWatchpointTrace.key }
            return
        }
        if fromCore && locked { return }
        switch offset {
        case 0x000:
            ctrl = ctrl.merged(value, mask: mask) & 0x0FFF_FFFF
            refresh()
        case 0x004:
            counted = cycleCount.merged(value, mask: mask)
            since = clock.cycles
        default: storage[address] = (storage[address] ?? 0).merged(value, mask: mask)
        }
    }
}
