import Foundation
import GRDB
import HilAPI

/// A job's log: events numbered per job from 1, in the order they were stored.
extension BenchStore {
    /// Appends an event; its seq is the job's previous highest + 1, assigned inside the write
    /// transaction (writes are serialized, so two appends never get the same seq).
    /// Throws `unknownJob` when the job is not in the store.
    public func appendEvent(_ event: JobEvent) throws(StoreError) -> JobEvent {
        try write { db in try insertEvent(event, db) }
    }

    /// Events of a job with seq > `after`, oldest first.
    public func events(job: Int64, after: Int64) throws(StoreError) -> [JobEvent] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM job_event WHERE job_id = ? AND seq > ? ORDER BY seq",
                arguments: [job, after]
            ).map(jobEvent)
        }
    }

    /// Inside a write transaction. `jobKnown` skips the existence check for a job inserted
    /// in the same transaction.
    func insertEvent(_ event: JobEvent, _ db: Database, jobKnown: Bool = false) throws -> JobEvent {
        // Checked here rather than left to the foreign key so the caller learns which job, and
        // so the whole transaction (e.g. the update beside it) rolls back.
        if !jobKnown {
            let exists = try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM job WHERE id = ?)")
            guard try Bool.fetchOne(exists, arguments: [event.jobID]) == true else { throw StoreError.unknownJob(event.jobID) }
        }
        let maxSeq = try db.cachedStatement(sql: "SELECT MAX(seq) FROM job_event WHERE job_id = ?")
        let last = try Int64.fetchOne(maxSeq, arguments: [event.jobID]) ?? 0
        var stored = event
        stored.seq = last + 1
        try db.cachedStatement(sql: """
            INSERT INTO job_event (job_id, seq, time, kind, message, board, progress, state)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """
        ).execute(arguments: [stored.jobID, stored.seq, stored.time.column, stored.kind, stored.message, stored.board,
                        try jsonIfPresent(stored.progress), stored.state?.rawValue])
        return stored
    }

    func jobEvent(_ row: Row) throws -> JobEvent {
        let job: Int64 = try row.decode(forColumn: "job_id")
        let seq: Int64 = try row.decode(forColumn: "seq")
        let place = "event \(seq) of job \(job)"
        let state: String? = try row.decode(forColumn: "state")
        return JobEvent(
            seq: seq, jobID: job,
            time: Date(column: try row.decode(forColumn: "time")),
            kind: try row.decode(forColumn: "kind"),
            message: try row.decode(forColumn: "message"),
            board: try row.decode(forColumn: "board"),
            progress: try decodeIfPresent(JobProgress.self, from: try row.decode(forColumn: "progress"), "\(place)'s progress"),
            state: try state.map { raw throws(StoreError) in try enumValue(JobState.self, raw, "\(place)'s state") })
    }
}
