import Foundation
import Testing
import MockBoard
import STLink
@testable import Deployer

/// The deployment sequence on a mock board: the image formats, board checks and refusals.
@Suite struct FlashDeploymentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let blinky = root.appendingPathComponent("examples/blinky")
    let catalog: BoardCatalog

    init() throws { catalog = try BoardCatalog(directory: Self.root.appendingPathComponent("boards")) }

    func mock(_ chip: String = "STM32F74x/STM32F75x") -> MockBoard {
        MockBoard(chip: catalog.chips.chip(named: chip)!, probe: .v2_1())
    }

    @Test(arguments: ["blinky.elf", "blinky.hex", "blinky.bin"])
    func eachFormatReadsBackByteForByte(file: String) throws {
        let board = mock()
        var request = FlashRequest(imagePath: Self.blinky.appendingPathComponent(file).path)
        request.board = "stm32f746g-disco"
        let outcome = try FlashDeployment(catalog: catalog).run(request, transport: board.probe)
        let expected = try [UInt8](Data(contentsOf: Self.blinky.appendingPathComponent("blinky.bin")))
        #expect(board.target.flashBytes(at: 0x0800_0000, count: expected.count) == expected)
        #expect(outcome.report.verified)
        #expect(outcome.report.sectorsErased == [0])
        #expect(board.statistics.sectorErases == [0: 1])
        // After the flash the new firmware runs: the core is no longer halted.
        #expect(board.target.coreState == .running)
    }

    @Test func theElfsDataSegmentGoesToItsLoadAddress() throws {
        let board = mock()
        let outcome = try FlashDeployment(catalog: catalog).run(FlashRequest(imagePath: Self.blinky.appendingPathComponent("blinky.elf").path), transport: board.probe)
        let data = try #require(outcome.image.segments.first { $0.address != 0x0800_0000 })
        #expect(data.address > 0x0800_0000 && data.address < 0x0800_1000)
        #expect(board.target.flashBytes(at: data.address, count: data.bytes.count) == data.bytes)
    }

    @Test func anImageLargerThanFlashIsRefusedBeforeAnythingIsErased() throws {
        let board = mock()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("too-big-\(UUID()).bin").path
        try Data(count: 1024 * 1024 + 1).write(to: URL(fileURLWithPath: path))
        #expect(throws: DeployError.self) {
            try FlashDeployment(catalog: catalog).run(FlashRequest(imagePath: path), transport: board.probe)
        }
        #expect(board.statistics.sectorErases.isEmpty)
        #expect(board.statistics.programAccesses.isEmpty)
    }

    @Test func aBinAtAnAddressOutsideFlashIsRefusedNamingTheLimit() throws {
        let board = mock()
        var request = FlashRequest(imagePath: Self.blinky.appendingPathComponent("blinky.bin").path)
        request.binaryBase = 0x2000_0000
        do {
            _ = try FlashDeployment(catalog: catalog).run(request, transport: board.probe)
            Issue.record("a BIN aimed at RAM was flashed")
        } catch {
            #expect(error.description.contains("0x08000000"), "\(error)")
            #expect(!error.isInfrastructure)
        }
        #expect(board.statistics.sectorErases.isEmpty)
    }

    @Test func aBoardOfAnotherChipIsRefusedAsTheWrongBoard() throws {
        let board = mock("STM32F72x/STM32F73x")
        var request = FlashRequest(imagePath: Self.blinky.appendingPathComponent("blinky.elf").path)
        request.board = "stm32f746g-disco"
        do {
            _ = try FlashDeployment(catalog: catalog).run(request, transport: board.probe)
            Issue.record("flashed an F72x as if it were the F746 board")
        } catch {
            #expect(error.description.contains("STM32F72x"), "\(error)")
        }
        #expect(board.statistics.sectorErases.isEmpty)
    }

    @Test func aChipWeDescribeButDoNotFlashIsRefusedWithTheReason() throws {
        let board = mock("STM32F76x/STM32F77x")
        do {
            _ = try FlashDeployment(catalog: catalog).run(FlashRequest(imagePath: Self.blinky.appendingPathComponent("blinky.elf").path), transport: board.probe)
            Issue.record("flashed a dual-bank F76x")
        } catch {
            #expect(error.description.contains("dual-bank"), "\(error)")
        }
        #expect(board.statistics.sectorErases.isEmpty)
    }

    @Test func anUnknownBoardNameListsTheKnownOnes() throws {
        var request = FlashRequest(imagePath: Self.blinky.appendingPathComponent("blinky.elf").path)
        request.board = "nucleo-f401re"
        #expect(throws: DeployError.unknownBoard(name: "nucleo-f401re", known: ["stm32f746g-disco"])) {
            try FlashDeployment(catalog: catalog).run(request, transport: mock().probe)
        }
    }

    @Test func theSurveyNamesProbeFirmwareSupplyAndChip() throws {
        let summary = ProbeSurvey(catalog: catalog).inspect(mock().probe)
        #expect(summary.firmware?.hasPrefix("V2J") == true)
        #expect(summary.target?.contains("STM32F74x") == true)
        #expect(summary.targetVoltage.map { abs($0 - 3.3) < 0.1 } == true)
        #expect(summary.problem == nil)
    }
}
