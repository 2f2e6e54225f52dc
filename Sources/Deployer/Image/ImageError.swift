/// Why an image cannot be read or placed.
///
/// A struct around an enum so that new reasons can be added without breaking callers' exhaustive
/// switches: callers read `description` (and `path`, `line`), tests match `reason`.
public struct ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file the error is about, as the caller named it.
    public let path: String
    let reason: Reason

    init(_ path: String, _ reason: Reason) {
        self.path = path
        self.reason = reason
    }

    /// The 1-based HEX line the error is about, when there is one.
    public var line: Int? {
        switch reason {
        case .hex(let line, _): line
        case .hexConflict(_, let second, _, _, _): second
        case .hexStartConflict(_, let second): second
        default: nil
        }
    }

    enum Reason: Equatable, Sendable {
        // Any format
        case unreadable(String)
        case unknownFormat
        case empty
        case binaryPastAddressSpace(base: UInt32, count: Int)
        // ELF
        case notELF(firstBytes: [UInt8])
        case elf(ELFProblem)
        // Intel HEX: most problems concern one line.
        case hex(line: Int, HexProblem)
        case hexConflict(firstLine: Int, secondLine: Int, address: UInt32, first: UInt8, second: UInt8)
        case hexStartConflict(firstLine: Int, secondLine: Int)
        case hexMissingEOF(lastLine: Int)
        case hexNoData
        // Placement
        case overlap(Span, Span)
        case outside(Span, region: FlashRegion, format: ImageFormat)
        case tooLarge(byteCount: Int, region: FlashRegion)
        case nothingToPlace
    }

    enum ELFProblem: Equatable, Sendable {
        case elf64
        case bigEndian
        case badClass(UInt8)
        case badDataEncoding(UInt8)
        case truncatedHeader(fileSize: Int)
        case wrongMachine(UInt16)
        case notExecutable(type: UInt16)
        case badPhentsize(UInt16)
        case noProgramHeaders
        case absurdPhnum(UInt16)
        case programHeadersOutsideFile(phoff: UInt32, phnum: UInt16, fileSize: Int)
        case segmentOutsideFile(index: Int, offset: UInt32, filesz: UInt32, fileSize: Int)
        case fileszExceedsMemsz(index: Int, filesz: UInt32, memsz: UInt32)
        case segmentPastAddressSpace(index: Int, paddr: UInt32, filesz: UInt32)
        case nothingToLoad
    }

    enum HexProblem: Equatable, Sendable {
        case missingColon(found: UInt8)
        case badDigit(column: Int, found: UInt8)
        case oddDigits(count: Int)
        case shortRecord(digits: Int)
        case lengthMismatch(declared: Int, actual: Int)
        case badChecksum(stored: UInt8, expected: UInt8)
        case badRecordLength(type: UInt8, length: Int, expected: Int)
        case unknownType(UInt8)
        case afterEOF(eofLine: Int)
        case pastAddressSpace(address: UInt64)
        case segmentWrap(offset: UInt16, count: Int)
    }

    /// A segment as placement errors name it: origin and address range.
    struct Span: Equatable, Sendable {
        let origin: String
        let start: UInt64
        let end: UInt64  // one past the last byte
    }
}
