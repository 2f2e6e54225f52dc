import CHarness
import CHilRuntime
import Testing
@testable import Deployer

/// LAYER_PROFILE (docs/harness-protocol.md §4.8): a profiled INFER is answered by the cycles of
/// each layer, the arena and stack peaks, then the RESULT; an INFER without the flag is answered
/// as in protocol 1, byte for byte.
@Suite struct LayerProfileFrameTests {
    /// Two layers: a 1×1 convolution wide enough for a 20 KB arena, an average pool, a dense layer.
    static let blob = TestModel.blob(arenaBytes: 6000)
    static let input = distinctInputs(1)[0].input

    func upload(_ console: DeviceConsole, profile: Bool, sample: UInt32 = 7) -> [Frame] {
        for offset in stride(from: 0, to: Self.input.count, by: 1024) {
            _ = console.send(.input(slot: 0, sample: sample, offset: UInt32(offset),
                                    data: Array(Self.input[offset..<min(offset + 1024, Self.input.count)])))
        }
        console.device.receive(HostMessage.infer(slot: 0, sample: sample, profile: profile).frame(seq: 99).wireBytes)
        while console.device.step() {}
        defer { console.frames = [] }
        return console.frames
    }

    @Test func theFrameCarriesEveryLayerBeforeTheResult() throws {
        var config = SimulatedDevice.Config()
        config.inferenceCycles = 3_000_000
        let console = DeviceConsole(model: Self.blob, config: config)
        _ = console.take()
        let frames = upload(console, profile: true)
        #expect(frames.map(\.type) == [FrameType.layerProfile.rawValue, FrameType.result.rawValue])
        let p = frames[0].payload
        let layers = Int(TestModel.figures(Self.blob).layer_count)
        #expect(layers == 3)
        // sample, boot id, layer count, first, k, arena peak, stack (not measured), k × cycles
        #expect(p.count == 22 + 4 * layers)
        #expect(Array(p[0..<4]) == [7, 0, 0, 0])
        #expect(Array(p[4..<8]) == le32(console.device.bootID))
        #expect(Array(p[8..<14]) == [UInt8(layers), 0, 0, 0, UInt8(layers), 0])
        let arenaPeak = UInt32(p[14]) | UInt32(p[15]) << 8 | UInt32(p[16]) << 16 | UInt32(p[17]) << 24
        // the painted arena's top is the plan's, but for the plan's rounding up to 4 bytes
        let planned = TestModel.figures(Self.blob).arena_bytes
        #expect(arenaPeak <= planned && arenaPeak + 4 > planned, "arena peak \(arenaPeak), planned \(planned)")
        #expect(Array(p[18..<22]) == [0xFF, 0xFF, 0xFF, 0xFF])
        let each = le32(UInt32(3_000_000 / layers))                 // the simulated estimate, split evenly
        for i in 0..<layers { #expect(Array(p[(22 + 4 * i)..<(26 + 4 * i)]) == each) }
        let decoded = try #require(try DeviceMessage(frames[0]).layerProfileFrame)
        #expect(decoded.sample == 7 && decoded.layerCount == layers && decoded.first == 0 && decoded.stackPeakBytes == nil)
    }

    @Test func anUnflaggedInferIsAnsweredAsInProtocolOne() {
        let console = DeviceConsole(model: Self.blob)
        _ = console.take()
        let frames = upload(console, profile: false)
        #expect(frames.map(\.type) == [FrameType.result.rawValue])
        #expect(HostMessage.infer(slot: 1, sample: 2).payload == [1, 2, 0, 0, 0])       // 5 bytes, as version 1
        #expect(HostMessage.infer(slot: 1, sample: 2, profile: true).payload == [1, 2, 0, 0, 0, 1])
    }

    /// On a timed board the layer marks read the counter: layer i gets the cycles between marks i
    /// and i + 1, and together they are the inference (the reads before and after hil_invoke).
    @Test func timedLayersAddUpToTheInference() throws {
        var config = SimulatedDevice.Config()
        config.timed = true
        config.timer = UInt8(HIL_TIMER_DWT_CYCCNT.rawValue)
        let console = DeviceConsole(model: Self.blob, config: config)
        var clock: UInt64 = 1_000
        console.device.cycleCounter = { clock += 1_000; return clock }   // every read: 1000 cycles later
        _ = console.take()
        let frames = upload(console, profile: true)
        let profile = try #require(try DeviceMessage(frames[0]).layerProfileFrame)
        let result = try #require(try DeviceMessage(frames[1]).result)
        #expect(profile.cycles == [1_000, 1_000, 1_000])
        // t0, 4 marks, t1: the whole is 5000, the layers 3000; the harness's own reads sit around them.
        #expect(result.cycles == 5_000)
        #expect(ProfileReport.addsUp(sum: 3_000, whole: result.cycles))
    }

    func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
}

extension DeviceMessage {
    var layerProfileFrame: LayerProfileFrame? { if case let .layerProfile(p) = self { return p } else { return nil } }
}
