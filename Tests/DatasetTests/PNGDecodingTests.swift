import Foundation
import Testing
@testable import Deployer

/// libpng through CImageDecode: every colour type and depth comes back as 8-bit gray or RGB,
/// with the conversions docs/datasets.md promises.
@Suite struct PNGDecodingTests {
    func decode(_ bytes: [UInt8]) throws(DatasetError) -> PixelImage {
        try ImageDecoding.decode(Data(bytes), path: "test.png")
    }

    @Test func gray8IsExact() throws {
        let values = [0, 1, 127, 128, 200, 255]
        let image = try decode(PNGWriter.gray(width: 3, height: 2, values))
        #expect(image == PixelImage(width: 3, height: 2, channels: 1, pixels: values.map(UInt8.init)))
    }

    @Test func rgb8IsExact() throws {
        let samples = [255, 0, 0, 0, 255, 0, 0, 0, 255, 1, 2, 3]
        let image = try decode(PNGWriter.encode(width: 2, height: 2, color: .rgb, samples: samples))
        #expect(image == PixelImage(width: 2, height: 2, channels: 3, pixels: samples.map(UInt8.init)))
    }

    /// Alpha is dropped, not composited: a fully transparent pixel keeps its colour (as PIL's
    /// convert("RGB") does, which is what an ImageFolder-trained model saw).
    @Test func rgbaDropsAlpha() throws {
        let samples = [10, 20, 30, 255, 40, 50, 60, 0, 70, 80, 90, 128]
        let image = try decode(PNGWriter.encode(width: 3, height: 1, color: .rgba, samples: samples))
        #expect(image.channels == 3)
        #expect(image.pixels == [10, 20, 30, 40, 50, 60, 70, 80, 90])
    }

    @Test func grayAlphaDropsAlpha() throws {
        let image = try decode(PNGWriter.encode(width: 2, height: 1, color: .grayAlpha, samples: [7, 0, 250, 255]))
        #expect(image == PixelImage(width: 2, height: 1, channels: 1, pixels: [7, 250]))
    }

    /// Palette entries expand to RGB; tRNS transparency is ignored like alpha.
    @Test func paletteExpandsToRGBIgnoringTransparency() throws {
        let palette: [[UInt8]] = [[255, 0, 0], [0, 128, 0], [1, 2, 3]]
        let png = PNGWriter.encode(width: 4, height: 1, color: .palette, samples: [2, 0, 1, 2],
                                   palette: palette, transparency: [0, 64])
        let image = try decode(png)
        #expect(image == PixelImage(width: 4, height: 1, channels: 3, pixels: [1, 2, 3, 255, 0, 0, 0, 128, 0, 1, 2, 3]))
    }

    /// tRNS on gray and RGB images names a transparent colour; it is ignored, no alpha appears.
    @Test func grayAndRGBTransparencyIsIgnored() throws {
        let gray = PNGWriter.encode(width: 3, height: 1, color: .gray, bitDepth: 4, samples: [0, 5, 15], transparency: [0, 5])
        #expect(try decode(gray) == PixelImage(width: 3, height: 1, channels: 1, pixels: [0, 85, 255]))
        let rgb = PNGWriter.encode(width: 2, height: 1, color: .rgb, samples: [1, 2, 3, 4, 5, 6], transparency: [0, 1, 0, 2, 0, 3])
        #expect(try decode(rgb) == PixelImage(width: 2, height: 1, channels: 3, pixels: [1, 2, 3, 4, 5, 6]))
    }

    @Test func lowBitPaletteExpands() throws {
        let png = PNGWriter.encode(width: 3, height: 1, color: .palette, bitDepth: 2, samples: [1, 0, 1],
                                   palette: [[9, 9, 9], [200, 100, 50]])
        #expect(try decode(png).pixels == [200, 100, 50, 9, 9, 9, 200, 100, 50])
    }

    /// 16 → 8 bits by png_set_scale_16: round(v × 255 / 65535), not by dropping the low byte.
    @Test(arguments: [(0, 0), (65535, 255), (257 * 100, 100), (32896, 128), (32767, 127), (128, 0), (129, 1), (255, 1), (33153, 129)])
    func sixteenBitScalesToEight(sixteen: Int, eight: UInt8) throws {
        let expected = UInt8((Double(sixteen) * 255 / 65535).rounded())
        #expect(expected == eight)  // the table above is the formula, checked by hand
        let image = try decode(PNGWriter.encode(width: 1, height: 1, color: .gray, bitDepth: 16, samples: [sixteen]))
        #expect(image.pixels == [eight])
    }

    @Test func sixteenBitRGBA() throws {
        let png = PNGWriter.encode(width: 1, height: 1, color: .rgba, bitDepth: 16, samples: [65535, 257 * 3, 0, 1000])
        #expect(try decode(png) == PixelImage(width: 1, height: 1, channels: 3, pixels: [255, 3, 0]))
    }

    @Test(arguments: [(1, [0, 1, 1, 0, 1], [0, 255, 255, 0, 255]), (2, [0, 1, 2, 3, 0], [0, 85, 170, 255, 0]),
                      (4, [0, 1, 8, 15, 7], [0, 17, 136, 255, 119])])
    func lowBitGrayScalesToEight(bitDepth: Int, samples: [Int], expected: [UInt8]) throws {
        let image = try decode(PNGWriter.encode(width: 5, height: 1, color: .gray, bitDepth: bitDepth, samples: samples))
        #expect(image == PixelImage(width: 5, height: 1, channels: 1, pixels: expected))
    }

    @Test func interlacedEqualsNonInterlaced() throws {
        let width = 11, height = 9
        let samples = (0..<width * height * 3).map { ($0 * 37) % 256 }
        let plain = try decode(PNGWriter.encode(width: width, height: height, color: .rgb, samples: samples))
        let adam7 = try decode(PNGWriter.encode(width: width, height: height, color: .rgb, samples: samples, interlaced: true))
        #expect(adam7 == plain)
        #expect(plain.pixels == samples.map(UInt8.init))
    }

    @Test func pngNamedJPEGDecodesByContent() throws {
        let image = try ImageDecoding.decode(Data(PNGWriter.solid(width: 1, height: 1, 1, 2, 3)), path: "really-a-png.jpg")
        #expect(image.pixels == [1, 2, 3])
    }

    /// Cut anywhere after the signature, a PNG is an error naming the file, never a crash or a
    /// partly gray image; cut before IEND too, since png_read_end reads to it.
    @Test func truncatedPNGIsAnError() throws {
        let png = PNGWriter.encode(width: 8, height: 8, color: .rgb, samples: Array(repeating: 90, count: 192))
        for length in [8, 20, 33, 60, png.count / 2, png.count - 13, png.count - 1] {
            let error = loadError { () throws(DatasetError) in _ = try ImageDecoding.decode(Data(png.prefix(length)), path: "cut.png") }
            guard case .corruptImage(.png, _)? = error?.reason else {
                Issue.record("length \(length): \(String(describing: error))")
                continue
            }
            expectNames(error, "cut.png")
        }
    }

    @Test func badCRCIsAnError() throws {
        var png = PNGWriter.solid(width: 2, height: 2, 5, 5, 5)
        png[png.count - 13] ^= 0xFF  // IDAT's CRC (IEND's 12 bytes follow it)
        let error = loadError { () throws(DatasetError) in _ = try ImageDecoding.decode(Data(png), path: "crc.png") }
        guard case .corruptImage(.png, let why)? = error?.reason else { Issue.record("\(String(describing: error))"); return }
        #expect(why.contains("CRC"))
        expectNames(error, "crc.png")
    }

    @Test func damagedPixelDataIsAnError() throws {
        var png = PNGWriter.solid(width: 2, height: 2, 5, 5, 5)
        png[50] ^= 0xFF  // a pixel byte inside IDAT: zlib's Adler-32 no longer matches
        let error = loadError { () throws(DatasetError) in _ = try ImageDecoding.decode(Data(png), path: "bits.png") }
        #expect(error?.reason == .corruptImage(.png, "IDAT: incorrect data check"))
        expectNames(error, "bits.png")
    }

    @Test func neitherPNGNorJPEG() {
        let error = loadError { () throws(DatasetError) in _ = try ImageDecoding.decode(Data("hello".utf8), path: "text.png") }
        #expect(error?.reason == .notAnImage(firstBytes: Array("hello".utf8)))
        expectNames(error, "text.png")
        #expect(error?.description.contains("68 65 6C 6C 6F") == true)
    }

    @Test func emptyFile() {
        let error = loadError { () throws(DatasetError) in _ = try ImageDecoding.decode(Data(), path: "empty.jpg") }
        #expect(error?.reason == .notAnImage(firstBytes: []))
        #expect(error?.description.contains("it is empty") == true)
    }
}
