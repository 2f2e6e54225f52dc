// Helpers shared by the image tests: a tiny ELF32 writer, a HEX writer, a seeded random source, and
// a way to compare images by the bytes they put at each address.
import Foundation
import Testing
@testable import Deployer

/// Builds little-endian ELF32 files for ARM, laid out as: header, program headers, segment
/// contents, .shstrtab, section headers. Each segment carries one section named after it.
struct TestELF {
    struct Segment {
        var type: UInt32 = 1  // PT_LOAD
        var vaddr: UInt32
        var paddr: UInt32
        var bytes: [UInt8]
        /// Defaults to the file size; larger for a segment that ends in .bss.
        var memsz: UInt32? = nil
        var section: String
        /// SHT_NOBITS: no file contents (a .bss-only segment).
        var nobits = false
    }

    var segments: [Segment]
    var entry: UInt32 = 0x0800_0009
    var machine: UInt16 = 40
    var withSections = true

    static let headerSize = 52
    static let programHeaderSize = 32
    static func programHeaderOffset(_ index: Int) -> Int { headerSize + index * programHeaderSize }

    func build() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.headerSize + segments.count * Self.programHeaderSize)
        var offsets: [Int] = []
        for segment in segments {
            pad(&out)
            offsets.append(out.count)
            if !segment.nobits { out += segment.bytes }
        }
        for (index, segment) in segments.enumerated() {
            let at = Self.programHeaderOffset(index)
            let filesz = segment.nobits ? 0 : UInt32(segment.bytes.count)
            put32(&out, at, segment.type)
            put32(&out, at + 4, UInt32(offsets[index]))
            put32(&out, at + 8, segment.vaddr)
            put32(&out, at + 12, segment.paddr)
            put32(&out, at + 16, filesz)
            put32(&out, at + 20, segment.memsz ?? UInt32(segment.bytes.count))
            put32(&out, at + 24, segment.nobits ? 6 : 5)  // RW / RX
            put32(&out, at + 28, 4)
        }

        var shoff = 0, shnum = 0, shstrndx = 0
        if withSections {
            var strings: [UInt8] = [0]
            var nameOffsets: [Int] = []
            for name in segments.map(\.section) + [".shstrtab"] {
                nameOffsets.append(strings.count)
                strings += Array(name.utf8) + [0]
            }
            let stringsOffset = out.count
            out += strings
            pad(&out)
            shoff = out.count
            shnum = segments.count + 2
            shstrndx = shnum - 1
            out += [UInt8](repeating: 0, count: 40)  // section 0: SHN_UNDEF
            for (index, segment) in segments.enumerated() {
                let size = segment.nobits ? Int(segment.memsz ?? 0) : segment.bytes.count
                out += section(name: nameOffsets[index], type: segment.nobits ? 8 : 1, flags: 0x2,
                               address: segment.vaddr, offset: offsets[index], size: size)
            }
            out += section(name: nameOffsets.last!, type: 3, flags: 0, address: 0,
                           offset: stringsOffset, size: strings.count)
        }

        out.replaceSubrange(0..<4, with: [0x7F, 0x45, 0x4C, 0x46])
        out[4] = 1; out[5] = 1; out[6] = 1           // ELFCLASS32, ELFDATA2LSB, EV_CURRENT
        put16(&out, 16, 2)                           // ET_EXEC
        put16(&out, 18, machine)
        put32(&out, 20, 1)
        put32(&out, 24, entry)
        put32(&out, 28, UInt32(Self.headerSize))     // e_phoff
        put32(&out, 32, UInt32(shoff))
        put32(&out, 36, 0x0500_0200)                 // EABI version 5, hard-float
        put16(&out, 40, UInt16(Self.headerSize))
        put16(&out, 42, UInt16(Self.programHeaderSize))
        put16(&out, 44, UInt16(segments.count))
        put16(&out, 46, withSections ? 40 : 0)
        put16(&out, 48, UInt16(shnum))
        put16(&out, 50, UInt16(shstrndx))
        return out
    }

    private func section(name: Int, type: UInt32, flags: UInt32, address: UInt32, offset: Int, size: Int) -> [UInt8] {
        var entry = [UInt8](repeating: 0, count: 40)
        put32(&entry, 0, UInt32(name)); put32(&entry, 4, type); put32(&entry, 8, flags)
        put32(&entry, 12, address); put32(&entry, 16, UInt32(offset)); put32(&entry, 20, UInt32(size))
        put32(&entry, 32, 4)
        return entry
    }

    private func pad(_ out: inout [UInt8]) {
        while out.count % 4 != 0 { out.append(0) }
    }
}

func put16(_ bytes: inout [UInt8], _ at: Int, _ value: UInt16) {
    bytes[at] = UInt8(value & 0xFF); bytes[at + 1] = UInt8(value >> 8)
}

func put32(_ bytes: inout [UInt8], _ at: Int, _ value: UInt32) {
    for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
}

func get32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
    (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) }
}

/// One HEX record line (without line ending), checksum computed.
func hexRecord(_ type: UInt8, _ offset: UInt16, _ data: [UInt8], lowercase: Bool = false) -> String {
    let bytes = [UInt8(data.count), UInt8(offset >> 8), UInt8(offset & 0xFF), type] + data
    let checksum = 0 &- bytes.reduce(0, &+)
    let digits = Array((lowercase ? "0123456789abcdef" : "0123456789ABCDEF").utf8)
    var text: [UInt8] = [UInt8(ascii: ":")]
    for byte in bytes + [checksum] { text += [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]] }
    return String(decoding: text, as: UTF8.self)
}

/// A HEX file the way objcopy writes one: type 04 records whenever the upper 16 bits change, data
/// records of `recordSize` bytes that never cross a 64 KB boundary, an optional 05, then 01.
func hexFile(_ segments: [(address: UInt32, bytes: [UInt8])], entry: UInt32? = nil,
             recordSize: Int = 16, lineEnding: String = "\n") -> String {
    var lines: [String] = []
    var upper: UInt32? = nil
    for segment in segments {
        var index = 0
        while index < segment.bytes.count {
            let address = segment.address + UInt32(index)
            if address >> 16 != upper {
                upper = address >> 16
                lines.append(hexRecord(0x04, 0, [UInt8(address >> 24), UInt8((address >> 16) & 0xFF)]))
            }
            let room = 0x1_0000 - Int(address & 0xFFFF)
            let count = min(recordSize, segment.bytes.count - index, room)
            lines.append(hexRecord(0x00, UInt16(address & 0xFFFF), Array(segment.bytes[index..<index + count])))
            index += count
        }
    }
    if let entry {
        lines.append(hexRecord(0x05, 0, [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: entry >> $0) }))
    }
    lines.append(hexRecord(0x01, 0, []))
    return lines.map { $0 + lineEnding }.joined()
}

/// Address → byte runs, with adjacent segments joined: two images are "the same" for flashing when
/// these are equal, however their readers split the bytes.
func flattened(_ image: FirmwareImage) -> [(address: UInt32, bytes: [UInt8])] {
    var runs: [(address: UInt32, bytes: [UInt8])] = []
    for segment in image.segments {
        if let last = runs.last, UInt64(last.address) + UInt64(last.bytes.count) == UInt64(segment.address) {
            runs[runs.count - 1].bytes += segment.bytes
        } else {
            runs.append((segment.address, segment.bytes))
        }
    }
    return runs
}

func sameBytes(_ a: FirmwareImage, _ b: FirmwareImage) -> Bool {
    let x = flattened(a), y = flattened(b)
    return x.count == y.count && zip(x, y).allSatisfy { $0.address == $1.address && $0.bytes == $1.bytes }
}

/// The error a throwing call ends with, or nil if it succeeds.
func imageError(_ body: () throws(ImageError) -> FirmwareImage) -> ImageError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// The STM32F746NG's flash as the deployer will describe it.
let f746Flash = FlashRegion(name: "flash of STM32F746NGH6", base: 0x0800_0000, size: 1024 * 1024,
                            aliases: [0x0020_0000])

/// SplitMix64: a small deterministic generator, so a failing fuzz case reproduces from its seed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The directory holding the committed fixtures, found from this file so no Package.swift resource
/// declaration is needed.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/cortex-m7").path

/// A fresh temporary directory for tests that write files.
func temporaryDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("hil-images-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}
