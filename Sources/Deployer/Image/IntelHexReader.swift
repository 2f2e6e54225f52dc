// An Intel HEX reader written from Intel's "Hexadecimal Object File Format Specification" (rev. A,
// 1988). Records are ':' LL AAAA TT DD… CC; the checksum makes every record's bytes sum to 0 mod 256.
// It works on raw bytes (never String slicing) because a 1 MB image is ~2.9 MB of text, and it must
// parse well under a second even in a debug build.

extension ImageLoader {
    /// Reads Intel HEX text (CRLF or LF, upper or lower case). Every record type 00–05 is understood;
    /// consecutive data records are merged into contiguous segments.
    public static func parseIntelHex(_ text: [UInt8], path: String) throws(ImageError) -> FirmwareImage {
        guard !text.isEmpty else { throw ImageError(path, .empty) }
        var records = IntelHexRecords()
        let outcome = text.withUnsafeBufferPointer { records.read($0) }
        if let problem = outcome { throw ImageError(path, problem) }
        let segments = try records.segments(path: path)
        return FirmwareImage(path: path, format: .intelHex, segments: segments, entryPoint: records.entry)
    }
}

/// The data records of a HEX file, in file order, with their bytes kept in one pool so that a large
/// file costs two arrays rather than tens of thousands of small ones.
struct IntelHexRecords {
    struct DataRecord {
        let address: UInt32
        let poolStart: Int
        let count: Int
        let line: Int
    }

    var pool: [UInt8] = []
    var data: [DataRecord] = []
    var entry: UInt32?
    private var entryLine = 0

    /// Largest record: 5 bytes of count, address, type and checksum around 255 data bytes.
    private static let maxRecordBytes = 260

    /// Reads every line; returns the first problem, or nil. (A Result rather than typed throws keeps
    /// the closure passed to withUnsafeBufferPointer simple.)
    mutating func read(_ text: UnsafeBufferPointer<UInt8>) -> ImageError.Reason? {
        var record = [UInt8](repeating: 0, count: Self.maxRecordBytes)
        var base: UInt32 = 0          // from the last 02 or 04 record
        var segmentAddressing = false // true after 02: offsets wrap inside 64 KB (we refuse wraps)
        var eofLine: Int?
        var line = 0
        var position = 0

        while position < text.count {
            line += 1
            let lineStart = position
            var end = position
            while end < text.count, text[end] != 0x0A { end += 1 }
            position = end + 1
            // Tolerate CR (CRLF files), trailing and leading blanks, and blank lines.
            var first = lineStart
            while end > first, Self.isBlank(text[end - 1]) { end -= 1 }
            while first < end, Self.isBlank(text[first]) { first += 1 }
            if first == end { continue }

            func fail(_ problem: ImageError.HexProblem) -> ImageError.Reason { .hex(line: line, problem) }
            if let eofLine { return fail(.afterEOF(eofLine: eofLine)) }
            guard text[first] == UInt8(ascii: ":") else { return fail(.missingColon(found: text[first])) }

            // Decode digit pairs, checking every character, before trusting any length.
            let digits = end - first - 1
            var byteCount = 0
            var index = first + 1
            while index < end {
                guard let high = Self.hexValue(text[index]) else {
                    return fail(.badDigit(column: index - lineStart + 1, found: text[index]))
                }
                guard index + 1 < end else { break }  // odd digit count: reported below
                guard let low = Self.hexValue(text[index + 1]) else {
                    return fail(.badDigit(column: index + 1 - lineStart + 1, found: text[index + 1]))
                }
                if byteCount < Self.maxRecordBytes { record[byteCount] = high << 4 | low }
                byteCount += 1
                index += 2
            }
            guard digits >= 10 else { return fail(.shortRecord(digits: digits)) }
            guard digits % 2 == 0 else { return fail(.oddDigits(count: digits)) }
            let count = Int(record[0])
            guard byteCount == count + 5 else { return fail(.lengthMismatch(declared: count, actual: byteCount - 5)) }

            var sum: UInt8 = 0
            for i in 0..<byteCount - 1 { sum &+= record[i] }
            let expected = 0 &- sum
            guard record[byteCount - 1] == expected else {
                return fail(.badChecksum(stored: record[byteCount - 1], expected: expected))
            }

            let offset = UInt16(record[1]) << 8 | UInt16(record[2])
            let type = record[3]
            // The 16- or 32-bit value carried by types 02–05, big-endian like every HEX field.
            func value(_ bytes: Int) -> UInt32 { (0..<bytes).reduce(0) { $0 << 8 | UInt32(record[4 + $1]) } }
            func length(_ expected: Int) -> ImageError.Reason? {
                count == expected ? nil : fail(.badRecordLength(type: type, length: count, expected: expected))
            }

            switch type {
            case 0x00:  // data
                guard count > 0 else { continue }
                if segmentAddressing, Int(offset) + count > 0x1_0000 {
                    return fail(.segmentWrap(offset: offset, count: count))
                }
                let address = UInt64(base) + UInt64(offset)
                guard address + UInt64(count) <= 1 << 32 else {
                    return fail(.pastAddressSpace(address: address + UInt64(count)))
                }
                data.append(DataRecord(address: UInt32(address), poolStart: pool.count, count: count, line: line))
                pool.append(contentsOf: record[4..<4 + count])
            case 0x01:  // end of file
                if let problem = length(0) { return problem }
                eofLine = line
            case 0x02:  // extended segment address: base = segment · 16
                if let problem = length(2) { return problem }
                base = value(2) << 4
                segmentAddressing = true
            case 0x03:  // start segment address: CS:IP, taken as the linear address CS·16 + IP
                if let problem = length(4) { return problem }
                if let problem = setEntry((value(2) << 4) &+ (value(4) & 0xFFFF), line: line) { return problem }
            case 0x04:  // extended linear address: upper 16 bits
                if let problem = length(2) { return problem }
                base = value(2) << 16
                segmentAddressing = false
            case 0x05:  // start linear address
                if let problem = length(4) { return problem }
                if let problem = setEntry(value(4), line: line) { return problem }
            default:
                return fail(.unknownType(type))
            }
        }
        guard eofLine != nil else { return .hexMissingEOF(lastLine: line) }
        return nil
    }

    /// A file may repeat its start address; two different ones mean two images were merged.
    private mutating func setEntry(_ address: UInt32, line: Int) -> ImageError.Reason? {
        if let entry, entry != address { return .hexStartConflict(firstLine: entryLine, secondLine: line) }
        entry = address
        entryLine = line
        return nil
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30        // 0-9
        case 0x41...0x46: byte - 0x41 + 10   // A-F
        case 0x61...0x66: byte - 0x61 + 10   // a-f
        default: nil
        }
    }
}
