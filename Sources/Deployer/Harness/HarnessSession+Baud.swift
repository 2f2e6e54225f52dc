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
            if let status = lastStatus, status.ref == seq { return status }
        }
        return nil
    }

    /// Moves both ends to `rate`: SET_BAUD, the device's ACK at the old rate, `retune` moves the
    /// host, and a PING at the new rate confirms. If that PING goes unanswered the host returns to
    /// the old rate, where the device will be again after half a second without a frame.
    /// The session keeps `retune` and the rate, to restore them after a reboot.
    public func switchBaud(to rate: UInt32, retune: @escaping (UInt32) throws -> Void) throws {
        if hello == nil { try waitForHello() }
        self.retune = retune
        holdingSends = true
        defer { holdingSends = false }
        let old = baud ?? rate
        baudAck = nil
        baudRefusal = nil
        var seq: UInt16 = 0
        var acked = false
        for _ in 0..<3 where !acked {
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
        guard acked else { throw HarnessError.linkDead(unansweredPings: 3) }
        try retune(rate)
        baud = rate
        needsBaudSwitch = false
        for _ in 0..<3 {
            if let status = try pingOnce(), status.currentBaud == rate {
                targetBaud = rate
                statistics.baudSwitches += 1
                return
            }
        }
        try retune(old)
        baud = old
        targetBaud = nil
        // the device reverts half a second after the switch; PINGs at the old rate find it there
        for _ in 0..<options.maxUnansweredPings {
            if try pingOnce() != nil { throw HarnessError.baudSwitchFailed(requested: rate, current: old) }
        }
        throw HarnessError.linkDead(unansweredPings: options.maxUnansweredPings)
    }
}
