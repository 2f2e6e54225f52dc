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
                try store.saveResults(job: id, attempt: record.attempts, report: json, samples: report.samples.map {
                    SampleResultRow(index: $0.index, source: $0.source, label: $0.label, predicted: $0.predicted,
                                    reference: $0.reference, cycles: $0.cycles)
                })
            } catch {
                // The verdict stands even if the store refuses the report; say so on the job.
                append(JobEvent(jobID: id, kind: "log", message: "the report could not be stored: \(error)", board: boardID))
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
        }
        job.record = record
    }

    /// Final state: the record and its "finished" event in one transaction, then followers hear it.
    func end(_ record: inout JobRecord, _ state: JobState, reason: String?, kind: String?, board: String?, message: String) {
        record.state = state
        record.reason = reason
        record.failureKind = kind
        record.finishedAt = Date()
        record.progress = nil
        queuedSince[record.id] = nil
        metrics.jobFinished(state, seconds: record.startedAt.map { record.finishedAt!.timeIntervalSince($0) })
        write(record, event: JobEvent(jobID: record.id, kind: "finished", message: message, board: board, state: state))
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

    /// Writes the record with its event and tells followers.
    func write(_ record: JobRecord, event: JobEvent) {
        if running[record.id] != nil { running[record.id]?.record = record }
        queued[record.id] = record.state == .queued ? record : nil
        do {
            let stored = try store.updateJob(record, appending: event)
            hub.publish(stored)
        } catch {
            logger.error("job \(record.id): cannot store its state (\(record.state.rawValue)): \(error)")
        }
    }

    func append(_ event: JobEvent) {
        do { hub.publish(try store.appendEvent(event)) } catch {
            logger.error("job \(event.jobID): cannot store an event: \(error)")
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
