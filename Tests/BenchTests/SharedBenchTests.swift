import Foundation
import Testing
import MockBoard
@testable import Bench
import HilAPI
@testable import HildStore
import PostgresTestCluster

/// Two hilds (two Bench actors, each with its own mock boards and state directory) sharing one
/// PostgreSQL database: the queue, the artifacts, the reports and the events are the bench's,
/// not a host's. The three-process tests (tools/farm) add real crashes and partitions.
@Suite("A bench of several hosts on PostgreSQL", .serialized, .timeLimit(.minutes(5)),
       .enabled(if: PostgresTestCluster.PostgresCluster.isInstalled, "PostgreSQL is not installed (apt-get install postgresql)"))
struct SharedBenchTests {
    /// Hosts named `names` on a new database; host i has `boards[i]` mock boards numbered apart.
    /// The lease is long where no expiry is wanted: under a loaded test run (700 tests on two
    /// cores) a 3 s lease lapsed between renewals, and the bench rightly ran those jobs again.
    static func hosts(_ names: [String], boards: [Int], leaseSeconds: Double = 60) throws -> [BenchFixture] {
        let url = try PostgresCluster.running().freshDatabase()
        var first = 1
        return try zip(names, boards).map { name, count in
            defer { first += max(count, 1) }
            let mockFirst = first
            return try BenchFixture(mockBoards: count, sharedStore: { directory in
                try PostgresStore(url: url, host: name, directory: directory)
            }, configure: { config in
                config.leaseSeconds = leaseSeconds
                config.mockFirst = mockFirst
            })
        }
    }

    @Test("jobs submitted on one host spread over every host's boards, each run once, its report readable from any host")
    func spread() async throws {
        let hosts = try Self.hosts(["shelf-a", "shelf-b"], boards: [2, 2])
        let (a, b) = (hosts[0], hosts[1])
        defer { Task { for h in hosts { await h.stop() } } }
        let spec = try await a.spec(limit: 6)
        var ids: [Int64] = []
        for _ in 0..<8 { ids.append(try await a.bench.submit(spec).id) }
        var ranOn: [String: Int] = [:]
        for id in ids {
            let done = try await a.finished(id)
            #expect(done.state == .passed, "job \(id): \(done.reason ?? "")")
            ranOn[done.host ?? "none", default: 0] += 1
            let events = try await b.bench.events(job: id, after: 0)
            #expect(events.filter { $0.kind == "assigned" }.count == 1, "job \(id) ran once: \(events.map(\.kind))")
            #expect(events.map(\.seq) == Array(1...Int64(events.count)), "one ordered event log per job")
            // Whichever host ran it, the other serves its report and samples.
            let other = done.host == "shelf-a" ? b : a
            #expect(try await other.bench.report(job: id).count > 100)
            #expect(try other.store.samples(job: id).count == 6)
        }
        #expect(Set(ranOn.keys) == ["shelf-a", "shelf-b"], "both hosts ran jobs: \(ranOn)")
        let boards = await b.bench.boards()
        #expect(boards.count == 4)
        #expect(Set(boards.compactMap(\.host)) == ["shelf-a", "shelf-b"])
        #expect(Set(boards.map(\.id)).count == 4, "mock_first keeps the hosts' board ids apart")
        // A selector naming a host keeps the job there.
        var pinned = spec
        pinned.selector.host = "shelf-b"
        let onB = try await a.bench.submit(pinned)
        #expect(try await a.finished(onB.id).host == "shelf-b")
        for h in hosts { await h.stop() }
    }

    @Test("a follower on one host hears the run on another, and its cancel stops that run")
    func followAndCancelAcrossHosts() async throws {
        // Renewals every 3 s: that is when rack hears the cancel.
        let hosts = try Self.hosts(["front", "rack"], boards: [0, 1], leaseSeconds: 9)
        let (front, rack) = (hosts[0], hosts[1])
        defer { Task { for h in hosts { await h.stop() } } }
        let job = try await front.bench.submit(try await front.spec(limit: 200, slow: true))
        let stream = try await front.bench.liveEvents(job: job.id, after: 0)
        let heard = Task { () -> [JobEvent] in
            var all: [JobEvent] = []
            for await e in stream { all.append(e) }
            return all
        }
        try await front.until("streaming on rack", within: 60) { try await front.bench.job(id: job.id).progress?.done ?? 0 > 2 }
        #expect(try await front.bench.job(id: job.id).host == "rack")
        let asked = try await front.bench.cancel(job: job.id)
        #expect(asked.state == .running, "the cancel is passed to the host running it")
        let done = try await front.finished(job.id, within: 30)
        #expect(done.state == .cancelled)
        try await rack.until("rack's board idle again") { await rack.board(MockBus.serial(2))?.state == .idle }
        let events = await heard.value
        #expect(events.map(\.seq) == Array(1...Int64(events.count)), "no event lost or doubled: \(events.map(\.seq))")
        #expect(events.contains { $0.kind == "progress" }, "rack's progress reached front's follower")
        #expect(events.contains { $0.kind == "cancel_requested" })
        #expect(events.last?.kind == "finished" && events.last?.state == .cancelled)
        for h in hosts { await h.stop() }
    }

    @Test("a host whose lease runs out loses its job once, writes nothing more for it, and the job finishes elsewhere")
    func leaseLost() async throws {
        // Renewals and sweeps every 3 s: the expiry this test causes is seen within seconds.
        let hosts = try Self.hosts(["lost", "keeper"], boards: [1, 1], leaseSeconds: 9)
        let (lost, keeper) = (hosts[0], hosts[1])
        defer { Task { for h in hosts { await h.stop() } } }
        var spec = try await lost.spec(limit: 30, slow: true)
        spec.selector.host = "lost"
        let job = try await lost.bench.submit(spec)
        try await lost.until("streaming on lost", within: 60) { try await lost.bench.job(id: job.id).progress?.done ?? 0 > 1 }
        // As if "lost" had been partitioned away past its lease: the lease is over in the
        // database, and the host finds out at its next renewal. Unpinned, the job may run again
        // on either host's board.
        let store = try #require(lost.store as? PostgresStore)
        _ = try store.sql("UPDATE job SET lease_expires = \(PostgresStore.databaseNow) - 1, spec = jsonb_set(spec::jsonb, '{selector}', '{}')::text WHERE id = $1",
                          [.int(job.id)])
        let done = try await keeper.finished(job.id, within: 120)
        #expect(done.state == .passed, "\(done.reason ?? "")")
        #expect(done.attempts == 2, "the lost attempt is counted")
        let events = try await keeper.bench.events(job: job.id, after: 0)
        let expired = events.filter { $0.kind == "lease_expired" }
        #expect(expired.count == 1, "requeued exactly once: \(events.map(\.kind))")
        #expect(expired.first?.message.contains("lost lost its lease") == true, "\(expired.first?.message ?? "")")
        #expect(events.filter { $0.kind == "finished" }.count == 1)
        // The report is the second attempt's, whole.
        #expect(try keeper.store.samples(job: job.id).count == 30)
        try await lost.until("the lost host's board idle again") { await lost.board(MockBus.serial(1))?.state == .idle }
        for h in hosts { await h.stop() }
    }
}
