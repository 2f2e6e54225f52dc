import Foundation
import Testing
import Deployer
import MockBoard
import STLink

/// Firmware bugs of the kinds that first show up on a user's bench, each built into a variant of the
/// real stm32f746g-disco harness here (a compile-time constant, a patched instruction, another link
/// address, another board's build), deployed the way `hilctl run --mock` deploys: packed with the
/// example model, flashed through the emulated ST-LINK, run on the emulated core. Each test checks
/// that the bench fails the run and says what went wrong; on a mock that ran nothing, all would pass.
@Suite(.enabled(if: Toolchain.available, Toolchain.skipMessage), .serialized)
struct EmulatedFaultTests {
    static let boards = repositoryRoot.appendingPathComponent("boards")
    static let model = repositoryRoot.appendingPathComponent("examples/shapes/shapes.hilm").path
    static let dataset = repositoryRoot.appendingPathComponent("examples/shapes/holdout").path

    /// The run `hilctl run --mock` makes, on a fresh mock board with `harness` as the firmware.
    static func run(_ harness: FirmwareImage, baud: Int? = nil) throws(RunError) -> EvaluationReport {
        let catalog: BoardCatalog
        do { catalog = try BoardCatalog(directory: boards) } catch { throw .board(error) }
        let runner = EvaluationRunner(catalog: catalog)
        var request = RunRequest(modelPath: model, datasetPath: dataset)
        request.limit = 2
        request.profile = 0
        request.baud = baud
        let prepared = try runner.prepare(request, harness: harness)
        let definition: BoardDefinition
        do { definition = try catalog.board(named: "stm32f746g-disco") } catch { throw .deploy(error) }
        let board = MockBoard(chip: catalog.chip(for: definition), hseHz: definition.hseHz)
        let path: String
        do { path = try board.attachEmulatedCore() } catch { throw .board(error) }
        defer { board.detachSerial() }
        let options = HarnessOptions()
        return try runner.run(prepared, boardKind: "mock", core: .emulatedSTM32(definition.part),
                              deploy: runner.flashing(through: board.probe, request.flash),
                              openSerial: { rate in try SerialPort(path: path, baud: rate) },
                              diagnose: runner.diagnosing(through: board.probe), options: options)
    }

    /// The run, off the cooperative pool.
    static func result(_ harness: FirmwareImage, baud: Int? = nil) async -> Result<EvaluationReport, RunError> {
        await offPool { Result { () throws(RunError) in try run(harness, baud: baud) } }
    }

    /// The run's error, or a failed expectation when it passed.
    static func failure(_ harness: FirmwareImage, baud: Int? = nil) async -> RunError? {
        switch await result(harness, baud: baud) {
        case let .success(report):
            Issue.record("the run passed: \(report.accuracy.correct)/\(report.accuracy.total) correct, timer \(report.board.timer)")
            return nil
        case let .failure(error): return error
        }
    }

    static func harness(_ elf: URL) throws -> FirmwareImage {
        let bytes = try #require(FileManager.default.contents(atPath: elf.path), "no \(elf.path)")
        return try ImageLoader.parseELF([UInt8](bytes), path: elf.path)
    }

    /// The stm32f746g-disco harness built with extra C flags into its own folder.
    static func variant(_ name: String, cflags: String) async throws -> FirmwareImage {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("hil-fw-variant-\(getpid())-\(name)")
        defer { try? FileManager.default.removeItem(at: out) }
        let build = await offPool { runTool(["make", "-C", repositoryRoot.appendingPathComponent("boards/firmware").path, "O=\(out.path)",
                             "BUILD_ID=\(name)", "EXTRA_CFLAGS=\(cflags)", "-j2", "stm32f746g-disco"]) }
        try #require(build.status == 0, "make failed:\n\(build.output)")
        return try harness(out.appendingPathComponent("stm32f746g-disco/harness.elf"))
    }

    /// The address of a function in the regular build.
    static func symbol(_ name: String) async throws -> UInt32 {
        _ = await offPool { FirmwareBuild.shared.status }
        let elf = FirmwareBuild.shared.elf("stm32f746g-disco").path
        let nm = runTool(["arm-none-eabi-nm", elf])
        let line = try #require(nm.output.split(separator: "\n").first { $0.hasSuffix(" \(name)") }, "\(name) not in \(elf)")
        return try #require(UInt32(line.prefix(8), radix: 16))
    }

    /// `image` with `bytes` written at `address`.
    static func patched(_ image: FirmwareImage, at address: UInt32, _ bytes: [UInt8]) throws -> FirmwareImage {
        var segments = image.segments
        let i = try #require(segments.firstIndex { address >= $0.address && Int(address - $0.address) + bytes.count <= $0.bytes.count })
        var content = segments[i].bytes
        content.replaceSubrange(Int(address - segments[i].address)..<(Int(address - segments[i].address) + bytes.count), with: bytes)
        segments[i] = .init(address: segments[i].address, bytes: content, origin: segments[i].origin)
        return FirmwareImage(path: image.path + " (patched)", format: image.format, segments: segments, entryPoint: image.entryPoint)
    }

    static func regular() async throws -> FirmwareImage {
        let status = await offPool { FirmwareBuild.shared.status }
        try #require(status == 0, "make failed:\n\(FirmwareBuild.shared.output)")
        return try harness(FirmwareBuild.shared.elf("stm32f746g-disco"))
    }

    @Test func theRegularBuildPassesAndIsLabelledEmulated() async throws {
        let report = try await Self.result(try await Self.regular(), baud: 921_600).get()
        #expect(report.accuracy.total == 2)
        #expect(report.agreement.agree == 2)
        #expect(report.board.timerKind == "emulated")
        #expect(report.board.timer.contains("emulated core"))
        #expect(report.board.core?.contains("emulated STM32F746") == true)
    }

    @Test func aBaudDividerForTheWrongClockGivesNoHello() async throws {
        // The divider computed for a 54 MHz APB2 while the clock tree makes 108 MHz: the UART runs
        // at twice 115200 baud, and the host sees framing garbage, never a HELLO.
        let wrong = try await Self.variant("brr54", cflags: "-DPCLK2_HZ=54000000u")
        let error = try #require(await Self.failure(wrong))
        guard case let .harnessSilent(state, after) = error else {
            Issue.record("expected a silent harness, got: \(error)"); return
        }
        #expect(!state.isFault, "\(state)")
        #expect(after.lowercased().contains("hello"), "\(after)")
        #expect(error.isInfrastructure)
    }

    @Test func aDWTLeftLockedIsRefusedNotReportedAsZeroCycles() async throws {
        let locked = try await Self.variant("dwtlocked", cflags: "-DDWT_LAR_KEY=0u")
        let error = try #require(await Self.failure(locked))
        guard case .timerNotCounting = error else { Issue.record("expected timerNotCounting, got: \(error)"); return }
        #expect(error.description.contains("DWT_LAR"))
        #expect(!error.isInfrastructure)
    }

    @Test func aMissingInterruptVectorIsAHardFaultTheBenchNames() async throws {
        // USART1's vector (IRQ 37, entry 16 + 37) zeroed: the first byte the host sends faults.
        let image = try await Self.regular()
        let entry: UInt32 = 0x0800_0000 + 4 * (16 + 37)
        let error = try #require(await Self.failure(try Self.patched(image, at: entry, [0, 0, 0, 0])))
        guard case let .coreFaulted(state, _, _) = error else { Issue.record("expected a core fault, got: \(error)"); return }
        #expect(state.exception == 3, "\(state)")
        #expect(state.reasons.contains("INVSTATE") && state.reasons.contains("FORCED"), "\(state)")
        #expect(error.description.contains("HardFault"))
        #expect(!error.isInfrastructure)
    }

    @Test func aHardFaultMidInferenceNamesTheFaultingInstruction() async throws {
        // An undefined instruction (UDF #0) at the start of the global average pool, which only an
        // inference reaches: HELLO comes, then the first sample faults.
        let pool = try await Self.symbol("hil_global_avg_pool")
        let error = try #require(await Self.failure(try Self.patched(try await Self.regular(), at: pool, [0x00, 0xDE])))
        guard case let .coreFaulted(state, phase, _) = error else { Issue.record("expected a core fault, got: \(error)"); return }
        #expect(phase == "streaming")
        #expect(state.faultingPC == pool, "\(state)")
        #expect(state.reasons.contains("UNDEFINSTR"), "\(state)")
        #expect(error.description.contains(String(format: "%08X", pool)) || error.description.lowercased().contains(String(format: "%08x", pool)),
                "\(error)")
    }

    @Test func aLoopBeforeHelloIsReportedWithWhereTheCoreSpins() async throws {
        let boardInit = try await Self.symbol("board_init")
        let spinning = try Self.patched(try await Self.regular(), at: boardInit, [0xFE, 0xE7])       // b .
        let error = try #require(await Self.failure(spinning))
        guard case let .harnessSilent(state, _) = error else { Issue.record("expected a silent harness, got: \(error)"); return }
        #expect(state.exception == 0 && state.pc == boardInit, "\(state)")
    }

    @Test func anImageLinkedForAnotherAddressIsRefusedBeforeFlashing() async throws {
        // The same objects linked behind a 32 KiB bootloader (flash origin 0x08008000).
        let build = await offPool { FirmwareBuild.shared }
        try #require(build.status == 0)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hil-fw-relink-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let firmware = repositoryRoot.appendingPathComponent("boards/firmware")
        let script = try String(contentsOf: firmware.appendingPathComponent("stm32f746g-disco/memory.ld"), encoding: .utf8)
        let moved = script.replacingOccurrences(of: "0x08000000", with: "0x08008000")
        try #require(moved != script, "memory.ld does not name 0x08000000")
        try moved.write(to: dir.appendingPathComponent("memory.ld"), atomically: true, encoding: .utf8)
        let objects = try FileManager.default.subpathsOfDirectory(atPath: build.directory.appendingPathComponent("stm32f746g-disco/obj").path)
            .filter { $0.hasSuffix(".o") }.map { build.directory.appendingPathComponent("stm32f746g-disco/obj/\($0)").path }
        let elf = dir.appendingPathComponent("harness.elf").path
        let link = runTool(["arm-none-eabi-gcc", "-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-sp-d16", "-mfloat-abi=hard",
                            "-nostartfiles", "--specs=nano.specs", "-Wl,--gc-sections", "-Wl,--no-warn-rwx-segments",
                            "-T", dir.appendingPathComponent("memory.ld").path, "-L", firmware.appendingPathComponent("common").path,
                            "-o", elf] + objects)
        try #require(link.status == 0, "link failed:\n\(link.output)")
        let error = try #require(await Self.failure(try Self.harness(URL(fileURLWithPath: elf))))
        guard case let .pack(pack) = error, case let .harnessNotAtBootAddress(_, base, lowest, _) = pack else {
            Issue.record("expected a refusal before flashing, got: \(error)"); return
        }
        #expect(base == 0x0800_0000 && lowest == 0x0800_8000)
        #expect(error.description.contains("linked for another address"))
    }

    @Test func anotherBoardsHarnessIsRefusedBeforeFlashing() async throws {
        try #require(await offPool { FirmwareBuild.shared.status } == 0)
        let qemu = try Self.harness(FirmwareBuild.shared.elf("qemu-mps2-an500"))
        let error = try #require(await Self.failure(qemu))
        guard case let .pack(pack) = error, case let .harnessForAnotherBoard(_, built, target) = pack else {
            Issue.record("expected a refusal before flashing, got: \(error)"); return
        }
        #expect(built == "qemu-mps2-an500" && target == "stm32f746g-disco")
    }
}

