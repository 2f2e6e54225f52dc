import Foundation
import HilAPI
import Testing
@testable import HildStore

@Suite struct RecoveryTests {
    /// Claims a job and marks it running as the scheduler does at the start of an attempt.
    func start(_ store: any JobStore, _ id: Int64, board: String = "qemu-1") throws -> JobRecord {
        let lease = try #require(try store.claim([id], leaseSeconds: 60)[id])
        var job = try #require(try store.job(id))
        job.state = .running
        job.attempts += 1
        job.board = board
        job.startedAt = job.startedAt ?? oddDate
        job.progress = JobProgress(phase: "streaming", done: 10, total: 100)
        _ = try store.updateJob(job, appending: JobEvent(jobID: id, kind: "assigned", message: "on \(board)", board: board),
                                lease: store.sharedHost == nil ? nil : lease)
        return job
    }

    @Test(arguments: StoreKind.available) func aRunningJobIsRequeuedOnceThenErrored(_ kind: StoreKind) throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open(kind)
        let queued = try store.insertJob(spec())
        let running = try store.insertJob(spec())
        var passed = try store.insertJob(spec())
        passed.state = .passed; passed.attempts = 1; passed.finishedAt = oddDate
        try update(store, passed)
        _ = try start(store, running.id)

        let first = try store.recoverInterrupted(now: oddDate)
        #expect(first.failed.isEmpty)
        #expect(first.requeued.map(\.id) == [running.id])
        let requeued = try #require(try store.job(running.id))
        #expect(first.requeued == [requeued])
        #expect(requeued.state == .queued && requeued.progress == nil && requeued.board == nil && requeued.attempts == 1)
        let retry = try #require(try store.events(job: running.id, after: 0).last)
        #expect(retry.kind == "retry" && retry.time == oddDate)
        #expect(retry.message == (store.sharedHost.map { "hild on \($0)" } ?? "hild") + " stopped during attempt 1; the job is queued again (retried once after an interruption)")
        // Jobs that were not running are not touched.
        #expect(try store.job(queued.id) == queued)
        #expect(try store.job(passed.id) == passed)
        #expect(try store.events(job: queued.id, after: 0).count == 1)
        #expect(try store.events(job: passed.id, after: 0).count == 2)
        #expect(try store.queuedJobs().map(\.id) == [queued.id, running.id])

        // A second interruption of the same job ends it.
        _ = try start(store, running.id, board: "qemu-2")
        let second = try store.recoverInterrupted(now: oddDate)
        #expect(second.requeued.isEmpty)
        let errored = try #require(try store.job(running.id))
        #expect(second.failed == [errored])
        #expect(errored.state == .errored && errored.failureKind == "interrupted" && errored.finishedAt == oddDate)
        #expect(errored.reason == "interrupted: hild stopped during attempt 2 twice")
        let finished = try #require(try store.events(job: running.id, after: 0).last)
        #expect(finished.kind == "finished" && finished.state == .errored && finished.message == errored.reason)

        // Nothing left running: recovery is a no-op.
        let third = try store.recoverInterrupted()
        #expect(third.requeued.isEmpty && third.failed.isEmpty)
    }

    /// What a SIGKILL leaves: the files exactly as they are while the store is still open (its
    /// memory is lost, its committed pages are in the database and its WAL). Copying them from
    /// under an open store and opening the copy is that restart. The interruption count must
    /// survive it too, or a job that kills hild would be retried forever.
    @Test func aKilledDaemonsFilesRecoverAndKeepTheInterruptionCount() throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open()
        let job = try store.insertJob(fullSpec, submittedAt: oddDate)
        _ = try start(store, job.id)

        func snapshot(_ name: String) throws -> BenchStore {
            let copy = scratch.url.appendingPathComponent(name, isDirectory: true)
            try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
            for file in ["hild.sqlite", "hild.sqlite-wal", "hild.sqlite-shm"] {
                let from = store.directory.appendingPathComponent(file)
                if FileManager.default.fileExists(atPath: from.path) {
                    try FileManager.default.copyItem(at: from, to: copy.appendingPathComponent(file))
                }
            }
            return try BenchStore(directory: copy)
        }

        let afterKill = try snapshot("kill-1")
        #expect(try afterKill.job(job.id)?.state == .running)
        #expect(try afterKill.recoverInterrupted().requeued.map(\.id) == [job.id])

        // The original store plays the restarted daemon: recover, run again, get killed again.
        _ = try store.recoverInterrupted()
        _ = try start(store, job.id)
        let afterSecondKill = try snapshot("kill-2")
        let result = try afterSecondKill.recoverInterrupted()
        #expect(result.requeued.isEmpty && result.failed.map(\.id) == [job.id])
    }
}
