/// PING and the baud switch (docs/harness-protocol.md, "Changing the baud rate").
extension HarnessSession {
    /// Asks the device for its status and waits for the answer.
    public func ping() throws -> DeviceStatus {
        for _ in 0..<options.maxUnansweredPings {
            if let status = try pingOnce() { return status }
        }
        throw HarnessError.linkDead(unansweredPings: options.maxUnansweredPings)
    }

    /// One PING; the PONG, or nil if none came before the device fell silent.
    func pingOnce() throws -> DeviceStatus? {
        try sendPing()
        guard let seq = outstandingPing else { return nil }
        while try pump(timeout: options.replyTimeout) {
            if let status = pingAnswer, status.ref == seq { return status }
        }
        return nil
    }

    /// Moves both ends to `rate`: SET_BAUD, the device's ACK at the old rate, `retune` moves the
    /// host, and a PONG at the new rate confirms. If the device cannot be found there, the host
    /// looks at the old rate too, where the device goes back after half a second without a frame;
    /// a PONG there ends it with `baudSwitchFailed`, the link working at the old rate.
    /// The session keeps `retune` and the rate, to restore them after a reboot.
    public func switchBaud(to rate: UInt32, retune: @escaping (UInt32) throws -> Void) throws {
        let reboots = statistics.reboots
        do {
            try switchBaudOnce(to: rate, retune: retune)
        } catch HarnessError.baudSwitchFailed where statistics.reboots != reboots {
            try switchBaudOnce(to: rate, retune: retune)     // the device reset meanwhile: once more
        }
    }

    private func switchBaudOnce(to rate: UInt32, retune: @escaping (UInt32) throws -> Void) throws {
        if hello == nil { try waitForHello() }
        self.retune = retune
        holdingSends = true
        defer { holdingSends = false }
        let old = baud ?? rate
        baudAck = nil
        baudRefusal = nil
        var seq: UInt16 = 0
        var acked = false
        // A lost ACK leaves the device at the new rate, deaf to a repeat at the old one until it
        // reverts (0.5 s): keep asking for a while rather than three times.
        for _ in 0..<options.maxUnansweredPings where !acked {
            seq = try send([.setBaud(rate)])
            while try pump(timeout: options.replyTimeout) {
                if let refusal = baudRefusal, refusal.ref == seq {
                    targetBaud = nil
                    needsBaudSwitch = false
                    throw HarnessError.baudRefused(requested: rate, maximum: refusal.maximum)
                }
                if let ack = baudAck, ack.ref == seq, ack.baud == rate { acked = true; break }
            }
        }
        guard acked else {
            targetBaud = nil
            throw HarnessError.noBaudAck(requested: rate, attempts: options.maxUnansweredPings)
        }
        try retune(rate)
        baud = rate
        needsBaudSwitch = false
        // A PONG at the new rate confirms. Unanswered PINGs are ambiguous: the device may have
        // switched and its PONGs got lost (it then stays), or never heard us (it reverts after
        // 0.5 s). So three tries at the new rate, then alternate with the old one; but any good
        // frame heard at a rate shows the device is there, so the host stays for another try.
        var here = rate, misses = 0, tries = 0
        while misses < options.maxUnansweredPings, tries < 3 * options.maxUnansweredPings {
            tries += 1
            if baud != here { try retune(here); baud = here }
            let heard = goodFrames
            if let status = try pingOnce() {
                // heard: the PONG says where the device is, whatever the host's port really did
                if baud != status.currentBaud { try retune(status.currentBaud); baud = status.currentBaud }
                guard status.currentBaud == rate else {
                    targetBaud = nil
                    throw HarnessError.baudSwitchFailed(requested: rate, current: status.currentBaud)
                }
                targetBaud = rate
                statistics.baudSwitches += 1
                return
            }
            if goodFrames != heard { continue }
            misses += 1
            if misses >= 3 { here = here == rate ? old : rate }
        }
        targetBaud = nil
        throw HarnessError.linkDead(unansweredPings: options.maxUnansweredPings)
    }
}
