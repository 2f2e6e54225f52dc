import Foundation
import GRDB
import HilAPI

/// hild's store: one SQLite database (WAL, through a GRDB DatabasePool) for boards, jobs, their
/// events, results and reports, and a directory of content-addressed artifact files.
///
/// Every state change commits before the call returns, so a daemon killed at any moment restarts
/// with what it last acknowledged; `recoverInterrupted()` then settles the jobs that were running.
///
/// Sendable for real: every stored property is a `let` of a Sendable type, and the pool
/// serializes writes and runs reads concurrently on their own connections.
public final class BenchStore: JobStore {
    /// How hard a commit is pushed to the disk.
    public enum Durability: Sendable {
        /// synchronous=NORMAL, the default: the WAL is fsynced at checkpoints, not at every
        /// commit. A commit is in the WAL file (in the OS's page cache) before the call returns,
        /// and the page cache outlives the process, so everything acknowledged survives SIGKILL,
        /// a crash or an OOM kill of hild; the database is never corrupted. Only a power cut or
        /// kernel crash of the machine may drop the last commits before a checkpoint. Chosen
        /// because FULL costs an fsync per commit (about 4 ms on the dev box: 10,000 job
        /// submissions took ~40 s instead of a few).
        case normal
        /// synchronous=FULL: the WAL is fsynced at every commit, so an acknowledged job also
        /// survives power loss of the machine. For a bench on flaky power without a UPS.
        case full
    }

    public let directory: URL
    public let artifactLimitBytes: Int
    let pool: DatabasePool
    let databasePath: String
    let files: ArtifactDirectory
    let encoder: JSONEncoder
    let decoder: JSONDecoder
    let finished = FinishedJobs()

    /// Opens or creates `<directory>/hild.sqlite` and `<directory>/artifacts/`, and brings the
    /// schema up to date.
    public init(directory: URL, artifactLimitBytes: Int = 512 << 20, durability: Durability = .normal) throws(StoreError) {
        self.directory = directory
        self.artifactLimitBytes = artifactLimitBytes
        databasePath = directory.appendingPathComponent("hild.sqlite").path
        encoder = APIJSON.encoder()
        decoder = APIJSON.decoder()

        files = try ArtifactDirectory(in: directory)

        var config = Configuration()
        config.label = "hild"
        // Another process holding the write lock (sqlite3 poking at the file, a second hild by
        // mistake) is waited for a while rather than failing the first write at once.
        config.busyMode = .timeout(5)
        do {
            pool = try DatabasePool(path: databasePath, configuration: config)
        } catch {
            throw StoreError.from(error, path: databasePath)
        }

        do {
            try pool.writeWithoutTransaction { db in
                // DatabasePool switches to WAL and sets synchronous=NORMAL while opening, after
                // any prepareDatabase hook, so the level is chosen here, on the one writer.
                let level = durability == .full ? "FULL" : "NORMAL"
                try db.execute(sql: "PRAGMA synchronous = \(level)")
            }
        } catch {
            throw StoreError.from(error, path: databasePath)
        }
        try migrate()
    }

    private func migrate() throws(StoreError) {
        let migrator = Schema.migrator
        do {
            // A database written by a newer hild has migrations this one does not know: running
            // on it would write rows the newer schema does not expect.
            let superseded = try pool.read { db in try migrator.hasBeenSuperseded(db) }
            if superseded {
                throw StoreError.migration("\(databasePath) was written by a newer hild; run that version, or move the file aside to start afresh")
            }
            try migrator.migrate(pool)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_NOTADB
            || error.resultCode == .SQLITE_CORRUPT {
            throw StoreError.from(error, path: databasePath)
        } catch {
            throw StoreError.migration("\(databasePath): \(Self.reason(error))")
        }
    }

    // MARK: - Access with typed errors

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StoreError.from(error, path: databasePath)
        }
    }

    /// One write transaction: everything in `body` commits together or not at all.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.write(body)
        } catch {
            throw StoreError.from(error, path: databasePath)
        }
    }

    static func reason(_ error: any Error) -> String {
        if let e = error as? CocoaError, let underlying = e.underlying as? POSIXError {
            return String(cString: strerror(underlying.code.rawValue))
        }
        return (error as NSError).localizedDescription
    }
}
