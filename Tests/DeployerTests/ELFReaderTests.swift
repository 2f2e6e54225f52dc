import Testing
@testable import Deployer

/// The synthetic program most tests start from: .text at the flash base, .data linked in RAM but
/// loaded right after .text, and a .bss-only segment that must never be flashed.
enum Sample {
    static let text: [UInt8] = (0..<202).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
    static let data: [UInt8] = [0xEF, 0xBE, 0xAD, 0xDE, 0x78, 0x56, 0x34, 0x12]
    static let dataLMA = 0x0800_0000 + UInt32(text.count)

    static var elf: TestELF {
        TestELF(segments: [
            .init(vaddr: 0x0800_0000, paddr: 0x0800_0000, bytes: text, section: ".text"),
            .init(vaddr: 0x2000_0000, paddr: dataLMA, bytes: data, section: ".data"),
            .init(vaddr: 0x2000_0100, paddr: 0x2000_0100, bytes: [], memsz: 0x40, section: ".bss", nobits: true),
        ])
    }

    static var elfBytes: [UInt8] { elf.build() }
}

@Suite struct ELFReaderTests {
    @Test func loadsEachSegmentAtItsPhysicalAddressAndSkipsBSS() throws {
        let image = try ImageLoader.parseELF(Sample.elfBytes, path: "app.elf")
        #expect(image.format == .elf)
        #expect(image.entryPoint == 0x0800_0009)
        #expect(image.segments.map(\.address) == [0x0800_0000, Sample.dataLMA])
        #expect(image.segments.map(\.bytes) == [Sample.text, Sample.data])
        #expect(image.segments.map(\.origin) == ["ELF PT_LOAD #0 (.text)", "ELF PT_LOAD #1 (.data)"])
        #expect(image.byteCount == Sample.text.count + Sample.data.count)
        #expect(image.segments.allSatisfy { $0.address < 0x2000_0000 })
    }

    @Test func segmentsAreSortedByAddressWhateverTheProgramHeaderOrder() throws {
        var elf = Sample.elf
        elf.segments.reverse()
        let image = try ImageLoader.parseELF(elf.build(), path: "app.elf")
        #expect(image.segments.map(\.address) == [0x0800_0000, Sample.dataLMA])
        #expect(image.segments[0].origin == "ELF PT_LOAD #2 (.text)")
    }

    @Test func namesFallBackToTheProgramHeaderIndexWithoutSections() throws {
        var elf = Sample.elf
        elf.withSections = false
        let image = try ImageLoader.parseELF(elf.build(), path: "app.elf")
        #expect(image.segments.map(\.origin) == ["ELF PT_LOAD #0", "ELF PT_LOAD #1"])
    }

    @Test func corruptSectionHeadersOnlyCostTheNames() throws {
        let good = Sample.elfBytes
        let shoff = Int(good[32]) | Int(good[33]) << 8
        var badStrings = good
        put32(&badStrings, shoff + 4 * 40 + 16, 0xFFFF_FF00)  // .shstrtab's sh_offset past the end
        var badTable = good
        put32(&badTable, 32, 0xFFFF_FFF0)                      // e_shoff past the end
        var badSize = good
        put16(&badSize, 46, 64)                                // e_shentsize wrong
        for bytes in [badStrings, badTable, badSize] {
            let image = try ImageLoader.parseELF(bytes, path: "app.elf")
            #expect(image.segments.map(\.origin) == ["ELF PT_LOAD #0", "ELF PT_LOAD #1"])
            #expect(image.segments.map(\.bytes) == [Sample.text, Sample.data])
        }
    }

    @Test func refusesWhatIsNotAnARMELF32() throws {
        var elf64 = Sample.elfBytes; elf64[4] = 2
        var bigEndian = Sample.elfBytes; bigEndian[5] = 2
        var badClass = Sample.elfBytes; badClass[4] = 7
        var x86 = Sample.elf; x86.machine = 62
        var object = Sample.elfBytes; put16(&object, 16, 1)
        let cases: [([UInt8], ImageError.Reason)] = [
            (Array("MZ\u{90}\0 not an elf".utf8), .notELF(firstBytes: [0x4D, 0x5A, 0xC2, 0x90])),
            ([], .notELF(firstBytes: [])),
            (elf64, .elf(.elf64)),
            (bigEndian, .elf(.bigEndian)),
            (badClass, .elf(.badClass(7))),
            (x86.build(), .elf(.wrongMachine(62))),
            (object, .elf(.notExecutable(type: 1))),
            (Array(Sample.elfBytes.prefix(40)), .elf(.truncatedHeader(fileSize: 40))),
        ]
        for (bytes, reason) in cases {
            let error = imageError { () throws(ImageError) in try ImageLoader.parseELF(bytes, path: "app.elf") }
            #expect(error?.reason == reason)
            #expect(error?.path == "app.elf")
        }
        let error = try #require(imageError { () throws(ImageError) in try ImageLoader.parseELF(x86.build(), path: "app.elf") })
        #expect(error.description == "app.elf is an ELF for x86-64 (e_machine 62), not for ARM; build it with arm-none-eabi-gcc")
    }

    @Test func refusesCorruptProgramHeaders() throws {
        let good = Sample.elfBytes
        var phoffPastEnd = good; put32(&phoffPastEnd, 28, UInt32(good.count - 16))
        var phoffHuge = good; put32(&phoffHuge, 28, 0xFFFF_FFFF)
        var phnumHuge = good; put16(&phnumHuge, 44, 0xFFFF)
        var phnumLarge = good; put16(&phnumLarge, 44, 400)
        var phnumZero = good; put16(&phnumZero, 44, 0)
        var phentsize = good; put16(&phentsize, 42, 40)
        let text = TestELF.programHeaderOffset(0)
        var pastEOF = good; put32(&pastEOF, text + 4, UInt32(good.count - 10))
        var offsetHuge = good; put32(&offsetHuge, text + 4, 0xFFFF_FFF0)
        var fileszHuge = good; put32(&fileszHuge, text + 16, 0xFFFF_FFFF); put32(&fileszHuge, text + 20, 0xFFFF_FFFF)
        var fileszOverMemsz = good; put32(&fileszOverMemsz, text + 20, 4)
        var pastFourGiB = good; put32(&pastFourGiB, text + 12, 0xFFFF_FFF0)
        var nothing = good
        for index in 0..<3 { put32(&nothing, TestELF.programHeaderOffset(index) + 16, 0) }

        let size = good.count
        let cases: [([UInt8], ImageError.ELFProblem)] = [
            (phoffPastEnd, .programHeadersOutsideFile(phoff: UInt32(size - 16), phnum: 3, fileSize: size)),
            (phoffHuge, .programHeadersOutsideFile(phoff: 0xFFFF_FFFF, phnum: 3, fileSize: size)),
            (phnumHuge, .absurdPhnum(0xFFFF)),
            (phnumLarge, .programHeadersOutsideFile(phoff: 52, phnum: 400, fileSize: size)),
            (phnumZero, .noProgramHeaders),
            (phentsize, .badPhentsize(40)),
            (pastEOF, .segmentOutsideFile(index: 0, offset: UInt32(size - 10), filesz: 202, fileSize: size)),
            (offsetHuge, .segmentOutsideFile(index: 0, offset: 0xFFFF_FFF0, filesz: 202, fileSize: size)),
            (fileszHuge, .segmentOutsideFile(index: 0, offset: get32(good, text + 4), filesz: 0xFFFF_FFFF, fileSize: size)),
            (fileszOverMemsz, .fileszExceedsMemsz(index: 0, filesz: 202, memsz: 4)),
            (pastFourGiB, .segmentPastAddressSpace(index: 0, paddr: 0xFFFF_FFF0, filesz: 202)),
            (nothing, .nothingToLoad),
        ]
        for (bytes, problem) in cases {
            let error = imageError { () throws(ImageError) in try ImageLoader.parseELF(bytes, path: "app.elf") }
            #expect(error?.reason == .elf(problem), "\(problem)")
            #expect(error?.description.hasPrefix("app.elf") == true)
        }
    }

    @Test func everyPrefixOfAValidELFIsAnErrorOrAnImageNeverACrash() throws {
        let full = Sample.elfBytes
        // .data's contents are the last that a PT_LOAD needs; section headers follow them.
        let dataEnd = Int(get32(full, TestELF.programHeaderOffset(1) + 4)) + Sample.data.count
        var images = 0
        for length in 0...full.count {
            do {
                let image = try ImageLoader.parseELF(Array(full.prefix(length)), path: "cut.elf")
                images += 1
                // Only a cut that keeps every PT_LOAD's contents may succeed, and then it is whole.
                #expect(length >= dataEnd)
                #expect(image.segments.map(\.bytes) == [Sample.text, Sample.data])
            } catch {
                #expect(length < dataEnd)
                #expect(!error.description.isEmpty)
            }
        }
        #expect(images == full.count - dataEnd + 1)
    }

    @Test func manySectionsAreListedThenCounted() throws {
        // A PT_LOAD holding six sections names the first four, then says how many more.
        var elf = TestELF(segments: (0..<6).map { index in
            .init(vaddr: 0x0800_0000 + UInt32(index) * 4, paddr: 0x0800_0000 + UInt32(index) * 4,
                  bytes: [1, 2, 3, 4], section: ".s\(index)")
        })
        elf.withSections = true
        var bytes = elf.build()
        // Turn the six program headers into one PT_LOAD covering all six sections' contents.
        put16(&bytes, 44, 1)
        put32(&bytes, TestELF.programHeaderOffset(0) + 16, 24)
        put32(&bytes, TestELF.programHeaderOffset(0) + 20, 24)
        let image = try ImageLoader.parseELF(bytes, path: "many.elf")
        #expect(image.segments.map(\.origin) == ["ELF PT_LOAD #0 (.s0, .s1, .s2, .s3 and 2 more)"])
    }
}
