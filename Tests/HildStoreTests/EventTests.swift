import Foundation
import HilAPI
import Testing
@testable import HildStore

@Suite struct EventTests {
    @Test(arguments: StoreKind.available) func seqCountsPerJobAndAfterFilters(_ kind: StoreKind) throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open(kind)
        let a = try store.insertJob(spec(), submittedAt: oddDate), b = try store.insertJob(spec())
        let queued = try store.events(job: a.id, after: 0)
        #expect(queued.map(\.seq) == [1] && queued.first?.kind == "queued" && queued.first?.time == oddDate)

        let progress = JobEvent(jobID: a.id, time: oddDate, kind: "progress", message: "120/250",
                                board: "qemu-1", progress: JobProgress(phase: "streaming", done: 120, total: 250, accuracy: 0.9))
        let e2 = try store.appendEvent(progress)
        let e3 = try store.appendEvent(JobEvent(jobID: a.id, kind: "finished", message: "passed", state: .passed))
        let b2 = try store.appendEvent(JobEvent(jobID: b.id, kind: "log", message: "other job"))
        #expect(e2.seq == 2 && e3.seq == 3 && b2.seq == 2)

        var expected = progress; expected.seq = 2
        #expect(try store.events(job: a.id, after: 1) == [expected, e3])
        #expect(try store.events(job: a.id, after: 2) == [e3])
        #expect(try store.events(job: a.id, after: 3).isEmpty)
        #expect(try store.events(job: b.id, after: 0).map(\.seq) == [1, 2])
    }

    @Test(arguments: StoreKind.available) func anEventForAnUnknownJobIsRefused(_ kind: StoreKind) throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open(kind)
        let error = #expect(throws: StoreError.self) { try store.appendEvent(JobEvent(jobID: 9, kind: "log", message: "x")) }
        #expect(error?.kind == .unknownJob(9))
    }

    @Test(arguments: StoreKind.available) func updateAndEventCommitTogether(_ kind: StoreKind) throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open(kind)
        var job = try store.insertJob(spec())
        job.state = .running; job.attempts = 1; job.board = "qemu-1"
        let event = try store.updateJob(job, appending: JobEvent(jobID: job.id, kind: "assigned", message: "on qemu-1", board: "qemu-1"))
        #expect(event.seq == 2)
        #expect(try store.job(job.id) == job)
        #expect(try store.events(job: job.id, after: 1) == [event])

        // The event cannot be stored (its job does not exist): the update beside it is undone too.
        var finished = job
        finished.state = .passed
        let error = #expect(throws: StoreError.self) {
            try store.updateJob(finished, appending: JobEvent(jobID: 77, kind: "finished", message: "passed", state: .passed))
        }
        #expect(error?.kind == .unknownJob(77))
        #expect(try store.job(job.id)?.state == .running)
        #expect(try store.events(job: job.id, after: 0).count == 2)
    }

    @Test(arguments: StoreKind.available) func concurrentAppendsGetDistinctConsecutiveSeqs(_ kind: StoreKind) async throws {
        let scratch = Scratch(); defer { scratch.cleanup() }
        let store = try scratch.open(kind)
        let job = try store.insertJob(spec())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask {
                    for i in 0..<25 { _ = try store.appendEvent(JobEvent(jobID: job.id, kind: "log", message: "\(t).\(i)")) }
                }
            }
            try await group.waitForAll()
        }
        #expect(try store.events(job: job.id, after: 0).map(\.seq) == Array(1...201))
    }
}
