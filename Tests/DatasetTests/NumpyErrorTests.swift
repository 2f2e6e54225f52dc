import Foundation
import Testing
@testable import Deployer

/// Every way a NumPy dataset can be wrong is reported before anything is sent, naming the file.
@Suite struct NumpyErrorTests {
    let goodX = NpyWriter.file(descr: "|u1", shape: [2, 2, 2, 3], data: Array(repeating: 1, count: 24))
    let goodY = NpyWriter.file(descr: "<i8", shape: [2], data: NpyWriter.integers([0, 1], size: 8))

    /// Writes x.npy and y.npy and returns the error loading them gives, with the file it names.
    func failure(x: [UInt8]? = nil, y: [UInt8]? = nil, spec: ModelInputSpec = rawSpec()) throws -> (DatasetError?, TempDir) {
        let dir = try TempDir()
        try dir.write("x.npy", x ?? goodX)
        try dir.write("y.npy", y ?? goodY)
        return (loadError { () throws(DatasetError) in _ = try Dataset.load(path: dir.path, spec: spec) }, dir)
    }

    @Test func fortranOrderIsRefused() throws {
        let (error, dir) = try failure(x: NpyWriter.file(descr: "|u1", shape: [2, 2, 2, 3], data: Array(repeating: 1, count: 24), fortranOrder: true))
        #expect(error?.reason == .npyFortranOrder)
        expectNames(error, dir.file("x.npy"))
        #expect(error?.description.contains("Fortran") == true)
    }

    @Test(arguments: ["<f8", "<i2", "|b1", "<c8", "|O"])
    func otherInputDTypesAreRefused(descr: String) throws {
        let size = descr == "|O" ? 8 : Int(descr.dropFirst(2))!
        let (error, dir) = try failure(x: NpyWriter.file(descr: descr, shape: [2, 2, 2, 3], data: Array(repeating: 0, count: 24 * size)))
        #expect(error?.reason == .npyInputDType(descr))
        expectNames(error, dir.file("x.npy"))
    }

    @Test func structuredDTypeIsRefused() throws {
        var header = Array("{'descr': [('a', '<u1')], 'fortran_order': False, 'shape': (2, 2, 2, 3), }".utf8)
        while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        let x: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count), 0] + header + Array(repeating: 0, count: 0)
        let (error, _) = try failure(x: x)
        #expect(error?.reason == .npyInputDType("a structured (record) dtype"))
    }

    @Test func wrongShapeSaysFoundAndExpected() throws {
        let (error, dir) = try failure(x: NpyWriter.file(descr: "|u1", shape: [2, 4, 4, 3], data: Array(repeating: 1, count: 96)))
        #expect(error?.reason == .npyInputShape(found: [2, 4, 4, 3], expected: [2, 2, 3]))
        expectNames(error, dir.file("x.npy"))
        #expect(error?.description.contains("(2, 4, 4, 3)") == true)
        #expect(error?.description.contains("(N, 2, 2, 3)") == true)
    }

    @Test func aShapeOfNeitherLayoutNamesBoth() throws {
        let spec = rawSpec(height: 4, width: 4, channels: 3)
        let (error, _) = try failure(x: NpyWriter.file(descr: "|u1", shape: [2, 4, 3, 4], data: Array(repeating: 1, count: 96)), spec: spec)
        #expect(error?.reason == .npyInputShape(found: [2, 4, 3, 4], expected: [4, 4, 3]))
        #expect(error?.description.contains("(N, 3, 4, 4)") == true)
    }

    @Test func nhwNeedsAOneChannelModel() throws {
        let (error, _) = try failure(x: NpyWriter.file(descr: "|u1", shape: [2, 2, 2], data: Array(repeating: 1, count: 8)))
        #expect(error?.reason == .npyInputShape(found: [2, 2, 2], expected: [2, 2, 3]))
    }

    @Test(arguments: [-1, 29, 1000])
    func labelOutOfRangeNamesTheFileAndIndex(label: Int) throws {
        let (error, dir) = try failure(y: NpyWriter.file(descr: "<i4", shape: [2], data: NpyWriter.integers([0, label], size: 4)))
        #expect(error?.reason == .npyLabelOutOfRange(sample: 1, value: Int64(label), count: 29))
        expectNames(error, dir.file("y.npy"))
        #expect(error?.description.contains("label \(label)") == true)
        #expect(error?.description.contains("0 to 28") == true)
    }

    @Test func hugeUnsignedLabel() throws {
        let (error, _) = try failure(y: NpyWriter.file(descr: "<u8", shape: [2], data: NpyWriter.integers([0, -1], size: 8)))
        #expect(error?.reason == .npyLabelOutOfRange(sample: 1, value: Int64.max, count: 29))
    }

    @Test func countMismatchNamesBothFiles() throws {
        let (error, dir) = try failure(y: NpyWriter.file(descr: "<i8", shape: [3], data: NpyWriter.integers([0, 1, 2], size: 8)))
        #expect(error?.reason == .npyCountMismatch(inputsPath: dir.file("x.npy"), inputs: 2, labels: 3))
        expectNames(error, dir.file("y.npy"))
        expectNames(error, dir.file("x.npy"))
    }

    @Test func labelShapes() throws {
        let (column, _) = try failure(y: NpyWriter.file(descr: "<i8", shape: [2, 1], data: NpyWriter.integers([0, 1], size: 8)))
        #expect(column?.reason == .npyLabelShape(found: [2, 1]))
        #expect(column?.description.contains("y.ravel()") == true)
        let (oneHot, _) = try failure(y: NpyWriter.file(descr: "|u1", shape: [2, 29], data: Array(repeating: 0, count: 58)))
        #expect(oneHot?.description.contains("argmax") == true)
    }

    @Test(arguments: ["<f4", "|b1", "|O"])
    func labelDTypes(descr: String) throws {
        let size = descr == "|O" ? 8 : Int(descr.dropFirst(2))!
        let (error, dir) = try failure(y: NpyWriter.file(descr: descr, shape: [2], data: Array(repeating: 0, count: 2 * size)))
        #expect(error?.reason == .npyLabelDType(descr))
        expectNames(error, dir.file("y.npy"))
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteInputsNameTheSample(value: Float) throws {
        var x = Array(repeating: Float(0), count: 24)
        x[20] = value
        let (error, dir) = try failure(x: NpyWriter.file(descr: "<f4", shape: [2, 2, 2, 3], data: NpyWriter.floats(x)))
        guard case .npyNonFinite(sample: 1, _)? = error?.reason else { Issue.record("\(String(describing: error))"); return }
        expectNames(error, dir.file("x.npy"))
    }

    @Test func truncatedAndPaddedData() throws {
        let (short, dir) = try failure(x: Array(goodX.dropLast(5)))
        #expect(short?.reason == .npyDataSize(expected: 24, actual: 19))
        #expect(short?.description.contains("truncated") == true)
        expectNames(short, dir.file("x.npy"))
        let (long, _) = try failure(x: goodX + [0])
        #expect(long?.reason == .npyDataSize(expected: 24, actual: 25))
    }

    @Test func notNumpyAndBadVersionAndBadHeader() throws {
        let (garbage, dir) = try failure(x: Array("PK\u{3}\u{4} a zip".utf8))
        #expect(garbage?.reason == .npyNotNumpy(firstBytes: Array("PK\u{3}\u{4} a z".utf8)))
        expectNames(garbage, dir.file("x.npy"))

        var v4 = goodX
        v4[6] = 4
        let (version, _) = try failure(x: v4)
        #expect(version?.reason == .npyVersion(major: 4, minor: 0))

        let (cut, _) = try failure(x: Array(goodX.prefix(30)))
        guard case .npyHeader? = cut?.reason else { Issue.record("\(String(describing: cut))"); return }

        var broken = goodX
        broken[10] = UInt8(ascii: "[")  // the dict's '{'
        let (header, headerDir) = try failure(x: broken)
        guard case .npyHeader? = header?.reason else { Issue.record("\(String(describing: header))"); return }
        expectNames(header, headerDir.file("x.npy"))
    }

    @Test func missingShapeKey() throws {
        var header = Array("{'descr': '|u1', 'fortran_order': False}".utf8)
        while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        let x: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count), 0] + header
        let (error, _) = try failure(x: x)
        #expect(error?.reason == .npyHeader("'shape' is missing or not a tuple"))
    }

    @Test func noLabelsFile() throws {
        let dir = try TempDir()
        try dir.write("x.npy", goodX)
        let error = loadError { () throws(DatasetError) in _ = try Dataset.load(path: dir.path, spec: rawSpec()) }
        #expect(error?.reason == .npyNoLabels(tried: [dir.file("y.npy"), dir.file("labels.npy")]))
        expectNames(error, dir.file("x.npy"))
    }

    @Test func twoInputArraysAreAmbiguous() throws {
        let dir = try TempDir()
        try dir.write("x.npy", goodX)
        try dir.write("images.npy", goodX)
        try dir.write("y.npy", goodY)
        let error = loadError { () throws(DatasetError) in _ = try Dataset.load(path: dir.path, spec: rawSpec()) }
        #expect(error?.reason == .npyAmbiguousFiles(["x.npy", "images.npy"]))
        expectNames(error, dir.path)
    }

    @Test func noSamples() throws {
        let (error, dir) = try failure(x: NpyWriter.file(descr: "|u1", shape: [0, 2, 2, 3], data: []),
                                       y: NpyWriter.file(descr: "<i8", shape: [0], data: []))
        #expect(error?.reason == .empty(skipped: 0))
        expectNames(error, dir.file("x.npy"))
    }
}
