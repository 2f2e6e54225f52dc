import Foundation
import Testing
@testable import Deployer

/// The same program as ELF, HEX and BIN must put the same bytes at the same addresses.
@Suite struct FormatEquivalenceTests {
    @Test func aSyntheticProgramPlacesTheSameBytesInEveryFormat() throws {
        let elf = try ImageLoader.parseELF(Sample.elfBytes, path: "app.elf").placed(in: f746Flash)
        let flat = Sample.text + Sample.data
        let hex = try ImageLoader.parseIntelHex(Array(hexFile([(0x0800_0000, flat)], entry: 0x0800_0009).utf8),
                                                path: "app.hex").placed(in: f746Flash)
        let bin = try ImageLoader.binary(flat, base: 0x0800_0000, path: "app.bin").placed(in: f746Flash)

        #expect(sameBytes(elf, hex))
        #expect(sameBytes(elf, bin))
        #expect(flattened(elf).count == 1)
        #expect(elf.entryPoint == hex.entryPoint)
        // The .data initialiser sits at its LMA, right after .text; nothing lands in RAM.
        let data = try #require(elf.segments.first { $0.origin.contains(".data") })
        #expect(data.address == Sample.dataLMA)
        #expect(data.bytes == Sample.data)
        #expect(elf.segments.allSatisfy { !$0.origin.contains(".bss") && $0.address < 0x2000_0000 })
    }

    @Test func theLinkedFixtureLoadsToIdenticalBytesFromELFHexAndBin() throws {
        func load(_ name: String) throws -> FirmwareImage {
            try ImageLoader.load(path: fixturesDirectory + "/" + name, binaryBase: f746Flash.base).placed(in: f746Flash)
        }
        let elf = try load("tiny.elf"), hex = try load("tiny.hex"), bin = try load("tiny.bin")
        #expect((elf.format, hex.format, bin.format) == (.elf, .intelHex, .binary))
        #expect(sameBytes(elf, hex))
        #expect(sameBytes(elf, bin))
        #expect(hex.entryPoint == elf.entryPoint)
        #expect(bin.entryPoint == nil)

        // The vector table's reset vector is the (Thumb) entry point.
        let first = try #require(elf.segments.first)
        #expect(first.address == 0x0800_0000)
        #expect(first.origin == "ELF PT_LOAD #0 (.isr_vector, .text)")
        #expect(get32(first.bytes, 4) == elf.entryPoint)

        // .data (linked at 0x20000000) is flashed at its load address, right after .text, and holds
        // the initialiser from tiny.c.txt; .bss adds nothing.
        let data = try #require(elf.segments.first { $0.origin.contains(".data") })
        #expect(data.address == UInt32(first.end))
        let pattern: [UInt32] = [0xDEAD_BEEF, 0x1234_5678, 0xCAFE_F00D, 0x0BAD_C0DE]
        #expect(data.bytes == pattern.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } })
        #expect(elf.byteCount == bin.byteCount)
        #expect(elf.segments.allSatisfy { $0.end <= 0x0810_0000 })
    }

    @Test func fixturesStaySmall() throws {
        for name in ["tiny.elf", "tiny.hex", "tiny.bin"] {
            let size = try #require(FileManager.default.attributesOfItem(atPath: fixturesDirectory + "/" + name)[.size] as? Int)
            #expect(size < 8 * 1024, "\(name) is \(size) bytes")
        }
    }
}
