import Foundation
import Testing
import MockBoard
import STLink
@testable import Deployer

/// The firmware layout's promise: another model rewrites only the model region's sectors.
@Suite struct ModelSwapTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func swappingTheModelErasesOnlyTheModelSectors() throws {
        let catalog = try BoardCatalog(directory: Self.root.appendingPathComponent("boards"))
        let board = try catalog.board(named: "stm32f746g-disco")
        let mock = MockBoard(chip: catalog.chip(for: board))
        let harness = FirmwarePacker.mockHarness(board: board)
        let first = try ModelFile.load(path: Self.root.appendingPathComponent("examples/shapes/shapes.hilm").path)
        let second = try ModelFile.load(path: Self.root.appendingPathComponent("Benchmarks/StreamBenchmark/pool-dense-32x32x3.hilm").path)
        var request = FlashRequest(imagePath: "packed")
        request.board = board.name
        let deployment = FlashDeployment(catalog: catalog)

        let one = try deployment.run(image: try FirmwarePacker.pack(model: first, harness: harness, board: board), request, transport: mock.probe)
        #expect(one.report.sectorsErased == [0, 5])         // harness sector and the model region's first sector
        let harnessBytes = mock.target.flashBytes(at: 0x0800_0000, count: 0x240)

        let two = try deployment.run(image: try FirmwarePacker.pack(model: second, harness: harness, board: board), request, transport: mock.probe)
        #expect(two.report.sectorsErased == [5])              // only the model region
        #expect(two.report.sectorsUnchanged == [0])
        #expect(mock.target.flashBytes(at: 0x0804_0000, count: second.blob.count) == second.blob)
        #expect(mock.target.flashBytes(at: 0x0800_0000, count: 0x240) == harnessBytes)
        #expect(mock.statistics.sectorErases == [0: 1, 5: 2])
    }

    @Test func aModelTooLargeForTheRegionIsRefusedWithBothSizes() throws {
        let catalog = try BoardCatalog(directory: Self.root.appendingPathComponent("boards"))
        let board = try catalog.board(named: "stm32f746g-disco")
        let model = try ModelFile.load(path: Self.root.appendingPathComponent("examples/shapes/shapes.hilm").path)
        let small = HarnessTarget(name: "tiny-board", firmware: .init(harnessRegion: board.firmware.harnessRegion,
                                  modelRegion: .init(base: board.firmware.modelRegion.base, sizeKb: 8), infoBlockOffset: board.firmware.infoBlockOffset),
                                  harness: board.harness, coreClockHz: 1, flashBytes: 1, ramBytes: 1)
        do {
            _ = try FirmwarePacker.pack(model: model, harness: FirmwarePacker.mockHarness(board: board), target: small)
            Issue.record("a 15 KB model was packed into an 8 KB region")
        } catch {
            #expect(error == .modelTooLarge(model: "model \(model.summary.name) (\(model.path))", bytes: model.blob.count, region: 8192, flash: 1, board: "tiny-board",
                                                arena: model.summary.arenaBytes, arenaAvailable: board.harness.arenaBytes))
            #expect(error.description.contains("8192 bytes"))
        }
    }
}
