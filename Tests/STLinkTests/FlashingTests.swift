import Testing
import MockBoard
@testable import STLink

/// The flash algorithm against the emulated STM32F746: what RM0385 says must happen, happens.
@Suite struct FlashingTests {
    @Test func identifiesTheF746() throws {
        let bench = try Bench()
        #expect(bench.target.chip.name == "STM32F74x/STM32F75x")
        #expect(bench.target.flashSizeKB == 1024)
        #expect(bench.target.devID == 0x449)
        #expect(bench.target.sectors.count == 8)
    }

    @Test func flashedBytesReadBackAndOnlyTouchedSectorsAreErased() throws {
        let bench = try Bench()
        let image = patternBytes(100 * 1024)
        let report = try bench.flasher.flash([FlashData(address: 0x0800_0000, bytes: image)])
        #expect(bench.flashContents(0x0800_0000, image.count) == image)
        #expect(report.sectorsErased == [0, 1, 2, 3])
        #expect(report.verified)
        #expect(report.parallelism == "x32")
        let stats = bench.board.statistics
        #expect(stats.sectorErases == [0: 1, 1: 1, 2: 1, 3: 1])
        #expect(stats.programAccesses[4] == image.count / 4)
        #expect(stats.massErases == 0)
    }

    @Test func theSecondFlashOfTheSameImageErasesNothing() throws {
        let bench = try Bench()
        let image = patternBytes(300 * 1024, seed: 7)
        let data = [FlashData(address: 0x0800_0000, bytes: image)]
        _ = try bench.flasher.flash(data)
        let erasesBefore = bench.board.statistics.sectorErases
        let programsBefore = bench.board.statistics.programAccesses
        let second = try bench.flasher.flash(data)
        #expect(second.sectorsErased.isEmpty)
        #expect(second.sectorsUnchanged == [0, 1, 2, 3, 4, 5])
        #expect(bench.board.statistics.sectorErases == erasesBefore)
        #expect(bench.board.statistics.programAccesses == programsBefore)
    }

    @Test func aChangeInOneSectorReflashesOnlyThatSector() throws {
        let bench = try Bench()
        var image = patternBytes(128 * 1024, seed: 3)
        _ = try bench.flasher.flash([FlashData(address: 0x0800_0000, bytes: image)])
        image[0x1_2345] ^= 0xFF                                // sector 2 (0x08010000–0x08017FFF)
        let report = try bench.flasher.flash([FlashData(address: 0x0800_0000, bytes: image)])
        #expect(report.sectorsErased == [2])
        #expect(bench.board.statistics.sectorErases[2] == 2)
        #expect(bench.flashContents(0x0800_0000, image.count) == image)
    }

    @Test func unalignedPiecesLandExactly() throws {
        let bench = try Bench()
        let a = FlashData(address: 0x0800_0003, bytes: [1, 2, 3, 4, 5])
        let b = FlashData(address: 0x0804_0001, bytes: [9])
        _ = try bench.flasher.flash([a, b])
        #expect(bench.flashContents(0x0800_0000, 10) == [0xFF, 0xFF, 0xFF, 1, 2, 3, 4, 5, 0xFF, 0xFF])
        #expect(bench.flashContents(0x0804_0000, 3) == [0xFF, 9, 0xFF])
    }

    @Test func transfersAreSplitAtTheProbesLimitsAndEachIsFollowedByItsStatus() throws {
        let bench = try Bench()
        _ = try bench.flasher.flash([FlashData(address: 0x0800_0000, bytes: patternBytes(64 * 1024))])
        let transfers = bench.recorder.memoryTransfers
        #expect(!transfers.isEmpty)
        #expect(transfers.allSatisfy { $0.length <= 6144 && $0.length % 4 == 0 && $0.address % 4 == 0 })
        #expect(transfers.contains { $0.length == 6144 })
        // Every memory transfer is followed by GETLASTRWSTATUS2 before anything else.
        let blocks = bench.recorder.blocks
        for (i, b) in blocks.enumerated() where b[0] == 0xF2 && [0x07, 0x08, 0x0C, 0x0D, 0x47, 0x48].contains(b[1]) {
            #expect(i + 1 < blocks.count && blocks[i + 1][0] == 0xF2 && blocks[i + 1][1] == 0x3E)
        }
        #expect(bench.board.statistics.rejected.isEmpty)
    }

    @Test func lowSupplyProgramsAtX16OnAProbeWith16BitAccess() throws {
        var faults = FaultPlan.none
        faults.targetVoltage = 2.4
        let bench = try Bench(faults: faults)
        let image = patternBytes(8 * 1024)
        let report = try bench.flasher.flash([FlashData(address: 0x0800_0000, bytes: image)])
        #expect(report.parallelism == "x16")
        #expect(bench.board.statistics.programAccesses[2] == image.count / 2)
        #expect(bench.board.statistics.programAccesses[4] == nil)
        #expect(bench.flashContents(0x0800_0000, image.count) == image)
    }

    @Test func lowSupplyOnOldV2FirmwareFallsBackToX8In64ByteTransfers() throws {
        var faults = FaultPlan.none
        faults.targetVoltage = 2.4
        let bench = try Bench(probe: .v2(jtag: 25), faults: faults)
        let image = patternBytes(1000)
        let report = try bench.flasher.flash([FlashData(address: 0x0800_0000, bytes: image)])
        #expect(report.parallelism == "x8")
        #expect(bench.board.statistics.programAccesses[1] == image.count)
        let writes = bench.recorder.memoryTransfers.filter { $0.op == 0x0D }
        #expect(!writes.isEmpty && writes.allSatisfy { $0.length <= 64 })
        #expect(!bench.recorder.memoryTransfers.contains { $0.op == 0x47 || $0.op == 0x48 })
        #expect(bench.board.statistics.rejected.isEmpty)
        #expect(bench.flashContents(0x0800_0000, image.count) == image)
    }

    @Test func v3WritesBytesIn512ByteTransfers() throws {
        var faults = FaultPlan.none
        faults.targetVoltage = 1.9
        let bench = try Bench(probe: .v3(), faults: faults)
        let image = patternBytes(2048)
        let report = try bench.flasher.flash([FlashData(address: 0x0800_0000, bytes: image)])
        #expect(report.parallelism == "x8")
        let writes = bench.recorder.memoryTransfers.filter { $0.op == 0x0D }
        #expect(writes.map(\.length).max() == 512)
        #expect(bench.flashContents(0x0800_0000, image.count) == image)
    }
}
