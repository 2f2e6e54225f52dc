import CHarness
@testable import Deployer

/// Talks to a SimulatedDevice frame by frame, without a session: for checking the device's
/// answers byte-exactly.
final class DeviceConsole {
    let device: SimulatedDevice
    private var decoder = FrameDecoder()
    private(set) var seq: UInt16 = 0
    private(set) var dropped: [FrameDecoder.Event] = []
    var frames: [Frame] = []

    init(model: [UInt8]? = TestModel.blob(), config: SimulatedDevice.Config = .init()) {
        device = SimulatedDevice(model: model, config: config)
        device.onWrite = { [unowned self] bytes in
            for event in decoder.feed(bytes) {
                if case let .frame(f) = event { frames.append(f) } else { dropped.append(event) }
            }
        }
        device.boot()
    }

    /// Sends host messages (one write per call) and lets the device work until it is idle.
    @discardableResult
    func send(_ messages: HostMessage..., raw: [UInt8] = []) -> [DeviceMessage] {
        var bytes = raw
        for m in messages { bytes += m.frame(seq: seq).wireBytes; seq &+= 1 }
        device.receive(bytes)
        return settle()
    }

    /// Steps until idle; returns what the device sent meanwhile (and forgets it).
    func settle() -> [DeviceMessage] {
        while device.step() {}
        return take()
    }

    func take() -> [DeviceMessage] {
        defer { frames = [] }
        return frames.map { try! DeviceMessage($0) }
    }

    /// A whole sample into `slot` in 1024-byte chunks, then INFER.
    func upload(_ input: [UInt8], sample: UInt32, slot: UInt8 = 0, chunk: Int = 1024) -> [DeviceMessage] {
        var messages: [HostMessage] = stride(from: 0, to: input.count, by: chunk).map {
            .input(slot: slot, sample: sample, offset: UInt32($0), data: Array(input[$0..<min($0 + chunk, input.count)]))
        }
        messages.append(.infer(slot: slot, sample: sample))
        var all: [DeviceMessage] = []
        for m in messages { all += send(m) }
        return all
    }
}

extension DeviceMessage {
    var error: DeviceErrorFrame? { if case let .error(e) = self { return e } else { return nil } }
    var result: ResultFrame? { if case let .result(r) = self { return r } else { return nil } }
    var status: DeviceStatus? { if case let .pong(s) = self { return s } else { return nil } }
    var helloInfo: HelloInfo? { if case let .hello(h) = self { return h } else { return nil } }
}

/// Inputs whose byte sums differ mod 256 from sample to sample: with the fake runtime every one
/// of them has its own scores, so a result given to the wrong sample cannot go unnoticed.
func distinctInputs(_ count: Int, size: Int = 3072, seed: UInt64 = 42) -> [(id: Int, input: [UInt8])] {
    precondition(count <= 256)
    var rng = SeededRandom(seed: seed)
    return (0..<count).map { k in
        var input = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let sum = input.dropLast().reduce(0) { $0 &+ Int($1) }
        input[size - 1] = UInt8(truncatingIfNeeded: (k * 167) &- sum)   // 167 is odd: k ↦ 167k mod 256 is one-to-one
        return (id: 1000 + k, input: input)
    }
}
