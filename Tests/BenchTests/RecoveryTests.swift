import Foundation
import Testing
import MockBoard
@testable import Bench
import HilAPI
import HildStore

@Suite("Restart recovery", .serialized, .timeLimit(.minutes(5)))
struct RecoveryTests {
    @Test("a restarted bench runs the queued jobs and retries the one that was running once")
    func restart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
        // A first bench with no boards: jobs queue; one is marked running as a crash would leave it.
        let first = try BenchFixture(mockBoards: 0, directory: dir)
        let a = try await first.bench.submit(try await first.spec(limit: 3, name: "a"))
        let b = try await first.bench.submit(try await first.spec(limit: 3, name: "b"))
        await first.stop()
        var crashed = try #require(try first.store.job(a.id))
        crashed.state = .running
        crashed.attempts = 1
        crashed.board = EmulatedProbeConfig.mockSerial(1)
        try #require(first.store as? BenchStore).updateJob(crashed)

        let second = try BenchFixture(mockBoards: 1, directory: dir)
        defer { Task { await second.stop() } }
        let doneA = try await second.finished(a.id)
        let doneB = try await second.finished(b.id)
        #expect(doneA.state == .passed)
        #expect(doneA.attempts == 2)
        #expect(doneB.state == .passed)
        let kinds = try await second.bench.events(job: a.id, after: 0).map(\.kind)
        #expect(kinds.contains("retry"))
        await second.stop()
    }

    @Test("stopping the bench requeues a running job without charging the attempt")
    func gracefulStop() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
        let first = try BenchFixture(mockBoards: 1, directory: dir)
        let job = try await first.bench.submit(try await first.spec(limit: 120, slow: true))
        try await first.until("streaming") { try await first.bench.job(id: job.id).progress?.done ?? 0 > 2 }
        await first.stop()
        let stored = try #require(try first.store.job(job.id))
        #expect(stored.state == .queued)
        #expect(stored.attempts == 0)
        #expect(try first.store.events(job: job.id, after: 0).contains { $0.kind == "requeued" })
    }
}
