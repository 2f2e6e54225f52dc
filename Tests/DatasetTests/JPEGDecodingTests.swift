import Foundation
import Testing
@testable import Deployer

/// libjpeg-turbo through CImageDecode, with fixtures from its own compressor (quality 100, 4:4:4).
@Suite struct JPEGDecodingTests {
    func decode(_ bytes: [UInt8], path: String = "test.jpg") throws(DatasetError) -> PixelImage {
        try ImageDecoding.decode(Data(bytes), path: path)
    }

    /// Flat 8×8 blocks at quality 100 survive YCbCr and the DCT within 2 levels.
    @Test func rgbFlatBlocksRoundTrip() throws {
        let image = try decode(JPEGWriter.quadrants())
        #expect(image.width == 16 && image.height == 16 && image.channels == 3)
        for y in 0..<16 {
            for x in 0..<16 {
                let expected = JPEGWriter.quadrantColours[(y / 8) * 2 + x / 8]
                let got = image.pixels[(y * 16 + x) * 3..<(y * 16 + x + 1) * 3]
                for (a, b) in zip(got, expected) { #expect(abs(Int(a) - Int(b)) <= 2, "pixel \(x),\(y): \(Array(got))") }
            }
        }
    }

    @Test func grayStaysGray() throws {
        // Four flat bands of 4 rows (0, 80, 160, 240) over a 16×16 image: two per 8×8 block row,
        // so the DCT has real work, yet quality 100 keeps them within a level or two.
        let samples = (0..<256).map { UInt8(($0 / 64) * 80) }
        let image = try decode(JPEGWriter.encode(width: 16, height: 16, space: .gray, samples: samples))
        #expect(image.channels == 1 && image.width == 16 && image.height == 16)
        for (i, value) in image.pixels.enumerated() {
            #expect(abs(Int(value) - Int(samples[i])) <= 2, "pixel \(i)")
        }
    }

    @Test func cmykIsRefusedClearly() {
        let jpeg = JPEGWriter.encode(width: 8, height: 8, space: .cmyk, samples: Array(repeating: 100, count: 256))
        let error = loadError { () throws(DatasetError) in _ = try ImageDecoding.decode(Data(jpeg), path: "print.jpg") }
        #expect(error?.reason == .unsupportedImage(.jpeg, "CMYK"))
        expectNames(error, "print.jpg")
        #expect(error?.description.contains("CMYK") == true)
    }

    /// A truncated JPEG would decode with its missing part gray and a warning; we refuse it.
    @Test func truncatedJPEGIsAnError() throws {
        let jpeg = JPEGWriter.quadrants()
        for length in [3, 20, jpeg.count / 2, jpeg.count - 10, jpeg.count - 2] {
            let error = loadError { () throws(DatasetError) in _ = try decode(Array(jpeg.prefix(length)), path: "cut.jpg") }
            guard case .corruptImage(.jpeg, let why)? = error?.reason else {
                Issue.record("length \(length): \(String(describing: error))")
                continue
            }
            #expect(!why.isEmpty)
            expectNames(error, "cut.jpg")
        }
    }

    @Test func prematureEndSaysSo() throws {
        let jpeg = JPEGWriter.quadrants()
        let error = loadError { () throws(DatasetError) in _ = try decode(Array(jpeg.prefix(jpeg.count - 2)), path: "noeoi.jpg") }
        #expect(error?.reason == .corruptImage(.jpeg, "Premature end of JPEG file"))
    }

    @Test func garbageAfterSOIIsAnError() {
        let error = loadError { () throws(DatasetError) in _ = try decode([0xFF, 0xD8, 0xFF] + Array(repeating: 0x42, count: 100), path: "junk.jpg") }
        guard case .corruptImage(.jpeg, _)? = error?.reason else { Issue.record("\(String(describing: error))"); return }
        expectNames(error, "junk.jpg")
    }
}
