import Foundation
import Testing
@testable import Deployer

@Suite struct LoadingTests {
    private func write(_ bytes: [UInt8], named name: String) throws -> String {
        let path = try temporaryDirectory() + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func loadError(_ path: String, format: ImageFormat? = nil) -> ImageError? {
        imageError { () throws(ImageError) in try ImageLoader.load(path: path, format: format, binaryBase: 0x0800_0000) }
    }

    @Test func theFormatComesFromContentBeforeTheExtension() throws {
        let elf = try write(Sample.elfBytes, named: "firmware.bin")
        #expect(try ImageLoader.load(path: elf, binaryBase: 0x0800_0000).format == .elf)
        let hex = try write(Array(hexFile([(0x0800_0000, [1, 2, 3])]).utf8), named: "firmware.out")
        #expect(try ImageLoader.load(path: hex, binaryBase: 0x0800_0000).format == .intelHex)
    }

    @Test func otherContentFallsBackToTheExtension() throws {
        let raw: [UInt8] = [0x00, 0x00, 0x05, 0x20, 0x99, 0x01, 0x00, 0x08]
        let bin = try ImageLoader.load(path: try write(raw, named: "app.BIN"), binaryBase: 0x0800_4000)
        #expect(bin.format == .binary)
        #expect(bin.entryPoint == nil)
        #expect(bin.segments == [.init(address: 0x0800_4000, bytes: raw, origin: "BIN file")])
        // A .hex whose content is not HEX is read as HEX, and says what is wrong with it.
        #expect(loadError(try write(raw, named: "app.hex"))?.reason == .hex(line: 1, .missingColon(found: 0)))
        #expect(loadError(try write(raw, named: "app.axf"))?.reason == .notELF(firstBytes: [0, 0, 5, 0x20]))
        #expect(loadError(try write(raw, named: "app"))?.reason == .unknownFormat)
        #expect(loadError(try write(raw, named: "app.img"))?.reason == .unknownFormat)
    }

    @Test func anExplicitFormatWins() throws {
        let path = try write(Sample.elfBytes, named: "app.elf")
        let raw = try ImageLoader.load(path: path, format: .binary, binaryBase: 0x0800_0000)
        #expect(raw.format == .binary)
        #expect(raw.byteCount == Sample.elfBytes.count)
        #expect(loadError(path, format: .intelHex)?.reason == .hex(line: 1, .missingColon(found: 0x7F)))
    }

    @Test func emptyMissingAndDirectoryPathsAreRefused() throws {
        let empty = try write([], named: "empty.elf")
        let error = try #require(loadError(empty))
        #expect(error.reason == .empty)
        #expect(error.description.contains("empty image"))
        #expect(loadError(empty, format: .binary)?.reason == .empty)
        #expect(imageError { () throws(ImageError) in try ImageLoader.binary([], base: 0, path: "x.bin") }?.reason == .empty)

        let missing = try temporaryDirectory() + "/nope.elf"
        #expect(loadError(missing)?.reason == .unreadable("no such file"))
        #expect(loadError(try temporaryDirectory())?.reason == .unreadable("it is a directory"))
    }

    @Test func aBinaryRunningPastTheAddressSpaceIsRefused() throws {
        let error = imageError { () throws(ImageError) in try ImageLoader.binary([1, 2], base: 0xFFFF_FFFF, path: "x.bin") }
        #expect(error?.reason == .binaryPastAddressSpace(base: 0xFFFF_FFFF, count: 2))
        #expect(try ImageLoader.binary([1], base: 0xFFFF_FFFF, path: "x.bin").segments.first?.end == 0x1_0000_0000)
    }

    @Test func imageFormatRawValuesAreTheExtensions() {
        #expect(ImageFormat.allCases.map(\.rawValue) == ["elf", "hex", "bin"])
    }
}
