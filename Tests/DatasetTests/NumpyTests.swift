import Foundation
import Testing
@testable import Deployer

/// The NumPy layout and our .npy reader: every dtype, both byte orders, versions 1.0 to 3.0.
@Suite struct NumpyTests {
    /// Two 2×2×3 samples; sample 0 all 10s and 20s, sample 1 rising.
    let pixels: [Int] = [10, 10, 10, 20, 20, 20, 10, 10, 10, 20, 20, 20] + Array(0..<12)

    func save(_ dir: TempDir, x: [UInt8], y: [UInt8], names: (String, String) = ("x.npy", "y.npy")) throws {
        try dir.write(names.0, x)
        try dir.write(names.1, y)
    }

    func labels(_ values: [Int], _ descr: String = "<i8") -> [UInt8] {
        let size = Int(descr.dropFirst(2))!
        return NpyWriter.file(descr: descr, shape: [values.count], data: NpyWriter.integers(values, size: size, bigEndian: descr.first == ">"))
    }

    @Test(arguments: [UInt8(1), 2, 3])
    func uint8PixelsAreQuantisedLikeImages(version: UInt8) throws {
        let dir = try TempDir()
        try save(dir, x: NpyWriter.file(descr: "|u1", shape: [2, 2, 2, 3], data: pixels.map(UInt8.init), version: version),
                 y: labels([3, 28]))
        let data = try Dataset.load(path: dir.path, spec: rawSpec())
        #expect(data.layout == .numpy)
        #expect(data.samples.map(\.label) == [3, 28])
        #expect(data.samples[0].input == Array(pixels.prefix(12)).map(q))
        #expect(data.samples[1].input == Array(pixels.suffix(12)).map(q))
        #expect(data.samples[1].source == dir.file("x.npy") + "[1]")
    }

    @Test func int8IsUsedAsIs() throws {
        let dir = try TempDir()
        let values: [Int8] = [-128, -1, 0, 1, 127, 5, 6, 7, 8, 9, 10, 11]
        try save(dir, x: NpyWriter.file(descr: "|i1", shape: [1, 2, 2, 3], data: values.map { UInt8(bitPattern: $0) }), y: labels([0]))
        #expect(try Dataset.load(path: dir.path, spec: rawSpec()).samples[0].input == values)
    }

    /// float32 is the real value x: scale 1, zero point -128 gives round(x) - 128, half away from
    /// zero, saturating (-3 and 300 lie within a quarter of the span outside 0 … 255, so they are
    /// a real set's outliers, not a mis-prepared array).
    @Test(arguments: [false, true])
    func float32IsQuantisedWithScaleAndZeroPoint(bigEndian: Bool) throws {
        let dir = try TempDir()
        let x: [Float] = [0, 127.5, 255, -3, 300, 0.49, 0.5, 1.5, 2.5, 3.49, 128, 129]
        try save(dir, x: NpyWriter.file(descr: bigEndian ? ">f4" : "<f4", shape: [1, 2, 2, 3], data: NpyWriter.floats(x, bigEndian: bigEndian)),
                 y: labels([0]))
        let input = try Dataset.load(path: dir.path, spec: rawSpec()).samples[0].input
        #expect(input == [-128, 0, 127, -128, 127, -128, -127, -126, -125, -125, 0, 1])
    }

    @Test func grayModelTakesNHW() throws {
        let dir = try TempDir()
        try save(dir, x: NpyWriter.file(descr: "|u1", shape: [1, 2, 2], data: [1, 2, 3, 4]), y: labels([1]))
        #expect(try Dataset.load(path: dir.path, spec: rawSpec(channels: 1)).samples[0].input == [1, 2, 3, 4].map(q))
        let dir4 = try TempDir()
        try save(dir4, x: NpyWriter.file(descr: "|u1", shape: [1, 2, 2, 1], data: [1, 2, 3, 4]), y: labels([1]))
        #expect(try Dataset.load(path: dir4.path, spec: rawSpec(channels: 1)).samples[0].input == [1, 2, 3, 4].map(q))
    }

    @Test(arguments: ["|u1", "|i1", "<i2", ">i2", "<i4", ">i4", "<i8", ">i8", "<u2", ">u2", "<u4", "<u8", ">u8"])
    func everyIntegerLabelDType(descr: String) throws {
        let dir = try TempDir()
        try save(dir, x: NpyWriter.file(descr: "|u1", shape: [3, 2, 2, 3], data: Array(repeating: 0, count: 36)),
                 y: labels([28, 0, 1], descr))
        #expect(try Dataset.load(path: dir.path, spec: rawSpec()).samples.map(\.label) == [0, 1, 28])
    }

    @Test(arguments: [false, true])
    func unicodeLabelsMatchByName(bigEndian: Bool) throws {
        let dir = try TempDir()
        let names = ["space", "b", "A", "space"]
        try save(dir, x: NpyWriter.file(descr: "|u1", shape: [4, 2, 2, 3], data: Array(repeating: 0, count: 48)),
                 y: NpyWriter.file(descr: bigEndian ? ">U5" : "<U5", shape: [4], data: NpyWriter.unicode(names, width: 5, bigEndian: bigEndian)))
        let data = try Dataset.load(path: dir.path, spec: rawSpec())
        // Interleaved: A (row 2), B (row 1), space (row 0), space (row 3).
        #expect(data.samples.map(\.label) == [0, 1, 28, 28])
        #expect(data.samples.map(\.source) == ["[2]", "[1]", "[0]", "[3]"].map { dir.file("x.npy") + $0 })
    }

    @Test func byteStringLabels() throws {
        let dir = try TempDir()
        try save(dir, x: NpyWriter.file(descr: "|u1", shape: [1, 2, 2, 3], data: Array(repeating: 0, count: 12)),
                 y: NpyWriter.file(descr: "|S3", shape: [1], data: Array("del".utf8)))
        #expect(try Dataset.load(path: dir.path, spec: rawSpec()).samples.map(\.label) == [26])
    }

    @Test func unknownStringLabelNamesTheFileAndSample() throws {
        let dir = try TempDir()
        try save(dir, x: NpyWriter.file(descr: "|u1", shape: [2, 2, 2, 3], data: Array(repeating: 0, count: 24)),
                 y: NpyWriter.file(descr: "<U5", shape: [2], data: NpyWriter.unicode(["A", "enter"], width: 5)))
        let error = loadError { () throws(DatasetError) in _ = try Dataset.load(path: dir.path, spec: rawSpec()) }
        guard case .unknownClass("enter", .npyLabel(sample: 1), _, _)? = error?.reason else { Issue.record("\(String(describing: error))"); return }
        expectNames(error, dir.file("y.npy"))
        #expect(error?.description.contains("sample 1") == true)
    }

    @Test func pathToXNpyAndOtherNames() throws {
        let dir = try TempDir()
        let x = NpyWriter.file(descr: "|u1", shape: [1, 2, 2, 3], data: Array(repeating: 7, count: 12))
        try save(dir, x: x, y: labels([2]))
        #expect(try Dataset.load(path: dir.file("x.npy"), spec: rawSpec()).samples.map(\.label) == [2])

        let named = try TempDir()
        try save(named, x: x, y: labels([4]), names: ("inputs.npy", "labels.npy"))
        #expect(try Dataset.load(path: named.path, spec: rawSpec()).samples.map(\.label) == [4])

        let images = try TempDir()
        try save(images, x: x, y: labels([5]), names: ("images.npy", "y.npy"))
        #expect(try Dataset.load(path: images.path, spec: rawSpec()).samples.map(\.label) == [5])

        let prefixed = try TempDir()
        try save(prefixed, x: x, y: labels([6]), names: ("test_x.npy", "test_y.npy"))
        try prefixed.write("y.npy", labels([9]))  // test_y.npy, the sibling, wins
        #expect(try Dataset.load(path: prefixed.file("test_x.npy"), spec: rawSpec()).samples.map(\.label) == [6])
    }

    @Test func limitInterleavesRows() throws {
        let dir = try TempDir()
        let y = [0, 0, 0, 0, 1, 1, 2]
        try save(dir, x: NpyWriter.file(descr: "|u1", shape: [7, 2, 2, 3], data: (0..<84).map { UInt8($0 / 12) }), y: labels(y))
        let data = try Dataset.load(path: dir.path, spec: rawSpec(), limit: 5)
        #expect(data.samples.map(\.source) == ["[0]", "[4]", "[6]", "[1]", "[5]"].map { dir.file("x.npy") + $0 })
        #expect(data.samples.map { $0.input[0] } == [0, 4, 6, 1, 5].map(q))
        #expect(data.availableCount == 7)
        #expect(Array(data.classCounts.prefix(3)) == [2, 2, 1])
    }

    // MARK: Reader internals

    @Test func headerWithPython2LongsAndOddSpacing() throws {
        var header = Array("{'descr':'<u2','shape':(2L,),'fortran_order':False}".utf8)
        while (10 + header.count + 1) % 16 != 0 { header.append(0x20) }
        header.append(0x0A)
        let file: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count), 0] + header + [1, 0, 0, 2]
        let array = try NpyArray.parse(Data(file), path: "old.npy")
        #expect(array.shape == [2])
        #expect(array.integer(0) == 1 && array.integer(1) == 512)
    }

    @Test func negativeIntegersSignExtend() throws {
        let file = NpyWriter.file(descr: ">i2", shape: [2], data: NpyWriter.integers([-2, 300], size: 2, bigEndian: true))
        let array = try NpyArray.parse(Data(file), path: "n.npy")
        #expect(array.integer(0) == -2 && array.integer(1) == 300)
    }
}
