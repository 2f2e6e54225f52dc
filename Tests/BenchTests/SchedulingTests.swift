import Foundation
import Testing
import MockBoard
@testable import Bench
import HilAPI

@Suite("The scheduler on mock boards", .serialized, .timeLimit(.minutes(5)))
struct SchedulingTests {
    @Test("a job runs on a mock board (the flashed firmware on its emulated core) and passes with a stored report")
    func oneJob() async throws {
        let f = try BenchFixture(mockBoards: 1, core: .emulated)
        defer { Task { await f.stop() } }
        var spec = try await f.spec(limit: 12)
        spec.thresholds.minAgreement = 1
        let job = try await f.bench.submit(spec)
        let done = try await f.finished(job.id)
        #expect(done.state == .passed, "\(done.reason ?? "")")
        #expect(done.summary?.samples == 12)
        #expect(done.summary?.agreement == 1)
        #expect(done.checks.map(\.name) == ["min_agreement"])
        let report = try await f.bench.report(job: job.id)
        #expect(String(decoding: report, as: UTF8.self).contains("\"schema_version\""))
        #expect(try f.store.samples(job: job.id).count == 12)
        let kinds = try await f.bench.events(job: job.id, after: 0).map(\.kind)
        #expect(kinds.first == "queued")
        #expect(kinds.contains("assigned") && kinds.contains("flashing") && kinds.contains("streaming"))
        #expect(kinds.last == "finished")
        let metrics = await f.bench.metrics()
        #expect(metrics.contains("hil_jobs{state=\"passed\"} 1"))
        #expect(metrics.contains("hil_jobs_finished_total{state=\"passed\"} 1"))
        #expect(metrics.contains("hil_flash_duration_seconds_count 1"))
        #expect(metrics.contains("hil_inference_duration_seconds_count{timer_kind=\"emulated\"} 12"))
        #expect(metrics.contains("hil_board_state{board=\"\(MockBus.serial(1))\",kind=\"mock\",type=\"stm32f746g-disco\",state=\"idle\"} 1"))
        await f.stop()
    }

    @Test("warm-up inferences are discarded and repeated passes pool their latencies")
    func warmupAndRepeats() async throws {
        let f = try BenchFixture(mockBoards: 1)
        defer { Task { await f.stop() } }
        var spec = try await f.spec(limit: 5)
        spec.options.warmup = 3
        spec.options.repeats = 2
        let job = try await f.bench.submit(spec)
        let done = try await f.finished(job.id)
        #expect(done.state == .passed, "\(done.reason ?? "")")
        #expect(done.summary?.samples == 5, "accuracy counts the first pass only")
        let report = try JSONSerialization.jsonObject(with: try await f.bench.report(job: job.id)) as? [String: Any]
        #expect(report?["warmup"] as? Int == 3)
        #expect(report?["repeats"] as? Int == 2)
        #expect((report?["samples"] as? [Any])?.count == 5)
        let metrics = await f.bench.metrics()
        // The metric observes each sample's first-pass latency (the report pools the repeats).
        #expect(metrics.contains("hil_inference_duration_seconds_count{timer_kind=\"estimated\"} 5"))
        await f.stop()
    }

    @Test("jobs run in parallel, one per board, on every board")
    func parallel() async throws {
        let f = try BenchFixture(mockBoards: 3)
        defer { Task { await f.stop() } }
        try await f.until("three idle boards") { await f.bench.boards().filter { $0.state == .idle }.count == 3 }
        var ids: [Int64] = []
        for _ in 0..<3 { ids.append(try await f.bench.submit(try await f.spec(limit: 20, slow: true)).id) }
        // All three are running at the same moment, each on its own board.
        try await f.until("three jobs running at once") {
            let running = try await f.bench.jobs(state: .running, limit: 10)
            return running.count == 3
        }
        let boardsInUse = Set(try await f.bench.jobs(state: .running, limit: 10).compactMap(\.board))
        #expect(boardsInUse.count == 3)
        for id in ids { #expect(try await f.finished(id).state == .passed) }
        await f.stop()
    }

    @Test("a higher priority runs first; equal priorities run oldest first")
    func priorities() async throws {
        let f = try BenchFixture(mockBoards: 1)
        defer { Task { await f.stop() } }
        try await f.until("an idle board") { await f.bench.boards().first?.state == .idle }
        // Keep the board busy so the rest queue up behind it.
        let blocker = try await f.bench.submit(try await f.spec(limit: 20, name: "blocker", slow: true))
        try await f.until("the blocker running") { try await f.bench.job(id: blocker.id).state == .running }
        let low = try await f.bench.submit(try await f.spec(limit: 2, priority: 0, name: "low"))
        let lowLater = try await f.bench.submit(try await f.spec(limit: 2, priority: 0, name: "low-later"))
        let high = try await f.bench.submit(try await f.spec(limit: 2, priority: 10, name: "high"))
        for id in [blocker.id, low.id, lowLater.id, high.id] { _ = try await f.finished(id) }
        let starts = try await [high.id, low.id, lowLater.id].asyncMap { try await f.bench.job(id: $0).startedAt! }
        #expect(starts[0] < starts[1])
        #expect(starts[1] < starts[2])
        await f.stop()
    }

    @Test("cancelling a running job stops it and frees the board; cancelling a queued one ends it at once")
    func cancellation() async throws {
        let f = try BenchFixture(mockBoards: 1)
        defer { Task { await f.stop() } }
        let long = try await f.bench.submit(try await f.spec(limit: 120, slow: true))
        let queued = try await f.bench.submit(try await f.spec(limit: 2))
        try await f.until("streaming") { try await f.bench.job(id: long.id).progress?.done ?? 0 > 2 }
        let cancelledQueued = try await f.bench.cancel(job: queued.id)
        #expect(cancelledQueued.state == .cancelled)
        _ = try await f.bench.cancel(job: long.id)
        let done = try await f.finished(long.id, within: 30)
        #expect(done.state == .cancelled)
        #expect(done.failureKind == "cancelled")
        #expect((done.summary) == nil)
        try await f.until("the board idle again") { await f.board(MockBus.serial(1))?.state == .idle }
        // A final job cannot be cancelled again.
        await #expect(throws: APIError.self) { _ = try await f.bench.cancel(job: long.id) }
        // And the board takes new work.
        let next = try await f.bench.submit(try await f.spec(limit: 2))
        #expect(try await f.finished(next.id).state == .passed)
        await f.stop()
    }

    @Test("thresholds missed fail the job and are not retried")
    func thresholdsFail() async throws {
        let f = try BenchFixture(mockBoards: 2)
        defer { Task { await f.stop() } }
        var spec = try await f.spec(limit: 6)
        spec.thresholds.maxP50Ms = 0.001
        let job = try await f.bench.submit(spec)
        let done = try await f.finished(job.id)
        #expect(done.state == .failed)
        #expect(done.failureKind == "thresholds")
        #expect(done.attempts == 1)
        #expect(done.reason?.contains("max_p50_ms") == true)
        await f.stop()
    }

    @Test("a job nothing matches waits in the queue, and a bad selector is refused")
    func selectors() async throws {
        let f = try BenchFixture(mockBoards: 1)
        defer { Task { await f.stop() } }
        let waiting = try await f.bench.submit(try await f.spec(selector: BoardSelector(tag: "nightly")))
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await f.bench.job(id: waiting.id).state == .queued)
        // A QEMU machine is a board type too, though none runs here: the job waits for one.
        let qemu = try await f.bench.submit(try await f.spec(selector: BoardSelector(boardType: "qemu-mps2-an500")))
        #expect(qemu.state == .queued)
        await #expect(throws: APIError.self) {
            _ = try await f.bench.submit(try await f.spec(selector: BoardSelector(boardType: "nucleo-h743zi")))
        }
        await f.stop()
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await transform(e)) }
        return out
    }
}
