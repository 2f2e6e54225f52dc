import Foundation
import Testing
import Deployer
import MockBoard
import STLink
import USBIP

/// A connection that ends mid-transfer ends the operation with an error that says so — the
/// bench's failure, naming the remote — and nothing is reported as success.
@Suite struct ConnectionCutTests {
    static let shapes = ServerFixture.root.appendingPathComponent("examples/shapes")

    func flashRequest(_ bytes: [UInt8]) throws -> FlashRequest {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cut-\(UUID()).bin").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var request = FlashRequest(imagePath: path)
        request.board = "stm32f746g-disco"
        return request
    }

    @Test func aProbeUnpluggedOnTheServerMidFlashIsAnInfrastructureFailureNamingTheRemote() throws {
        let request = try flashRequest(patternBytes(128 * 1024, seed: 5))
        // How many transfers the whole flash takes, measured in-process; the remote one is cut halfway.
        let catalog = try BoardCatalog(directory: ServerFixture.boardsDirectory)
        let reference = MockBoard(chip: catalog.chip(for: try catalog.board(named: "stm32f746g-disco")), probe: .v2_1())
        _ = try FlashDeployment(catalog: catalog).run(request, transport: reference.probe)
        let total = reference.statistics.transfersIn + reference.statistics.transfersOut
        let fixture = try ServerFixture(faults: FaultPlan(unplugAfterTransfers: total / 2))
        let transport = try USBIPProbes.open(fixture.address())
        do {
            let outcome = try FlashDeployment(catalog: catalog).run(request, transport: transport)
            Issue.record("the cut flash reported success: \(outcome.report)")
        } catch {
            #expect(error.isInfrastructure)
            #expect(error.description.contains("USB/IP connection to \(fixture.address())"), "\(error.description)")
            #expect(error.description.contains("dropped"), "\(error.description)")
        }
        #expect(transport.device.connection.lostReason != nil)
        #expect(fixture.boards[0].target.flashBytes(at: 0x0800_0000, count: 128 * 1024) != patternBytes(128 * 1024, seed: 5))
    }

    @Test func aReadWaitingOnTheVCPWhenTheServerStopsEndsWithConnectionLost() throws {
        let fixture = try ServerFixture(serial: true)
        let device = try USBIPDevice.open(fixture.address())
        let port = try USBIPSerialPort(device: device, baud: 115_200)
        let server = fixture.server
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { server.stop() }
        do {
            let bytes = try port.receive(maxBytes: 64, timeout: .seconds(60))
            Issue.record("the read returned \(bytes.count) bytes instead of failing")
        } catch {
            guard case let .connectionLost(path, _) = error else { Issue.record("\(error)"); return }
            #expect(path == "\(fixture.address()) (VCP)")
            #expect(error.description.contains("USB/IP connection") && error.description.contains("then run again"))
        }
        #expect(throws: SerialError.self) { try port.send([1, 2, 3]) }
    }

    @Test func anEvaluationCutMidStreamFailsAsTheBenchsFaultWithoutAReport() throws {
        let fixture = try ServerFixture(serial: true)
        let transport = try USBIPProbes.open(fixture.address())
        let runner = EvaluationRunner(catalog: fixture.catalog)
        var request = RunRequest(modelPath: Self.shapes.appendingPathComponent("shapes.hilm").path,
                                 datasetPath: Self.shapes.appendingPathComponent("holdout").path)
        request.limit = 12
        let prepared = try runner.prepare(request)
        var flash = request.flash
        flash.board = "stm32f746g-disco"
        var results = 0
        let server = fixture.server
        do {
            let report = try runner.run(prepared, boardKind: "mock", deploy: runner.flashing(through: transport, flash),
                                        openSerial: { try USBIPSerialPort(device: transport.device, baud: $0) },
                                        progress: { _ in
                                            results += 1
                                            if results == 1 { server.stop() }     // cut after the first result
                                        })
            Issue.record("a cut run produced a report: \(report.board.name)")
        } catch {
            #expect(error.isInfrastructure, "\(error)")
            #expect(error.description.contains("USB/IP connection"), "\(error.description)")
        }
        #expect(results >= 1 && results < 12)
    }
}
