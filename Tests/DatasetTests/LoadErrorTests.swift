import Foundation
import Testing
@testable import Deployer

/// Dataset.load refuses, naming the file, before anything is sent: no half-loaded datasets.
@Suite struct LoadErrorTests {
    func load(_ path: String, spec: ModelInputSpec = rawSpec(), limit: Int? = nil) -> DatasetError? {
        loadError { () throws(DatasetError) in _ = try Dataset.load(path: path, spec: spec, limit: limit) }
    }

    @Test func missingPath() throws {
        let dir = try TempDir()
        let error = load(dir.file("nope"))
        #expect(error?.reason == .notFound)
        expectNames(error, dir.file("nope"))
    }

    @Test func aFileThatIsNotNpy() throws {
        let dir = try TempDir()
        let path = try dir.write("A1.jpg", JPEGWriter.quadrants())
        #expect(load(path)?.reason == .notADataset)
        expectNames(load(path), path)
    }

    @Test func emptyAndUnrecognisedFolders() throws {
        let dir = try TempDir()
        #expect(load(dir.path)?.reason == .nothingRecognised(skipped: 0))
        try dir.write("README", text: "x")
        try dir.write(".DS_Store", [0])
        #expect(load(dir.path)?.reason == .nothingRecognised(skipped: 2))
        expectNames(load(dir.path), dir.path)
    }

    @Test func classFoldersWithoutImages() throws {
        let dir = try TempDir()
        try dir.folder("A")
        try dir.write("B/notes.txt", text: "x")
        let error = load(dir.path)
        #expect(error?.reason == .empty(skipped: 1))
        expectNames(error, dir.path)
    }

    @Test func classFoldersAndLooseImages() throws {
        let dir = try TempDir()
        try dir.write("A/A1.png", PNGWriter.solid(1, 1, 1))
        try dir.write("stray.jpg", JPEGWriter.quadrants())
        let error = load(dir.path)
        #expect(error?.reason == .mixedLayout(folder: "A", image: "stray.jpg"))
        expectNames(error, dir.path)
    }

    @Test(arguments: ["bmp", "GIF", "webp", "tiff"])
    func imagesWeDoNotDecodeAreErrors(ext: String) throws {
        let dir = try TempDir()
        try dir.write("A/A1.png", PNGWriter.solid(1, 1, 1))
        try dir.write("A/A2.\(ext)", [0x42, 0x4D])
        let error = load(dir.path)
        #expect(error?.reason == .unsupportedImageType(ext.lowercased()))
        expectNames(error, dir.file("A/A2.\(ext)"))
    }

    /// Truncated files inside a dataset: errors naming them, no crash, nothing returned. With
    /// several bad files, the first in sample order is reported, however the threads ran.
    @Test func truncatedImagesInAFolder() throws {
        let dir = try TempDir()
        for n in 1...20 { try dir.write("A/A\(n).png", PNGWriter.solid(n, n, n)) }
        let png = PNGWriter.solid(width: 8, height: 8, 5, 5, 5)
        let jpeg = JPEGWriter.quadrants()
        try dir.write("B/B1.jpg", Array(jpeg.prefix(jpeg.count / 2)))
        try dir.write("C/C1.png", Array(png.prefix(png.count / 2)))
        for _ in 0..<5 {
            let error = load(dir.path)
            guard case .corruptImage(.jpeg, _)? = error?.reason else { Issue.record("\(String(describing: error))"); return }
            expectNames(error, dir.file("B/B1.jpg"))
        }
        try FileManager.default.removeItem(atPath: dir.file("B"))
        let error = load(dir.path)
        guard case .corruptImage(.png, _)? = error?.reason else { Issue.record("\(String(describing: error))"); return }
        expectNames(error, dir.file("C/C1.png"))
    }

    @Test func unsupportedJPEGInAFolder() throws {
        let dir = try TempDir()
        try dir.write("A/print.jpg", JPEGWriter.encode(width: 8, height: 8, space: .cmyk, samples: Array(repeating: 9, count: 256)))
        let error = load(dir.path)
        #expect(error?.description == "\(dir.file("A/print.jpg")) is a JPEG in CMYK, which hil does not convert; re-encode it as RGB or gray")
    }

    @Test func badLimit() throws {
        let dir = try TempDir()
        try dir.write("A/A1.png", PNGWriter.solid(1, 1, 1))
        #expect(load(dir.path, limit: 0)?.reason == .badLimit(0))
        expectNames(load(dir.path, limit: -3), dir.path)
    }

    @Test(arguments: [
        (rawSpec(channels: 4), "4 channels (only 1 and 3 are supported)"),
        (rawSpec(height: 0), "input size 0×2 is not positive"),
        (rawSpec(labels: []), "it has no labels"),
        (rawSpec(labels: ["A", "B", "A"]), "label \"A\" appears twice"),
        (ModelInputSpec(height: 2, width: 2, channels: 3, scale: 0, zeroPoint: 0, labels: ["A"], pixelRange: .unit),
         "scale 0.0 is not a positive finite number"),
        (ModelInputSpec(height: 2, width: 2, channels: 3, scale: 1, zeroPoint: 200, labels: ["A"], pixelRange: .unit),
         "zero point 200 is outside the int8 range"),
    ])
    func unusableSpec(spec: ModelInputSpec, problem: String) throws {
        let dir = try TempDir()
        try dir.write("A/A1.png", PNGWriter.solid(1, 1, 1))
        #expect(load(dir.path, spec: spec)?.reason == .badSpec(problem))
    }

    /// Every message names a file and ends with advice: spot-check the whole set of reasons.
    @Test func everyMessageNamesItsPath() {
        let reasons: [DatasetError.Reason] = [
            .badSpec("x"), .badLimit(0), .notFound, .unreadable("denied"), .notADataset, .nothingRecognised(skipped: 1),
            .mixedLayout(folder: "A", image: "a.jpg"), .empty(skipped: 2),
            .unknownClass(name: "Q", origin: .folder, labels: ["A"], nestedHint: nil),
            .ambiguousClass(name: "a", origin: .testFile, candidates: ["a", "A"]),
            .mapTargetUnknown(mapPath: "m.txt", name: "a", target: "z", labels: ["A"]), .badTestFileName,
            .unsupportedImageType("bmp"), .notAnImage(firstBytes: [1]), .corruptImage(.png, "bad"),
            .unsupportedImage(.jpeg, "CMYK"), .imageTooLarge(.png), .npyNotNumpy(firstBytes: []),
            .npyVersion(major: 9, minor: 1), .npyHeader("x"), .npyFortranOrder, .npyDataSize(expected: 2, actual: 1),
            .npyInputDType("<f8"), .npyInputShape(found: [1], expected: [2, 2, 1]), .npyLabelDType("<f4"),
            .npyLabelShape(found: [2, 2]), .npyNonFinite(sample: 3, value: .nan), .npyLabelOutOfRange(sample: 1, value: 40, count: 29),
            .npyBadString(sample: 0), .npyCountMismatch(inputsPath: "x.npy", inputs: 1, labels: 2), .npyAmbiguousFiles(["x.npy", "inputs.npy"]),
            .npyNoLabels(tried: ["y.npy"]), .labelMapSyntax(line: 3, "x"), .labelMapDuplicate(name: "a", line: 2, firstLine: 1),
            .labelMapEmpty,
        ]
        for reason in reasons {
            let error = DatasetError("/data/some-file", reason)
            #expect(error.description.contains("/data/some-file"), "\(reason)")
            #expect(error.description.contains(";") || error.description.contains("out of memory"), "\(reason)")
        }
        #expect(DatasetError("p", .outOfMemory).description.contains("p could not be decoded"))
    }

    /// A thousand-class model's labels are cut short in messages, not dumped.
    @Test func longLabelListsAreShortened() {
        let labels = (0..<1000).map { "class\($0)" }
        let error = DatasetError("d/x", .unknownClass(name: "q", origin: .folder, labels: labels, nestedHint: nil))
        #expect(error.description.contains("and 960 more"))
        #expect(!error.description.contains("class999"))
    }
}
