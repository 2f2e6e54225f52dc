import Foundation
import Testing
@testable import Bench
import HilAPI

@Suite("Infrastructure failures, retries and quarantine", .serialized, .timeLimit(.minutes(5)))
struct FailoverTests {
    @Test("a board unplugged mid-job: infrastructure failure, a retry on another board, nothing lost")
    func unplugMidJob() async throws {
        let f = try BenchFixture(mockBoards: 2)
        defer { Task { await f.stop() } }
        try await f.until("two idle boards") { await f.bench.boards().filter { $0.state == .idle }.count == 2 }
        let job = try await f.bench.submit(try await f.spec(limit: 30, slow: true))
        try await f.until("streaming") { try await f.bench.job(id: job.id).progress?.done ?? 0 > 3 }
        let first = try #require(try await f.bench.job(id: job.id).board)
        // Pull the board as a user would: the probe and the VCP vanish, and udev says so.
        f.bench.mockBus!.unplug(first)
        await f.bench.probeVanished(serial: first)

        let done = try await f.finished(job.id)
        #expect(done.state == .passed, "\(done.reason ?? "")")
        #expect(done.attempts == 2)
        #expect(done.failedBoards == [first])
        #expect(done.board != first)
        #expect(done.summary?.samples == 30)
        let events = try await f.bench.events(job: job.id, after: 0)
        let retry = try #require(events.first { $0.kind == "retry" })
        #expect(retry.board == first)
        #expect(retry.message.contains("infrastructure failure"))
        // The results are the second attempt's, all of them, attributed to this job.
        #expect(try f.store.samples(job: job.id).count == 30)
        let pulled = try #require(await f.board(first))
        #expect(pulled.state == .offline)
        #expect(pulled.consecutiveInfraFailures == 1)
        await f.stop()
    }

    @Test("retries stop at max_attempts and the job ends errored with the reason")
    func retriesRunOut() async throws {
        let f = try BenchFixture(mockBoards: 1, maxAttempts: 2, quarantineAfter: 5)
        defer { Task { await f.stop() } }
        try await f.until("an idle board") { await f.bench.boards().first?.state == .idle }
        let serial = MockBus.serial(1)
        // A probe that vanished without udev noticing: every flash fails.
        f.bench.mockBus!.unplug(serial)
        let job = try await f.bench.submit(try await f.spec(limit: 4))
        let done = try await f.finished(job.id)
        #expect(done.state == .errored)
        #expect(done.failureKind == "infrastructure")
        #expect(done.attempts == 2)
        #expect(done.reason?.contains("unplugged") == true || done.reason?.contains("disconnected") == true, "\(done.reason ?? "")")
        await f.stop()
    }

    @Test("repeated infrastructure failures quarantine a board; a passing health check releases it")
    func quarantine() async throws {
        let f = try BenchFixture(mockBoards: 1, maxAttempts: 1, quarantineAfter: 2)
        defer { Task { await f.stop() } }
        try await f.until("an idle board") { await f.bench.boards().first?.state == .idle }
        let serial = MockBus.serial(1)
        f.bench.mockBus!.unplug(serial)
        for _ in 0..<2 {
            let job = try await f.bench.submit(try await f.spec(limit: 2))
            #expect(try await f.finished(job.id).state == .errored)
        }
        let board = try #require(await f.board(serial))
        #expect(board.state == .quarantined)
        #expect(board.reason?.contains("2 infrastructure failures") == true)
        // Plugged back, it still takes no ordinary job…
        try f.bench.mockBus!.plug(serial)
        await f.bench.probeTTYChanged(serial: serial, tty: f.bench.mockBus!.serialPath(serial))
        let ordinary = try await f.bench.submit(try await f.spec(limit: 2))
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await f.bench.job(id: ordinary.id).state == .queued)
        // …until a health check passes on it.
        var check = try await f.spec(limit: 4, selector: BoardSelector(board: serial))
        check.healthCheck = true
        let health = try await f.bench.submit(check)
        #expect(try await f.finished(health.id).state == .passed)
        #expect(await f.board(serial)?.state != .quarantined)
        #expect(try await f.finished(ordinary.id).state == .passed)
        await f.stop()
    }
}
