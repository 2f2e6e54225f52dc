import Foundation
import HilAPI

/// Jobs, their logs and results in the shared store: the same rows and rules as the SQLite
/// store's, with each write for a running job fenced by the lease it runs under.
extension PostgresStore {
    public func insertJob(_ spec: JobSpec, submittedAt: Date) throws(StoreError) -> JobRecord {
        let specJSON = try json(spec)
        return try transaction { tx in
            let rows = try tx.execute("""
                INSERT INTO job (spec, priority, state, submitted_at) VALUES ($1, $2, 'queued', $3) RETURNING id
                """, [.text(specJSON), .int(spec.priority), .double(submittedAt.column)])
            let id = try required(rows.int(0, "id"), "a new job's id")
            let what = spec.name.map { "'\($0)' " } ?? ""
            _ = try insertEvent(JobEvent(jobID: id, time: submittedAt, kind: "queued",
                                         message: "job \(id) \(what)queued with priority \(spec.priority) (submitted on \(host))"), tx)
            // Delivered at commit: every hild with a free board looks at the queue.
            try tx.execute("SELECT pg_notify('\(Self.queueChannel)', $1)", [.int(id)])
            return JobRecord(id: id, spec: spec, state: .queued, submittedAt: submittedAt)
        }
    }

    public func job(_ id: Int64) throws(StoreError) -> JobRecord? {
        let rows = try sql("SELECT * FROM job WHERE id = $1", [.int(id)])
        return rows.count == 0 ? nil : try jobRecord(rows, 0)
    }

    public func jobs(state: JobState?, limit: Int) throws(StoreError) -> [JobRecord] {
        let limit = max(0, limit)
        let rows: PQConnection.Rows
        if let state {
            rows = try sql("SELECT * FROM job WHERE state = $1 ORDER BY id DESC LIMIT $2", [.text(state.rawValue), .int(limit)])
        } else {
            rows = try sql("SELECT * FROM job ORDER BY id DESC LIMIT $1", [.int(limit)])
        }
        return try (0..<rows.count).map { i throws(StoreError) in
            try finished.listed(id: rows.int(i, "id"), state: rows.string(i, "state")) { () throws(StoreError) in try jobRecord(rows, i) }
        }
    }

    public func queuedJobs(limit: Int) throws(StoreError) -> [JobRecord] {
        let rows = try sql("SELECT * FROM job WHERE state = 'queued' ORDER BY priority DESC, id LIMIT $1",
                           [.int(Int64(clamping: limit))])
        return try (0..<rows.count).map { i throws(StoreError) in try jobRecord(rows, i) }
    }

    /// A record that is not `running` leaves its holder: the lease ends with the attempt. A job
    /// returning to the queue is announced to every host.
    public func updateJob(_ record: JobRecord, appending event: JobEvent, lease: Lease?) throws(StoreError) -> JobEvent {
        finished.forget(record.id)
        var values = try columns(of: record)
        let releases = record.state != .running
        var fence: String
        if let lease {
            values += [.text(lease.host), .int(lease.generation)]
            fence = "owner_host = $\(values.count - 1) AND lease_generation = $\(values.count)"
        } else {
            // A write from no lease (a cancel while queued, recovery) must not touch a job that
            // some host holds now.
            fence = "owner_host IS NULL"
        }
        let fenceSQL = fence
        return try transaction { tx in
            let updated = try tx.execute("""
                UPDATE job SET spec = $2, priority = $3, state = $4, reason = $5, failure_kind = $6, attempts = $7,
                    board = $8, failed_boards = $9, submitted_at = $10, started_at = $11, finished_at = $12,
                    progress = $13, summary = $14, checks = $15, host = COALESCE($16, host)
                    \(releases ? ", owner_host = NULL, lease_expires = NULL, cancel_requested = false" : "")
                WHERE id = $1 AND \(fenceSQL)
                """, values)
            if updated.affected == 0 { throw try refusal(record.id, lease: lease, tx) }
            if record.state == .queued { try tx.execute("SELECT pg_notify('\(Self.queueChannel)', $1)", [.int(record.id)]) }
            return try insertEvent(event, tx)
        }
    }

    /// Why a fenced write matched no row: the job is unknown, or another host (or none) holds it.
    func refusal(_ id: Int64, lease: Lease?, _ tx: PQConnection.Transaction) throws -> StoreError {
        let rows = try tx.execute("SELECT owner_host FROM job WHERE id = $1", [.int(id)])
        guard rows.count == 1 else { return .unknownJob(id) }
        return .leaseLost(id, host: lease?.host ?? host, owner: rows.string(0, "owner_host"))
    }

    public func jobCounts() throws(StoreError) -> [JobState: Int] {
        let rows = try sql("SELECT state, COUNT(*) AS n FROM job GROUP BY state")
        var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
        for i in 0..<rows.count {
            counts[try enumValue(JobState.self, rows.string(i, "state"), "a job's state")] = Int(rows.int(i, "n") ?? 0)
        }
        return counts
    }

    public func appendEvent(_ event: JobEvent) throws(StoreError) -> JobEvent {
        try transaction { tx in try insertEvent(event, tx) }
    }

    public func events(job: Int64, after: Int64) throws(StoreError) -> [JobEvent] {
        let rows = try sql("SELECT * FROM job_event WHERE job_id = $1 AND seq > $2 ORDER BY seq", [.int(job), .int(after)])
        return try (0..<rows.count).map { i throws(StoreError) in try jobEvent(rows, i) }
    }

    /// Inside a transaction: takes the job's next seq under its row lock, then tells listeners.
    func insertEvent(_ event: JobEvent, _ tx: PQConnection.Transaction) throws -> JobEvent {
        let next = try tx.execute("UPDATE job SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq", [.int(event.jobID)])
        guard let seq = next.int(0, "event_seq") else { throw StoreError.unknownJob(event.jobID) }
        var stored = event
        stored.seq = seq
        try tx.execute("""
            INSERT INTO job_event (job_id, seq, time, kind, message, board, progress, state)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, [.int(stored.jobID), .int(seq), .double(stored.time.column), .text(stored.kind), .text(stored.message),
                  .string(stored.board), try jsonValue(stored.progress), .string(stored.state?.rawValue)])
        try tx.execute("SELECT pg_notify('\(Self.eventsChannel)', $1)", [.int(stored.jobID)])
        return stored
    }

    public func saveResults(job: Int64, attempt: Int, report: Data, samples: [SampleResultRow], lease: Lease?, now: Date) throws(StoreError) {
        try transaction { tx in
            // The job's row, locked for the transaction: the lease cannot change hands halfway.
            let holder = try tx.execute("SELECT owner_host, lease_generation FROM job WHERE id = $1 FOR UPDATE", [.int(job)])
            guard holder.count == 1 else { throw StoreError.unknownJob(job) }
            if let lease, holder.string(0, "owner_host") != lease.host || holder.int(0, "lease_generation") != lease.generation {
                throw StoreError.leaseLost(job, host: lease.host, owner: holder.string(0, "owner_host"))
            }
            try tx.execute("DELETE FROM sample_result WHERE job_id = $1 AND attempt = $2", [.int(job), .int(attempt)])
            try tx.execute("""
                INSERT INTO report (job_id, attempt, body, saved_at, host) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (job_id, attempt) DO UPDATE SET body = excluded.body, saved_at = excluded.saved_at, host = excluded.host
                """, [.int(job), .int(attempt), .bytes(report), .double(now.column), .text(host)])
            // Many rows per statement: a test set has thousands of samples and each statement is a
            // round trip to the server.
            for batch in stride(from: 0, to: samples.count, by: 500) {
                let part = samples[batch..<min(batch + 500, samples.count)]
                var values: [PQConnection.Value] = [.int(job), .int(attempt)]
                var tuples: [String] = []
                for s in part {
                    let base = values.count
                    tuples.append("($1, $2, $\(base + 1), $\(base + 2), $\(base + 3), $\(base + 4), $\(base + 5), $\(base + 6))")
                    values += [.int(s.index), .text(s.source), .int(s.label), .int(s.predicted), .int(s.reference),
                               .int(Int64(bitPattern: s.cycles))]
                }
                try tx.execute("INSERT INTO sample_result (job_id, attempt, idx, source, label, predicted, reference, cycles) VALUES "
                               + tuples.joined(separator: ", "), values)
            }
        }
    }

    public func report(job: Int64) throws(StoreError) -> Data? {
        let rows = try sql("SELECT body FROM report WHERE job_id = $1 ORDER BY attempt DESC LIMIT 1", [.int(job)], binary: true)
        return rows.count == 0 ? nil : rows[0, "body"]
    }

    public func samples(job: Int64) throws(StoreError) -> [SampleResultRow] {
        let rows = try sql("""
            SELECT * FROM sample_result
            WHERE job_id = $1 AND attempt = (SELECT MAX(attempt) FROM report WHERE job_id = $1) ORDER BY idx
            """, [.int(job)])
        return try (0..<rows.count).map { i throws(StoreError) in
            SampleResultRow(index: Int(try required(rows.int(i, "idx"), "a sample's index")),
                            source: rows.string(i, "source") ?? "",
                            label: Int(rows.int(i, "label") ?? 0), predicted: Int(rows.int(i, "predicted") ?? 0),
                            reference: Int(rows.int(i, "reference") ?? 0),
                            cycles: UInt64(bitPattern: rows.int(i, "cycles") ?? 0))
        }
    }

    // MARK: - Rows

    /// $1 … $16 of the job UPDATE, encoded before the transaction starts.
    func columns(of r: JobRecord) throws(StoreError) -> [PQConnection.Value] {
        [.int(r.id), .text(try json(r.spec)), .int(r.spec.priority), .text(r.state.rawValue), .string(r.reason),
         .string(r.failureKind), .int(r.attempts), .string(r.board), .text(try json(r.failedBoards)),
         .double(r.submittedAt.column), .double(r.startedAt?.column), .double(r.finishedAt?.column),
         try jsonValue(r.progress), try jsonValue(r.summary), .text(try json(r.checks)), .string(r.host)]
    }

    func jobRecord(_ rows: PQConnection.Rows, _ i: Int) throws(StoreError) -> JobRecord {
        let id = try required(rows.int(i, "id"), "a job's id")
        let place = "job \(id)'s"
        return JobRecord(
            id: id,
            spec: try decode(JobSpec.self, rows.string(i, "spec"), "\(place) spec"),
            state: try enumValue(JobState.self, rows.string(i, "state"), "\(place) state"),
            reason: rows.string(i, "reason"),
            failureKind: rows.string(i, "failure_kind"),
            attempts: Int(rows.int(i, "attempts") ?? 0),
            board: rows.string(i, "board"),
            failedBoards: try decode([String].self, rows.string(i, "failed_boards"), "\(place) failed_boards"),
            submittedAt: Date(column: try required(rows.double(i, "submitted_at"), "\(place) submitted_at")),
            startedAt: rows.double(i, "started_at").map(Date.init(column:)),
            finishedAt: rows.double(i, "finished_at").map(Date.init(column:)),
            progress: try decodeIfPresent(JobProgress.self, rows.string(i, "progress"), "\(place) progress"),
            summary: try decodeIfPresent(JobSummary.self, rows.string(i, "summary"), "\(place) summary"),
            checks: try decode([ThresholdCheck].self, rows.string(i, "checks"), "\(place) checks"),
            host: rows.string(i, "host"))
    }

    func jobEvent(_ rows: PQConnection.Rows, _ i: Int) throws(StoreError) -> JobEvent {
        let job = try required(rows.int(i, "job_id"), "an event's job")
        let seq = try required(rows.int(i, "seq"), "an event's seq")
        let place = "event \(seq) of job \(job)"
        return JobEvent(
            seq: seq, jobID: job,
            time: Date(column: try required(rows.double(i, "time"), "\(place)'s time")),
            kind: rows.string(i, "kind") ?? "",
            message: rows.string(i, "message") ?? "",
            board: rows.string(i, "board"),
            progress: try decodeIfPresent(JobProgress.self, rows.string(i, "progress"), "\(place)'s progress"),
            state: try rows.string(i, "state").map { raw throws(StoreError) in try enumValue(JobState.self, raw, "\(place)'s state") })
    }
}
