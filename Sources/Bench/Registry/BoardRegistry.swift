import Foundation
import HilAPI

/// The bench's boards and where each stands: idle, busy, offline or quarantined, with the reason.
/// A value type the Bench actor owns; every transition is a method here, so the rules are tested
/// without threads.
public struct BoardRegistry: Sendable {
    struct Entry: Sendable {
        var info: BoardInfo
        /// Nil while the board is away (unplugged, or known only from the store).
        var handle: (any BenchBoard)?
    }

    /// What a finished attempt says about the board.
    public enum Outcome: Sendable, Equatable {
        /// The run reached the harness (passed, or a test result): the board works.
        case worked
        /// The bench failed under the job: flash error, no hello, unplug, serial timeout.
        case infrastructure(String)
        /// A health check passed on it: a quarantine ends.
        case healthy
        /// Stopped on request: says nothing about the board.
        case stopped
    }

    private(set) var entries: [String: Entry] = [:]
    let quarantineAfter: Int

    /// This hild's name on a shared store, shown on its boards (and matched by selectors naming
    /// a host); nil on a bench of one host.
    let host: String?

    public init(quarantineAfter: Int, host: String? = nil) { self.quarantineAfter = quarantineAfter; self.host = host }

    public var boards: [BoardInfo] { entries.values.map { hosted($0.info) }.sorted { $0.id < $1.id } }
    public func info(_ id: String) -> BoardInfo? { entries[id].map { hosted($0.info) } }
    private func hosted(_ info: BoardInfo) -> BoardInfo {
        var info = info
        info.host = host
        return info
    }
    func handle(_ id: String) -> (any BenchBoard)? { entries[id]?.handle }

    /// Boards remembered from the store: offline until they show up; a quarantine carries over.
    public mutating func remember(_ seen: [BoardInfo]) {
        for var b in seen where entries[b.id] == nil {
            b.currentJob = nil
            if b.state != .quarantined {
                b.state = .offline
                b.reason = "not seen since hild started"
            }
            entries[b.id] = Entry(info: b, handle: nil)
        }
    }

    /// A board arrived (start-up, hot-plug or replug). It keeps its identity, counters and any
    /// quarantine; `problem` (no target, no tty yet) leaves it offline with that reason.
    @discardableResult
    public mutating func attach(_ handle: any BenchBoard, tags: [String], problem: String? = nil, now: Date = Date()) -> BoardInfo {
        var info = entries[handle.id]?.info ?? BoardInfo(id: handle.id, kind: handle.kind, boardType: handle.boardType)
        info.kind = handle.kind
        info.boardType = handle.boardType
        info.tags = tags
        info.probeSerial = handle.probeSerial
        info.probeModel = handle.probeModel
        info.serialPort = handle.serialPort
        info.lastSeen = now
        if info.state != .quarantined && info.state != .busy {
            info.state = problem == nil ? .idle : .offline
            info.reason = problem
        }
        entries[handle.id] = Entry(info: info, handle: handle)
        return info
    }

    /// A board that cannot be attached now (a remote probe out of reach): offline with `reason`,
    /// keeping its history and any quarantine; a new id is registered so the API shows it.
    @discardableResult
    public mutating func unavailable(_ id: String, kind: BoardKind, boardType: String, serialPort: String?, reason: String) -> BoardInfo {
        let e = entries[id] ?? Entry(info: BoardInfo(id: id, kind: kind, boardType: boardType), handle: nil)
        return takeOffline(e, reason: reason, serialPort: serialPort, seen: nil)
    }

    /// The board went away. A job running on it fails through its own I/O; the board stays
    /// offline after that job is released.
    @discardableResult
    public mutating func detach(_ id: String, reason: String, now: Date = Date()) -> BoardInfo? {
        guard let e = entries[id] else { return nil }
        return takeOffline(e, reason: reason, serialPort: nil, seen: now)
    }

    /// Drops the board's handle; it is offline with `reason` unless quarantined (which says more)
    /// or busy (the job's release makes it offline).
    private mutating func takeOffline(_ entry: Entry, reason: String, serialPort: String?, seen: Date?) -> BoardInfo {
        var e = entry
        e.handle = nil
        if let seen { e.info.lastSeen = seen }
        e.info.serialPort = serialPort
        if e.info.state != .quarantined {
            e.info.reason = reason
            if e.info.state != .busy { e.info.state = .offline }
        }
        entries[e.info.id] = e
        return e.info
    }

    /// Updates the VCP path (udev reported the tty after the probe, or it moved).
    public mutating func setSerialPort(_ id: String, _ path: String?) {
        guard var e = entries[id] else { return }
        e.info.serialPort = path
        if e.info.state == .offline, e.handle != nil, path != nil { e.info.state = .idle; e.info.reason = nil }
        entries[id] = e
    }

    /// Boards a new job may start on now: idle, plus quarantined ones for a health check naming them.
    public func available(forHealthCheck healthCheck: Bool, board: String?) -> [BoardInfo] {
        entries.values.compactMap { e in
            guard e.handle != nil, e.info.currentJob == nil else { return nil }
            if e.info.state == .idle { return hosted(e.info) }
            if healthCheck, e.info.state == .quarantined, e.info.id == board { return hosted(e.info) }
            return nil
        }.sorted { $0.id < $1.id }
    }

    /// Takes a board for a job; nil when it is not available (any more).
    public mutating func claim(_ id: String, job: Int64, healthCheck: Bool) -> (any BenchBoard)? {
        guard var e = entries[id], let handle = e.handle, e.info.currentJob == nil else { return nil }
        guard e.info.state == .idle || (healthCheck && e.info.state == .quarantined) else { return nil }
        if e.info.state == .idle { e.info.state = .busy }
        e.info.currentJob = job
        entries[id] = e
        return handle
    }

    /// Gives the board back after an attempt and applies what the attempt said about it.
    @discardableResult
    public mutating func release(_ id: String, outcome: Outcome) -> BoardInfo? {
        guard var e = entries[id] else { return nil }
        e.info.currentJob = nil
        e.info.jobsRun += 1
        switch outcome {
        case .worked:
            e.info.consecutiveInfraFailures = 0
        case .healthy:
            e.info.consecutiveInfraFailures = 0
            if e.info.state == .quarantined { e.info.state = .idle; e.info.reason = nil }
        case let .infrastructure(reason):
            e.info.consecutiveInfraFailures += 1
            if e.info.consecutiveInfraFailures >= quarantineAfter, e.info.state != .quarantined {
                e.info.state = .quarantined
                e.info.reason = "quarantined after \(e.info.consecutiveInfraFailures) infrastructure failures in a row (last: \(reason)); a passing health-check job releases it"
            }
        case .stopped:
            break
        }
        if e.info.state == .busy { e.info.state = e.handle == nil ? .offline : .idle }
        entries[id] = e
        return e.info
    }
}
