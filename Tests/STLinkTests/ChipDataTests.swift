import Foundation
import Testing
@testable import STLink

/// The chip files are data the flasher trusts; check them against RM0385's figures.
@Suite struct ChipDataTests {
    @Test func f74xSectorMapIsRM0385s() throws {
        let chip = try Repo.chip()
        let sectors = chip.sectors
        #expect(sectors.count == 8)
        #expect(sectors.map(\.address) == [0x0800_0000, 0x0800_8000, 0x0801_0000, 0x0801_8000,
                                           0x0802_0000, 0x0804_0000, 0x0808_0000, 0x080C_0000])
        #expect(sectors.map { $0.size / 1024 } == [32, 32, 32, 32, 128, 256, 256, 256])
        #expect(sectors.last!.end == 0x0810_0000)
        #expect(chip.devId.value == 0x449)
        #expect(chip.flashSizeRegister.value == 0x1FF0_F442)
        #expect(chip.eraseTime(sectorSize: 256 * 1024, psize: "x32").typical == .seconds(1))
    }

    @Test func everyChipFileLoadsAndAddsUp() throws {
        let catalog = try ChipCatalog(boardsDirectory: Repo.boards)
        #expect(catalog.chips.count >= 3)
        #expect(catalog.chip(devID: 0x1001_6449)?.name == "STM32F74x/STM32F75x")
        #expect(catalog.chip(devID: 0x451)?.unsupportedReason != nil)
        for chip in catalog.chips { #expect(chip.sectors.reduce(0) { $0 + $1.size } == chip.flashSize) }
    }

    @Test func aBrokenChipFileIsNamedWithItsField() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hil-chips-\(UUID())/chips")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var text = try String(contentsOf: Repo.boards.appendingPathComponent("chips/stm32f74x.json"), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"dev_id\": \"0x449\"", with: "\"dev_id\": \"449\"")
        try text.write(to: dir.appendingPathComponent("bad.json"), atomically: true, encoding: .utf8)
        do {
            _ = try ChipCatalog(boardsDirectory: dir.deletingLastPathComponent())
            Issue.record("a malformed chip file was accepted")
        } catch let error as BoardDataError {
            #expect(error.description.contains("bad.json"))
            #expect(error.description.contains("dev_id"))
        }
    }
}

@Suite struct FlashPlanTests {
    @Test func cutsAlongSectorsAndRefusesOutside() throws {
        let sectors = try Repo.chip().sectors
        let data = [FlashData(address: 0x0800_7FF0, bytes: [UInt8](repeating: 1, count: 32))]
        let plan = try FlashPlan(data: data, sectors: sectors)
        #expect(plan.sectors.map(\.sector.index) == [0, 1])
        #expect(plan.sectors[0].byteCount == 16 && plan.sectors[1].byteCount == 16)
        #expect(throws: FlashError.self) {
            try FlashPlan(data: [FlashData(address: 0x080F_FFFE, bytes: [1, 2, 3])], sectors: sectors)
        }
        #expect(throws: FlashError.self) {
            try FlashPlan(data: [FlashData(address: 0x0800_0000, bytes: [1, 2]), FlashData(address: 0x0800_0001, bytes: [3])], sectors: sectors)
        }
    }

    @Test func runsArePaddedToWholeAccessesWithTheErasedValue() throws {
        let sectors = try Repo.chip().sectors
        let data = [FlashData(address: 0x0800_0001, bytes: [0xAA]), FlashData(address: 0x0800_0006, bytes: [0xBB, 0xCC])]
        let plan = try FlashPlan(data: data, sectors: sectors)
        let runs = plan.sectors[0].programRuns(width: 4, erased: 0xFF)
        #expect(runs == [FlashData(address: 0x0800_0000, bytes: [0xFF, 0xAA, 0xFF, 0xFF, 0xFF, 0xFF, 0xBB, 0xCC])])
        let bytes = plan.sectors[0].programRuns(width: 1, erased: 0xFF)
        #expect(bytes.count == 2 && bytes[1].address == 0x0800_0006)
    }
}

@Suite struct OtherDeviceNamesTests {
    @Test func theCatalogNamesFamiliesItDoesNotDescribe() throws {
        let catalog = try ChipCatalog(boardsDirectory: Repo.boards)
        #expect(catalog.otherDevices[0x413] == "STM32F405/407/415/417")
        #expect(TargetIdentifier(catalog: catalog).otherDevices == catalog.otherDevices)
        let message = TargetError.unknownDevice(devID: 0x413, knownAs: catalog.otherDevices[0x413]).description
        #expect(message.contains("STM32F405"))
    }
}
