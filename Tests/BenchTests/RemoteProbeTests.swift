import Foundation
import Testing
@testable import Bench
import Deployer
import HilAPI
import MockBoard

/// Remote probes (usbip_probes): a mock board exported over USB/IP joins the registry like a
/// local one, runs jobs, goes offline when its connection drops and comes back when it answers.
@Suite("Remote probes over USB/IP", .serialized, .timeLimit(.minutes(5)))
struct RemoteProbeTests {
    /// A USB/IP server exporting one mock board with its VCP, on `port` (0: a free one).
    final class Remote {
        let server: MockUSBIPServer
        let board: MockBoard
        init(port: Int = 0) throws {
            let catalog = try BoardCatalog(directory: BenchFixture.root.appendingPathComponent("boards"))
            let definition = try catalog.board(named: "stm32f746g-disco")
            board = MockBoard(chip: catalog.chip(for: definition), probe: .v2_1(serial: "MOCKREMOTE0001"))
            server = try MockUSBIPServer(description: MockUSBIPServer.stlinkV21(boardsDirectory: catalog.directory),
                                         options: .init(host: "127.0.0.1", port: port))
            server.export(board, serialPath: try board.attachSerial(MockUARTConfig(board: definition)))
            server.start()
        }
        var url: String { "usbip://127.0.0.1:\(server.port)/1-1" }
        var id: String { "127.0.0.1:\(server.port):1-1" }
        func stop() { server.stop(); board.detachSerial() }
    }

    @Test("a remote board runs a job, goes offline when its server stops, and is reconnected when it is back")
    func offlineAndBack() async throws {
        let remote = try Remote()
        let f = try BenchFixture(mockBoards: 0, usbipProbes: [remote.url], usbipRetrySeconds: 0.2)
        defer { Task { await f.stop() } }
        try await f.until("the remote board idle") { await f.board(remote.id)?.state == .idle }
        let info = try #require(await f.board(remote.id))
        #expect(info.kind == .mock)                      // hil's own server: the host-built harness runs it
        #expect(info.probeSerial == "MOCKREMOTE0001" && info.probeModel == "ST-LINK/V2-1")
        #expect(info.serialPort == remote.url && info.boardType == "stm32f746g-disco")

        let job = try await f.bench.submit(try await f.spec(limit: 6))
        let done = try await f.finished(job.id)
        #expect(done.state == .passed, "\(done.reason ?? "")")
        #expect(done.board == remote.id && done.summary?.samples == 6)

        let port = remote.server.port
        remote.stop()
        try await f.until("the remote board offline") { await f.board(remote.id)?.state == .offline }
        let reason = await f.board(remote.id)?.reason ?? ""
        #expect(reason.contains("USB/IP connection dropped") && reason.contains("reconnecting"), "\(reason)")

        let again = try Remote(port: port)
        defer { again.stop() }
        try await f.until("the remote board back") { await f.board(remote.id)?.state == .idle }
        await f.stop()
    }

    @Test("a remote that cannot be reached is listed offline with the reason")
    func unreachable() async throws {
        let gone = try Remote()
        let url = gone.url, id = gone.id
        gone.stop()
        let f = try BenchFixture(mockBoards: 0, usbipProbes: [url], usbipRetrySeconds: 0.2)
        defer { Task { await f.stop() } }
        try await f.until("the remote listed") { await f.board(id) != nil }
        let info = try #require(await f.board(id))
        #expect(info.state == .offline)
        #expect(info.reason?.contains("cannot reach the USB/IP server 127.0.0.1") == true && info.reason?.contains("retrying every") == true,
                "\(info.reason ?? "")")
        await f.stop()
    }

    @Test("a connection that drops mid-job is an infrastructure failure; the job is retried and nothing is lost")
    func dropMidJob() async throws {
        let remote = try Remote()
        let port = remote.server.port
        let f = try BenchFixture(mockBoards: 0, usbipProbes: [remote.url], usbipRetrySeconds: 0.2)
        defer { Task { await f.stop() } }
        try await f.until("the remote board idle") { await f.board(remote.id)?.state == .idle }
        let job = try await f.bench.submit(try await f.spec(limit: 20, slow: true))
        try await f.until("streaming") { try await f.bench.job(id: job.id).progress?.done ?? 0 > 2 }
        remote.stop()
        try await f.until("the board offline") { await f.board(remote.id)?.state == .offline }
        let again = try Remote(port: port)
        defer { again.stop() }
        let done = try await f.finished(job.id)
        #expect(done.state == .passed, "\(done.reason ?? "")")
        #expect(done.attempts == 2)
        #expect(done.summary?.samples == 20)
        let events = try await f.bench.events(job: job.id, after: 0)
        let retry = try #require(events.first { $0.kind == "retry" })
        #expect(retry.message.contains("infrastructure failure on \(remote.id)") && retry.message.contains("USB/IP connection"), "\(retry.message)")
        #expect(try f.store.samples(job: job.id).count == 20)
        await f.stop()
    }
}
