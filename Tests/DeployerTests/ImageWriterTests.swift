import Foundation
import Testing
@testable import Deployer

/// A packed image written out and read back by our own readers is the same image.
@Suite struct ImageWriterTests {
    let image = FirmwareImage(path: "p", format: .binary, segments: [
        .init(address: 0x0800_0000, bytes: (0..<0x250).map { UInt8($0 & 0xFF) }, origin: "harness"),
        .init(address: 0x0804_0000, bytes: [1, 2, 3, 4, 5], origin: "model"),
        .init(address: 0x0800_FFF8, bytes: [UInt8](repeating: 7, count: 20), origin: "across 64 KB"),
    ], entryPoint: 0x0800_0201)

    @Test func intelHexRoundTripsThroughOurReader() throws {
        let text = ImageWriter.intelHex(image)
        let back = try ImageLoader.parseIntelHex(Array(text.utf8), path: "x.hex")
        #expect(ImageWriter.binary(back) == ImageWriter.binary(image))
        #expect(back.entryPoint == 0x0800_0201)
        #expect(text.hasSuffix(":00000001FF\n"))
    }

    @Test func binFillsGapsWithTheErasedValue() {
        let bin = ImageWriter.binary(image)
        #expect(bin.count == 0x4_0005)
        #expect(bin[0x250] == 0xFF && bin[0x4_0000] == 1)
    }

    @Test func anUnknownExtensionIsRefusedAndNothingIsWritten() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("packed-\(UUID()).img").path
        #expect(throws: (any Error).self) { try ImageWriter.write(image, to: path) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
