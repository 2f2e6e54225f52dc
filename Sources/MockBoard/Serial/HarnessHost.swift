import CHarness
import CHilRuntime
import Foundation

/// The device side of the harness protocol, the very C code the firmware runs, hosted in this
/// process: its memory (state, model region, arena, two input buffers) and its I/O hooks.
/// Driven from one thread (the mock UART's), so receive and step never overlap.
final class HarnessHost {
    private let state: UnsafeMutableRawPointer
    private let modelRegion: UnsafeMutableBufferPointer<UInt8>
    private let arena: UnsafeMutableBufferPointer<UInt8>
    private let inputs: UnsafeMutableBufferPointer<UInt8>
    private var io = hil_harness_io()
    private var config = hil_harness_config()
    private let board: UnsafeMutablePointer<CChar>
    private let buildID: UnsafeMutablePointer<CChar>

    /// Bytes the harness sends towards the host.
    var onWrite: ([UInt8]) -> Void = { _ in }
    /// The harness asks for another UART rate; return whether the board can do it.
    var onSetBaud: (Int) -> Bool = { _ in false }
    /// The cycles of one inference, and that one ran: the UART uses it to hold the result back for
    /// as long as the inference would take on the board.
    var onEstimate: (UInt64) -> Void = { _ in }
    let costModel: CortexM7CostModel

    init(board: String, buildID: String, coreClockHz: UInt32, baud: Int, maxBaud: Int,
         model: [UInt8], arenaSize: Int, inputBufferSize: Int, costModel: CortexM7CostModel) {
        self.costModel = costModel
        state = UnsafeMutableRawPointer.allocate(byteCount: hil_harness_state_size(), alignment: 16)
        state.initializeMemory(as: UInt8.self, repeating: 0, count: hil_harness_state_size())
        modelRegion = .allocate(capacity: max(1, model.count))
        _ = modelRegion.initialize(from: model)
        arena = .allocate(capacity: max(1, arenaSize))
        arena.initialize(repeating: 0)
        inputs = .allocate(capacity: max(1, inputBufferSize * 2))
        inputs.initialize(repeating: 0)
        self.board = strdup(board)
        self.buildID = strdup(buildID)

        config.board = UnsafePointer(self.board)
        config.build_id = UnsafePointer(self.buildID)
        config.core_clock_hz = coreClockHz
        config.timer_kind = UInt8(HIL_TIMER_ESTIMATED.rawValue)
        config.current_baud = UInt32(baud)
        config.max_baud = UInt32(maxBaud)
        config.cache_flags = 0x7     // the modelled board runs with I-cache, D-cache and ART on

        io.ctx = Unmanaged.passUnretained(self).toOpaque()
        io.write = { ctx, data, len in
            guard let ctx, let data else { return }
            let host = Unmanaged<HarnessHost>.fromOpaque(ctx).takeUnretainedValue()
            host.onWrite(Array(UnsafeBufferPointer(start: data, count: len)))
        }
        io.cycles = nil
        io.estimate_cycles = { ctx, model in
            guard let ctx, let model else { return 0 }
            let host = Unmanaged<HarnessHost>.fromOpaque(ctx).takeUnretainedValue()
            let cycles = host.costModel.cycles(of: model)
            host.onEstimate(cycles)
            return cycles
        }
        io.estimate_layer_cycles = { ctx, model, layer in
            guard let ctx, let model else { return 0 }
            let host = Unmanaged<HarnessHost>.fromOpaque(ctx).takeUnretainedValue()
            var info = hil_layer_info()
            guard hil_model_layer_info(model, layer, &info) == HIL_OK else { return 0 }
            return UInt64(host.costModel.cycles(of: info).rounded())
        }
        io.stack_peak = nil                  // the host's stack says nothing about the board's
        io.set_baud = { ctx, baud in
            guard let ctx else { return 1 }
            let host = Unmanaged<HarnessHost>.fromOpaque(ctx).takeUnretainedValue()
            return host.onSetBaud(Int(baud)) ? 0 : 1
        }
        hil_harness_init(OpaquePointer(state), &config, &io,
                         modelRegion.baseAddress, UInt32(model.count),
                         arena.baseAddress, UInt32(arenaSize),
                         inputs.baseAddress, UInt32(inputBufferSize))
    }

    deinit {
        state.deallocate()
        modelRegion.deallocate()
        arena.deallocate()
        inputs.deallocate()
        free(board)
        free(buildID)
    }

    func start() { hil_harness_start(OpaquePointer(state)) }

    func receive(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { hil_harness_receive(OpaquePointer(state), $0.baseAddress, $0.count) }
    }

    @discardableResult
    func step() -> Bool { hil_harness_step(OpaquePointer(state)) != 0 }
}
