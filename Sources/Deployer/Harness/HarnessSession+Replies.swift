/// What the session does with each device reply while samples are out. The rule that keeps
/// results honest: a reply acts on a sample only if it names the sample's current wire id and,
/// where it answers a host frame, that frame belongs to the sample's current pass.
extension HarnessSession {
    func receivedResult(_ r: ResultFrame) throws {
        guard let info = hello, r.bootID == info.bootID, let slot = pipeline?.slot(of: r.sample),
              let s = pipeline?.slots[slot] else {
            statistics.droppedResults += 1
            try unblock(after: r.sample)
            // a boot never announced: the device reset and its HELLO was lost; ask for one
            if let info = hello, r.bootID != info.bootID, !seenBootIDs.contains(r.bootID), !holdingSends {
                seenBootIDs.insert(r.bootID)
                try send([.helloRequest])
            }
            return
        }
        guard r.inputCRC == s.inputCRC, r.scores.count == info.classCount, Int(r.predictedClass) < info.classCount else {
            statistics.droppedResults += 1          // not computed over this sample's bytes: run it again
            try retry(slot: slot, from: 0, restart: true)
            return
        }
        let latency: Duration = info.coreClockHz > 0 ? .seconds(Double(r.cycles) / Double(info.coreClockHz)) : .zero
        longestInference = max(longestInference, latency)
        let label = Int(r.predictedClass) < info.labels.count ? info.labels[Int(r.predictedClass)] : nil
        completed.append(SampleResult(id: s.id, predictedClass: Int(r.predictedClass), label: label, scores: r.scores,
                                      cycles: r.cycles, timer: info.timer, latency: latency, bootID: r.bootID,
                                      retries: s.retries, profile: Self.profile(of: s)))
        pipeline?.slots[slot] = nil
        statistics.results += 1
    }

    /// LAYER_PROFILE: kept with its sample (current wire id, current boot) until the RESULT; the
    /// frames of one profile come in order, so a gap or a repeat discards what was gathered.
    func receivedLayerProfile(_ f: LayerProfileFrame) {
        guard let info = hello, f.bootID == info.bootID, let slot = pipeline?.slot(of: f.sample),
              pipeline?.slots[slot]?.profile == true else {
            statistics.staleReplies += 1
            return
        }
        var gathered = pipeline?.slots[slot]?.layerProfile
        if f.first == 0 {
            gathered = f
        } else if var g = gathered, g.cycles.count == f.first, g.layerCount == f.layerCount {
            g.cycles += f.cycles
            g.arenaPeakBytes = f.arenaPeakBytes
            g.stackPeakBytes = f.stackPeakBytes
            gathered = g
        } else {
            gathered = nil
        }
        pipeline?.slots[slot]?.layerProfile = gathered
    }

    /// The profile a sample gathered, when it is whole (every layer, or none for a model over the
    /// harness's layer limit).
    static func profile(of s: InFlightSample) -> LayerProfile? {
        guard s.profile, let g = s.layerProfile, g.cycles.count == g.layerCount || g.cycles.isEmpty else { return nil }
        return LayerProfile(layerCycles: g.cycles.map(UInt64.init), layerCount: g.layerCount,
                            arenaPeakBytes: g.arenaPeakBytes, stackPeakBytes: g.stackPeakBytes)
    }

    /// NAK and "input incomplete": the device holds `sample` up to `offset`.
    func resend(sample: UInt32, ref: UInt16, from offset: Int) throws {
        guard let slot = pipeline?.slot(of: sample), let s = pipeline?.slots[slot], seqAtOrAfter(ref, s.passSeq) else {
            statistics.staleReplies += 1
            return
        }
        try retry(slot: slot, from: min(offset, s.input.count))
    }

    /// A sample that waited for the device to finish another one in its slot goes now.
    private func unblock(after sample: UInt32) throws {
        guard let p = pipeline else { return }
        for slot in p.slots.indices where p.slots[slot]?.blockedBy == sample {
            try retry(slot: slot, from: 0, restart: true)
        }
    }

    /// PONG: for each sample whose current pass went out before the PING, the device's slot says
    /// what is missing. A later pass may still be on the wire, so its slot says nothing yet.
    func receivedPong(_ status: DeviceStatus) throws {
        lastStatus = status
        unansweredPings = 0
        if status.ref == outstandingPing { outstandingPing = nil; pingAnswer = status }
        if let target = targetBaud, status.currentBaud != target { needsBaudSwitch = true }
        guard let info = hello, let p = pipeline else { return }
        guard status.bootID == info.bootID else {
            // a reset whose HELLO was lost: ask for one; the HELLO restarts the samples
            if !holdingSends { try send([.helloRequest]) }
            return
        }
        for slot in p.slots.indices {
            guard let s = p.slots[slot], !seqAtOrAfter(s.passSeq, status.ref), slot < status.slots.count else { continue }
            let device = status.slots[slot]
            switch (device.state, device.sample == s.wireID) {
            case (.queued, true), (.running, true):
                continue                                            // its RESULT is coming
            case (.filling, true):
                try retry(slot: slot, from: Int(device.received))   // all in: INFER alone
            case (.queued, false), (.running, false):
                pipeline?.slots[slot]?.blockedBy = device.sample    // a stray sample; retry after it
            default:
                try retry(slot: slot, from: 0, restart: true)       // lost, or its RESULT was
            }
        }
    }

    func receivedError(_ e: DeviceErrorFrame) throws {
        statistics.deviceErrors += 1
        let current: Int? = {
            guard let sample = e.sample, let slot = pipeline?.slot(of: sample), let s = pipeline?.slots[slot] else { return nil }
            guard let ref = e.ref, seqAtOrAfter(ref, s.passSeq) else { return nil }
            return slot
        }()
        switch e.code {
        case .badFrame:
            statistics.deviceBadFrames += Int(e.value)
            try suspectLoss()
        case .noModel:
            if pipeline != nil { throw HarnessError.noModel(ModelState(rawValue: UInt8(truncatingIfNeeded: e.value)) ?? .empty) }
        case .baudRefused:
            if let ref = e.ref { baudRefusal = (ref, e.value) }
        case .inferFailed:
            if let sample = e.sample, let slot = pipeline?.slot(of: sample), let s = pipeline?.slots[slot] {
                throw HarnessError.inferenceFailed(sampleID: s.id, status: e.value, text: e.text)
            }
            if let sample = e.sample { try unblock(after: sample) }
        case .inputIncomplete:
            if let sample = e.sample, let ref = e.ref { try resend(sample: sample, ref: ref, from: Int(e.value)) }
        case .busy:
            if let slot = current { pipeline?.slots[slot]?.blockedBy = e.value } else { statistics.staleReplies += 1 }
        case .unknownSample, .inputRange, .badPayload, .unknownType, .none:
            if let slot = current { try retry(slot: slot, from: 0, restart: true) } else { statistics.staleReplies += 1 }
        }
    }
}
