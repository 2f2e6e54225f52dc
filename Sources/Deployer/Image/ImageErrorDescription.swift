/// The user-facing words for every `ImageError`: what is wrong with which input, then what to do.
extension ImageError {
    public var description: String {
        let name = path.isEmpty ? "the image" : path
        switch reason {
        case .unreadable(let why):
            return "\(name) cannot be read (\(why)); check the path and its permissions"
        case .unknownFormat:
            return "\(name) is neither ELF nor Intel HEX and its extension does not say what it is; "
                + "give the format explicitly (elf, hex or bin)"
        case .empty:
            return "\(name) is an empty image (0 bytes); rebuild it or check that the right file was given"
        case .binaryPastAddressSpace(let base, let count):
            return "\(name) is \(count) bytes, which at base \(hex32(base)) runs past 0xFFFFFFFF; "
                + "give the address the binary was linked for"
        case .notELF(let first):
            let shown = first.map { hexDigits(UInt64($0), width: 2) }.joined(separator: " ")
            return "\(name) is not an ELF file (it starts with \(shown.isEmpty ? "nothing" : shown)); "
                + "give the .elf the linker produced, or choose the hex or bin format"
        case .elf(let problem):
            return describe(problem, name)
        case .hex(let line, let problem):
            return "\(name) line \(line): " + describe(problem)
        case .hexConflict(let firstLine, let secondLine, let address, let first, let second):
            return "\(name) lines \(firstLine) and \(secondLine) both write \(hex32(address)) with different data "
                + "(\(hex8(first)) then \(hex8(second))); the file merges overlapping images, rebuild it"
        case .hexStartConflict(let firstLine, let secondLine):
            return "\(name) lines \(firstLine) and \(secondLine) give two different start addresses; "
                + "the file merges two images or is corrupt, rebuild it"
        case .hexMissingEOF(let lastLine):
            return "\(name) ends after line \(lastLine) without an end-of-file record (type 01), truncated? "
                + "Re-download or rebuild it"
        case .hexNoData:
            return "\(name) contains no data records, so there is nothing to flash; check that the right file was given"
        case .overlap(let a, let b):
            return "\(name): segment \(a.origin) at \(range(a.start, a.end)) overlaps segment \(b.origin) at "
                + "\(range(b.start, b.end)); fix the linker script so that they do not share addresses"
        case .outside(let span, let region, let format):
            // The fix depends on where the address came from: the linker, the HEX, or the user's base.
            let advice: String
            switch format {
            case .elf: advice = "link it to load from flash (AT> FLASH)"
            case .intelHex: advice = "the HEX was built for another memory layout; rebuild it for this board"
            case .binary: advice = "give a base address inside the flash (--base \(hex32(region.base)), the default)"
            }
            return "\(name): segment \(span.origin) at \(range(span.start, span.end)) is outside the "
                + "\(region.name) (\(regionRanges(region))); \(advice)"
        case .tooLarge(let count, let region):
            return "\(name) is \(count) bytes (\(kilobytes(count))), larger than the \(region.size) bytes "
                + "(\(kilobytes(region.size))) of the \(region.name); make the program smaller"
        case .nothingToPlace:
            return "\(name) contains no bytes to flash; check that the right file was given"
        }
    }

    private func describe(_ problem: ELFProblem, _ name: String) -> String {
        let corrupt = "the file is corrupt, rebuild it"
        switch problem {
        case .elf64:
            return "\(name) is a 64-bit ELF (ELFCLASS64), but Cortex-M firmware is 32-bit; build it with arm-none-eabi-gcc"
        case .bigEndian:
            return "\(name) is a big-endian ELF, but STM32 firmware is little-endian; build it with arm-none-eabi-gcc"
        case .badClass(let value):
            return "\(name) has an invalid ELF class \(value) in e_ident[EI_CLASS]; \(corrupt)"
        case .badDataEncoding(let value):
            return "\(name) has an invalid byte order \(value) in e_ident[EI_DATA]; \(corrupt)"
        case .truncatedHeader(let size):
            return "\(name) is cut short: an ELF32 header needs 52 bytes but the file has \(size); "
                + "the file is truncated, rebuild or re-copy it"
        case .wrongMachine(let machine):
            return "\(name) is an ELF for \(machineName(machine)) (e_machine \(machine)), not for ARM; "
                + "build it with arm-none-eabi-gcc"
        case .notExecutable(let type):
            let what = switch type {
            case 0: "has no file type (e_type ET_NONE)"
            case 1: "is a relocatable object (e_type ET_REL), not a linked program"
            case 4: "is a core dump (e_type ET_CORE), not a program"
            default: "has an unknown file type (e_type \(type))"
            }
            return "\(name) \(what); link it into an executable with a linker script"
        case .badPhentsize(let size):
            return "\(name) declares program headers of \(size) bytes (e_phentsize), but ELF32 ones are 32; \(corrupt)"
        case .noProgramHeaders:
            return "\(name) has no program headers (e_phnum 0), so nothing says where its bytes go; "
                + "link it into an executable with a linker script"
        case .absurdPhnum(let count):
            return "\(name) claims \(count) program headers (e_phnum), far more than any firmware has; \(corrupt)"
        case .programHeadersOutsideFile(let phoff, let phnum, let size):
            return "\(name): the program header table (e_phoff \(hex32(phoff)), \(phnum) entries of 32 bytes) "
                + "runs past the end of the \(size)-byte file; the file is truncated or corrupt, rebuild it"
        case .segmentOutsideFile(let index, let offset, let filesz, let size):
            return "\(name): program header #\(index) takes \(filesz) bytes from file offset \(hex32(offset)) "
                + "(p_offset), past the end of the \(size)-byte file; the file is truncated or corrupt, rebuild it"
        case .fileszExceedsMemsz(let index, let filesz, let memsz):
            return "\(name): program header #\(index) has p_filesz \(filesz) larger than p_memsz \(memsz); \(corrupt)"
        case .segmentPastAddressSpace(let index, let paddr, let filesz):
            return "\(name): program header #\(index) loads \(filesz) bytes at \(hex32(paddr)) (p_paddr), "
                + "past 0xFFFFFFFF; \(corrupt)"
        case .nothingToLoad:
            return "\(name) has no PT_LOAD segment with file contents, so there is nothing to flash; "
                + "check the linker script"
        }
    }

    private func describe(_ problem: HexProblem) -> String {
        let corrupt = "the file is corrupt, rebuild or re-download it"
        switch problem {
        case .missingColon(let found):
            return "the record starts with \(character(found)) instead of ':'; "
                + "this is not an Intel HEX file or it is corrupt, check the file and its format"
        case .badDigit(let column, let found):
            return "column \(column) holds \(character(found)), not a hex digit; \(corrupt)"
        case .oddDigits(let count):
            return "the record has an odd number of hex digits (\(count)); \(corrupt)"
        case .shortRecord(let digits):
            return "the record has only \(digits) hex digits, fewer than the 10 of the smallest record; \(corrupt)"
        case .lengthMismatch(let declared, let actual):
            return "the byte count says \(declared) data bytes but the record holds \(actual); \(corrupt)"
        case .badChecksum(let stored, let expected):
            return "checksum is \(hex8(stored)) but the record sums to \(hex8(expected)); \(corrupt)"
        case .badRecordLength(let type, let length, let expected):
            return "a type \(hexDigits(UInt64(type), width: 2)) record must carry \(expected) data bytes, "
                + "not \(length); \(corrupt)"
        case .unknownType(let type):
            return "record type \(hex8(type)) is not an Intel HEX record type (00 to 05); \(corrupt)"
        case .afterEOF(let eofLine):
            return "a record follows the end-of-file record of line \(eofLine); "
                + "the file was probably pasted together from two images, regenerate it"
        case .pastAddressSpace(let address):
            return "the data runs past 0xFFFFFFFF (to 0x\(hexDigits(address - 1, width: 9))); \(corrupt)"
        case .segmentWrap(let offset, let count):
            return "\(count) bytes at offset \(hexDigits(UInt64(offset), width: 4)) wrap around the end of their "
                + "64 KB segment (type 02 addressing), which this reader refuses; regenerate the file with type 04 addressing"
        }
    }
}

// MARK: - Formatting helpers (private: other Deployer files must not collide with these short names)

private func hexDigits(_ value: UInt64, width: Int) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

private func hex32(_ value: UInt32) -> String { "0x" + hexDigits(UInt64(value), width: 8) }
private func hex8(_ value: UInt8) -> String { "0x" + hexDigits(UInt64(value), width: 2) }

/// "0x08000000–0x080FFFFF": inclusive, so a user can compare it with a map file.
private func range(_ start: UInt64, _ end: UInt64) -> String {
    let last = end > start ? end - 1 : start
    return "0x" + hexDigits(start, width: 8) + "–0x" + hexDigits(last, width: 8)
}

private func regionRanges(_ region: FlashRegion) -> String {
    let size = UInt64(max(0, region.size))
    var text = range(UInt64(region.base), UInt64(region.base) + size)
    for alias in region.aliases {
        text += ", also seen at " + range(UInt64(alias), UInt64(alias) + size)
    }
    return text
}

/// Exact KB when the size is a whole number of KB, else one decimal, so 1 MB + 1 byte reads "1024.0 KB".
private func kilobytes(_ bytes: Int) -> String {
    if bytes % 1024 == 0 { return "\(bytes / 1024) KB" }
    let tenths = (bytes * 10 + 512) / 1024
    return "\(tenths / 10).\(tenths % 10) KB"
}

private func character(_ byte: UInt8) -> String {
    (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : hex8(byte)
}

private func machineName(_ machine: UInt16) -> String {
    switch machine {
    case 0: "no machine"
    case 2: "SPARC"
    case 3: "x86 (i386)"
    case 8: "MIPS"
    case 20: "PowerPC"
    case 21: "PowerPC 64"
    case 40: "ARM"
    case 62: "x86-64"
    case 83: "AVR"
    case 94: "Xtensa"
    case 183: "AArch64"
    case 243: "RISC-V"
    default: "machine \(machine)"
    }
}
