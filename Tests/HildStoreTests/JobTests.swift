import Foundation
import HilAPI
import Testing
@testable import HildStore

@Suite struct JobTests {
    @Test(arguments: StoreKind.available) func aNewJobIsQueuedWithIdsFromOne(_ kind: StoreKind) throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open(kind)
        let first = try store.insertJob(fullSpec, submittedAt: oddDate)
        let second = try store.insertJob(spec())
        #expect(first.id == 1 && second.id == 2)
        #expect(first == JobRecord(id: 1, spec: fullSpec, state: .queued, attempts: 0, submittedAt: oddDate))
        #expect(try store.job(1) == first)
        #expect(try store.job(3) == nil)
    }

    @Test(arguments: StoreKind.available) func everyFieldRoundTripsExactly(_ kind: StoreKind) throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open(kind)
        var record = try store.insertJob(fullSpec, submittedAt: oddDate)
        record.state = .failed
        record.reason = "top-1 0.87 is below the minimum 0.915"
        record.failureKind = "thresholds"
        record.attempts = 2
        record.board = "066CFF535150"
        record.failedBoards = ["0670FF48", "qemu-3"]
        record.startedAt = oddDate.addingTimeInterval(1.000_123_4)
        record.finishedAt = Date()
        record.progress = JobProgress(phase: "streaming", done: 250, total: 250, accuracy: 0.872)
        record.summary = JobSummary(samples: 250, top1: 0.872, agreement: 0.996, p50Ms: 11.25, p99Ms: nil, timerKind: "dwt")
        record.checks = [
            ThresholdCheck(name: "min_top1", limit: 0.915, actual: 0.872, passed: false),
            ThresholdCheck(name: "max_p99_ms", limit: 20.3, actual: nil, passed: false),
        ]
        try update(store, record)
        let back = try #require(try store.job(record.id))
        // Field by field first, so a failure names the field.
        #expect(back.spec == record.spec)
        #expect(back.spec.thresholds == fullSpec.thresholds && back.spec.options == fullSpec.options)
        #expect(back.state == record.state && back.reason == record.reason && back.failureKind == record.failureKind)
        #expect(back.attempts == 2 && back.board == record.board && back.failedBoards == record.failedBoards)
        #expect(back.submittedAt == oddDate && back.startedAt == record.startedAt && back.finishedAt == record.finishedAt)
        #expect(back.progress == record.progress && back.summary == record.summary && back.checks == record.checks)
        #expect(back == record)

        // And back to nothing: optional fields are cleared, not kept.
        record.progress = nil; record.summary = nil; record.reason = nil; record.board = nil; record.finishedAt = nil
        try update(store, record)
        #expect(try store.job(record.id) == record)
    }

    @Test(arguments: StoreKind.available) func updatingAJobTheStoreDoesNotHoldIsAnError(_ kind: StoreKind) throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open(kind)
        let error = #expect(throws: StoreError.self) { try update(store, JobRecord(id: 42, spec: spec())) }
        #expect(error?.kind == .unknownJob(42))
    }

    @Test(arguments: StoreKind.available) func theQueueRunsByPriorityThenAge(_ kind: StoreKind) throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open(kind)
        for p in [0, 5, 0, 5, -1, 9] { _ = try store.insertJob(spec(priority: p)) }
        var running = try #require(try store.job(6))
        running.state = .running
        try update(store, running)
        #expect(try store.queuedJobs().map(\.id) == [2, 4, 1, 3, 5])
    }

    @Test(arguments: StoreKind.available) func listingsAreNewestFirstFilteredAndLimited(_ kind: StoreKind) throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open(kind)
        for _ in 0..<5 { _ = try store.insertJob(spec()) }
        for id: Int64 in [2, 4] {
            var r = try #require(try store.job(id))
            r.state = .passed
            try update(store, r)
        }
        #expect(try store.jobs(state: nil, limit: 10).map(\.id) == [5, 4, 3, 2, 1])
        #expect(try store.jobs(state: nil, limit: 2).map(\.id) == [5, 4])
        #expect(try store.jobs(state: .passed, limit: 10).map(\.id) == [4, 2])
        #expect(try store.jobs(state: .queued, limit: 2).map(\.id) == [5, 3])
        #expect(try store.jobs(state: .running, limit: 10).isEmpty)
        #expect(try store.jobs(state: nil, limit: 0).isEmpty)
        let counts = try store.jobCounts()
        #expect(counts[.queued] == 3 && counts[.passed] == 2 && counts[.running] == 0 && counts.count == JobState.allCases.count)
    }

    /// Listings keep finished jobs decoded (FinishedJobs): an update must still show at once.
    @Test(arguments: StoreKind.available) func aListedFinishedJobShowsItsLaterUpdate(_ kind: StoreKind) throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open(kind)
        var job = try store.insertJob(spec())
        job.state = .failed
        job.reason = "first verdict"
        try update(store, job)
        #expect(try store.jobs(state: nil, limit: 10).first?.reason == "first verdict")
        #expect(try store.jobs(state: nil, limit: 10).first == job, "and listed again from the cache, the same")
        job.reason = "corrected verdict"
        job.checks = [ThresholdCheck(name: "min_top1", limit: 0.9, actual: 0.5, passed: false)]
        try update(store, job)
        #expect(try store.jobs(state: nil, limit: 10).first == job)
        #expect(try store.jobs(state: .failed, limit: 10).first == job)
    }
}
