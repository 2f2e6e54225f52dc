import Foundation
import Testing
@testable import Deployer
@testable import HilCLI

/// `hilctl run --host-only`: the board's C runtime on this machine. Its predictions must be the
/// emulated board's (the real firmware) and its estimated latency the host-harness mock's (the same
/// cost model), sample for sample, or a comparison of a host-only run with a board run would
/// compare two different things.
@Suite(.serialized) struct HostRunTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func request(limit: Int) -> RunRequest {
        var r = RunRequest(modelPath: Self.root.appendingPathComponent("examples/shapes/shapes.hilm").path,
                           datasetPath: Self.root.appendingPathComponent("examples/shapes/holdout").path)
        r.limit = limit
        return r
    }

    @Test func hostOnlyPredictionsAndLatencyAreTheMockBoardsSampleForSample() throws {
        let catalog = try BoardCatalog(directory: Self.root.appendingPathComponent("boards"))
        let host = try HostRun(catalog: catalog).run(request(limit: 36))
        #expect(host.board.kind == "host" && host.board.timerKind == "estimated")
        #expect(host.throughput.wireBytes == 0)
        let flash = FileManager.default.temporaryDirectory.appendingPathComponent("hil-hostrun-\(UUID())").path
        let mock = try HilctlEndToEndTests().run(["run", "--mock", "--mock-flash", flash, "--model", "examples/shapes/shapes.hilm",
                                                  "--dataset", "examples/shapes/holdout", "--limit", "36", "--baud", "921600", "--json"])
        #expect(mock.status == 0, "\(mock.stderr)")
        let board = try ReportJSON.decode(Data(mock.stdout.utf8), source: "hilctl run --mock")
        #expect(host.samples.map(\.predicted) == board.samples.map(\.predicted))
        #expect(host.samples.map(\.scores) == board.samples.map(\.scores))
        #expect(host.accuracy.correct == board.accuracy.correct)
        #expect(board.board.timerKind == "emulated", "the emulated core's DWT counts emulated instructions")

        let fast = try HilctlEndToEndTests().run(["run", "--mock", "--mock-core", "host-harness", "--mock-flash", flash + "-host",
                                                  "--model", "examples/shapes/shapes.hilm", "--dataset", "examples/shapes/holdout",
                                                  "--limit", "36", "--baud", "921600", "--json"])
        #expect(fast.status == 0, "\(fast.stderr)")
        let estimated = try ReportJSON.decode(Data(fast.stdout.utf8), source: "hilctl run --mock --mock-core host-harness")
        #expect(estimated.board.timerKind == "estimated")
        #expect(host.samples.map(\.cycles) == estimated.samples.map(\.cycles))
        #expect(host.samples.map(\.predicted) == estimated.samples.map(\.predicted))
    }

    @Test func aModelTheBoardCannotHoldIsEvaluatedWithANoteNotRefused() throws {
        let catalog = try BoardCatalog(directory: Self.root.appendingPathComponent("boards"))
        // The shapes model against a board whose model region is smaller than it.
        let model = try ModelFile.load(path: request(limit: 1).modelPath)
        let board = try catalog.board(named: "stm32f746g-disco").harnessTarget
        let small = HarnessTarget(name: "tiny-board", firmware: .init(harnessRegion: board.firmware.harnessRegion,
                                  modelRegion: .init(base: board.firmware.modelRegion.base, sizeKb: 8), infoBlockOffset: board.firmware.infoBlockOffset),
                                  harness: board.harness, coreClockHz: board.coreClockHz, flashBytes: 16384, ramBytes: board.ramBytes)
        let notes = HostEvaluation.fitProblems(model: model, board: small)
        #expect(notes == ["\(model.summary.name) is \(model.blob.count) bytes, more than the 8192-byte model region of tiny-board (16 KB flash)"])
        #expect(HostEvaluation.fitProblems(model: model, board: board).isEmpty)
    }

    @Test func hostOnlyRefusesABoardToo() throws {
        let r = try HilctlEndToEndTests().run(["run", "--host-only", "--mock", "--model", "examples/shapes/shapes.hilm",
                                               "--dataset", "examples/shapes/holdout"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("--host-only uses no board"))
    }
}
