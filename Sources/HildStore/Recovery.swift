import Foundation
import GRDB
import HilAPI

/// Start-up recovery. A job still `running` in the store when hild starts was running when the
/// previous hild died: nothing is driving it any more. It gets one more chance, because a crash
/// or an upgrade restart is not the job's fault; a second interruption suggests the job itself
/// brings hild down, so it ends errored rather than crashing the daemon forever.
extension BenchStore {
    /// Settles every job left running. Call once at start, before the scheduler runs.
    /// Returns the jobs requeued and the jobs ended errored, as now stored.
    public func recoverInterrupted(now: Date) throws(StoreError) -> (requeued: [JobRecord], failed: [JobRecord]) {
        try write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM job WHERE state = ? ORDER BY id",
                                        arguments: [JobState.running.rawValue])
            var requeued: [JobRecord] = [], failed: [JobRecord] = []
            for row in rows {
                var job = try jobRecord(row)
                // The count lives only in the table: it is recovery's bookkeeping, not the API's.
                let interruptions: Int = try row.decode(forColumn: "interruptions") + 1
                let event = Interruption.settle(&job, interruptions: interruptions, who: "hild", now: now)
                try update(try columns(of: job), id: job.id, db)
                try db.execute(sql: "UPDATE job SET interruptions = ? WHERE id = ?", arguments: [interruptions, job.id])
                _ = try insertEvent(event, db)
                if job.state == .queued { requeued.append(job) } else { failed.append(job) }
            }
            return (requeued, failed)
        }
    }
}

/// The one rule both stores apply to a job whose hild stopped mid-attempt: the first interruption
/// requeues it, the second ends it errored as `interrupted`.
enum Interruption {
    /// Settles `job` in place for its `interruptions`-th interruption (1-based) and returns the
    /// event to record. `who` names the hild that stopped ("hild", or "hild on HOST").
    static func settle(_ job: inout JobRecord, interruptions: Int, who: String, now: Date) -> JobEvent {
        let attempt = job.attempts
        job.progress = nil
        if interruptions == 1 {
            job.state = .queued
            job.board = nil
            return JobEvent(jobID: job.id, time: now, kind: "retry",
                            message: "\(who) stopped during attempt \(attempt); the job is queued again (retried once after an interruption)")
        }
        job.state = .errored
        job.reason = "interrupted: hild stopped during attempt \(attempt) twice"
        job.failureKind = "interrupted"
        job.finishedAt = now
        return JobEvent(jobID: job.id, time: now, kind: "finished", message: job.reason ?? "", board: job.board, state: .errored)
    }
}
