/// Streaming samples: keep every device input buffer busy, collect results, recover from stalls.
extension HarnessSession {
    /// Sends every sample and calls `onResult` once per sample, in the order results complete.
    ///
    /// Sample k+1 streams into the device's other input buffer while k runs, and a freed buffer is
    /// refilled as soon as its RESULT is in, so the line does not idle while inference is faster
    /// than the transfer. Never more samples are out than the device has buffers. An error thrown
    /// by `onResult` (a cancellation, say) stops the stream there and is rethrown.
    ///
    /// Samples whose id `profile` accepts ask for a per-layer profile (protocol 2; a version-1
    /// device is never asked): their results carry it. Profiling costs a timer read per layer and
    /// one small frame per sample, so callers ask it of a few and streaming throughput stays as it is.
    public func run(samples: some Sequence<(id: Int, input: [UInt8])>, profile: (Int) -> Bool = { _ in false },
                    onResult: (SampleResult) throws -> Void) throws {
        let info = try hello ?? waitForHello()
        guard info.modelState == .ready else { throw HarnessError.noModel(info.modelState) }
        let chunk = max(1, min(options.chunkSize ?? .max, info.maxPayload - HostMessage.inputHeaderCount))
        pipeline = SamplePipeline(slotCount: max(1, info.inputBufferCount), chunkSize: chunk,
                                  firstWireID: options.firstWireID ?? UInt32.random(in: 0...UInt32.max))
        needsRestartAll = false
        completed = []
        defer { pipeline = nil; completed = [] }
        var iterator = samples.makeIterator()
        var exhausted = false
        let profiles = info.protocolVersion >= 2
        while true {
            try resynchronise()
            while !exhausted, !needsBaudSwitch, let slot = pipeline?.freeSlot {
                guard let next = iterator.next() else { exhausted = true; break }
                try start(id: next.id, input: next.input, in: slot, profile: profiles && profile(next.id))
            }
            for result in completed { try onResult(result) }
            completed = []
            if exhausted, pipeline?.isEmpty ?? true { return }
            if try !pump(timeout: stallTimeout) { try stalled() }
        }
    }

    /// Silence after which the host PINGs. The device answers only between inferences, and only
    /// after the bytes the host queued before have crossed the line: allow for both.
    var stallTimeout: Duration {
        let queued = pipeline.map { p in p.slots.compactMap { $0 }.reduce(0) { $0 + p.wireBytes(of: $1) } } ?? 0
        let backlog: Duration = .seconds(Double(queued * 10) / Double(max(baud ?? 115_200, 1)))
        return options.replyTimeout + longestInference * 2 + backlog
    }

    private func start(id: Int, input: [UInt8], in slot: Int, profile: Bool) throws {
        guard let info = hello, input.count == info.inputByteCount else {
            throw HarnessError.inputSize(sampleID: id, expected: hello?.inputByteCount ?? 0, got: input.count)
        }
        guard var p = pipeline else { return }
        p.slots[slot] = InFlightSample(id: id, input: input, inputCRC: CRC32.checksum(input), wireID: p.takeWireID(),
                                       profile: profile)
        pipeline = p
        statistics.inputBytes += input.count
        statistics.maxInFlight = max(statistics.maxInFlight, p.inFlight)
        try sendPass(slot: slot, from: 0)
    }

    /// Sends `slot`'s sample from `offset` (INPUT frames, then INFER) and makes it the current
    /// pass. Returns the number of INPUT frames.
    @discardableResult
    func sendPass(slot: Int, from offset: Int) throws -> Int {
        guard let messages = pipeline?.pass(slot: slot, from: offset), !messages.isEmpty else { return 0 }
        let seq = try send(messages)
        pipeline?.slots[slot]?.passSeq = seq
        pipeline?.slots[slot]?.blockedBy = nil
        return messages.count - 1
    }

    /// Another pass for `slot`'s sample: from `offset`, or from zero under a new wire id.
    func retry(slot: Int, from offset: Int, restart: Bool = false) throws {
        guard !holdingSends else { return }          // the PING after the switch will tell what is missing
        guard var s = pipeline?.slots[slot] else { return }
        s.retries += 1
        // A pass that starts beyond what the device had confirmed is progress: a noisy line that
        // moves a sample on chunk by chunk is slow, not hopeless. Only passes that gain nothing count.
        let from = restart ? 0 : offset
        if from > s.confirmed { s.confirmed = from; s.fruitlessPasses = 0 } else { s.fruitlessPasses += 1 }
        guard s.fruitlessPasses <= options.maxRetriesPerSample else {
            throw HarnessError.tooManyRetries(sampleID: s.id, retries: s.fruitlessPasses - 1)
        }
        // Passes that keep failing whole: shorter frames. The chance that a frame crosses a noisy
        // line intact falls with its length (at 1e-3 per byte: about 35 % for 1 KB, 77 % for
        // 256 bytes), and every frame that arrives is progress the next pass starts from.
        if s.fruitlessPasses >= 2, let size = pipeline?.chunkSize, size > options.smallestChunk {
            pipeline?.chunkSize = max(options.smallestChunk, size / 2)
        }
        if restart, let id = pipeline?.takeWireID() { s.wireID = id; s.confirmed = 0; s.layerProfile = nil; statistics.restarts += 1 }
        pipeline?.slots[slot] = s
        statistics.retries += 1
        statistics.resentChunks += try sendPass(slot: slot, from: from)
    }

    /// After a reboot: back to the chosen rate, then every sample that was out goes again.
    private func resynchronise() throws {
        if needsBaudSwitch, let rate = targetBaud, let retune {
            do {
                try switchBaud(to: rate, retune: retune)
            } catch HarnessError.baudSwitchFailed, HarnessError.noBaudAck {
                needsBaudSwitch = false                   // carry on at the rate that works
            }
            outstandingPing = nil
            if !needsRestartAll { try suspectLoss() }     // what happened to the samples out is unknown
        }
        guard needsRestartAll, let p = pipeline else { return }
        needsRestartAll = false
        for slot in p.slots.indices where p.slots[slot] != nil { try retry(slot: slot, from: 0, restart: true) }
    }

    /// Nothing came for a stall timeout: PING. After a few unanswered PINGs on a switched rate,
    /// alternate between the boot rate and the chosen one, asking for HELLO too, since a device
    /// that reset is back at its boot rate and must say so.
    func stalled() throws {
        statistics.stalls += 1
        if outstandingPing != nil { unansweredPings += 1 }
        guard unansweredPings < options.maxUnansweredPings else {
            throw HarnessError.linkDead(unansweredPings: unansweredPings)
        }
        if unansweredPings >= options.pingsBeforeBaudFallback, let retune, let boot = bootBaud,
           let target = targetBaud, boot != target {
            let other = baud == target ? boot : target
            try retune(other)
            baud = other
            try send([.helloRequest])
            try sendPing()                       // one visit per rate and stall: two chances to be heard
        }
        try sendPing()
    }
}
