import CHarness
import CHilRuntime
import Foundation

/// The C device side (CHarness) in-process, with its memory and hooks: the same code the firmware
/// runs, minus the UART. The owner (VirtualLink) feeds it bytes, calls step, and receives what it
/// writes through `onWrite`.
final class SimulatedDevice {
    struct Config {
        var board = "mock-f746"
        var buildID = "test-build-1"
        var coreClockHz: UInt32 = 216_000_000
        var timer: UInt8 = UInt8(HIL_TIMER_ESTIMATED.rawValue)
        var bootBaud: UInt32 = 115_200
        var maxBaud: UInt32 = 2_000_000
        var cacheFlags: UInt8 = 3
        var inputBufferSize: UInt32 = 4096
        var arenaSize: UInt32 = 8192
        /// Cycles every inference is said to take (estimate_cycles).
        var inferenceCycles: UInt64 = 2_160_000        // 10 ms at 216 MHz
        /// Rates set_baud accepts; nil accepts any up to maxBaud.
        var possibleBauds: Set<UInt32>? = nil
        /// Time inferences (and their layers) with `cycleCounter` as a board does, instead of the
        /// estimate.
        var timed = false
    }

    let config: Config
    private let state: UnsafeMutableRawPointer
    private let region: UnsafeMutableBufferPointer<UInt8>
    private let arena: UnsafeMutableBufferPointer<UInt8>
    private let inputs: UnsafeMutableBufferPointer<UInt8>
    private let board: UnsafeMutablePointer<CChar>
    private let buildID: UnsafeMutablePointer<CChar>
    private var nextBootID: UInt32 = 0x1000

    var onWrite: ([UInt8]) -> Void = { _ in }
    /// Called when the device asks its UART for a new rate; returns whether it could.
    var onSetBaud: (UInt32) -> Bool = { _ in true }
    /// The device's cycle counter (io->cycles), for the baud revert timer.
    var cycleCounter: () -> UInt64 = { 0 }
    /// Called with the cycles of each inference (estimate_cycles), so a clock can charge them.
    var onInference: (UInt64) -> Void = { _ in }

    init(model: [UInt8]?, regionSize: Int = 256 * 1024, config: Config = Config()) {
        self.config = config
        state = .allocate(byteCount: hil_harness_state_size(), alignment: 16)
        region = .allocate(capacity: regionSize)
        region.initialize(repeating: 0xFF)                  // erased flash
        if let model { _ = UnsafeMutableBufferPointer(rebasing: region[0..<model.count]).initialize(from: model) }
        arena = .allocate(capacity: Int(config.arenaSize))
        arena.initialize(repeating: 0)
        inputs = .allocate(capacity: Int(config.inputBufferSize) * 2)
        inputs.initialize(repeating: 0)
        board = strdup(config.board)
        buildID = strdup(config.buildID)
    }

    deinit {
        state.deallocate(); region.deallocate(); arena.deallocate(); inputs.deallocate()
        free(board); free(buildID)
    }

    var harness: OpaquePointer { OpaquePointer(state) }
    var bootID: UInt32 { hil_harness_boot_id(harness) }

    /// Power-on or reset: init, a boot id that differs per reset, start (which sends HELLO).
    func boot() {
        var cfg = hil_harness_config(board: board, build_id: buildID, core_clock_hz: config.coreClockHz,
                                     timer_kind: config.timer, current_baud: config.bootBaud,
                                     max_baud: config.maxBaud, cache_flags: config.cacheFlags)
        var io = hil_harness_io(
            ctx: Unmanaged.passUnretained(self).toOpaque(),
            write: { ctx, data, len in
                guard let ctx, let data else { return }
                let me = Unmanaged<SimulatedDevice>.fromOpaque(ctx).takeUnretainedValue()
                me.onWrite(Array(UnsafeBufferPointer(start: data, count: len)))
            },
            cycles: { ctx in Unmanaged<SimulatedDevice>.fromOpaque(ctx!).takeUnretainedValue().cycleCounter() },
            estimate_cycles: config.timed ? nil : { ctx, _ in
                let me = Unmanaged<SimulatedDevice>.fromOpaque(ctx!).takeUnretainedValue()
                me.onInference(me.config.inferenceCycles)
                return me.config.inferenceCycles
            },
            set_baud: { ctx, baud in
                let me = Unmanaged<SimulatedDevice>.fromOpaque(ctx!).takeUnretainedValue()
                if let possible = me.config.possibleBauds, !possible.contains(baud) { return 1 }
                return me.onSetBaud(baud) ? 0 : 1
            },
            // a profiled inference splits the estimate evenly over the layers
            estimate_layer_cycles: { ctx, model, _ in
                let me = Unmanaged<SimulatedDevice>.fromOpaque(ctx!).takeUnretainedValue()
                return me.config.inferenceCycles / UInt64(max(1, model!.pointee.layer_count))
            },
            stack_peak: nil)
        hil_harness_init(harness, &cfg, &io, region.baseAddress, UInt32(region.count),
                         arena.baseAddress, UInt32(arena.count), inputs.baseAddress, config.inputBufferSize)
        nextBootID &+= 0x101
        hil_harness_set_boot_id(harness, nextBootID)
        hil_harness_start(harness)
    }

    func receive(_ bytes: [UInt8]) { bytes.withUnsafeBufferPointer { hil_harness_receive(harness, $0.baseAddress, $0.count) } }
    func step() -> Bool { hil_harness_step(harness) != 0 }

    var counters: hil_harness_counters {
        var c = hil_harness_counters()
        hil_harness_get_counters(harness, &c)
        return c
    }
    var modelState: hil_model_state { hil_harness_model_state(harness) }
    var modelRegion: UnsafeMutableBufferPointer<UInt8> { region }
}
