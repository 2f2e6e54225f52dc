import CHarness
import CHilRuntime
import Deployer

/// The device's side of the harness protocol: the C code the firmware runs on the board, compiled
/// for the host. Any byte stream from the host must leave it answering with well-formed frames
/// only: a board that garbles its replies under bad input would make the bench blame the line.
enum DeviceFrameTarget {
    static func run(_ data: [UInt8]) -> FuzzTarget.Outcome {
        let sent = replies(to: data)
        var decoder = FrameDecoder(maxPayload: Int(HIL_HARNESS_MAX_PAYLOAD))
        var frames = 0
        for event in decoder.feed(sent) {
            switch event {
            case .frame(let frame):
                frames += 1
                FuzzCheck.require((try? DeviceMessage(frame)) != nil, "the device sent a frame of type \(frame.type) whose payload does not parse")
            case .dropped(let reason, let count):
                FuzzCheck.require(false, "the device sent \(count) bytes that are not a frame (\(reason))")
            }
        }
        FuzzCheck.require(decoder.pendingCount == 0, "the device's last frame is unterminated")
        // HELLO at start is one reply; more means the input reached the protocol.
        return frames > 1 ? .accepted : .rejected
    }

    /// Everything the device sends while it is fed `data` (in FrameStream's form).
    static func replies(to data: [UInt8]) -> [UInt8] {
        let stream = FrameStream(data)
        let device = DeviceUnderTest()
        device.start()
        for chunk in stream.chunks {
            device.receive(Array(chunk))
            // Main-loop turns until idle; bounded, since a flood of requests may keep it busy.
            for _ in 0..<32 where device.step() {}
        }
        for _ in 0..<64 where device.step() {}
        return device.sent
    }

    /// The 144-byte example model of docs/model-format.md ("ex": 2x2x1 in, 4 classes).
    static let exampleModel: [UInt8] = [
        0x48, 0x49, 0x4C, 0x4D, 0x01, 0x00, 0x48, 0x00, 0x90, 0x00, 0x00, 0x00, 0x5A, 0x44, 0x09, 0x9A,
        0x04, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x02, 0x00, 0x02, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x80, 0x3F, 0x01, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x80, 0x3E, 0xFD, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x02, 0x00, 0x48, 0x00, 0x00, 0x00,
        0x4A, 0x00, 0x00, 0x00, 0x58, 0x00, 0x00, 0x00, 0x65, 0x78, 0x01, 0x00, 0x61, 0x01, 0x00, 0x62,
        0x01, 0x00, 0x63, 0x01, 0x00, 0x64, 0x00, 0x00, 0x01, 0x00, 0x80, 0x7F, 0x38, 0x00, 0x00, 0x00,
        0x02, 0x00, 0x02, 0x00, 0x01, 0x00, 0x02, 0x00, 0x02, 0x00, 0x01, 0x00, 0xFD, 0xFF, 0xFF, 0xFF,
        0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0xFF, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
    ]
}

/// One harness instance with its buffers, the model region holding `exampleModel`.
private final class DeviceUnderTest {
    private let state: UnsafeMutableRawPointer
    private let model: UnsafeMutableBufferPointer<UInt8>
    private let arena: UnsafeMutableBufferPointer<UInt8>
    private let inputs: UnsafeMutableBufferPointer<UInt8>
    private var io = hil_harness_io()
    private var config = hil_harness_config()
    private let names = UnsafeMutablePointer<CChar>.allocate(capacity: 16)
    fileprivate(set) var sent: [UInt8] = []

    init() {
        state = .allocate(byteCount: hil_harness_state_size(), alignment: 16)
        state.initializeMemory(as: UInt8.self, repeating: 0, count: hil_harness_state_size())
        model = .allocate(capacity: DeviceFrameTarget.exampleModel.count)
        _ = model.initialize(from: DeviceFrameTarget.exampleModel)
        arena = .allocate(capacity: 64)
        arena.initialize(repeating: 0)
        inputs = .allocate(capacity: 2 * 4)
        inputs.initialize(repeating: 0)
        names.initialize(repeating: 0, count: 16)
        for (i, c) in "fuzz".utf8.enumerated() { names[i] = CChar(bitPattern: c) }
        config.board = UnsafePointer(names)
        config.build_id = UnsafePointer(names)
        config.core_clock_hz = 216_000_000
        config.timer_kind = UInt8(HIL_TIMER_ESTIMATED.rawValue)
        config.current_baud = 115_200
        config.max_baud = 2_000_000
        io.ctx = Unmanaged.passUnretained(self).toOpaque()
        io.write = { ctx, data, len in
            guard let ctx, let data else { return }
            Unmanaged<DeviceUnderTest>.fromOpaque(ctx).takeUnretainedValue().sent += UnsafeBufferPointer(start: data, count: len)
        }
        io.estimate_cycles = { _, _ in 1000 }
        io.estimate_layer_cycles = { _, _, _ in 100 }
        io.set_baud = { _, baud in baud <= 2_000_000 ? 0 : 1 }
        hil_harness_init(OpaquePointer(state), &config, &io, model.baseAddress, UInt32(model.count),
                         arena.baseAddress, UInt32(arena.count), inputs.baseAddress, 4)
    }

    deinit {
        state.deallocate(); model.deallocate(); arena.deallocate(); inputs.deallocate(); names.deallocate()
    }

    func start() {
        // A fixed boot id (the firmware takes one from the RNG) keeps the replies reproducible.
        hil_harness_set_boot_id(OpaquePointer(state), 0x4855_5A5A)
        hil_harness_start(OpaquePointer(state))
    }
    func receive(_ bytes: [UInt8]) { bytes.withUnsafeBufferPointer { hil_harness_receive(OpaquePointer(state), $0.baseAddress, $0.count) } }
    func step() -> Bool { hil_harness_step(OpaquePointer(state)) != 0 }
}
