import Foundation
import Testing
import Deployer

/// Builds both harness firmware targets with boards/firmware/Makefile and checks the images against
/// their board descriptions: where the vector table, the info block and every flashed byte are, and
/// that code and RAM fit the budgets (docs/firmware-layout.md, boards/firmware/README.md).
@Suite(.enabled(if: Toolchain.available, Toolchain.skipMessage))
struct FirmwareImageTests {
    static let boards = ["stm32f746g-disco", "qemu-mps2-an500"]

    func image(_ t: TargetLayout) throws -> (FirmwareImage, [ELFSection]) {
        let build = FirmwareBuild.shared
        try #require(build.status == 0, "make failed:\n\(build.output)")
        let path = build.elf(t.board).path
        let bytes = try #require(FileManager.default.contents(atPath: path), "no \(path)")
        return (try ImageLoader.parseELF([UInt8](bytes), path: path), ELFSection.read([UInt8](bytes)))
    }

    /// The report's static footprint of the harness: every allocated section, in flash or RAM as
    /// its flags say, the same sizes the section table holds; the F746's stack and state in DTCM.
    @Test(arguments: TargetLayout.all)
    func theHarnessSectionsAreReadForTheReport(_ t: TargetLayout) throws {
        let (_, sections) = try image(t)
        let path = FirmwareBuild.shared.elf(t.board).path
        let read = try #require(FirmwareSections.read(path: path))
        let allocated = sections.filter { $0.isAllocated && $0.size > 0 }
        #expect(Set(read.map(\.name)) == Set(allocated.map(\.name)))
        for s in allocated {
            let r = try #require(read.first { $0.name == s.name })
            #expect(r.bytes == Int(s.size) && r.address == s.address)
            let ram = s.flags & 0x1 != 0 || s.type == ELFSection.nobitsType
            #expect(r.memory == (ram ? .ram : .flash), "\(s.name)")
        }
        #expect(read.first { $0.name == ".text" }?.memory == .flash)
        #expect(read.first { $0.name == ".stack" }.map { $0.memory == .ram && $0.bytes == 8192 } == true)
        #expect(FirmwareSections.read(path: path + ".missing") == nil)
    }

    @Test func bothTargetsBuildWithoutWarnings() throws {
        let build = FirmwareBuild.shared
        #expect(build.status == 0, "make failed:\n\(build.output)")
        let warnings = build.output.split(separator: "\n").filter { $0.contains("warning:") }
        #expect(warnings.isEmpty, "the firmware build warns:\n\(warnings.joined(separator: "\n"))")
        for board in Self.boards {
            for ext in ["elf", "bin", "hex", "map"] {
                let file = build.directory.appendingPathComponent("\(board)/harness.\(ext)").path
                #expect(FileManager.default.fileExists(atPath: file), "\(file) was not made")
            }
        }
        #expect(TargetLayout.all.map(\.board) == Self.boards, "both board descriptions decode")
    }

    @Test(arguments: TargetLayout.all)
    func vectorTableStartsTheHarnessRegion(_ t: TargetLayout) throws {
        let (image, sections) = try image(t)
        let vectors = try #require(bytes(of: image, at: t.harnessBase, count: 8), "nothing at \(hex(t.harnessBase))")
        let sp = le32(vectors, 0), reset = le32(vectors, 4)
        #expect(sp > t.ramBase && UInt64(sp) <= t.ramEnd && sp % 8 == 0, "initial SP \(hex(sp)) is not in RAM")
        #expect(sections.first { $0.name == ".stack" }.map { $0.end == UInt64(sp) } == true, "SP is the top of .stack")
        #expect(reset & 1 == 1, "the reset vector \(hex(reset)) lacks the Thumb bit")
        #expect(reset & ~1 >= t.harnessBase && UInt64(reset & ~1) < t.firmware.harnessRegion.end,
                "the reset vector \(hex(reset)) is outside the harness region")
        #expect(image.entryPoint == reset, "the ELF entry is the reset handler")
        let table = try #require(sections.first { $0.name == ".vectors" })
        #expect(table.address == t.harnessBase)
        #expect(table.size <= t.firmware.infoBlockOffset.value, "the vector table runs into the info block")
    }

    @Test(arguments: TargetLayout.all)
    func infoBlockSitsAtItsOffset(_ t: TargetLayout) throws {
        let (image, _) = try image(t)
        let address = t.firmware.infoBlockAddress
        let info = try #require(bytes(of: image, at: address, count: HarnessInfoBlock.size), "nothing at \(hex(address))")
        #expect(le32(info, 0) == HarnessInfoBlock.magic, "no \"HILH\" at \(hex(address))")
        #expect(info[4] == 2 && info[5] == 0, "protocol version 2")
        #expect(info[6] == 64 && info[7] == 0, "block size 64")
        #expect(cString(info[8..<32]) == FirmwareBuild.buildID)
        #expect(cString(info[32..<64]) == t.board)
        #expect(info[(8 + FirmwareBuild.buildID.utf8.count)..<32].allSatisfy { $0 == 0 }, "the build id is NUL padded")
        #expect(info[(32 + t.board.utf8.count)..<64].allSatisfy { $0 == 0 }, "the board name is NUL padded")
    }

    @Test(arguments: TargetLayout.all)
    func everythingFlashedIsInTheHarnessRegion(_ t: TargetLayout) throws {
        let (image, sections) = try image(t)
        let harness = t.firmware.harnessRegion, model = t.firmware.modelRegion
        for segment in image.segments {
            #expect(segment.address >= harness.base.value && segment.end <= harness.end,
                    "\(segment.origin) at \(hex(segment.address)) (\(segment.bytes.count) bytes) is outside the harness region")
        }
        for section in sections where section.isAllocated {
            let inModel = UInt64(section.address) < model.end && section.end > UInt64(model.base.value)
            #expect(!inModel, "\(section.name) lies in the model region")
            let inHarness = section.address >= harness.base.value && section.end <= harness.end
            let inRAM = section.address >= t.ramBase && section.end <= t.ramEnd
            #expect(inHarness || inRAM, "\(section.name) at \(hex(section.address)) is neither in the harness region nor in RAM")
        }
    }

    @Test(arguments: TargetLayout.all)
    func flashAndRAMFitTheBudgets(_ t: TargetLayout) throws {
        let (image, sections) = try image(t)
        let harness = t.firmware.harnessRegion
        // Flash: every byte flashed (code, read-only data, the .data initialisers) and how far it reaches.
        let flashEnd = image.segments.map(\.end).max() ?? UInt64(harness.base.value)
        #expect(image.byteCount <= harness.size)
        #expect(flashEnd - UInt64(harness.base.value) <= UInt64(harness.size),
                "the harness reaches \(hex(UInt32(truncatingIfNeeded: flashEnd))), past its \(harness.sizeKb) KB")
        // RAM: every allocated section there, stack, arena and input buffers included.
        let ram = sections.filter { $0.isAllocated && $0.address >= t.ramBase && $0.end <= t.ramEnd }
        let ramUse = ram.reduce(0) { $0 + Int($1.size) }
        #expect(ramUse <= t.ramBytes, "RAM use \(ramUse) bytes > \(t.ramBytes)")
        let arena = try #require(ram.first { $0.name == ".hil_arena" })
        let inputs = try #require(ram.first { $0.name == ".hil_inputs" })
        #expect(Int(arena.size) == t.harness.arenaBytes, "the arena is the board description's \(t.harness.arenaKb) KB")
        #expect(Int(inputs.size) == 2 * t.harness.inputBufferBytes, "two input buffers of \(t.harness.inputBufferKb) KB")
        #expect(arena.address % 8 == 0 && inputs.address % 8 == 0)
        // No two RAM sections overlap.
        let sorted = ram.filter { $0.size > 0 }.sorted { $0.address < $1.address }
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            #expect(a.end <= UInt64(b.address), "\(a.name) overlaps \(b.name)")
        }
    }

    /// RM0385's memory map: the stack and the harness state in DTCM (64 KB at 0x20000000), the arena
    /// in SRAM1 + SRAM2 (0x20010000-0x2004FFFF), a vector table of 16 + 98 entries.
    @Test func f746KeepsStackAndStateInDTCMAndTheArenaInSRAM() throws {
        let t = try #require(TargetLayout.f746)
        let (_, sections) = try image(t)
        func section(_ name: String) throws -> ELFSection { try #require(sections.first { $0.name == name }, "no \(name)") }
        for name in [".stack", ".bss"] {
            let s = try section(name)
            #expect(s.address >= 0x2000_0000 && s.end <= 0x2001_0000, "\(name) is not in DTCM")
        }
        let arena = try section(".hil_arena")
        #expect(arena.address >= 0x2001_0000 && arena.end <= 0x2005_0000, "the arena is not in SRAM1/SRAM2")
        #expect(try section(".vectors").size == 0x1C8)
        #expect(try section(".hil_info").address == 0x0800_0200)
    }

    /// The F746 harness packs with the example model as hilctl packs it for a real board.
    @Test func packsWithTheExampleModel() throws {
        let t = try #require(TargetLayout.f746)
        let (image, _) = try image(t)
        let board = try BoardCatalog(directory: repositoryRoot.appendingPathComponent("boards")).board(named: t.board)
        let model = try ModelFile.load(path: repositoryRoot.appendingPathComponent("examples/shapes/shapes.hilm").path)
        let packed = try FirmwarePacker.pack(model: model, harness: image, board: board)
        #expect(packed.segments.last?.address == 0x0804_0000)
    }
}

/// The QEMU machine description, checked without building anything.
struct QEMUDescriptionTests {
    /// boards/qemu/mps2-an500.json describes the machine the QEMU image is linked for, and does not
    /// disturb the STM32 board catalog (boards/*.json at the top level).
    @Test func qemuDescriptionNamesTheMachine() throws {
        let url = repositoryRoot.appendingPathComponent("boards/qemu/mps2-an500.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        #expect(json["name"] as? String == "qemu-mps2-an500")
        #expect(json["qemu_machine"] as? String == "mps2-an500")
        #expect(json["cpu"] as? String == "cortex-m7")
        #expect(json["core_clock_hz"] as? Int == 25_000_000, "QEMU 7.2 clocks SysTick at 25 MHz on this machine")
        #expect((json["uart"] as? [String: Any])?["base"] as? String == "0x40004000")
        let t = try #require(TargetLayout.qemu)
        #expect(t.firmware.harnessRegion.base.value == 0 && t.firmware.modelRegion.base.value == 0x0010_0000)
        #expect(t.firmware.modelRegion.sizeKb == 768 && t.firmware.infoBlockOffset.value == 0x200)
        let catalog = try BoardCatalog(directory: repositoryRoot.appendingPathComponent("boards"))
        #expect(catalog.boards.contains { $0.name == "stm32f746g-disco" })
        #expect(!catalog.boards.contains { $0.name == "qemu-mps2-an500" }, "the QEMU machine is not an STM32 board")
    }
}

func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16, uppercase: true) }
