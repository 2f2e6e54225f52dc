import Foundation
import GRDB
import HilAPI

/// The listing queries, named so a test can check that SQLite answers them from an index.
enum JobSQL {
    static let queue = "SELECT * FROM job WHERE state = ? ORDER BY priority DESC, id ASC LIMIT ?"
    static let byStateNewest = "SELECT * FROM job WHERE state = ? ORDER BY id DESC LIMIT ?"
    static let newest = "SELECT * FROM job ORDER BY id DESC LIMIT ?"
}

/// Jobs: one row each, the spec and other nested values as JSON beside the indexed columns the
/// queue and listings filter and sort on.
extension BenchStore {
    /// A new job: queued, no attempts yet, with its "queued" event. Ids count from 1 and are
    /// never reused.
    public func insertJob(_ spec: JobSpec, submittedAt: Date) throws(StoreError) -> JobRecord {
        let specJSON = try json(spec)
        return try write { db in
            // Cached statements: the daemon's benchmark submits thousands of jobs in a row.
            try db.cachedStatement(sql: """
                INSERT INTO job (spec, priority, state, submitted_at, failed_boards, checks)
                VALUES (?, ?, ?, ?, '[]', '[]')
                """
            ).execute(arguments: [specJSON, spec.priority, JobState.queued.rawValue, submittedAt.column])
            let record = JobRecord(id: db.lastInsertedRowID, spec: spec, state: .queued, submittedAt: submittedAt)
            let what = spec.name.map { "'\($0)' " } ?? ""
            _ = try insertEvent(
                JobEvent(jobID: record.id, time: submittedAt, kind: "queued",
                         message: "job \(record.id) \(what)queued with priority \(spec.priority)"),
                db, jobKnown: true)
            return record
        }
    }

    public func job(_ id: Int64) throws(StoreError) -> JobRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id]).map(jobRecord)
        }
    }

    /// Newest first (by id, i.e. by submission), optionally one state only, at most `limit`.
    public func jobs(state: JobState?, limit: Int) throws(StoreError) -> [JobRecord] {
        let limit = max(0, limit)
        return try read { db in
            let rows: [Row]
            if let state {
                // Served by the job_state index in id order: no sort, however many jobs.
                rows = try Row.fetchAll(db, sql: JobSQL.byStateNewest, arguments: [state.rawValue, limit])
            } else {
                rows = try Row.fetchAll(db, sql: JobSQL.newest, arguments: [limit])
            }
            return try rows.map { row in try finished.listed(id: row["id"], state: row["state"]) { try jobRecord(row) } }
        }
    }

    /// Queued jobs in the order they should run: higher priority first, then oldest first.
    public func queuedJobs(limit: Int) throws(StoreError) -> [JobRecord] {
        try read { db in
            try Row.fetchAll(db, sql: JobSQL.queue, arguments: [JobState.queued.rawValue, Int64(clamping: limit)]).map(jobRecord)
        }
    }

    /// Writes every field of the record. Throws `unknownJob` for an id the store does not hold.
    public func updateJob(_ record: JobRecord) throws(StoreError) {
        finished.forget(record.id)
        let values = try columns(of: record)
        try write { db in try update(values, id: record.id, db) }
    }

    /// Writes the record and appends the event in one transaction, so a job's state and its log
    /// never disagree, even if hild dies between the two. Returns the event with its seq.
    /// One hild owns this store, so there is no lease to check.
    public func updateJob(_ record: JobRecord, appending event: JobEvent, lease: Lease?) throws(StoreError) -> JobEvent {
        finished.forget(record.id)
        let values = try columns(of: record)
        return try write { db in
            try update(values, id: record.id, db)
            return try insertEvent(event, db)
        }
    }

    /// How many jobs are in each state; every state is present, 0 when none.
    public func jobCounts() throws(StoreError) -> [JobState: Int] {
        let rows = try read { db in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM job GROUP BY state") }
        var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
        for row in rows {
            let raw: String = row["state"]
            counts[try enumValue(JobState.self, raw, "a job's state")] = row["n"]
        }
        return counts
    }

    // MARK: - Rows

    /// The record's columns, encoded before the transaction starts so the writer is held briefly.
    func columns(of r: JobRecord) throws(StoreError) -> StatementArguments {
        [
            "id": r.id, "spec": try json(r.spec), "priority": r.spec.priority, "state": r.state.rawValue,
            "reason": r.reason, "failure_kind": r.failureKind, "attempts": r.attempts, "board": r.board,
            "failed_boards": try json(r.failedBoards), "submitted_at": r.submittedAt.column,
            "started_at": r.startedAt?.column, "finished_at": r.finishedAt?.column,
            "progress": try jsonIfPresent(r.progress), "summary": try jsonIfPresent(r.summary),
            "checks": try json(r.checks),
        ]
    }

    func update(_ values: StatementArguments, id: Int64, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                UPDATE job SET spec = :spec, priority = :priority, state = :state, reason = :reason,
                    failure_kind = :failure_kind, attempts = :attempts, board = :board,
                    failed_boards = :failed_boards, submitted_at = :submitted_at, started_at = :started_at,
                    finished_at = :finished_at, progress = :progress, summary = :summary, checks = :checks
                WHERE id = :id
                """
        ).execute(arguments: values)
        if db.changesCount == 0 {
            throw StoreError.unknownJob(id)
        }
    }

    func jobRecord(_ row: Row) throws -> JobRecord {
        let id: Int64 = try row.decode(forColumn: "id")
        let place = "job \(id)'s"
        return JobRecord(
            id: id,
            spec: try decode(JobSpec.self, from: try row.decode(forColumn: "spec"), "\(place) spec"),
            state: try enumValue(JobState.self, try row.decode(forColumn: "state"), "\(place) state"),
            reason: try row.decode(forColumn: "reason"),
            failureKind: try row.decode(forColumn: "failure_kind"),
            attempts: try row.decode(forColumn: "attempts"),
            board: try row.decode(forColumn: "board"),
            failedBoards: try decode([String].self, from: try row.decode(forColumn: "failed_boards"), "\(place) failed_boards"),
            submittedAt: Date(column: try row.decode(forColumn: "submitted_at")),
            startedAt: (try row.decode(Double?.self, forColumn: "started_at")).map(Date.init(column:)),
            finishedAt: (try row.decode(Double?.self, forColumn: "finished_at")).map(Date.init(column:)),
            progress: try decodeIfPresent(JobProgress.self, from: try row.decode(forColumn: "progress"), "\(place) progress"),
            summary: try decodeIfPresent(JobSummary.self, from: try row.decode(forColumn: "summary"), "\(place) summary"),
            checks: try decode([ThresholdCheck].self, from: try row.decode(forColumn: "checks"), "\(place) checks"))
    }
}
