import Foundation
import HilAPI

/// What hild keeps across restarts, behind one interface with two implementations:
/// `BenchStore` (SQLite in the state directory: one host, the default) and `PostgresStore` (one
/// PostgreSQL database shared by the hilds of a bench of several hosts).
///
/// Every call is a short blocking transaction that has committed when it returns.
public protocol JobStore: AnyObject, Sendable {
    /// Local files: the artifact cache and unpacked datasets.
    var directory: URL { get }
    /// Where the store is, for logs ("/var/lib/hil/hild.sqlite", "postgresql://db/hil").
    var location: String { get }
    /// nil when one hild owns the store; this hild's host name when several share it.
    var sharedHost: String? { get }

    func insertJob(_ spec: JobSpec, submittedAt: Date) throws(StoreError) -> JobRecord
    func job(_ id: Int64) throws(StoreError) -> JobRecord?
    func jobs(state: JobState?, limit: Int) throws(StoreError) -> [JobRecord]
    /// Queued jobs in run order (priority, then age), at most `limit`.
    func queuedJobs(limit: Int) throws(StoreError) -> [JobRecord]
    /// The record and its event in one transaction. With a `lease`, only while this host still
    /// holds the job under that lease: otherwise `leaseLost`, and nothing is written.
    func updateJob(_ record: JobRecord, appending event: JobEvent, lease: Lease?) throws(StoreError) -> JobEvent
    func jobCounts() throws(StoreError) -> [JobState: Int]
    func appendEvent(_ event: JobEvent) throws(StoreError) -> JobEvent
    func events(job: Int64, after: Int64) throws(StoreError) -> [JobEvent]
    func saveResults(job: Int64, attempt: Int, report: Data, samples: [SampleResultRow], lease: Lease?, now: Date) throws(StoreError)
    func report(job: Int64) throws(StoreError) -> Data?
    func samples(job: Int64) throws(StoreError) -> [SampleResultRow]

    func recordBoard(_ board: BoardInfo) throws(StoreError)
    /// This host's boards, as last recorded.
    func boardsSeen() throws(StoreError) -> [BoardInfo]

    func putArtifact(kind: ArtifactKind, bytes: Data, now: Date) throws(StoreError) -> ArtifactInfo
    func artifact(_ id: ArtifactID) throws(StoreError) -> ArtifactInfo?
    /// A local file holding the artifact's bytes, checked against its SHA-256.
    func artifactFile(_ id: ArtifactID) throws(StoreError) -> URL
    func sweepIncoming() throws(StoreError)
    /// Settles the jobs this host left running when it stopped: requeued once, then errored.
    func recoverInterrupted(now: Date) throws(StoreError) -> (requeued: [JobRecord], failed: [JobRecord])

    // MARK: The shared queue (no-ops where one hild owns the store)

    /// Takes the queued jobs among `jobs` that no other host has taken, each under a new lease;
    /// the others are skipped, not waited for.
    func claim(_ jobs: [Int64], leaseSeconds: Double) throws(StoreError) -> [Int64: Lease]
    /// Renews this host's leases (its heartbeat, its boards, the jobs in `held`) and says which
    /// of them it no longer holds and which another host asked to cancel.
    func renewLeases(held: [Int64: Lease], leaseSeconds: Double) throws(StoreError) -> LeaseRenewal
    /// Requeues (or, without attempts left, errors) the jobs of hosts whose leases expired.
    /// Each job once: the returned events are the ones written.
    func expireLeases(maxAttempts: Int, now: Date) throws(StoreError) -> [JobEvent]
    /// Every host's boards, those of a host whose lease expired shown offline; nil when the
    /// store is not shared (the registry is the whole bench).
    func benchBoards() throws(StoreError) -> [BoardInfo]?
    /// Asks the host running `job` to stop it; false when no host runs it.
    func requestCancel(job: Int64) throws(StoreError) -> Bool
    /// A connection that hears other hosts' queue and event changes; nil when there are none.
    func listener() throws(StoreError) -> (any StoreListener)?
}

/// Hears what other hosts change in a shared store (PostgreSQL's LISTEN). Blocks while it waits:
/// call it from a thread of its own.
public protocol StoreListener: Sendable {
    /// Waits up to `timeout` seconds; empty on timeout.
    func wait(timeout: Double) throws(StoreError) -> [StoreNotification]
}

/// One change: on `queueChannel` a job entered the queue, on `eventsChannel` a job has a new
/// event; the payload is the job id.
public struct StoreNotification: Sendable, Equatable {
    public static let queueChannel = "hil_queue"
    public static let eventsChannel = "hil_events"
    public var channel: String
    public var payload: String
    public init(channel: String, payload: String) { self.channel = channel; self.payload = payload }
}

/// A host's hold on a job it runs: its name and the job's lease generation when it took it.
/// A newer claim of the same job has a higher generation, so a write under this one is refused
/// (fencing): a host that wakes after its lease expired cannot overwrite the new owner's work.
public struct Lease: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var generation: Int64
    public init(host: String, generation: Int64) { self.host = host; self.generation = generation }
    public var description: String { "\(host)#\(generation)" }
}

public struct LeaseRenewal: Sendable, Equatable {
    /// Jobs this host ran but no longer holds: their lease expired and another host requeued them.
    public var lost: [Int64] = []
    /// Jobs it runs that a client, through another host, asked to cancel.
    public var cancelRequested: [Int64] = []
    public init(lost: [Int64] = [], cancelRequested: [Int64] = []) { self.lost = lost; self.cancelRequested = cancelRequested }
}

extension JobStore {
    public func insertJob(_ spec: JobSpec) throws(StoreError) -> JobRecord { try insertJob(spec, submittedAt: Date()) }
    public func updateJob(_ record: JobRecord, appending event: JobEvent) throws(StoreError) -> JobEvent {
        try updateJob(record, appending: event, lease: nil)
    }
    public func saveResults(job: Int64, attempt: Int, report: Data, samples: [SampleResultRow]) throws(StoreError) {
        try saveResults(job: job, attempt: attempt, report: report, samples: samples, lease: nil, now: Date())
    }
    public func putArtifact(kind: ArtifactKind, bytes: Data) throws(StoreError) -> ArtifactInfo {
        try putArtifact(kind: kind, bytes: bytes, now: Date())
    }
    public func recoverInterrupted() throws(StoreError) -> (requeued: [JobRecord], failed: [JobRecord]) {
        try recoverInterrupted(now: Date())
    }
    public func queuedJobs() throws(StoreError) -> [JobRecord] { try queuedJobs(limit: Int.max) }
}
