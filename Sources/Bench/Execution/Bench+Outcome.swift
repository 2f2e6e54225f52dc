import Foundation
import Deployer
import HilAPI
import HildStore
import Logging

extension Bench {
    /// Records what the attempt came to, frees the board and decides the job's next state:
    /// passed or failed (a verdict, never retried), queued again (the bench failed and attempts
    /// remain), errored (they do not), cancelled, or queued again uncharged (hild is stopping).
    func finish(job id: Int64, board boardID: String, outcome: Result<EvaluationReport, AttemptFailure>) {
        guard var job = running.removeValue(forKey: id) else { return }
        var record = job.record
        record.progress = nil
        let healthCheck = record.spec.healthCheck
        switch outcome {
        case let .success(report):
            let summary = Verdict.summary(report)
            let checks = Verdict.checks(summary, record.spec.thresholds)
            record.summary = summary
            record.checks = checks
            do {
                let json = try APIJSON.reportData(report)
                // Queued behind any write the store refused, and kept if it refuses this one: the
                // job's final state is written after its report, never before.
                save(.results(job: id, attempt: record.attempts, report: json, samples: report.samples.map {
                    SampleResultRow(index: $0.index, source: $0.source, label: $0.label, predicted: $0.predicted,
                                    reference: $0.reference, cycles: $0.cycles)
                }, lease: leases[id]))
            } catch {
                append(JobEvent(jobID: id, kind: "log", message: "the report could not be encoded: \(error)", board: boardID))
            }
            let clock = Double(report.board.coreClockHz)
            metrics.inferences(seconds: report.samples.map { Double($0.cycles) / clock }, timerKind: report.board.timerKind)
            let failed = checks.filter { !$0.passed }
            if failed.isEmpty {
                end(&record, .passed, reason: nil, kind: nil, board: boardID,
                    message: String(format: "passed: top-1 %.2f %% over %d samples%@", summary.top1 * 100, summary.samples,
                                    summary.p50Ms.map { String(format: ", p50 %.3f ms (%@)", $0, summary.timerKind) } ?? ""))
            } else {
                end(&record, .failed, reason: "thresholds missed: " + Verdict.failureText(checks), kind: "thresholds", board: boardID,
                    message: "failed: " + Verdict.failureText(checks))
            }
            releaseBoard(boardID, healthCheck && failed.isEmpty ? .healthy : .worked)
        case let .failure(.input(reason)):
            end(&record, .failed, reason: reason, kind: "input", board: boardID, message: "failed: \(reason)")
            releaseBoard(boardID, .worked)
        case let .failure(.infrastructure(reason)):
            releaseBoard(boardID, .infrastructure(reason))
            if !record.failedBoards.contains(boardID) { record.failedBoards.append(boardID) }
            if record.attempts < configuration.maxAttempts && !shuttingDown {
                record.state = .queued
                record.board = nil
                record.reason = "attempt \(record.attempts) failed on \(boardID): \(reason)"
                queuedSince[id] = .now
                metrics.retried()
                write(record, event: JobEvent(jobID: id, kind: "retry", message: "infrastructure failure on \(boardID): \(reason); retrying (attempt \(record.attempts + 1) of \(configuration.maxAttempts)) on another matching board when one is free", board: boardID))
            } else {
                let why = "infrastructure failure on \(boardID) after \(record.attempts) attempt(s): \(reason)"
                end(&record, .errored, reason: why, kind: "infrastructure", board: boardID, message: "errored: \(why)")
            }
        case .failure(.stopped(.cancel)):
            end(&record, .cancelled, reason: "cancelled by request", kind: "cancelled", board: boardID, message: "cancelled while running on \(boardID); the board is free")
            releaseBoard(boardID, .stopped)
        case .failure(.stopped(.shutdown)):
            record.state = .queued
            record.board = nil
            record.attempts -= 1
            write(record, event: JobEvent(jobID: id, kind: "requeued", message: "hild is shutting down; the job is queued again and starts over when hild is back", board: boardID))
            releaseBoard(boardID, .stopped)
        case .failure(.stopped(.leaseLost)):
            // Another host requeued the job when this one's lease ran out, and owns it now: its
            // attempt here ends without a word to the store (any write would be refused anyway).
            leases[id] = nil
            releaseBoard(boardID, .stopped)
        }
        job.record = record
    }

    /// Final state: the record and its "finished" event in one transaction, then followers hear it.
    func end(_ record: inout JobRecord, _ state: JobState, reason: String?, kind: String?, board: String?, message: String) {
        let event = Self.settle(&record, state, reason: reason, kind: kind, board: board, message: message)
        finished(record)
        write(record, event: event)
    }

    /// The record's final fields and its "finished" event, written by the caller.
    static func settle(_ record: inout JobRecord, _ state: JobState, reason: String?, kind: String?, board: String?, message: String) -> JobEvent {
        record.state = state
        record.reason = reason
        record.failureKind = kind
        record.finishedAt = Date()
        record.progress = nil
        return JobEvent(jobID: record.id, kind: "finished", message: message, board: board, state: state)
    }

    /// The bookkeeping of a job that reached its final state.
    func finished(_ record: JobRecord) {
        queuedSince[record.id] = nil
        metrics.jobFinished(record.state, seconds: record.startedAt.flatMap { start in record.finishedAt.map { $0.timeIntervalSince(start) } })
    }

    func releaseBoard(_ id: String, _ outcome: BoardRegistry.Outcome) {
        let before = registry.info(id)?.state
        guard let info = registry.release(id, outcome: outcome) else { return }
        persist(info)
        if info.state == .quarantined && before != .quarantined {
            logger.warning("board \(id) quarantined: \(info.reason ?? "")")
            queueHealthCheck(for: id)
        } else if before == .quarantined && info.state != .quarantined {
            logger.notice("board \(id) passed its health check and is back in service")
        }
    }

    /// Writes the record with its event and tells followers. A write that ends the job's run
    /// (any state but running) is the last under its lease.
    func write(_ record: JobRecord, event: JobEvent) {
        if running[record.id] != nil { running[record.id]?.record = record }
        queued[record.id] = record.state == .queued ? record : nil
        let lease = leases[record.id]
        if record.state != .running { leases[record.id] = nil }
        save(.job(record, event, lease: lease))
    }

    func append(_ event: JobEvent) {
        // A job whose lease this host lost belongs to another host: its notes stop here too.
        if let running = running[event.jobID], running.stop.reason == .leaseLost { return }
        save(.event(event))
    }

    /// Stores `write` now, or, when the store refuses it or earlier writes still wait, keeps it
    /// to be tried again in order (`retryPendingWrites`).
    func save(_ write: PendingStoreWrite) {
        if pendingWrites.isEmpty, perform(write) { return }
        if pendingWrites.isEmpty { logger.error("the store refuses writes; keeping them to try again every second") }
        pendingWrites.append(write)
    }

    /// Writes what waits, oldest first, up to the first the store still refuses.
    func flushPendingWrites() {
        while let next = pendingWrites.first, perform(next, quietly: true) { pendingWrites.removeFirst() }
        if pendingWrites.isEmpty { logger.notice("the store takes writes again; everything kept has been written") }
    }

    func retryPendingWrites() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            if !pendingWrites.isEmpty { flushPendingWrites() }
        }
    }

    /// One write with what follows from it (followers hear a stored event); false if refused.
    /// A write refused because the lease was lost is dropped, not kept: the job is another
    /// host's now, and this host's run of it stops.
    private func perform(_ write: PendingStoreWrite, quietly: Bool = false) -> Bool {
        do {
            switch write {
            case let .job(record, event, lease): published(try store.updateJob(record, appending: event, lease: lease))
            case let .event(event): published(try store.appendEvent(event))
            case let .results(job, attempt, report, samples, lease):
                try store.saveResults(job: job, attempt: attempt, report: report, samples: samples, lease: lease, now: Date())
            }
            return true
        } catch where error.kind.isLeaseLost {
            logger.warning("\(write.what) dropped: \(error)")
            lostLease(job: write.jobID)
            return true
        } catch {
            if !quietly { logger.error("\(write.what) not stored (kept to try again): \(error)") }
            return false
        }
    }

    func persist(_ board: BoardInfo) {
        do { try store.recordBoard(board) } catch { logger.error("cannot store board \(board.id): \(error)") }
    }
}

extension APIJSON {
    /// The run report as the API serves it: the report's own JSON (schema_version 2).
    static func reportData(_ report: EvaluationReport) throws -> Data { Data(try report.json().utf8) }
}

/// A store write kept until the store takes it.
enum PendingStoreWrite: Sendable {
    case job(JobRecord, JobEvent, lease: Lease?)
    case event(JobEvent)
    case results(job: Int64, attempt: Int, report: Data, samples: [SampleResultRow], lease: Lease?)

    var what: String {
        switch self {
        case let .job(record, _, _): "job \(record.id)'s state (\(record.state.rawValue))"
        case let .event(event): "job \(event.jobID)'s \(event.kind) event"
        case let .results(job, attempt, _, samples, _): "job \(job)'s report of attempt \(attempt) (\(samples.count) samples)"
        }
    }

    var jobID: Int64 {
        switch self {
        case let .job(record, _, _): record.id
        case let .event(event): event.jobID
        case let .results(job, _, _, _, _): job
        }
    }
}
