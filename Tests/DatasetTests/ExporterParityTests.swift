import Foundation
import Testing
@testable import Deployer

/// The exporter (tools/hilexport/hilexport/pixels.py) reads image folders with the bench's
/// arithmetic so that its float and int8 figures are computed on the very pixels the bench sends.
/// The fixtures' expected bytes were written by that Python code; here the bench's own decoder and
/// resize must give them byte for byte (tools/hilexport/tests/test_pixels.py checks the Python
/// side against the same files). A 200×200 JPEG is Kaggle's ASL Alphabet's size: shrinking it to
/// 32×32 is a non-whole ratio, where PIL's BOX filter is up to 14 levels off.
@Suite struct ExporterParityTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    @Test(arguments: ["hand-200x200.jpg", "noise-20x24.png"], [3, 1])
    func theBenchGivesTheExportersPixels(file: String, channels: Int) throws {
        let url = Self.fixtures.appendingPathComponent(file)
        let image = try ImageDecoding.decode(try Data(contentsOf: url), path: url.path)
        let pixels = PixelTransform.prepare(image, height: 32, width: 32, channels: channels)
        let stem = (file as NSString).deletingPathExtension
        let expected = [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent("\(stem)-32x32x\(channels).u8")))
        #expect(pixels.count == expected.count)
        let differing = zip(pixels, expected).filter { $0 != $1 }.count
        #expect(differing == 0, "\(differing) of \(expected.count) values differ from the exporter's")
    }
}
