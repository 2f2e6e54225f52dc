import Foundation
import HilAPI
import HildStore

/// A bench of several hosts: hilds sharing one store (PostgreSQL). Each claims jobs for its own
/// boards; what it claims it holds under a lease it renews every third of `leaseSeconds`; any
/// host requeues the jobs of a host whose lease ran out. Other hosts' changes arrive by NOTIFY
/// (and, should a notification be missed, at the next renewal tick).
extension Bench {
    /// The queued jobs the scheduler looks at on a shared store, the first in run order: enough
    /// to keep every board busy, few enough to reload on every change.
    static let queueMirrorLimit = 2_000

    /// Renews this host's leases, stops the runs it no longer holds or that a client cancelled
    /// through another host, and requeues other hosts' expired jobs. Until cancelled.
    func keepLeases() async {
        let period = Duration.seconds(configuration.leaseSeconds / 3)
        while !Task.isCancelled {
            leaseTick()
            try? await Task.sleep(for: period)
        }
    }

    func leaseTick() {
        do {
            let renewal = try store.renewLeases(held: leases, leaseSeconds: configuration.leaseSeconds)
            for id in renewal.lost { lostLease(job: id) }
            for id in renewal.cancelRequested { running[id]?.stop.request(.cancel) }
            let expired = try store.expireLeases(maxAttempts: configuration.maxAttempts, now: Date())
            for event in expired {
                logger.notice("job \(event.jobID): \(event.message)")
                published(event)
            }
            refreshQueue()
            otherHostsBoards = try (store.benchBoards() ?? []).filter { $0.host != store.sharedHost }
            if renewalFailures > 0 {
                // Board changes are stored as they happen; those the outage refused are stored now.
                for info in registry.boards { persist(info) }
                logger.notice("the shared store is back after \(renewalFailures) failed renewal(s); leases held: \(leases.count)")
                renewalFailures = 0
            }
        } catch {
            // The database is away: nothing is renewed, so once leaseSeconds have passed the
            // database's clock has run out this host's leases, and its runs learn so at the first
            // renewal that reaches it (a write before that is kept only if no host took the job).
            renewalFailures += 1
            if renewalFailures == 1 {
                logger.error("cannot renew this host's leases in the shared store (tried every \(configuration.leaseSeconds / 3) s; its jobs are requeued elsewhere if this lasts \(configuration.leaseSeconds) s): \(error)")
            }
        }
    }

    /// This host no longer holds `job` (its lease ran out and another host requeued it): its run
    /// here stops at the next sample and writes nothing more.
    func lostLease(job id: Int64) {
        leases[id] = nil
        guard let job = running[id], job.stop.reason == nil || job.stop.reason == .cancel else { return }
        job.stop.request(.leaseLost)
        logger.warning("job \(id): this host's lease on it ran out and another host requeued it; stopping the run on \(job.record.board ?? "its board") without writing its result")
    }

    /// A job claimed in the store whose board was taken meanwhile goes back to the queue.
    func giveBack(_ job: JobRecord, lease: Lease) {
        var record = job
        record.state = .queued
        record.board = nil
        leases[job.id] = lease
        write(record, event: JobEvent(jobID: job.id, kind: "log", message: "the board planned for it was taken meanwhile; back in the queue"))
    }

    /// Reloads the queue mirror: jobs other hosts queued, requeued or took.
    func refreshQueue() {
        let fresh: [JobRecord]
        do { fresh = try store.queuedJobs(limit: Self.queueMirrorLimit) } catch {
            logger.error("cannot read the shared queue: \(error)")
            return
        }
        var next: [Int64: JobRecord] = [:]
        for job in fresh where running[job.id] == nil {
            next[job.id] = job
            if queued[job.id] == nil && queuedSince[job.id] == nil { queuedSince[job.id] = .now }
        }
        for id in queued.keys where next[id] == nil && running[id] == nil { queuedSince[id] = nil }
        queued = next
        wake()
    }

    /// Brings the named jobs' entries in the queue mirror up to date.
    func mirror(_ ids: Set<Int64>) {
        for id in ids.sorted() where running[id] == nil {
            let job: JobRecord?
            do { job = try store.job(id) } catch {
                logger.error("cannot read job \(id) from the shared queue: \(error)")
                continue
            }
            if let job, job.state == .queued {
                if queued[id] == nil && queuedSince[id] == nil { queuedSince[id] = .now }
                queued[id] = job
            } else {
                queued[id] = nil
                queuedSince[id] = nil
            }
        }
        wake()
    }

    /// Followers hear a stored event. On a shared store other hosts write events too, so the
    /// job's stream is read back from the store in order instead (the hub drops repeats).
    func published(_ event: JobEvent) {
        guard store.sharedHost != nil, hub.isFollowed(event.jobID) else {
            hub.publish(event)
            return
        }
        catchUp(job: event.jobID)
    }

    /// Sends a followed job's stored events that its followers have not had yet.
    func catchUp(job id: Int64) {
        guard let last = hub.followed[id] else { return }
        do {
            for event in try store.events(job: id, after: last) { hub.publish(event) }
        } catch {
            logger.error("cannot read job \(id)'s events for its followers: \(error)")
        }
    }

    /// Waits for other hosts' NOTIFYs on a thread of its own and applies them here: a job queued
    /// anywhere wakes the scheduler, an event reaches this host's followers of that job.
    func listenForQueue() async {
        var failures = 0
        while !Task.isCancelled {
            let listener: any StoreListener
            do {
                guard let opened = try store.listener() else { return }
                listener = opened
                failures = 0
            } catch {
                failures += 1
                if failures == 1 { logger.error("cannot listen to the shared store (renewal ticks still pick up changes): \(error)") }
                try? await Task.sleep(for: .seconds(min(Double(failures), 10)))
                continue
            }
            while !Task.isCancelled {
                let heard: Result<[StoreNotification], StoreError> = await onThread {
                    do throws(StoreError) { return .success(try listener.wait(timeout: 1)) } catch { return .failure(error) }
                }
                guard case let .success(notifications) = heard else {
                    if case let .failure(error) = heard { logger.warning("the shared store's notifications stopped; listening again: \(error)") }
                    break
                }
                heardChanges(notifications)
            }
        }
    }

    /// A NOTIFY names the job: only that row is read. Reloading the whole queue on every
    /// notification made each submit cost every host a decode of up to `queueMirrorLimit` rows
    /// (bench-benchmark --farm: 70 ms of CPU per host per submit with 2,000 queued); the whole
    /// queue is reread at the renewal tick instead.
    func heardChanges(_ notifications: [StoreNotification]) {
        guard !notifications.isEmpty else { return }
        var queuedIDs: Set<Int64> = []
        for n in notifications where n.channel == StoreNotification.queueChannel {
            guard let id = Int64(n.payload) else { return refreshQueue() }
            queuedIDs.insert(id)
        }
        if !queuedIDs.isEmpty { mirror(queuedIDs) }
        let jobs = Set(notifications.filter { $0.channel == StoreNotification.eventsChannel }.compactMap { Int64($0.payload) })
        for id in jobs where hub.isFollowed(id) { catchUp(job: id) }
    }
}
