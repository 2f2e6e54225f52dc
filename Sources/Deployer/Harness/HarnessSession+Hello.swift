/// HELLO: waiting for it, assembling it with its LABELS, and telling a reboot from an answer.
extension HarnessSession {
    /// Asks the device to announce itself and waits until a complete HELLO (labels included) is
    /// in. A device that just booted may answer twice (boot and request): both are fine.
    @discardableResult
    public func waitForHello() throws -> HelloInfo {
        let before = helloCount
        var requests = 1
        var readsSinceRequest = 0
        try send([.helloRequest])
        while helloCount == before {
            readsSinceRequest += 1
            // a chatty device (a previous run's results) must not keep us from asking again
            if try !pump(timeout: options.replyTimeout) || readsSinceRequest > 256 {
                guard requests < options.helloAttempts else { throw HarnessError.noHello(attempts: requests) }
                try send([.helloRequest])
                requests += 1
                readsSinceRequest = 0
            }
        }
        guard let hello else { throw HarnessError.noHello(attempts: requests) }
        guard (1...supportedProtocolVersion).contains(hello.protocolVersion) else {
            throw HarnessError.unsupportedProtocol(version: hello.protocolVersion, supported: supportedProtocolVersion)
        }
        return hello
    }

    /// The newest protocol this host speaks; it also speaks every older one (1 has no profiles).
    public var supportedProtocolVersion: UInt8 { 2 }

    func receivedHello(_ info: HelloInfo) throws {
        if let known = hello, info.reason == .boot || info.bootID != known.bootID {
            statistics.reboots += 1
            lastDeviceSeq = nil
            outstandingPing = nil
            if pipeline != nil {
                needsRestartAll = true
                guard info.modelState == .ready else { throw HarnessError.noModel(info.modelState) }
                guard info.modelHash == known.modelHash else {
                    throw HarnessError.modelChanged(before: known.modelHashHex, after: info.modelHashHex)
                }
            }
        }
        seenBootIDs.insert(info.bootID)
        if bootBaud == nil { bootBaud = info.bootBaud }
        baud = info.currentBaud                      // it was read at the host's rate, so both agree
        if let target = targetBaud, info.currentBaud != target { needsBaudSwitch = true }
        var info = info
        if let known = hello, known.modelHash == info.modelHash, known.labels.count == info.classCount {
            info.labels = known.labels               // same model: its labels are known
            completeHello(info)
        } else if info.modelState != .ready || info.classCount == 0 {
            completeHello(info)                      // the device sends labels only for a ready model
        } else if let a = assembling, a.info.modelHash == info.modelHash, a.labels.count == info.classCount {
            assembling = (info, a.labels)            // keep the labels an earlier answer brought
        } else {
            assembling = (info, Array(repeating: nil, count: info.classCount))
        }
    }

    func receivedLabels(first: Int, _ labels: [String]) {
        guard var a = assembling else { return }
        for (i, label) in labels.enumerated() where first + i < a.labels.count { a.labels[first + i] = label }
        assembling = a
        if a.labels.allSatisfy({ $0 != nil }) {
            a.info.labels = a.labels.map { $0! }
            completeHello(a.info)
        }
    }

    private func completeHello(_ info: HelloInfo) {
        hello = info
        assembling = nil
        helloCount += 1
    }
}
