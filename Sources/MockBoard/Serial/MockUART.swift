import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The board's USART behind its virtual COM port: bytes move at the configured rate in both
/// directions (10 bit times per byte, 8N1), the harness runs behind it, and an inference holds its
/// result back for as long as it would take on the board. Runs on its own thread in wall time,
/// because the host on the other side of the pty is a real program with real timeouts.
final class MockUART: @unchecked Sendable {
    enum Event {
        case boot(info: HarnessInfoBlock?, model: [UInt8])
        case run(Bool)
        case stop
    }

    let pty: PseudoTerminal
    private let config: MockUARTConfig
    private let faults: SerialFaultPlan
    private let lock = NSLock()
    private var mailbox: [Event] = []
    private var thread: Thread?

    // Owned by the UART thread.
    private var harness: HarnessHost?
    private var running = false
    private var baud: Int
    private var pendingBaud: Int?
    private var tx: [(byte: UInt8, release: ContinuousClock.Instant)] = []
    private var txHead = 0
    private var unwritten: [UInt8] = []
    private var rxCredit = 0.0, txCredit = 0.0
    private var lastTick = ContinuousClock.now
    private var busyUntil = ContinuousClock.now
    private var stepRelease: ContinuousClock.Instant?
    private var stallUntil: ContinuousClock.Instant?
    private var bytesFromHost = 0
    private var stalled = false, rebooted = false, pulled = false
    /// Called on the UART's thread when `faults.pullAfterBytes` is reached.
    var onPull: (@Sendable () -> Void)?
    private var random: SplitMix
    private var lastBoot: (HarnessInfoBlock?, [UInt8])?
    /// HIL_MOCK_UART_TRACE=FILE logs boots, run state, baud changes and byte counts.
    private let trace: FileHandle? = ProcessInfo.processInfo.environment["HIL_MOCK_UART_TRACE"].flatMap {
        _ = FileManager.default.createFile(atPath: $0, contents: nil)
        return FileHandle(forWritingAtPath: $0)
    }

    private let traceOrigin = ContinuousClock.now

    private func log(_ text: @autoclosure () -> String) {
        guard let trace else { return }
        trace.write(Data("\(String(format: "%.6f", (ContinuousClock.now - traceOrigin).seconds)) \(text())\n".utf8))
    }

    init(config: MockUARTConfig, faults: SerialFaultPlan) throws {
        pty = try PseudoTerminal()
        self.config = config
        self.faults = faults
        baud = config.bootBaud
        random = SplitMix(seed: faults.seed)
    }

    func start() {
        let t = Thread { [self] in loop() }
        t.name = "mock-uart"
        thread = t
        t.start()
    }

    func post(_ event: Event) {
        lock.lock(); mailbox.append(event); lock.unlock()
    }

    // MARK: the loop

    private func loop() {
        while true {
            lock.lock(); let events = mailbox; mailbox.removeAll(); lock.unlock()
            for event in events {
                switch event {
                case let .boot(info, model): boot(info: info, model: model)
                case let .run(on):
                    running = on
                    log("core \(on ? "running" : "halted")")
                case .stop:
                    pty.unplug()
                    return
                }
            }
            tick()
            wait()
        }
    }

    /// Sleeps until the line can move a few bytes again. Polling the pty alone would spin: it is
    /// readable as long as the host has bytes queued, while the line only takes them at its rate.
    /// So with too little credit to read (or bytes waiting to go out) sleep until a small batch
    /// is due; otherwise wait for the host's bytes, at most a millisecond.
    private func wait() {
        let batch = 8.0
        let byteTime = 10.0 / Double(baud)
        let txPending = txHead < tx.count
        if rxCredit < batch || txPending {
            let short = max(batch - (txPending ? min(rxCredit, txCredit) : rxCredit), 1)
            let seconds = min(0.001, max(0.00005, short * byteTime))
            var ts = timespec(tv_sec: 0, tv_nsec: Int(seconds * 1e9))
            _ = nanosleep(&ts, nil)
        } else {
            var p = pollfd(fd: pty.master, events: Int16(POLLIN), revents: 0)
            _ = poll(&p, 1, 1)
        }
    }

    private func tick() {
        let now = ContinuousClock.now
        let byteTime = 10.0 / Double(baud)
        let elapsed = (now - lastTick).seconds
        lastTick = now
        if let until = stallUntil {
            if now < until { return }
            stallUntil = nil
        }
        // A UART moves one byte per 10 bit times; the small FIFO caps what a pause can make up.
        rxCredit = min(rxCredit + elapsed / byteTime, 32)
        txCredit = min(txCredit + elapsed / byteTime, 32)
        receive(budget: Int(rxCredit), now: now)
        if running, let harness, now >= busyUntil {
            stepRelease = nil
            harness.step()
            if let release = stepRelease { busyUntil = release }
        }
        transmit(budget: Int(txCredit), now: now)
    }

    private func receive(budget: Int, now: ContinuousClock.Instant) {
        guard budget > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: budget)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(pty.master, $0.baseAddress, budget) }
        guard n > 0 else { return }
        rxCredit -= Double(n)
        var bytes = Array(buffer.prefix(n))
        bytesFromHost += n
        if let after = faults.stallAfterBytes, !stalled, bytesFromHost >= after {
            stalled = true
            stallUntil = now + faults.stallDuration
        }
        if let after = faults.pullAfterBytes, !pulled, bytesFromHost >= after {
            pulled = true
            running = false
            log("pulled after \(bytesFromHost) bytes from the host")
            onPull?()
            return
        }
        if let after = faults.rebootAfterBytes, !rebooted, bytesFromHost >= after, let (info, model) = lastBoot {
            rebooted = true
            boot(info: info, model: model)
            return
        }
        log("rx \(n) bytes (host at \(pty.hostBaud.map(String.init) ?? "?") baud, board at \(baud))")
        bytes = corrupt(bytes)
        // A core that is halted or runs no harness leaves the UART unread: the bytes are lost.
        guard running, let harness else { return }
        harness.receive(bytes)
    }

    private func transmit(budget: Int, now: ContinuousClock.Instant) {
        // What the line already carried but the pty would not take (the host is not reading):
        // written first, as it is, before anything new. Kept apart from `tx` because the line's
        // faults have already acted on it: a duplicated or dropped byte changes the count.
        if !unwritten.isEmpty {
            let n = unwritten.withUnsafeBytes { Glibc.write(pty.master, $0.baseAddress, $0.count) }
            unwritten.removeFirst(max(0, n))
            guard unwritten.isEmpty else { return }
        }
        var sent = 0
        var out: [UInt8] = []
        while sent < budget, txHead < tx.count, tx[txHead].release <= now {
            out.append(tx[txHead].byte)
            txHead += 1
            sent += 1
        }
        if !out.isEmpty {
            let bytes = corrupt(out)
            let n = bytes.withUnsafeBytes { Glibc.write(pty.master, $0.baseAddress, $0.count) }
            let written = max(0, n)
            log("tx \(written) of \(bytes.count) bytes")
            if written < bytes.count { unwritten = Array(bytes[written...]) }
            txCredit -= Double(out.count)
        }
        if txHead == tx.count {
            tx.removeAll(keepingCapacity: true)
            txHead = 0
            if let next = pendingBaud { baud = next; pendingBaud = nil }
        } else if txHead > 4096 {
            tx.removeFirst(txHead)
            txHead = 0
        }
    }

    /// Line faults, and the garbage a receiver sees when the two ends disagree on the rate.
    private func corrupt(_ bytes: [UInt8]) -> [UInt8] {
        let mismatch = pty.hostBaud.map { $0 != baud } ?? false
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for var b in bytes {
            if faults.dropRate > 0, random.unit() < faults.dropRate { continue }
            if faults.bitFlipRate > 0, random.unit() < faults.bitFlipRate { b ^= 1 << UInt8(random.next() % 8) }
            if mismatch { b = UInt8(truncatingIfNeeded: random.next()) | 0x80 }
            out.append(b)
            if faults.duplicateRate > 0, random.unit() < faults.duplicateRate { out.append(b) }
        }
        return out
    }

    // MARK: the harness

    private func boot(info: HarnessInfoBlock?, model flashed: [UInt8]) {
        let model = faults.foreignModel ?? flashed
        lastBoot = (info, flashed)
        tx.removeAll(); txHead = 0
        baud = config.bootBaud
        pendingBaud = nil
        busyUntil = ContinuousClock.now
        running = true
        log("boot: \(info.map { "harness \($0.buildID) for \($0.board)" } ?? "no harness info block"), model region \(model.prefix(4).map { String(format: "%02x", $0) }.joined())")
        guard let info else {
            harness = nil          // no harness in flash: the board says nothing
            return
        }
        let host = HarnessHost(board: info.board, buildID: info.buildID, coreClockHz: config.coreClockHz,
                               baud: config.bootBaud, maxBaud: config.maxBaud, model: model,
                               arenaSize: config.arenaSize, inputBufferSize: config.inputBufferSize,
                               costModel: config.costModel)
        host.onWrite = { [unowned self] bytes in
            let release = stepRelease ?? ContinuousClock.now
            for b in bytes { tx.append((b, release)) }
        }
        host.onEstimate = { [unowned self] cycles in
            let seconds = Double(cycles) / Double(config.coreClockHz)
            stepRelease = ContinuousClock.now + .nanoseconds(Int64(seconds * 1e9))
        }
        host.onSetBaud = { [unowned self] rate in
            guard rate <= config.maxBaud, PseudoTerminal.isSettable(rate) else { return false }
            pendingBaud = rate          // after what is queued has left at the old rate
            log("baud switch to \(rate) requested")
            return true
        }
        harness = host
        host.start()
    }
}

/// A small deterministic generator (SplitMix64) for reproducible faults.
struct SplitMix {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
