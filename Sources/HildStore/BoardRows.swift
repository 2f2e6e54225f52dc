import Foundation
import GRDB
import HilAPI

/// Boards seen: kept so a board's quarantine, counters and last sighting survive a restart of
/// hild (the registry reloads them before udev reports what is plugged in now).
extension BenchStore {
    /// Inserts the board or replaces everything known about it.
    public func recordBoard(_ board: BoardInfo) throws(StoreError) {
        let tags = try json(board.tags)
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO board (id, kind, board_type, tags, state, reason, probe_serial, probe_model,
                        serial_port, current_job, consecutive_infra_failures, jobs_run, last_seen)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET
                        kind = excluded.kind, board_type = excluded.board_type, tags = excluded.tags,
                        state = excluded.state, reason = excluded.reason, probe_serial = excluded.probe_serial,
                        probe_model = excluded.probe_model, serial_port = excluded.serial_port,
                        current_job = excluded.current_job,
                        consecutive_infra_failures = excluded.consecutive_infra_failures,
                        jobs_run = excluded.jobs_run, last_seen = excluded.last_seen
                    """,
                arguments: [board.id, board.kind.rawValue, board.boardType, tags, board.state.rawValue, board.reason,
                            board.probeSerial, board.probeModel, board.serialPort, board.currentJob,
                            board.consecutiveInfraFailures, board.jobsRun, board.lastSeen.column])
        }
    }

    /// Every board ever recorded, by id.
    public func boardsSeen() throws(StoreError) -> [BoardInfo] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM board ORDER BY id").map { row in
                let id: String = try row.decode(forColumn: "id")
                return BoardInfo(
                    id: id,
                    kind: try enumValue(BoardKind.self, try row.decode(forColumn: "kind"), "board \(id)'s kind"),
                    boardType: try row.decode(forColumn: "board_type"),
                    tags: try decode([String].self, from: try row.decode(forColumn: "tags"), "board \(id)'s tags"),
                    state: try enumValue(BoardState.self, try row.decode(forColumn: "state"), "board \(id)'s state"),
                    reason: try row.decode(forColumn: "reason"),
                    probeSerial: try row.decode(forColumn: "probe_serial"),
                    probeModel: try row.decode(forColumn: "probe_model"),
                    serialPort: try row.decode(forColumn: "serial_port"),
                    currentJob: try row.decode(forColumn: "current_job"),
                    consecutiveInfraFailures: try row.decode(forColumn: "consecutive_infra_failures"),
                    jobsRun: try row.decode(forColumn: "jobs_run"),
                    lastSeen: Date(column: try row.decode(forColumn: "last_seen")))
            }
        }
    }
}
