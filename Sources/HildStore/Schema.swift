import GRDB

/// The store's schema, one named migration per released change. A migration, once shipped, is
/// never edited: a later change is a new "v2", "v3" … so an older database is brought forward.
///
/// Conventions:
/// - Dates are REAL seconds since 2001-01-01 UTC (Foundation's reference date). That is the
///   Double a Date holds, so a Date round-trips bit for bit; ISO text would cut it to
///   milliseconds and records would no longer compare equal.
///   (In sqlite3: `datetime(submitted_at + 978307200, 'unixepoch')`.)
/// - Nested API values (JobSpec, JobProgress, JobSummary, checks, lists) are JSON text in the
///   API's own encoding (APIJSON); what a query filters or sorts on is a real column.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE board (
                    id TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL,
                    board_type TEXT NOT NULL,
                    tags TEXT NOT NULL,                 -- JSON [String]
                    state TEXT NOT NULL,
                    reason TEXT,
                    probe_serial TEXT,
                    probe_model TEXT,
                    serial_port TEXT,
                    current_job INTEGER,
                    consecutive_infra_failures INTEGER NOT NULL,
                    jobs_run INTEGER NOT NULL,
                    last_seen REAL NOT NULL
                ) WITHOUT ROWID;

                -- AUTOINCREMENT so an id is never reused, even after the newest job is deleted:
                -- clients and logs refer to jobs by id.
                CREATE TABLE job (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    spec TEXT NOT NULL,                 -- JSON JobSpec
                    priority INTEGER NOT NULL,          -- spec.priority, for the queue index
                    state TEXT NOT NULL,
                    reason TEXT,
                    failure_kind TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    board TEXT,
                    failed_boards TEXT NOT NULL DEFAULT '[]',
                    submitted_at REAL NOT NULL,
                    started_at REAL,
                    finished_at REAL,
                    progress TEXT,                      -- JSON JobProgress
                    summary TEXT,                       -- JSON JobSummary
                    checks TEXT NOT NULL DEFAULT '[]',  -- JSON [ThresholdCheck]
                    -- Times hild died while this job ran; the store's own bookkeeping for recovery.
                    interruptions INTEGER NOT NULL DEFAULT 0
                );
                -- The run queue: WHERE state = 'queued' ORDER BY priority DESC, id.
                CREATE INDEX job_queue ON job(state, priority DESC, id);
                -- Listing by state, newest first: WHERE state = ? ORDER BY id DESC. The rowid rides
                -- in every index, so (state) is ordered by (state, id) and needs no sort.
                CREATE INDEX job_state ON job(state);

                CREATE TABLE job_event (
                    job_id INTEGER NOT NULL REFERENCES job(id) ON DELETE CASCADE,
                    seq INTEGER NOT NULL,
                    time REAL NOT NULL,
                    kind TEXT NOT NULL,
                    message TEXT NOT NULL,
                    board TEXT,
                    progress TEXT,                      -- JSON JobProgress
                    state TEXT,
                    PRIMARY KEY (job_id, seq)
                ) WITHOUT ROWID;

                -- The EvaluationReport of an attempt, bytes as the runner produced them.
                CREATE TABLE report (
                    job_id INTEGER NOT NULL REFERENCES job(id) ON DELETE CASCADE,
                    attempt INTEGER NOT NULL,
                    body BLOB NOT NULL,
                    saved_at REAL NOT NULL,
                    PRIMARY KEY (job_id, attempt)
                );

                CREATE TABLE sample_result (
                    job_id INTEGER NOT NULL REFERENCES job(id) ON DELETE CASCADE,
                    attempt INTEGER NOT NULL,
                    idx INTEGER NOT NULL,
                    source TEXT NOT NULL,
                    label INTEGER NOT NULL,
                    predicted INTEGER NOT NULL,
                    reference INTEGER NOT NULL,
                    cycles INTEGER NOT NULL,            -- UInt64 bit pattern in SQLite's Int64
                    PRIMARY KEY (job_id, attempt, idx)
                ) WITHOUT ROWID;

                -- The file artifacts/<id> holds the bytes; this row says what they are.
                CREATE TABLE artifact (
                    id TEXT PRIMARY KEY NOT NULL,       -- lowercase hex SHA-256
                    kind TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    created_at REAL NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        return m
    }
}
