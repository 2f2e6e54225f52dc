import Foundation
import Deployer
import HilAPI
import HildStore
import Logging

/// The bench: its boards, its queue and the jobs running on them. One actor owns the registry and
/// the running jobs; the store holds everything that must outlive the process: SQLite when this
/// hild is the whole bench, PostgreSQL when several hilds share one queue (Bench+SharedQueue).
///
/// `run()` is the daemon's main task: it recovers what a previous process left, then starts jobs
/// as boards free up, until cancelled — then it stops what runs and requeues it.
public actor Bench {
    public let configuration: BenchConfiguration
    public let catalog: BoardCatalog
    let store: any JobStore
    let connector: any ProbeConnector
    public nonisolated let mockBus: MockBus?
    let qemuBoards: [QEMUBenchBoard]
    let logger: Logger
    let artifacts: ArtifactFiles
    /// The board types selectors may name (board files and QEMU machines), read at start.
    let boardTypes: [String]

    var registry: BoardRegistry
    var metrics = BenchMetrics()
    var hub = EventHub()
    var running: [Int64: RunningJob] = [:]
    /// The queued jobs, mirrored from the store (loaded at start, kept by `write`): the scheduler
    /// looks at them on every wake, and reading 10,000 rows each time would make submits O(n²).
    var queued: [Int64: JobRecord] = [:]
    /// The lease each job this host runs is held under (shared store only), from its claim until
    /// its final write: every write for the job names it, so a host that lost it writes nothing.
    var leases: [Int64: Lease] = [:]
    /// Renewals in a row the shared store refused (logged at the first and when it is back).
    var renewalFailures = 0
    /// The other hosts' boards as of the last renewal: what a submit checks its selector against
    /// (the API's board listings read them fresh).
    var otherHostsBoards: [BoardInfo] = []
    /// When each queued job (re)entered the queue, for the scheduling-latency figure.
    var queuedSince: [Int64: ContinuousClock.Instant] = [:]
    var shuttingDown = false
    var watchingUdev = false
    /// Writes the store refused (a full disk), in order, tried again every second: a verdict
    /// reached while the disk is full is stored, and announced, once there is room.
    var pendingWrites: [PendingStoreWrite] = []
    private let wakeStream: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation

    public init(configuration: BenchConfiguration, catalog: BoardCatalog, store: any JobStore,
                connector: (any ProbeConnector)? = nil, logger: Logger = Logger(label: "hild.bench")) throws {
        self.configuration = configuration
        self.catalog = catalog
        self.store = store
        self.logger = logger
        artifacts = ArtifactFiles(store: store)
        boardTypes = SpecCheck.boardTypes(in: catalog)
        registry = BoardRegistry(quarantineAfter: configuration.quarantineAfter, host: store.sharedHost)
        if configuration.mockBoards > 0 {
            guard let definition = catalog.boards.first(where: { $0.name == "stm32f746g-disco" }) ?? catalog.boards.first else {
                throw ConfigurationError(message: "mock boards need a board definition in \(catalog.directory.path), and it has none")
            }
            mockBus = try MockBus(count: configuration.mockBoards, definition: definition, catalog: catalog,
                                  core: configuration.mockCore, firstNumber: configuration.mockFirst, faults: configuration.mockFaults)
        } else {
            mockBus = nil
        }
        if configuration.qemuBoards > 0 {
            let machine = try QEMUMachineDescription.load(boardsDirectory: catalog.directory, name: configuration.qemuMachine)
            qemuBoards = (1...configuration.qemuBoards).map { QEMUBenchBoard(number: $0, machine: machine) }
        } else {
            qemuBoards = []
        }
        var chain: [any ProbeConnector] = []
        if let mockBus { chain.append(mockBus) }
        chain.append(connector ?? LibUSBConnector())
        self.connector = ChainedConnector(chain)
        (wakeStream, wakeContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks the scheduling loop to look at the queue again.
    nonisolated func wake() { wakeContinuation.yield() }

    /// Recovers the store, brings up configured boards, then schedules until cancelled.
    /// `attachMockBoards: false` leaves the mock boards to arrive through udev events (tests).
    public func run(attachMockBoards: Bool = true) async {
        recover()
        if attachMockBoards, let mockBus {
            for serial in mockBus.serials {
                await probeAppeared(serial: serial, tty: mockBus.serialPath(serial))
            }
        }
        for board in qemuBoards { attach(board, problem: QEMUBenchBoard.missingTool()) }
        wake()
        await withTaskGroup(of: Void.self) { group in
            if configuration.udev {
                group.addTask { await self.watchUdev() }
            }
            group.addTask { await self.watchRemoteProbes() }
            group.addTask { await self.retryPendingWrites() }
            if store.sharedHost != nil {
                group.addTask { await self.keepLeases() }
                group.addTask { await self.listenForQueue() }
            }
            for await _ in wakeStream {
                if Task.isCancelled { break }
                for pair in planAssignments() {
                    group.addTask { await self.execute(job: pair.job, board: pair.board) }
                }
            }
            shutDown()
            group.cancelAll()
            await group.waitForAll()
        }
        if !pendingWrites.isEmpty { flushPendingWrites() }
        if !pendingWrites.isEmpty {
            logger.critical("\(pendingWrites.count) write(s) could not be stored before stopping; the jobs they concern are requeued at the next start")
        }
        logger.info("bench stopped")
    }

    /// Graceful stop: nothing new starts; running jobs stop at the next sample and are requeued,
    /// so a restarted hild runs them again without counting the stop against them.
    func shutDown() {
        shuttingDown = true
        for job in running.values { job.stop.request(.shutdown) }
        if !running.isEmpty { logger.info("stopping \(running.count) running job(s); they will be requeued") }
    }

    /// Makes the scheduler's plan real: takes each planned job from the store (on a shared store
    /// another host may have taken it first: it is dropped from the mirror), then claims its board.
    private func planAssignments() -> [Assignment.Pair] {
        guard !shuttingDown, registry.boards.contains(where: { $0.currentJob == nil && ($0.state == .idle || $0.state == .quarantined) }) else { return [] }
        let queue = queued.values.filter { running[$0.id] == nil }
            .sorted { ($0.spec.priority, -$0.id) > ($1.spec.priority, -$1.id) }
        let byID = Dictionary(uniqueKeysWithValues: queue.map { ($0.id, $0) })
        let plan = Assignment.plan(queue: queue, registry: registry)
        guard !plan.isEmpty else { return [] }
        let taken: [Int64: Lease]
        do { taken = try store.claim(plan.map(\.job), leaseSeconds: configuration.leaseSeconds) } catch {
            logger.error("cannot claim jobs from the store (tried again at the next wake): \(error)")
            return []
        }
        return plan.filter { pair in
            guard var job = byID[pair.job] else { return false }
            guard let lease = taken[pair.job] else {
                queued[pair.job] = nil  // another host took it
                return false
            }
            guard let handle = registry.claim(pair.board, job: pair.job, healthCheck: job.spec.healthCheck) else {
                if store.sharedHost != nil { giveBack(job, lease: lease) }
                return false
            }
            job.host = store.sharedHost
            if store.sharedHost != nil {
                leases[pair.job] = lease
                // Other hosts list this board from the store: it shows busy from now.
                if let info = registry.info(pair.board) { persist(info) }
            }
            running[pair.job] = RunningJob(record: job, board: handle)
            return true
        }
    }

    /// Jobs the previous process left running: requeued once, then failed as interrupted.
    private func recover() {
        do {
            try store.sweepIncoming()
            artifacts.sweepStaging()
            registry.remember(try store.boardsSeen())
            let (requeued, failed) = try store.recoverInterrupted()
            for job in requeued { queuedSince[job.id] = .now; logger.notice("job \(job.id) was running when hild stopped; queued again") }
            for job in failed { logger.notice("job \(job.id) was interrupted twice; it ends errored") }
            for job in try store.queuedJobs(limit: Self.queueMirrorLimit) { queued[job.id] = job }
        } catch {
            logger.critical("cannot recover the store: \(error)")
        }
    }
}

/// A job on its board: the record as last written, and how to stop it.
struct RunningJob: Sendable {
    var record: JobRecord
    let board: any BenchBoard
    let stop = StopSignal()
    var lastProgressWrite: ContinuousClock.Instant = .now - .seconds(10)
    var phase: String?
    var flashStart: ContinuousClock.Instant?
}

/// Set from the actor, read by the job's thread between samples.
final class StopSignal: @unchecked Sendable {
    /// `leaseLost`: another host requeued the job after this one's lease ran out; it owns it now.
    enum Reason: Sendable { case cancel, shutdown, leaseLost }
    private let lock = NSLock()
    private var value: Reason?
    func request(_ reason: Reason) { lock.withLock { if value == nil { value = reason } } }
    var reason: Reason? { lock.withLock { value } }
}
