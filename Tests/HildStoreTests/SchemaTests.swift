import Foundation
import HilAPI
import Testing
@testable import HildStore

@Suite struct SchemaTests {
    @Test func freshDirectoryGetsTheSchema() throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open()
        #expect(try store.tableNames().isSuperset(of: ["board", "job", "job_event", "report", "sample_result", "artifact"]))
        #expect(try store.appliedMigrations() == ["v1"])
        var isDir: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: store.directory.appendingPathComponent("artifacts/.incoming").path, isDirectory: &isDir) && isDir.boolValue)
        #expect(FileManager.default.fileExists(atPath: store.directory.appendingPathComponent("hild.sqlite").path))
    }

    @Test func reopeningKeepsEverything() throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let job: JobRecord, event: JobEvent, board = BoardInfo(id: "qemu-1", kind: .qemu, boardType: "qemu-mps2-an500", lastSeen: oddDate)
        let artifact: ArtifactInfo
        do {
            let store = try scratch.open()
            job = try store.insertJob(fullSpec, submittedAt: oddDate)
            event = try store.appendEvent(JobEvent(jobID: job.id, time: oddDate, kind: "log", message: "hello"))
            try store.recordBoard(board)
            artifact = try store.putArtifact(kind: .model, bytes: Data("model".utf8))
        }
        let store = try scratch.open()
        #expect(try store.job(job.id) == job)
        #expect(try store.events(job: job.id, after: 1) == [event])
        #expect(try store.boardsSeen() == [board])
        #expect(try store.artifact(artifact.id) == artifact)
        #expect(try store.appliedMigrations() == ["v1"])
    }

    @Test func walModeAndTheChosenDurability() throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open()
        #expect(try store.pragma("journal_mode") == "wal")
        #expect(try store.pragma("synchronous") == "1")          // NORMAL, the default
        #expect(try store.pragma("foreign_keys") == "1")
        let strict = try BenchStore(directory: scratch.url.appendingPathComponent("other"), durability: .full)
        #expect(try strict.pragma("synchronous") == "2")         // FULL
    }

    /// The daemon lists and schedules from thousands of jobs: each listing query must be answered
    /// by walking an index, never by sorting the table.
    @Test(arguments: [
        (JobSQL.queue, "USING INDEX job_queue"),
        (JobSQL.byStateNewest, "USING INDEX job_state"),
        (JobSQL.newest, "SCAN job"),     // the table itself in rowid order, stopped after LIMIT rows
    ])
    func listingsWalkAnIndexWithoutSorting(sql: String, expected: String) throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open()
        let plan = try store.queryPlan(sql).joined(separator: "\n")
        #expect(!plan.contains("TEMP B-TREE"), "\(plan)")
        #expect(plan.contains(expected), "\(plan)")
    }

    @Test func aFileThatIsNotADatabaseIsNamedDamaged() throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let dir = scratch.url.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(repeating: 0x5a, count: 8192).write(to: dir.appendingPathComponent("hild.sqlite"))
        let error = #expect(throws: StoreError.self) { try scratch.open() }
        guard case .corrupt(let path, _)? = error?.kind else {
            Issue.record("expected corrupt, got \(String(describing: error))"); return
        }
        #expect(path.hasSuffix("state/hild.sqlite"))
    }

    @Test func aDatabaseFromANewerHildIsRefused() throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        do {
            let store = try scratch.open()
            try store.executeOnWriter("INSERT INTO grdb_migrations (identifier) VALUES ('v99')")
        }
        let error = #expect(throws: StoreError.self) { try scratch.open() }
        guard case .migration(let reason)? = error?.kind else {
            Issue.record("expected migration, got \(String(describing: error))"); return
        }
        #expect(reason.contains("newer hild"))
    }

    @Test func aFullDiskIsReportedAsSuchAndNothingIsStored() throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open()
        _ = try store.insertJob(spec())
        // Cap the file at its current size: the next growth fails with SQLITE_FULL, as on a full disk.
        let pages = try #require(try store.pragma("page_count"))
        try store.executeOnWriter("PRAGMA max_page_count = \(pages)")
        let big = spec(name: String(repeating: "x", count: 64 << 10))
        let error = #expect(throws: StoreError.self) { try store.insertJob(big) }
        #expect(error?.kind == .diskFull(path: store.directory.appendingPathComponent("hild.sqlite").path))
        #expect(error?.description.contains("is full: free space and retry; nothing was stored") == true)
        #expect(try store.jobs(state: nil, limit: 10).count == 1)
    }
}
