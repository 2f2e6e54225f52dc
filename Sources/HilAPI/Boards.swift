import Foundation

/// Which of the three kinds of board (docs/architecture.md) a board in the registry is.
public enum BoardKind: String, Codable, Sendable, CaseIterable {
    /// A real ST-LINK found by udev.
    case usb
    /// An emulated ST-LINK/V2-1 + STM32F746 with its VCP on a pty.
    case mock
    /// The harness firmware in qemu-system-arm.
    case qemu
}

/// Where a board stands for the scheduler.
public enum BoardState: String, Codable, Sendable, CaseIterable {
    case idle, busy, offline, quarantined
}

/// One board of the bench, as the API shows it. `id` is stable across unplug and replug: the probe's
/// USB serial for real and mock boards, `qemu-N` for QEMU boards.
public struct BoardInfo: Codable, Sendable, Equatable {
    public var id: String
    public var kind: BoardKind
    /// The board definition it matched (`boards/<type>.json`, or `boards/qemu/<type>.json`).
    public var boardType: String
    public var tags: [String]
    public var state: BoardState
    /// Why it is offline or quarantined; nil when idle or busy.
    public var reason: String?
    public var probeSerial: String?
    public var probeModel: String?
    public var serialPort: String?
    /// The job it runs now.
    public var currentJob: Int64?
    /// Infrastructure failures in a row; reset by any job that reaches the board's harness.
    public var consecutiveInfraFailures: Int
    public var jobsRun: Int
    public var lastSeen: Date
    /// The hild it hangs off, on a bench of several hosts sharing one store; nil on a bench of one.
    public var host: String?

    public init(id: String, kind: BoardKind, boardType: String, tags: [String] = [], state: BoardState = .idle,
                reason: String? = nil, probeSerial: String? = nil, probeModel: String? = nil, serialPort: String? = nil,
                currentJob: Int64? = nil, consecutiveInfraFailures: Int = 0, jobsRun: Int = 0, lastSeen: Date = Date(),
                host: String? = nil) {
        self.host = host
        self.id = id; self.kind = kind; self.boardType = boardType; self.tags = tags; self.state = state
        self.reason = reason; self.probeSerial = probeSerial; self.probeModel = probeModel; self.serialPort = serialPort
        self.currentJob = currentJob; self.consecutiveInfraFailures = consecutiveInfraFailures
        self.jobsRun = jobsRun; self.lastSeen = lastSeen
    }
}

/// Which boards a job may run on. Every field given must match; an empty selector matches any board.
public struct BoardSelector: Codable, Sendable, Equatable {
    /// A board definition name, e.g. "stm32f746g-disco" or "qemu-mps2-an500".
    public var boardType: String?
    public var tag: String?
    /// A board id (the probe's serial for real and mock boards).
    public var board: String?
    public var kind: BoardKind?
    /// The host whose boards may run it, on a bench of several hosts.
    public var host: String?

    public init(boardType: String? = nil, tag: String? = nil, board: String? = nil, kind: BoardKind? = nil, host: String? = nil) {
        self.boardType = boardType; self.tag = tag; self.board = board; self.kind = kind; self.host = host
    }

    public func matches(_ b: BoardInfo) -> Bool {
        if let boardType, boardType != b.boardType { return false }
        if let tag, !b.tags.contains(tag) { return false }
        if let board, board != b.id { return false }
        if let kind, kind != b.kind { return false }
        if let host, host != b.host { return false }
        return true
    }

    public var description: String {
        var parts: [String] = []
        if let boardType { parts.append("type \(boardType)") }
        if let tag { parts.append("tag \(tag)") }
        if let board { parts.append("board \(board)") }
        if let kind { parts.append("kind \(kind.rawValue)") }
        if let host { parts.append("host \(host)") }
        return parts.isEmpty ? "any board" : parts.joined(separator: ", ")
    }
}
