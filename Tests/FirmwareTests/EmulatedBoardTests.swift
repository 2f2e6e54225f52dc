import Foundation
import Testing
import Deployer
import MockBoard
import STLink

/// The real stm32f746g-disco harness firmware, built by the project's Makefile, executing on the
/// mock board's emulated Cortex-M7 with its RCC, PWR, flash wait states, GPIO, USART1 (RXNE
/// interrupt and PendSV), DWT and RNG: what `--probe` would flash, run without a board.
@Suite(.enabled(if: Toolchain.available, Toolchain.skipMessage), .serialized)
struct EmulatedBoardTests {
    static let modelPath = repositoryRoot.appendingPathComponent("examples/shapes/shapes.hilm").path

    /// A mock board whose flash holds the F746 harness (and `model`, packed as hilctl packs it),
    /// reset so its core starts from the vector table, with its VCP on a pty.
    struct Bench {
        let board: MockBoard
        let port: SerialPort

        init(model: ModelFile?, elf: URL = FirmwareBuild.shared.elf("stm32f746g-disco")) throws {
            let build = FirmwareBuild.shared
            try #require(build.status == 0, "make failed:\n\(build.output)")
            let bytes = try #require(FileManager.default.contents(atPath: elf.path), "no \(elf.path)")
            let harness = try ImageLoader.parseELF([UInt8](bytes), path: elf.path)
            let boards = repositoryRoot.appendingPathComponent("boards")
            let definition = try BoardCatalog(directory: boards).board(named: "stm32f746g-disco")
            let image = try model.map { try FirmwarePacker.pack(model: $0, harness: harness, board: definition) } ?? harness
            let chip = try #require(try ChipCatalog(boardsDirectory: boards).chip(named: "STM32F74x/STM32F75x"))
            board = MockBoard(chip: chip, hseHz: definition.hseHz)
            for segment in image.segments { board.target.preload(flash: segment.bytes, at: segment.address) }
            board.target.systemReset()
            port = try SerialPort(path: try board.attachEmulatedCore(), baud: 115_200)
        }
    }

    @Test func bootsTheRealFirmwareToHello() throws {
        let bench = try Bench(model: nil)
        defer { bench.port.close() }
        var options = HarnessOptions()
        options.replyTimeout = .seconds(5)
        let session = HarnessSession(link: bench.port, options: options)
        let hello = try session.waitForHello()
        #expect(hello.modelState == .empty)
        #expect(hello.board == "stm32f746g-disco")
        #expect(hello.buildID == FirmwareBuild.buildID)
        #expect(hello.timer == .dwtCycleCounter)
        #expect(hello.coreClockHz == 216_000_000)
        #expect(hello.currentBaud == 115_200 && hello.maxBaud == 2_000_000)
        let faults = bench.board.target.faultsSeen
        #expect(faults.configuration.isEmpty, "the firmware's clock setup broke a rule: \(faults.configuration)")
        #expect(faults.core.isEmpty, "\(faults.core)")
    }

    @Test func runsTheExampleModelExactlyAsTheHostDoes() throws {
        let model = try ModelFile.load(path: Self.modelPath)
        let bench = try Bench(model: model)
        defer { bench.port.close() }
        var options = HarnessOptions()
        options.replyTimeout = .seconds(5)
        let session = HarnessSession(link: bench.port, options: options)
        let hello = try session.waitForHello()
        #expect(hello.modelState == .ready)
        #expect(hello.modelHashHex == model.summary.sha256)
        try session.switchBaud(to: 921_600) { rate in try bench.port.setBaud(Int(rate)) }

        let samples = seededSamples(count: 4, bytes: hello.inputByteCount)
        var results: [Int: SampleResult] = [:]
        try session.run(samples: samples) { results[$0.id] = $0 }
        let reference = ReferenceRuntime(model)
        #expect(results.count == samples.count)
        for sample in samples {
            let device = try #require(results[sample.id], "no result for sample \(sample.id)")
            let host = reference.predict(sample.input.map { Int8(bitPattern: $0) })
            #expect(device.scores == host.scores, "sample \(sample.id): emulated \(device.scores) host \(host.scores)")
            #expect(device.cycles > 10_000 && device.cycles < 50_000_000, "sample \(sample.id): \(device.cycles) cycles")
        }
        #expect(bench.board.target.faultsSeen.core.isEmpty)
    }
}
