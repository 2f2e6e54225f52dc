import Foundation
import HilAPI
import XCTest
@testable import HildStore
import PostgresTestCluster

/// The shared store against a real PostgreSQL server: the same rows as the SQLite store, and
/// what several hosts add: claims that never overlap, leases that expire once, fenced writes.
final class PostgresStoreTests: XCTestCase {
    private var scratch: [Scratch] = []

    override func tearDown() {
        for s in scratch { s.cleanup() }
        super.tearDown()
    }

    /// Hosts sharing one new database, each with its own state directory.
    private func hosts(_ names: String...) throws -> [PostgresStore] {
        guard PostgresCluster.isInstalled else { throw XCTSkip(PostgresCluster.notInstalled) }
        let url = try PostgresCluster.running().freshDatabase()
        return try names.map { name in
            let s = Scratch()
            scratch.append(s)
            return try PostgresStore(url: url, host: name, directory: s.url)
        }
    }

    func testJobsEventsAndResultsRoundTripExactly() throws {
        let store = try hosts("a")[0]
        let job = try store.insertJob(fullSpec, submittedAt: oddDate)
        XCTAssertEqual(try store.job(job.id), job, "a job reads back field for field, dates to the bit")
        let second = try store.insertJob(spec(priority: 9))
        XCTAssertEqual(try store.queuedJobs().map(\.id), [second.id, job.id], "priority first, then age")

        let lease = try XCTUnwrap(try store.claim([job.id], leaseSeconds: 30)[job.id])
        var running = job
        running.state = .running
        running.attempts = 1
        running.board = "B1"
        running.progress = JobProgress(phase: "streaming", done: 3, total: 10, accuracy: 0.5)
        let event = try store.updateJob(running, appending: JobEvent(jobID: job.id, kind: "progress", message: "3/10"), lease: lease)
        XCTAssertEqual(event.seq, 2, "the queued event is 1")
        var stored = running
        stored.host = "a"
        XCTAssertEqual(try store.job(job.id), stored)
        XCTAssertEqual(try store.events(job: job.id, after: 0).map(\.kind), ["queued", "progress"])

        let samples = (0..<1_203).map { SampleResultRow(index: $0, source: "img\($0).png", label: $0 % 29, predicted: $0 % 7,
                                                        reference: $0 % 7, cycles: UInt64.max - UInt64($0)) }
        try store.saveResults(job: job.id, attempt: 1, report: Data("{\"r\":1}".utf8), samples: samples, lease: lease, now: oddDate)
        XCTAssertEqual(try store.report(job: job.id), Data("{\"r\":1}".utf8))
        XCTAssertEqual(try store.samples(job: job.id), samples, "every sample, UInt64 cycles exact")
        XCTAssertEqual(try store.jobCounts()[.running], 1)
        XCTAssertEqual(try store.jobCounts()[.queued], 1)
    }

    func testConcurrentClaimsNeverOverlap() throws {
        let stores = try hosts("a", "b", "c")
        let ids = try (0..<60).map { _ in try stores[0].insertJob(spec()).id }
        final class Claimed: @unchecked Sendable { let lock = NSLock(); var byHost = [[Int64]](repeating: [], count: 3) }
        let box = Claimed()
        DispatchQueue.concurrentPerform(iterations: 3) { i in
            var mine: [Int64] = []
            for batch in stride(from: 0, to: ids.count, by: 5) {
                let leases = (try? stores[i].claim(Array(ids[batch..<batch + 5]), leaseSeconds: 30)) ?? [:]
                mine += leases.keys
            }
            box.lock.withLock { box.byHost[i] = mine }
        }
        let all = box.byHost.flatMap { $0 }
        XCTAssertEqual(all.count, Set(all).count, "no job claimed by two hosts")
        XCTAssertEqual(Set(all), Set(ids), "every job claimed by someone")
        XCTAssertEqual(try stores[0].jobCounts()[.running], 60)
    }

    func testAnExpiredLeaseRequeuesOnceAndFencesTheOldHolder() throws {
        let stores = try hosts("a", "b")
        let (a, b) = (stores[0], stores[1])
        var job = try a.insertJob(spec())
        let lease = try XCTUnwrap(try a.claim([job.id], leaseSeconds: 0.5)[job.id])
        job.state = .running
        job.attempts = 1
        job.board = "A1"
        _ = try a.updateJob(job, appending: JobEvent(jobID: job.id, kind: "assigned", message: "attempt 1"), lease: lease)
        XCTAssertEqual(try b.expireLeases(maxAttempts: 3, now: Date()), [], "a live lease is left alone")
        Thread.sleep(forTimeInterval: 0.8)

        let events = try b.expireLeases(maxAttempts: 3, now: Date())
        XCTAssertEqual(events.map(\.kind), ["lease_expired"])
        XCTAssertTrue(events[0].message.contains("a lost its lease"), events[0].message)
        XCTAssertEqual(try b.expireLeases(maxAttempts: 3, now: Date()), [], "requeued exactly once")
        let requeued = try XCTUnwrap(try b.job(job.id))
        XCTAssertEqual(requeued.state, .queued)
        XCTAssertEqual(requeued.attempts, 1, "the lost attempt counts")
        XCTAssertEqual(requeued.failedBoards, ["A1"])

        XCTAssertEqual(try a.renewLeases(held: [job.id: lease], leaseSeconds: 30).lost, [job.id], "a learns it lost the job")
        let newLease = try XCTUnwrap(try b.claim([job.id], leaseSeconds: 30)[job.id])
        XCTAssertGreaterThan(newLease.generation, lease.generation)

        var stale = job
        stale.state = .passed
        XCTAssertThrowsError(try a.updateJob(stale, appending: JobEvent(jobID: job.id, kind: "finished", message: "stale"), lease: lease)) {
            guard case .leaseLost(job.id, "a", "b") = ($0 as? StoreError)?.kind else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try a.saveResults(job: job.id, attempt: 1, report: Data("x".utf8), samples: [], lease: lease, now: Date()))
        XCTAssertNil(try b.report(job: job.id), "the stale host wrote no report")
        XCTAssertEqual(try b.job(job.id)?.state, .running, "the new owner's state stands")
        XCTAssertFalse(try b.events(job: job.id, after: 0).contains { $0.message == "stale" })
    }

    func testTheLastAttemptLostEndsErroredWithAFinishedEvent() throws {
        let stores = try hosts("a", "b")
        var job = try stores[0].insertJob(spec())
        let lease = try XCTUnwrap(try stores[0].claim([job.id], leaseSeconds: 0.2)[job.id])
        job.state = .running
        job.attempts = 2
        _ = try stores[0].updateJob(job, appending: JobEvent(jobID: job.id, kind: "assigned", message: "attempt 2"), lease: lease)
        Thread.sleep(forTimeInterval: 0.4)
        XCTAssertEqual(try stores[1].expireLeases(maxAttempts: 2, now: Date()).map(\.kind), ["lease_expired", "finished"])
        XCTAssertEqual(try stores[1].job(job.id)?.state, .errored)
    }

    func testAnUnleasedWriteCannotTouchAClaimedJob() throws {
        let stores = try hosts("a", "b")
        var job = try stores[0].insertJob(spec())
        _ = try stores[1].claim([job.id], leaseSeconds: 30)
        job.state = .cancelled
        XCTAssertThrowsError(try stores[0].updateJob(job, appending: JobEvent(jobID: job.id, kind: "finished", message: "cancelled"), lease: nil))
        XCTAssertTrue(try stores[0].requestCancel(job: job.id), "the cancel goes to the holder instead")
        let held = try XCTUnwrap(try stores[1].job(job.id))
        XCTAssertEqual(held.state, .running)
    }

    func testArtifactsReachEveryHostAndAreCheckedOnEveryRead() throws {
        let stores = try hosts("a", "b")
        let bytes = Data((0..<(2 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let info = try stores[0].putArtifact(kind: .dataset, bytes: bytes)
        XCTAssertEqual(info.id, SHA256Hex.of(bytes))
        XCTAssertEqual(try stores[0].putArtifact(kind: .dataset, bytes: bytes), info, "idempotent")
        let path = try stores[1].artifactFile(info.id)
        XCTAssertEqual(try Data(contentsOf: path), bytes, "host b gets the bytes host a uploaded, from three chunks")
        try Data("tampered".utf8).write(to: path)
        XCTAssertEqual(try Data(contentsOf: try stores[1].artifactFile(info.id)), bytes, "a damaged local copy is fetched again")
        XCTAssertNil(try stores[1].artifact(String(repeating: "0", count: 64)))
        XCTAssertThrowsError(try stores[0].putArtifact(kind: .model, bytes: Data(count: 600 << 20)))
    }

    func testBoardsOfAHostThatStopsRenewingShowOffline() throws {
        let stores = try hosts("a", "b")
        _ = try stores[0].renewLeases(held: [:], leaseSeconds: 0.3)
        _ = try stores[1].renewLeases(held: [:], leaseSeconds: 30)
        try stores[0].recordBoard(BoardInfo(id: "A1", kind: .mock, boardType: "stm32f746g-disco", state: .idle))
        try stores[1].recordBoard(BoardInfo(id: "B1", kind: .mock, boardType: "stm32f746g-disco", state: .busy, currentJob: 4))
        let before = try XCTUnwrap(try stores[1].benchBoards())
        XCTAssertEqual(before.map { "\($0.host ?? "")/\($0.id)/\($0.state.rawValue)" }, ["a/A1/idle", "b/B1/busy"])
        Thread.sleep(forTimeInterval: 0.5)
        let after = try XCTUnwrap(try stores[1].benchBoards())
        XCTAssertEqual(after.map(\.state), [.offline, .busy])
        XCTAssertTrue(after[0].reason?.contains("hild on a has not renewed") == true, after[0].reason ?? "")
        XCTAssertEqual(try stores[0].boardsSeen().map(\.id), ["A1"], "a host reloads only its own boards")
    }

    func testRecoveryRequeuesOnlyThisHostsJobs() throws {
        let stores = try hosts("a", "b")
        let mine = try stores[0].insertJob(spec())
        let theirs = try stores[0].insertJob(spec())
        _ = try stores[0].claim([mine.id], leaseSeconds: 30)
        _ = try stores[1].claim([theirs.id], leaseSeconds: 30)
        let (requeued, failed) = try stores[0].recoverInterrupted()
        XCTAssertEqual(requeued.map(\.id), [mine.id])
        XCTAssertEqual(failed, [])
        XCTAssertEqual(try stores[0].job(theirs.id)?.state, .running, "b's job is b's")
    }

    func testADatabaseMigratedByANewerHildIsRefused() throws {
        let store = try hosts("a")[0]
        try store.sql("INSERT INTO schema_migration (name, applied_at) VALUES ('v99', 0)")
        XCTAssertThrowsError(try PostgresStore(url: store.url, host: "b", directory: store.directory)) {
            XCTAssertTrue("\($0)".contains("v99"), "\($0)")
        }
    }

    func testAnUnreachableServerIsNamedInTheError() {
        XCTAssertThrowsError(try PostgresStore(url: "postgresql:///nope?host=/nonexistent&connect_timeout=1", host: "a",
                                               directory: Scratch().url)) {
            let text = "\($0)"
            XCTAssertTrue(text.contains("/nonexistent") && text.contains("PostgreSQL server is running"), text)
        }
    }
}
