// An ELF32 reader for linked Cortex-M firmware, written from the System V ABI ("gABI") and the
// ARM ELF supplement. It reads only what flashing needs: the header, the program headers (which say
// where bytes go) and, for naming, the section headers. Every offset and length taken from the file
// is checked in UInt64 arithmetic before use, so no input can make it trap.

extension ImageLoader {
    /// Reads a little-endian ELF32 for ARM. Each PT_LOAD with file contents becomes a segment at its
    /// p_paddr (the load address: a `.data` initialiser goes to its LMA in flash, not its RAM VMA),
    /// carrying p_filesz bytes; the zero-filled rest up to p_memsz (.bss) is not flashed.
    public static func parseELF(_ bytes: [UInt8], path: String) throws(ImageError) -> FirmwareImage {
        let file = ELFBytes(bytes: bytes)
        let header = try ELFHeader(file, path: path)
        let names = ELFSectionNames(file, header)

        var segments: [FirmwareImage.Segment] = []
        for index in 0..<Int(header.phnum) {
            let entry = header.phoff + UInt64(index) * ELFHeader.programHeaderSize
            // The whole table was checked to lie inside the file, so these reads are in range.
            let type = file.u32(entry + 0), offset = file.u32(entry + 4), paddr = file.u32(entry + 12)
            let filesz = file.u32(entry + 16), memsz = file.u32(entry + 20)
            guard type == 1 /* PT_LOAD */, filesz > 0 else { continue }

            func fail(_ problem: ImageError.ELFProblem) -> ImageError { ImageError(path, .elf(problem)) }
            guard filesz <= memsz else {
                throw fail(.fileszExceedsMemsz(index: index, filesz: filesz, memsz: memsz))
            }
            guard file.contains(UInt64(offset), UInt64(filesz)) else {
                throw fail(.segmentOutsideFile(index: index, offset: offset, filesz: filesz, fileSize: bytes.count))
            }
            guard UInt64(paddr) + UInt64(filesz) <= 1 << 32 else {
                throw fail(.segmentPastAddressSpace(index: index, paddr: paddr, filesz: filesz))
            }
            let start = Int(offset)  // fits: it is below bytes.count
            segments.append(FirmwareImage.Segment(
                address: paddr,
                bytes: Array(bytes[start..<start + Int(filesz)]),
                origin: names.origin(programHeader: index, offset: UInt64(offset), size: UInt64(filesz))))
        }
        guard !segments.isEmpty else { throw ImageError(path, .elf(.nothingToLoad)) }
        return FirmwareImage(path: path, format: .elf, segments: segments, entryPoint: header.entry)
    }
}

/// The file's bytes with little-endian reads. Callers check `contains` before reading; the reads
/// themselves index the array directly, so a missed check shows up as a trap in the fuzz tests.
struct ELFBytes {
    let bytes: [UInt8]

    /// Whether `length` bytes from `offset` lie inside the file (no overflow: both are at most 2^33).
    func contains(_ offset: UInt64, _ length: UInt64) -> Bool {
        let size = UInt64(bytes.count)
        return offset <= size && length <= size - offset
    }

    func u8(_ offset: UInt64) -> UInt8 { bytes[Int(offset)] }
    func u16(_ offset: UInt64) -> UInt16 { UInt16(u8(offset)) | UInt16(u8(offset + 1)) << 8 }
    func u32(_ offset: UInt64) -> UInt32 { UInt32(u16(offset)) | UInt32(u16(offset + 2)) << 16 }
}

/// The validated ELF header: identification, machine, type and a program header table that lies
/// entirely inside the file.
struct ELFHeader {
    static let size: UInt64 = 52
    static let programHeaderSize: UInt64 = 32
    /// Real firmware has a handful of program headers; more than this is corruption, and refusing it
    /// early keeps a damaged header from costing time.
    static let maxProgramHeaders: UInt16 = 512

    let entry: UInt32
    let phoff: UInt64
    let phnum: UInt16
    let shoff: UInt64
    let shentsize: UInt16
    let shnum: UInt16
    let shstrndx: UInt16

    init(_ file: ELFBytes, path: String) throws(ImageError) {
        func fail(_ problem: ImageError.ELFProblem) -> ImageError { ImageError(path, .elf(problem)) }
        let bytes = file.bytes
        // e_ident: magic, then class, data encoding. A file too short to hold the magic is not ELF.
        guard bytes.count >= 4, bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else {
            throw ImageError(path, .notELF(firstBytes: Array(bytes.prefix(4))))
        }
        guard bytes.count > 5 else { throw fail(.truncatedHeader(fileSize: bytes.count)) }
        switch bytes[4] {  // EI_CLASS
        case 1: break
        case 2: throw fail(.elf64)
        default: throw fail(.badClass(bytes[4]))
        }
        switch bytes[5] {  // EI_DATA
        case 1: break
        case 2: throw fail(.bigEndian)
        default: throw fail(.badDataEncoding(bytes[5]))
        }
        guard file.contains(0, Self.size) else { throw fail(.truncatedHeader(fileSize: bytes.count)) }

        let type = file.u16(16), machine = file.u16(18)
        guard machine == 40 /* EM_ARM */ else { throw fail(.wrongMachine(machine)) }
        // ET_EXEC, or ET_DYN for position-independent links; an object file has no load addresses.
        guard type == 2 || type == 3 else { throw fail(.notExecutable(type: type)) }

        entry = file.u32(24)
        phoff = UInt64(file.u32(28))
        shoff = UInt64(file.u32(32))
        let phentsize = file.u16(42)
        phnum = file.u16(44)
        shentsize = file.u16(46)
        shnum = file.u16(48)
        shstrndx = file.u16(50)

        guard phnum > 0 else { throw fail(.noProgramHeaders) }
        // 0xFFFF is PN_XNUM (count kept in section 0), never needed by firmware; treat it as absurd too.
        guard phnum <= Self.maxProgramHeaders else { throw fail(.absurdPhnum(phnum)) }
        guard UInt64(phentsize) == Self.programHeaderSize else { throw fail(.badPhentsize(phentsize)) }
        guard file.contains(phoff, UInt64(phnum) * Self.programHeaderSize) else {
            throw fail(.programHeadersOutsideFile(phoff: UInt32(phoff), phnum: phnum, fileSize: bytes.count))
        }
    }
}
