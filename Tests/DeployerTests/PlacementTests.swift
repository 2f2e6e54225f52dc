import Testing
@testable import Deployer

private func image(_ segments: [(UInt32, Int, String)]) -> FirmwareImage {
    FirmwareImage(path: "app.elf", format: .elf, segments: segments.map { address, count, origin in
        .init(address: address, bytes: [UInt8](repeating: 0xA5, count: count), origin: origin)
    }, entryPoint: 0x0800_0001)
}

private func placementError(_ image: FirmwareImage, in region: FlashRegion = f746Flash) -> ImageError? {
    imageError { () throws(ImageError) in try image.placed(in: region) }
}

@Suite struct PlacementTests {
    @Test func overlappingSegmentsAreRefusedNamingBoth() throws {
        let error = try #require(placementError(image([
            (0x0800_0000, 0x100, "ELF PT_LOAD #0 (.text)"),
            (0x0800_0400, 0x10, "ELF PT_LOAD #2 (.rodata)"),
            (0x0800_00F0, 0x20, "ELF PT_LOAD #1 (.data)"),
        ])))
        #expect(error.description == "app.elf: segment ELF PT_LOAD #0 (.text) at 0x08000000–0x080000FF overlaps "
            + "segment ELF PT_LOAD #1 (.data) at 0x080000F0–0x0800010F; "
            + "fix the linker script so that they do not share addresses")
    }

    @Test func aSegmentInsideAnEarlierLongerOneIsAnOverlapToo() throws {
        let error = try #require(placementError(image([
            (0x0800_0000, 0x1000, "A"), (0x0800_0100, 0x10, "B"), (0x0800_0800, 0x10, "C"),
        ])))
        #expect(error.reason == .overlap(.init(origin: "A", start: 0x0800_0000, end: 0x0800_1000),
                                         .init(origin: "B", start: 0x0800_0100, end: 0x0800_0110)))
    }

    @Test func adjacentSegmentsDoNotOverlap() throws {
        let placed = try image([(0x0800_0000, 0x100, "A"), (0x0800_0100, 0x100, "B")]).placed(in: f746Flash)
        #expect(placed.segments.map(\.address) == [0x0800_0000, 0x0800_0100])
    }

    @Test func aSegmentOutsideFlashIsRefusedWithBothRanges() throws {
        let error = try #require(placementError(image([
            (0x0800_0000, 0x100, "ELF PT_LOAD #0 (.text)"),
            (0x2000_0000, 0x200, "ELF PT_LOAD #3 (.ram_func)"),
        ])))
        #expect(error.description == "app.elf: segment ELF PT_LOAD #3 (.ram_func) at 0x20000000–0x200001FF is "
            + "outside the flash of STM32F746NGH6 (0x08000000–0x080FFFFF, also seen at 0x00200000–0x002FFFFF); "
            + "link it to load from flash (AT> FLASH)")
    }

    @Test func aSegmentBelowFlashOrStraddlingItsEndIsRefused() throws {
        for (address, count) in [(UInt32(0x07FF_FFFF), 2), (0x080F_FFF0, 17), (0x002F_FFF0, 0x20)] {
            let error = placementError(image([(address, count, "S")]))
            #expect(error?.reason == .outside(.init(origin: "S", start: UInt64(address), end: UInt64(address) + UInt64(count)),
                                              region: f746Flash, format: .elf))
        }
    }

    @Test func aBinOutsideFlashIsToldToMoveItsBaseNotToRelink() throws {
        let bin = try ImageLoader.binary([1, 2, 3, 4], base: 0x2000_0000, path: "app.bin")
        let error = try #require(placementError(bin))
        #expect(error.description.hasSuffix("give a base address inside the flash (--base 0x08000000, the default)"))
    }

    @Test func aSegmentFillingTheLastByteOfFlashIsAccepted() throws {
        let placed = try image([(0x080F_FFF0, 16, "tail")]).placed(in: f746Flash)
        #expect(placed.segments.first?.end == 0x0810_0000)
        let whole = try ImageLoader.binary([UInt8](repeating: 1, count: 1024 * 1024), base: 0x0800_0000, path: "full.bin")
        #expect(try whole.placed(in: f746Flash).byteCount == 1024 * 1024)
    }

    @Test func anImageLargerThanFlashIsRefusedWithSizes() throws {
        let big = try ImageLoader.binary([UInt8](repeating: 0xFF, count: 1024 * 1024 + 1), base: 0x0800_0000, path: "big.bin")
        let error = try #require(imageError { () throws(ImageError) in try big.placed(in: f746Flash) })
        #expect(error.reason == .tooLarge(byteCount: 1024 * 1024 + 1, region: f746Flash))
        #expect(error.description == "big.bin is 1048577 bytes (1024.0 KB), larger than the 1048576 bytes (1024 KB) "
            + "of the flash of STM32F746NGH6; make the program smaller")
    }

    @Test func aSegmentLinkedAtTheITCMAliasIsMovedToTheFlashBase() throws {
        let linked = FirmwareImage(path: "itcm.elf", format: .elf, segments: [
            .init(address: 0x0020_0000, bytes: [1, 2, 3, 4], origin: "ELF PT_LOAD #0 (.isr_vector)"),
            .init(address: 0x0020_0004, bytes: [5, 6], origin: "ELF PT_LOAD #1 (.text)"),
        ], entryPoint: 0x0020_0005)
        let placed = try linked.placed(in: f746Flash)
        #expect(placed.segments.map(\.address) == [0x0800_0000, 0x0800_0004])
        #expect(placed.segments.map(\.bytes) == [[1, 2, 3, 4], [5, 6]])
        #expect(placed.segments[0].origin == "ELF PT_LOAD #0 (.isr_vector), linked at alias 0x00200000")
        #expect(placed.entryPoint == 0x0020_0005)  // where the CPU jumps stays as linked
    }

    @Test func aliasedAndDirectSegmentsThatLandOnTheSameFlashOverlap() throws {
        let error = placementError(image([(0x0020_0000, 0x10, "itcm"), (0x0800_0008, 0x10, "axi")]))
        #expect(error?.reason == .overlap(.init(origin: "itcm, linked at alias 0x00200000", start: 0x0800_0000, end: 0x0800_0010),
                                          .init(origin: "axi", start: 0x0800_0008, end: 0x0800_0018)))
    }

    @Test func placingSortsAndKeepsEverythingElse() throws {
        let original = image([(0x0800_0100, 4, "B"), (0x0800_0000, 4, "A")])
        let placed = try original.placed(in: f746Flash)
        #expect(placed.segments.map(\.origin) == ["A", "B"])
        #expect(placed == original)  // already in flash: nothing to change
    }

    @Test func anImageWithNothingToFlashIsRefused() throws {
        let empty = FirmwareImage(path: "none.elf", format: .elf, segments: [.init(address: 0x0800_0000, bytes: [], origin: "x")],
                                  entryPoint: nil)
        #expect(placementError(empty)?.reason == .nothingToPlace)
    }
}
