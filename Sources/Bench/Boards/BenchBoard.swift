import Deployer
import HilAPI

/// What a board is asked to run: the evaluation request with every artifact resolved to a path on
/// this host, and the harness image to pack the model into (nil: the board's own harness build).
public struct JobRun: Sendable {
    public var request: RunRequest
    public var harnessPath: String?
    public init(request: RunRequest, harnessPath: String?) { self.request = request; self.harnessPath = harnessPath }
}

/// How a board reports while it runs, and how it learns it should stop.
public struct RunHooks: Sendable {
    /// "flashing", "hello", "streaming".
    public var phase: @Sendable (String) -> Void
    public var progress: @Sendable (RunProgress) -> Void
    public var note: @Sendable (String) -> Void
    /// Checked between samples: true stops the run with RunError.cancelled.
    public var shouldStop: @Sendable () -> Bool

    public init(phase: @escaping @Sendable (String) -> Void = { _ in }, progress: @escaping @Sendable (RunProgress) -> Void = { _ in },
                note: @escaping @Sendable (String) -> Void = { _ in }, shouldStop: @escaping @Sendable () -> Bool = { false }) {
        self.phase = phase; self.progress = progress; self.note = note; self.shouldStop = shouldStop
    }
}

/// One board the scheduler can hand a job to: real (a probe found by udev), mock or QEMU. The
/// scheduler never knows which; each kind deploys its own way and then runs the same evaluation.
public protocol BenchBoard: AnyObject, Sendable {
    /// Stable across unplug and replug: the probe's serial, or `qemu-N`.
    var id: String { get }
    var kind: BoardKind { get }
    /// The board definition's name (boards/<name>.json or boards/qemu/<name>.json).
    var boardType: String { get }
    var probeSerial: String? { get }
    var probeModel: String? { get }
    var serialPort: String? { get }
    /// Deploys and evaluates. Blocks its thread (flashing and serial I/O are synchronous); the
    /// scheduler calls it on a thread of its own, one job at a time per board.
    func evaluate(_ run: JobRun, catalog: BoardCatalog, hooks: RunHooks) throws(RunError) -> EvaluationReport
}
