import Foundation
import Testing
import Deployer
import MockBoard

/// hilctl against mock boards exported over USB/IP: a whole run (flash, hello, baud switch,
/// streaming over the VCP), a flash whose connection is cut, and `hilctl mock serve` itself.
@Suite struct USBIPEndToEndTests {
    static let root = HilctlEndToEndTests.root
    let cli = HilctlEndToEndTests()

    /// A server on a free loopback port exporting `count` mock boards with their VCPs.
    func server(boards count: Int = 1, faults: FaultPlan = .none) throws -> (MockUSBIPServer, [MockBoard]) {
        let catalog = try BoardCatalog(directory: Self.root.appendingPathComponent("boards"))
        let definition = try catalog.board(named: "stm32f746g-disco")
        let server = try MockUSBIPServer(description: MockUSBIPServer.stlinkV21(boardsDirectory: catalog.directory),
                                         options: .init(host: "127.0.0.1", port: 0))
        let boards = (1...count).map { _ in MockBoard(chip: catalog.chip(for: definition), probe: .v2_1(serial: EmulatedProbeConfig.mockSerial(1)), faults: faults) }
        for b in boards { server.export(b, serialPath: try b.attachSerial(MockUARTConfig(board: definition))) }
        server.start()
        return (server, boards)
    }

    @Test func aWholeRunAgainstAnExportedMockBoardReportsLikeALocalOne() throws {
        let (server, boards) = try server()
        defer { server.stop(); boards[0].detachSerial() }
        let result = try cli.run(["run", "--probe", "usbip://127.0.0.1:\(server.port)/1-1", "--model", "examples/shapes/shapes.hilm",
                                  "--dataset", "examples/shapes/holdout", "--limit", "12", "--baud", "2000000", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let accuracy = try #require(report["accuracy"] as? [String: Any])
        #expect(accuracy["total"] as? Int == 12)
        #expect((report["agreement"] as? [String: Any])?["rate"] as? Double == 1.0)   // the board ran the host's own C runtime
        let board = try #require(report["board"] as? [String: Any])
        #expect(board["kind"] as? String == "mock")
        #expect(board["baud"] as? Int == 2_000_000)                                       // the switch went over SET_LINE_CODING
        #expect((report["latency"] as? [String: Any])?["timer_kind"] as? String == "estimated")
        // This exported mock answers with the host-compiled harness; its HELLO (an estimating
        // timer) says so, and the report does not call it silicon or an emulated core.
        #expect(board["core"] as? String == "host-compiled harness, no firmware runs")
        #expect((report["samples"] as? [[String: Any]])?.count == 12)
        // The image went into the exported board's flash: its harness info block is there.
        #expect(boards[0].target.flashBytes(at: 0x0800_0200, count: 4) == Array("HILH".utf8))
        #expect(result.stderr.contains("line switched to 2000000 baud"), "\(result.stderr)")
    }

    @Test func aFlashWhoseConnectionIsCutExitsWith3AndPrintsNoSuccess() throws {
        let (server, boards) = try server(faults: FaultPlan(unplugAfterTransfers: 60))
        defer { server.stop(); boards[0].detachSerial() }
        let url = "usbip://127.0.0.1:\(server.port)/1-1"
        let result = try cli.run(["flash", "--probe", url, "examples/blinky/blinky.elf"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stdout.isEmpty, "\(result.stdout)")
        #expect(result.stderr.contains("USB/IP connection to \(url)") && result.stderr.contains("dropped"), "\(result.stderr)")
    }

    @Test func aMalformedOrUnreachableRemoteIsRefusedByName() throws {
        let bad = try cli.run(["flash", "--probe", "usbip://127.0.0.1:3240", "examples/blinky/blinky.elf"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("usbip://127.0.0.1:3240") && bad.stderr.contains("usbip://HOST[:PORT]/BUSID"), "\(bad.stderr)")
        let (server, boards) = try server()
        let port = server.port
        server.stop()
        boards[0].detachSerial()
        let gone = try cli.run(["probes", "--probe", "usbip://127.0.0.1:\(port)/1-1"])
        #expect(gone.status == 3)
        #expect(gone.stderr.contains("cannot reach the USB/IP server 127.0.0.1:\(port)"), "\(gone.stderr)")
    }

    @Test func mockServeExportsBoardsThatProbesSeesAndStopsOnSIGTERM() throws {
        let process = Process()
        process.executableURL = try HilctlEndToEndTests.hilctl
        process.arguments = ["mock", "serve", "--boards", "2", "--port", "0", "--json"]
        process.currentDirectoryURL = Self.root
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // The JSON list comes first, while the server keeps running.
        var text = ""
        while !text.contains("]") {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let exports = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]], "\(text)")
        #expect(exports.map { $0["busid"] as? String } == ["1-1", "1-2"])
        let url = try #require(exports.last?["url"] as? String)
        let probes = try cli.run(["probes", "--probe", url, "--json"])
        #expect(probes.status == 0, "\(probes.stderr)")
        #expect(probes.stdout.contains(EmulatedProbeConfig.mockSerial(2)) && probes.stdout.contains("STM32F74x"), "\(probes.stdout)")
        process.terminate()                                               // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("imported 1-2") && log.contains("stopped"), "\(log)")
    }
}
