import Foundation
import Testing
import MockBoard
import STLink
@testable import Deployer

/// The mock board's virtual COM port end to end: a real pty, termios, the C harness behind it
/// booted from the emulated flash, faults on the line. Wall-clock tests, so they stream at 2 Mbaud.
@Suite(.serialized) struct MockSerialTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let catalog: BoardCatalog
    let board: BoardDefinition
    let model: ModelFile

    init() throws {
        catalog = try BoardCatalog(directory: Self.root.appendingPathComponent("boards"))
        board = try catalog.board(named: "stm32f746g-disco")
        model = try ModelFile.load(path: Self.root.appendingPathComponent("examples/shapes/shapes.hilm").path)
    }

    /// A mock board whose flash holds `image`, reset and running, with its serial port attached.
    func boot(_ image: FirmwareImage?, faults: SerialFaultPlan = .none) throws -> (MockBoard, String) {
        let mock = MockBoard(chip: catalog.chip(for: board))
        for segment in image?.segments ?? [] { mock.target.preload(flash: segment.bytes, at: segment.address) }
        mock.target.systemReset()
        var config = MockUARTConfig(board: board)
        config.bootBaud = 2_000_000
        let path = try mock.attachSerial(config, faults: faults)
        return (mock, path)
    }

    func packed() throws -> FirmwareImage {
        try FirmwarePacker.pack(model: model, harness: FirmwarePacker.mockHarness(board: board), board: board)
    }

    /// 24 distinct inputs and what the host's runtime predicts for each.
    func samples() -> [(id: Int, input: [UInt8], expected: Int)] {
        let reference = ReferenceRuntime(model)
        var seed: UInt32 = 7
        return (0..<24).map { i in
            let input: [Int8] = (0..<model.summary.inputBytes).map { _ in
                seed = seed &* 1_664_525 &+ 1_013_904_223
                return Int8(truncatingIfNeeded: seed >> 24)
            }
            return (i, input.map { UInt8(bitPattern: $0) }, reference.predict(input).predicted)
        }
    }

    func stream(_ path: String, options: HarnessOptions = HarnessOptions()) throws -> (results: [SampleResult], stats: HarnessStatistics, hello: HelloInfo) {
        let port = try SerialPort(path: path, baud: 2_000_000)
        defer { port.close() }
        let session = HarnessSession(link: port, options: options)
        let hello = try session.waitForHello()
        var results: [SampleResult] = []
        try session.run(samples: samples().map { (id: $0.id, input: $0.input) }) { results.append($0) }
        return (results, session.statistics, hello)
    }

    func expectEverySampleAttributedCorrectly(_ results: [SampleResult]) {
        let expected = Dictionary(uniqueKeysWithValues: samples().map { ($0.id, $0.expected) })
        #expect(results.count == expected.count)
        #expect(Set(results.map(\.id)) == Set(expected.keys))
        for r in results { #expect(r.predictedClass == expected[r.id], "sample \(r.id)") }
    }

    @Test func theFlashedModelRunsAndEveryPredictionIsTheHostsReference() throws {
        let (mock, path) = try boot(try packed())
        defer { withExtendedLifetime(mock) {} }
        let (results, stats, hello) = try stream(path)
        #expect(hello.modelHashHex == model.summary.sha256)
        #expect(hello.timer == .estimated)
        #expect(hello.board == "stm32f746g-disco")
        expectEverySampleAttributedCorrectly(results)
        #expect(results.allSatisfy { $0.cycles > 0 })
        #expect(stats.droppedResults == 0)
    }

    @Test func bitFlipsAndDroppedBytesNeverMisattributeAPrediction() throws {
        var faults = SerialFaultPlan()
        faults.bitFlipRate = 2e-5
        faults.dropRate = 1e-5
        faults.seed = 42
        let (mock, path) = try boot(try packed(), faults: faults)
        defer { withExtendedLifetime(mock) {} }
        let (results, stats, _) = try stream(path)
        expectEverySampleAttributedCorrectly(results)
        #expect(stats.crcErrors + stats.retries + stats.deviceBadFrames > 0, "the faults did not reach the protocol")
    }

    @Test func aRebootMidStreamIsDetectedAndNothingIsLost() throws {
        var faults = SerialFaultPlan()
        faults.rebootAfterBytes = 20_000
        let (mock, path) = try boot(try packed(), faults: faults)
        defer { withExtendedLifetime(mock) {} }
        let (results, stats, _) = try stream(path)
        expectEverySampleAttributedCorrectly(results)
        #expect(stats.reboots >= 1)
    }

    @Test func aStallIsRecoveredFrom() throws {
        var faults = SerialFaultPlan()
        faults.stallAfterBytes = 15_000
        faults.stallDuration = .milliseconds(1500)
        let (mock, path) = try boot(try packed(), faults: faults)
        defer { withExtendedLifetime(mock) {} }
        let (results, stats, _) = try stream(path)
        expectEverySampleAttributedCorrectly(results)
        #expect(stats.stalls + stats.pings > 0)
    }

    @Test func anEmptyFlashGivesNoHello() throws {
        let (mock, path) = try boot(nil)
        defer { withExtendedLifetime(mock) {} }
        let port = try SerialPort(path: path, baud: 2_000_000)
        var options = HarnessOptions()
        options.helloAttempts = 2
        options.replyTimeout = .milliseconds(200)
        #expect(throws: (any Error).self) { try HarnessSession(link: port, options: options).waitForHello() }
    }

    @Test func aHarnessWithAnErasedModelRegionSaysSoInItsHello() throws {
        let (mock, path) = try boot(FirmwarePacker.mockHarness(board: board))
        defer { withExtendedLifetime(mock) {} }
        let port = try SerialPort(path: path, baud: 2_000_000)
        let hello = try HarnessSession(link: port).waitForHello()
        #expect(hello.modelState == .empty)
    }

    @Test func unpluggingThePortIsReportedAsUnplugged() throws {
        let (mock, path) = try boot(try packed())
        defer { withExtendedLifetime(mock) {} }
        let port = try SerialPort(path: path, baud: 2_000_000)
        mock.detachSerial()
        #expect(throws: SerialError.unplugged(path: path)) {
            for _ in 0..<50 { _ = try port.receive(maxBytes: 64, timeout: .milliseconds(20)) }
        }
    }

    @Test func aPathThatIsNotATerminalIsRefusedByName() {
        #expect(throws: SerialError.notATerminal(path: "/dev/null")) { try SerialPort(path: "/dev/null", baud: 115_200) }
        #expect(throws: SerialError.self) { try SerialPort(path: "/dev/ttyACM-none", baud: 115_200) }
    }

    @Test func unsupportedRatesAreRefusedWithTheList() throws {
        let (mock, path) = try boot(nil)
        defer { withExtendedLifetime(mock) {} }
        do {
            _ = try SerialPort(path: path, baud: 123_456)
            Issue.record("a non-standard rate was accepted")
        } catch {
            #expect(error.description.contains("2000000"))
        }
    }
}
