import Deployer

/// What the bench reads from a board's serial line: FrameDecoder cuts it, DeviceMessage parses it.
enum HostFrameTarget {
    static func run(_ data: [UInt8]) -> FuzzTarget.Outcome {
        let stream = FrameStream(data)
        var decoder = FrameDecoder()
        var decoded: [Frame] = []
        var droppedBytes = 0
        for chunk in stream.chunks {
            for event in decoder.feed(chunk) {
                switch event {
                case .frame(let frame):
                    decoded.append(frame)
                    // Refusing a payload is fine; trapping on one is not.
                    _ = try? DeviceMessage(frame)
                case .dropped(_, let count):
                    droppedBytes += count
                }
            }
        }
        FuzzCheck.require(droppedBytes <= stream.wire.count, "dropped \(droppedBytes) bytes of a \(stream.wire.count)-byte stream")
        _ = decoder.feed([0])
        FuzzCheck.require(decoder.pendingCount == 0, "a delimiter left \(decoder.pendingCount) bytes pending")
        if !stream.frames.isEmpty {
            // Every intact frame comes out, in order, whatever noise sat between them.
            FuzzCheck.require(decoded == stream.frames, "sent \(stream.frames.count) intact frames, decoded \(decoded.count) different ones")
            return .accepted
        }
        return decoded.isEmpty ? .rejected : .accepted
    }
}
