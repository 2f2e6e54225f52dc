import Foundation
import Testing
@testable import Deployer

private func parse(_ text: String, path: String = "firmware.hex") throws(ImageError) -> FirmwareImage {
    try ImageLoader.parseIntelHex(Array(text.utf8), path: path)
}

private func hexError(_ text: String) -> ImageError? {
    imageError { () throws(ImageError) in try parse(text) }
}

private func lines(_ records: String...) -> String { records.map { $0 + "\n" }.joined() }

private let eof = hexRecord(0x01, 0, [])

@Suite struct IntelHexReaderTests {
    @Test func readsDataWithExtendedLinearAddressAndStartLinearAddress() throws {
        let image = try parse(lines(
            hexRecord(0x04, 0, [0x08, 0x00]),
            hexRecord(0x00, 0x0000, [1, 2, 3, 4]),
            hexRecord(0x00, 0x0004, [5, 6]),
            hexRecord(0x05, 0, [0x08, 0x00, 0x01, 0x23]),
            eof))
        #expect(image.format == .intelHex)
        #expect(image.entryPoint == 0x0800_0123)
        #expect(image.segments == [.init(address: 0x0800_0000, bytes: [1, 2, 3, 4, 5, 6],
                                         origin: "HEX records from line 2 to 3")])
    }

    @Test func readsExtendedSegmentAddressAndStartSegmentAddress() throws {
        let image = try parse(lines(
            hexRecord(0x02, 0, [0x12, 0x34]),              // base 0x12340
            hexRecord(0x00, 0x0010, [0xAA, 0xBB]),         // at 0x12350
            hexRecord(0x03, 0, [0x10, 0x00, 0x00, 0x42]),  // CS 0x1000, IP 0x0042
            eof))
        #expect(image.entryPoint == 0x10042)
        #expect(image.segments == [.init(address: 0x12350, bytes: [0xAA, 0xBB], origin: "HEX record on line 2")])
    }

    @Test func type04AfterType02SwitchesBackToLinearAddressing() throws {
        let image = try parse(lines(
            hexRecord(0x02, 0, [0x10, 0x00]),
            hexRecord(0x00, 0xFFF0, [1]),
            hexRecord(0x04, 0, [0x08, 0x01]),
            hexRecord(0x00, 0xFFFF, [2]),
            eof))
        #expect(image.segments.map(\.address) == [0x1FFF0, 0x0801_FFFF])
    }

    @Test func toleratesCRLFLowercaseBlanksAndATrailingBlankLine() throws {
        let text = [hexRecord(0x04, 0, [0x08, 0x00], lowercase: true),
                    "  " + hexRecord(0x00, 0x0100, [0xDE, 0xAD, 0xBE, 0xEF], lowercase: true) + " \t",
                    "",
                    eof, "", ""].joined(separator: "\r\n")
        let image = try parse(text)
        #expect(image.segments.map(\.address) == [0x0800_0100])
        #expect(image.segments.map(\.bytes) == [[0xDE, 0xAD, 0xBE, 0xEF]])
    }

    @Test func aMegabyteOfHexBecomesOneSegmentQuickly() throws {
        var random = SeededRandom(seed: 1)
        let bytes = (0..<1024 * 1024).map { _ in UInt8.random(in: 0...255, using: &random) }
        let text = Array(hexFile([(0x0800_0000, bytes)], entry: 0x0800_0199).utf8)
        let clock = ContinuousClock()
        var image: FirmwareImage?
        let elapsed = try clock.measure { image = try ImageLoader.parseIntelHex(text, path: "big.hex") }
        #expect(image?.segments.count == 1)
        #expect(image?.segments.first?.bytes == bytes)
        #expect(image?.segments.first?.origin == "HEX records from line 2 to 65552")
        // Typically ~0.1 s in a debug build; the margin keeps a loaded CI machine from failing it.
        #expect(elapsed < .seconds(1), "parsing 1 MB of HEX took \(elapsed)")
    }

    @Test func recordsOutOfOrderAreSortedAndMerged() throws {
        let image = try parse(lines(
            hexRecord(0x00, 0x0004, [5, 6, 7, 8]),
            hexRecord(0x00, 0x0100, [9]),
            hexRecord(0x00, 0x0000, [1, 2, 3, 4]),
            eof))
        #expect(image.segments == [
            .init(address: 0x0000, bytes: [1, 2, 3, 4, 5, 6, 7, 8], origin: "HEX records from line 1 to 3"),
            .init(address: 0x0100, bytes: [9], origin: "HEX record on line 2"),
        ])
    }

    @Test func theSameBytesWrittenTwiceAreAccepted() throws {
        let image = try parse(lines(
            hexRecord(0x00, 0x0000, [1, 2, 3, 4]),
            hexRecord(0x00, 0x0002, [3, 4, 5]),
            eof))
        #expect(image.segments.map(\.bytes) == [[1, 2, 3, 4, 5]])
    }

    @Test func differentBytesAtTheSameAddressNameBothLines() throws {
        let error = try #require(hexError(lines(
            hexRecord(0x04, 0, [0x08, 0x00]),
            hexRecord(0x00, 0x0000, [1, 2, 3, 4]),
            hexRecord(0x00, 0x0010, [0]),
            hexRecord(0x00, 0x0002, [3, 9]),
            eof)))
        #expect(error.reason == .hexConflict(firstLine: 2, secondLine: 4, address: 0x0800_0003, first: 4, second: 9))
        #expect(error.line == 4)
        #expect(error.description == "firmware.hex lines 2 and 4 both write 0x08000003 with different data "
            + "(0x04 then 0x09); the file merges overlapping images, rebuild it")
    }

    @Test func aChecksumErrorNamesTheLine() throws {
        var bad = hexRecord(0x00, 0x0000, [0x11, 0x22])
        bad.replaceSubrange(bad.index(bad.endIndex, offsetBy: -2)..., with: "3C")
        let error = try #require(hexError(lines(hexRecord(0x04, 0, [0x08, 0x00]), hexRecord(0x00, 0x10, [0]), bad, eof)))
        // 02 + 00 + 00 + 00 + 11 + 22 = 0x35, so the checksum must be 0x100 - 0x35 = 0xCB.
        #expect(error.reason == .hex(line: 3, .badChecksum(stored: 0x3C, expected: 0xCB)))
        #expect(error.line == 3)
        #expect(error.description == "firmware.hex line 3: checksum is 0x3C but the record sums to 0xCB; "
            + "the file is corrupt, rebuild or re-download it")
    }

    @Test func malformedRecordsNameTheirLine() throws {
        let good = hexRecord(0x00, 0x0000, [1, 2, 3, 4])
        var badDigit = Array(good); badDigit[5] = "G"
        var tooLong = good; tooLong.insert(contentsOf: "00", at: tooLong.index(tooLong.endIndex, offsetBy: -2))
        let cases: [(String, ImageError.Reason)] = [
            (lines(good, String(badDigit), eof), .hex(line: 2, .badDigit(column: 6, found: UInt8(ascii: "G")))),
            (lines(good, ":0000", eof), .hex(line: 2, .shortRecord(digits: 4))),
            (lines(":040000000102030", eof), .hex(line: 1, .oddDigits(count: 15))),
            (lines(String(good.dropLast(4)) + "F2", eof), .hex(line: 1, .lengthMismatch(declared: 4, actual: 3))),
            (lines(tooLong, eof), .hex(line: 1, .lengthMismatch(declared: 4, actual: 5))),
            (lines(good, "S1130000", eof), .hex(line: 2, .missingColon(found: UInt8(ascii: "S")))),
            (lines(good, hexRecord(0x06, 0, [1]), eof), .hex(line: 2, .unknownType(6))),
            (lines(hexRecord(0x04, 0, [0x08]), eof), .hex(line: 1, .badRecordLength(type: 4, length: 1, expected: 2))),
            (lines(hexRecord(0x01, 0, [0]), eof), .hex(line: 1, .badRecordLength(type: 1, length: 1, expected: 0))),
            (lines(hexRecord(0x05, 0, [1, 2]), eof), .hex(line: 1, .badRecordLength(type: 5, length: 2, expected: 4))),
            (lines(good, eof, good), .hex(line: 3, .afterEOF(eofLine: 2))),
            (lines(good, eof, eof), .hex(line: 3, .afterEOF(eofLine: 2))),
            (lines(hexRecord(0x04, 0, [0xFF, 0xFF]), hexRecord(0x00, 0xFFFE, [1, 2, 3]), eof),
             .hex(line: 2, .pastAddressSpace(address: 0x1_0000_0001))),
            (lines(hexRecord(0x02, 0, [0x10, 0x00]), hexRecord(0x00, 0xFFFF, [1, 2]), eof),
             .hex(line: 2, .segmentWrap(offset: 0xFFFF, count: 2))),
            (lines(good, hexRecord(0x00, 0x10, [5])), .hexMissingEOF(lastLine: 2)),
            ("", .empty),
            ("\n\n", .hexMissingEOF(lastLine: 2)),
            (lines(eof), .hexNoData),
            (lines(hexRecord(0x05, 0, [0, 0, 0, 1]), good, hexRecord(0x05, 0, [0, 0, 0, 2]), eof),
             .hexStartConflict(firstLine: 1, secondLine: 3)),
        ]
        for (text, reason) in cases {
            let error = hexError(text)
            #expect(error?.reason == reason, "\(text)")
            #expect(error?.description.hasPrefix("firmware.hex") == true)
        }
    }

    @Test func descriptionsSayWhatToDo() throws {
        let missing = try #require(hexError(lines(hexRecord(0x00, 0, [1]))))
        #expect(missing.description == "firmware.hex ends after line 1 without an end-of-file record (type 01), "
            + "truncated? Re-download or rebuild it")
        let unknown = try #require(hexError(lines(hexRecord(0x07, 0, []), eof)))
        #expect(unknown.description == "firmware.hex line 1: record type 0x07 is not an Intel HEX record type "
            + "(00 to 05); the file is corrupt, rebuild or re-download it")
        let digit = try #require(hexError(lines(":0400000001020304Z2", eof)))
        #expect(digit.description == "firmware.hex line 1: column 18 holds 'Z', not a hex digit; "
            + "the file is corrupt, rebuild or re-download it")
    }

    @Test func aRecordEndingExactlyAtTheTopOfTheAddressSpaceIsAccepted() throws {
        let image = try parse(lines(hexRecord(0x04, 0, [0xFF, 0xFF]), hexRecord(0x00, 0xFFFC, [1, 2, 3, 4]), eof))
        #expect(image.segments.first?.end == 0x1_0000_0000)
    }
}
