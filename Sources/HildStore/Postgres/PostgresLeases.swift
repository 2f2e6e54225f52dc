import Foundation
import HilAPI

/// Claims, leases and their expiry: how several hilds share one queue without a coordinator.
///
/// - A claim takes queued jobs with `FOR UPDATE SKIP LOCKED`: two hosts claiming at once each get
///   different jobs, and neither waits for the other.
/// - Each claim bumps the job's lease generation; every later write for the job names the
///   generation it runs under and is refused once it is not the current one (fencing).
/// - A lease is renewed while it is valid, never revived after it ran out: a host that was
///   stopped past its lease finds the job lost even if no other host has swept it yet.
/// - Any host sweeps expired leases; the row lock makes each requeue happen once.
extension PostgresStore {
    public func claim(_ jobs: [Int64], leaseSeconds: Double) throws(StoreError) -> [Int64: Lease] {
        guard !jobs.isEmpty else { return [:] }
        let rows = try sql("""
            WITH picked AS (
                SELECT id FROM job WHERE id = ANY($1::bigint[]) AND state = 'queued' AND owner_host IS NULL
                ORDER BY priority DESC, id FOR UPDATE SKIP LOCKED
            )
            UPDATE job SET state = 'running', owner_host = $2, host = $2, lease_generation = job.lease_generation + 1,
                lease_expires = \(Self.databaseNow) + $3, cancel_requested = false
            FROM picked WHERE job.id = picked.id
            RETURNING job.id, job.lease_generation
            """, [.text("{" + jobs.map(String.init).joined(separator: ",") + "}"), .text(host), .double(leaseSeconds)])
        var leases: [Int64: Lease] = [:]
        for i in 0..<rows.count {
            if let id = rows.int(i, "id"), let generation = rows.int(i, "lease_generation") {
                leases[id] = Lease(host: host, generation: generation)
            }
        }
        return leases
    }

    public func renewLeases(held: [Int64: Lease], leaseSeconds: Double) throws(StoreError) -> LeaseRenewal {
        try transaction { tx in
            try tx.execute("""
                INSERT INTO host (name, started_at, lease_expires) VALUES ($1, \(Self.databaseNow), \(Self.databaseNow) + $2)
                ON CONFLICT (name) DO UPDATE SET lease_expires = excluded.lease_expires
                """, [.text(host), .double(leaseSeconds)])
            guard !held.isEmpty else { return LeaseRenewal() }
            let rows = try tx.execute("""
                UPDATE job SET lease_expires = \(Self.databaseNow) + $3
                WHERE id = ANY($1::bigint[]) AND owner_host = $2 AND lease_expires > \(Self.databaseNow)
                RETURNING id, lease_generation, cancel_requested
                """, [.text("{" + held.keys.map(String.init).joined(separator: ",") + "}"), .text(host), .double(leaseSeconds)])
            var renewal = LeaseRenewal()
            var kept = Set<Int64>()
            for i in 0..<rows.count {
                guard let id = rows.int(i, "id"), rows.int(i, "lease_generation") == held[id]?.generation else { continue }
                kept.insert(id)
                if rows.bool(i, "cancel_requested") == true { renewal.cancelRequested.append(id) }
            }
            renewal.lost = held.keys.filter { !kept.contains($0) }.sorted()
            renewal.cancelRequested.sort()
            return renewal
        }
    }

    public func expireLeases(maxAttempts: Int, now: Date) throws(StoreError) -> [JobEvent] {
        try transaction { tx in
            let rows = try tx.execute("""
                SELECT *, \(Self.databaseNow) - lease_expires AS overdue FROM job
                WHERE owner_host IS NOT NULL AND lease_expires < \(Self.databaseNow)
                ORDER BY id FOR UPDATE SKIP LOCKED
                """)
            var events: [JobEvent] = []
            for i in 0..<rows.count {
                var job = try jobRecord(rows, i)
                let lost = rows.string(i, "owner_host") ?? "a host"
                let attempt = job.attempts
                if let board = job.board, !job.failedBoards.contains(board) { job.failedBoards.append(board) }
                job.progress = nil
                let what = "\(lost) lost its lease on job \(job.id) during attempt \(attempt)"
                    + (job.board.map { " on \($0)" } ?? "") + " (not renewed in time)"
                var written: [JobEvent] = []
                if attempt < maxAttempts {
                    job.state = .queued
                    job.board = nil
                    job.reason = what
                    written.append(JobEvent(jobID: job.id, time: now, kind: "lease_expired", message: what + "; queued again"))
                } else {
                    job.state = .errored
                    job.reason = what + "; no attempts remain"
                    job.failureKind = "infrastructure"
                    job.finishedAt = now
                    written.append(JobEvent(jobID: job.id, time: now, kind: "lease_expired", message: what + "; no attempts remain"))
                    written.append(JobEvent(jobID: job.id, time: now, kind: "finished", message: "errored: " + (job.reason ?? ""), state: .errored))
                }
                try tx.execute("""
                    UPDATE job SET state = $2, reason = $3, failure_kind = $4, board = $5, failed_boards = $6, finished_at = $7,
                        progress = NULL, owner_host = NULL, lease_expires = NULL, cancel_requested = false
                    WHERE id = $1
                    """, [.int(job.id), .text(job.state.rawValue), .string(job.reason), .string(job.failureKind),
                          .string(job.board), .text(try json(job.failedBoards)), .double(job.finishedAt?.column)])
                if job.state == .queued { try tx.execute("SELECT pg_notify('\(Self.queueChannel)', $1)", [.int(job.id)]) }
                for e in written { events.append(try insertEvent(e, tx)) }
            }
            return events
        }
    }

    /// Jobs this host held when it stopped (it restarted before another host expired them):
    /// requeued once, then errored, as the single-host store does.
    public func recoverInterrupted(now: Date) throws(StoreError) -> (requeued: [JobRecord], failed: [JobRecord]) {
        try transaction { tx in
            let rows = try tx.execute("SELECT * FROM job WHERE owner_host = $1 ORDER BY id FOR UPDATE", [.text(host)])
            var requeued: [JobRecord] = [], failed: [JobRecord] = []
            for i in 0..<rows.count {
                var job = try jobRecord(rows, i)
                let interruptions = Int(rows.int(i, "interruptions") ?? 0) + 1
                let event = Interruption.settle(&job, interruptions: interruptions, who: "hild on \(host)", now: now)
                try tx.execute("""
                    UPDATE job SET state = $2, reason = $3, failure_kind = $4, board = $5, finished_at = $6, progress = NULL,
                        owner_host = NULL, lease_expires = NULL, cancel_requested = false, interruptions = $7
                    WHERE id = $1
                    """, [.int(job.id), .text(job.state.rawValue), .string(job.reason), .string(job.failureKind),
                          .string(job.board), .double(job.finishedAt?.column), .int(interruptions)])
                _ = try insertEvent(event, tx)
                if job.state == .queued { requeued.append(job) } else { failed.append(job) }
            }
            return (requeued, failed)
        }
    }

    public func requestCancel(job: Int64) throws(StoreError) -> Bool {
        try sql("UPDATE job SET cancel_requested = true WHERE id = $1 AND owner_host IS NOT NULL", [.int(job)]).affected == 1
    }

    // MARK: - Boards

    public func recordBoard(_ board: BoardInfo) throws(StoreError) {
        try sql("""
            INSERT INTO board (host, id, kind, board_type, tags, state, reason, probe_serial, probe_model, serial_port,
                current_job, consecutive_infra_failures, jobs_run, last_seen)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
            ON CONFLICT (host, id) DO UPDATE SET kind = excluded.kind, board_type = excluded.board_type, tags = excluded.tags,
                state = excluded.state, reason = excluded.reason, probe_serial = excluded.probe_serial,
                probe_model = excluded.probe_model, serial_port = excluded.serial_port, current_job = excluded.current_job,
                consecutive_infra_failures = excluded.consecutive_infra_failures, jobs_run = excluded.jobs_run,
                last_seen = excluded.last_seen
            """, [.text(host), .text(board.id), .text(board.kind.rawValue), .text(board.boardType), .text(try json(board.tags)),
                  .text(board.state.rawValue), .string(board.reason), .string(board.probeSerial), .string(board.probeModel),
                  .string(board.serialPort), .int(board.currentJob), .int(board.consecutiveInfraFailures), .int(board.jobsRun),
                  .double(board.lastSeen.column)])
    }

    public func boardsSeen() throws(StoreError) -> [BoardInfo] {
        let rows = try sql("SELECT *, false AS stale FROM board WHERE host = $1 ORDER BY id", [.text(host)])
        return try (0..<rows.count).map { i throws(StoreError) in try boardInfo(rows, i) }
    }

    public func benchBoards() throws(StoreError) -> [BoardInfo]? {
        let rows = try sql("""
            SELECT b.*, COALESCE(h.lease_expires < \(Self.databaseNow), true) AS stale
            FROM board b LEFT JOIN host h ON h.name = b.host ORDER BY b.host, b.id
            """)
        return try (0..<rows.count).map { i throws(StoreError) in try boardInfo(rows, i) }
    }

    /// A board row; one of a host that stopped renewing its lease is offline, whatever it said last.
    func boardInfo(_ rows: PQConnection.Rows, _ i: Int) throws(StoreError) -> BoardInfo {
        let id = try required(rows.string(i, "id"), "a board's id")
        let owner = rows.string(i, "host") ?? ""
        var info = BoardInfo(
            id: id,
            kind: try enumValue(BoardKind.self, rows.string(i, "kind"), "board \(id)'s kind"),
            boardType: rows.string(i, "board_type") ?? "",
            tags: try decode([String].self, rows.string(i, "tags"), "board \(id)'s tags"),
            state: try enumValue(BoardState.self, rows.string(i, "state"), "board \(id)'s state"),
            reason: rows.string(i, "reason"),
            probeSerial: rows.string(i, "probe_serial"), probeModel: rows.string(i, "probe_model"),
            serialPort: rows.string(i, "serial_port"), currentJob: rows.int(i, "current_job"),
            consecutiveInfraFailures: Int(rows.int(i, "consecutive_infra_failures") ?? 0),
            jobsRun: Int(rows.int(i, "jobs_run") ?? 0),
            lastSeen: Date(column: rows.double(i, "last_seen") ?? 0), host: owner)
        if rows.bool(i, "stale") == true {
            info.state = .offline
            info.currentJob = nil
            info.reason = "hild on \(owner) has not renewed its lease: the host is down or cut off from the database"
        }
        return info
    }
}
