import Foundation

/// The shared store's schema: the SQLite schema's tables and conventions (dates as float8
/// seconds since 2001-01-01, nested API values as APIJSON text), plus what several hosts need:
/// which host holds a job and under which lease generation, hosts' heartbeats, boards keyed by
/// host, and artifact bytes in the database. One named migration per released change, never
/// edited once shipped, applied under an advisory lock so hilds starting together do not race.
enum PostgresSchema {
    static let migrations: [(name: String, sql: String)] = [
        ("v1", """
            CREATE TABLE host (
                name TEXT PRIMARY KEY,
                started_at DOUBLE PRECISION NOT NULL,
                -- Renewed by the host every lease/3 s; its boards are offline to others once past.
                lease_expires DOUBLE PRECISION NOT NULL
            );
            CREATE TABLE board (
                host TEXT NOT NULL,
                id TEXT NOT NULL,
                kind TEXT NOT NULL,
                board_type TEXT NOT NULL,
                tags TEXT NOT NULL,
                state TEXT NOT NULL,
                reason TEXT,
                probe_serial TEXT,
                probe_model TEXT,
                serial_port TEXT,
                current_job BIGINT,
                consecutive_infra_failures INTEGER NOT NULL,
                jobs_run INTEGER NOT NULL,
                last_seen DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (host, id)
            );
            CREATE TABLE job (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                spec TEXT NOT NULL,
                priority INTEGER NOT NULL,
                state TEXT NOT NULL,
                reason TEXT,
                failure_kind TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                board TEXT,
                failed_boards TEXT NOT NULL DEFAULT '[]',
                submitted_at DOUBLE PRECISION NOT NULL,
                started_at DOUBLE PRECISION,
                finished_at DOUBLE PRECISION,
                progress TEXT,
                summary TEXT,
                checks TEXT NOT NULL DEFAULT '[]',
                interruptions INTEGER NOT NULL DEFAULT 0,
                -- The host of the current or last attempt (the API's "host").
                host TEXT,
                -- The host holding the job now, its lease's generation (bumped by every claim)
                -- and when the lease ends unless renewed. NULL owner: nobody holds it.
                owner_host TEXT,
                lease_generation BIGINT NOT NULL DEFAULT 0,
                lease_expires DOUBLE PRECISION,
                cancel_requested BOOLEAN NOT NULL DEFAULT false,
                -- The last event's seq: incremented under the row lock, so two hosts appending to
                -- one job's log never take the same number.
                event_seq BIGINT NOT NULL DEFAULT 0
            );
            CREATE INDEX job_queue ON job (priority DESC, id) WHERE state = 'queued';
            CREATE INDEX job_state ON job (state, id);
            CREATE INDEX job_lease ON job (lease_expires) WHERE owner_host IS NOT NULL;
            CREATE TABLE job_event (
                job_id BIGINT NOT NULL REFERENCES job (id) ON DELETE CASCADE,
                seq BIGINT NOT NULL,
                time DOUBLE PRECISION NOT NULL,
                kind TEXT NOT NULL,
                message TEXT NOT NULL,
                board TEXT,
                progress TEXT,
                state TEXT,
                PRIMARY KEY (job_id, seq)
            );
            CREATE TABLE report (
                job_id BIGINT NOT NULL REFERENCES job (id) ON DELETE CASCADE,
                attempt INTEGER NOT NULL,
                body BYTEA NOT NULL,
                saved_at DOUBLE PRECISION NOT NULL,
                host TEXT NOT NULL,
                PRIMARY KEY (job_id, attempt)
            );
            CREATE TABLE sample_result (
                job_id BIGINT NOT NULL REFERENCES job (id) ON DELETE CASCADE,
                attempt INTEGER NOT NULL,
                idx INTEGER NOT NULL,
                source TEXT NOT NULL,
                label INTEGER NOT NULL,
                predicted INTEGER NOT NULL,
                reference INTEGER NOT NULL,
                cycles BIGINT NOT NULL,
                PRIMARY KEY (job_id, attempt, idx)
            );
            -- Content-addressed: the row appears in the transaction that wrote the last chunk.
            CREATE TABLE artifact (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                size BIGINT NOT NULL,
                chunks INTEGER NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            );
            CREATE TABLE artifact_chunk (
                id TEXT NOT NULL,
                n INTEGER NOT NULL,
                bytes BYTEA NOT NULL,
                PRIMARY KEY (id, n)
            );
            """),
    ]

    static func migrate(_ store: PostgresStore) throws(StoreError) {
        let known = Set(migrations.map(\.name))
        do {
            try store.connection.transaction { tx in
                // One hild migrates at a time; the others wait here, then find nothing to do.
                // The key is "hil" in ASCII (0x68696c): any constant all hilds agree on.
                try tx.execute("SELECT pg_advisory_xact_lock(6842732)")
                try tx.execute("CREATE TABLE IF NOT EXISTS schema_migration (name TEXT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)")
                let rows = try tx.execute("SELECT name FROM schema_migration")
                let applied = Set((0..<rows.count).compactMap { rows.string($0, "name") })
                if let newer = applied.subtracting(known).sorted().first {
                    throw StoreError.migration("\(store.location) was migrated to \(newer) by a newer hild; run that version on every host sharing it")
                }
                for m in migrations where !applied.contains(m.name) {
                    try tx.execute(m.sql)
                    try tx.execute("INSERT INTO schema_migration (name, applied_at) VALUES ($1, \(PostgresStore.databaseNow))", [.text(m.name)])
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .migration("\(store.location): \(error)")
        }
    }
}
