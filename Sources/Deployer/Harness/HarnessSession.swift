/// Drives the host side of the harness protocol over a byte stream: handshake, baud switch and
/// streaming samples with recovery (docs/harness-protocol.md, "Host side").
///
/// Every received frame goes through `handle`, which only updates state and may write (resends,
/// PINGs); the public operations read, and decide. One session per link, used from one thread.
public final class HarnessSession {
    public let link: any HarnessLink
    public let options: HarnessOptions
    /// The device's latest complete HELLO.
    public internal(set) var hello: HelloInfo?
    public internal(set) var statistics = HarnessStatistics()
    /// The rate the host is at, as far as the session knows (nil before HELLO).
    public internal(set) var baud: UInt32?
    /// The device's latest PONG.
    public internal(set) var lastStatus: DeviceStatus?

    var decoder = FrameDecoder()
    var txSeq: UInt16 = 0
    var lastDeviceSeq: UInt16?
    var noise = 0
    /// Frames that parsed: one heard at a rate proves the device is at that rate.
    var goodFrames = 0
    /// A HELLO waiting for its LABELS.
    var assembling: (info: HelloInfo, labels: [String?])?
    var helloCount = 0
    var seenBootIDs: Set<UInt32> = []
    var baudAck: (ref: UInt16, baud: UInt32)?
    var baudRefusal: (ref: UInt16, maximum: UInt32)?
    var outstandingPing: UInt16?
    /// The PONG that answered the latest PING.
    var pingAnswer: DeviceStatus?
    var unansweredPings = 0
    /// Baud handling: the device's rate at boot, the rate asked for, and how to retune the host.
    var bootBaud: UInt32?
    var targetBaud: UInt32?
    var retune: ((UInt32) throws -> Void)?
    var needsBaudSwitch = false
    /// True while a baud switch is under way: nothing else may be sent, since bytes sent between
    /// SET_BAUD and the host's retune would reach the device at the wrong rate.
    var holdingSends = false
    /// Set while `run` streams.
    var pipeline: SamplePipeline?
    var needsRestartAll = false
    var completed: [SampleResult] = []
    var longestInference: Duration = .zero

    public init(link: any HarnessLink, options: HarnessOptions = HarnessOptions()) {
        self.link = link
        self.options = options
    }

    /// Sends `messages` in one write, after a lone 0x00 that ends whatever partial frame the
    /// device's decoder may hold. Returns the sequence number of the first.
    @discardableResult
    func send(_ messages: [HostMessage]) throws -> UInt16 {
        let first = txSeq
        var bytes: [UInt8] = [0]
        for message in messages {
            bytes += message.frame(seq: txSeq).wireBytes
            txSeq &+= 1
        }
        try link.write(bytes)
        statistics.framesSent += messages.count
        statistics.bytesSent += bytes.count
        return first
    }

    /// Reads once and handles what came. False on silence: nothing within `timeout`, or only noise
    /// for longer than the noise limit.
    func pump(timeout: Duration) throws -> Bool {
        let bytes = try link.read(maxBytes: options.readSize, timeout: timeout)
        if bytes.isEmpty { return false }
        statistics.bytesReceived += bytes.count
        var valid = false
        for event in decoder.feed(bytes) {
            switch event {
            case let .frame(frame):
                statistics.framesReceived += 1
                noteSequence(frame.seq)
                guard let message = try? DeviceMessage(frame) else { statistics.malformedFrames += 1; continue }
                valid = true
                goodFrames += 1
                try handle(message)
            case .dropped(.badCRC, _):
                statistics.crcErrors += 1
                try suspectLoss()
            case .dropped:
                statistics.framingErrors += 1
                try suspectLoss()
            }
        }
        if valid { noise = 0; unansweredPings = 0; return true }   // any good frame: alive at this rate
        noise += bytes.count
        if noise > options.noiseLimit { noise = 0; return false }
        return true
    }

    private func noteSequence(_ seq: UInt16) {
        defer { lastDeviceSeq = seq }
        guard let last = lastDeviceSeq else { return }
        let skipped = seq &- last &- 1
        if skipped != 0, skipped < 0x8000 { statistics.sequenceGaps += Int(skipped) }   // a jump back: a reboot
    }

    /// Something from the device was lost: while samples are out, ask where it stands at once
    /// rather than wait for the stall timeout.
    func suspectLoss() throws {
        guard let pipeline, !pipeline.isEmpty, outstandingPing == nil, !holdingSends else { return }
        try sendPing()
    }

    func sendPing() throws {
        outstandingPing = try send([.ping])
        statistics.pings += 1
    }

    func handle(_ message: DeviceMessage) throws {
        switch message {
        case let .hello(info): try receivedHello(info)
        case let .labels(first, labels): receivedLabels(first: first, labels)
        case let .pong(status): try receivedPong(status)
        case let .baudAck(ref, baud): baudAck = (ref, baud)
        case let .nak(ref, _, sample, offset): try resend(sample: sample, ref: ref, from: Int(offset))
        case let .result(result): try receivedResult(result)
        case let .layerProfile(profile): receivedLayerProfile(profile)
        case let .error(error): try receivedError(error)
        }
    }
}
