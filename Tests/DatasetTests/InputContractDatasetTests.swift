import Foundation
import Testing
@testable import Deployer

/// What the model's input contract changes in reading a test set: both array layouts, the float
/// range check, pixel ranges per channel, BGR models and models that take no pixels.
@Suite struct InputContractDatasetTests {
    let y2 = NpyWriter.file(descr: "<i8", shape: [2], data: NpyWriter.integers([0, 1], size: 8))

    func spec(_ range: PixelRange?, h: Int = 2, w: Int = 2, c: Int = 3, scale: Float = 1, zeroPoint: Int32 = -128,
              order: InputContract.ChannelOrder = .notRecorded, layout: InputContract.Layout = .notRecorded) -> ModelInputSpec {
        ModelInputSpec(height: h, width: w, channels: c, scale: scale, zeroPoint: zeroPoint, labels: aslLabels,
                       pixelRange: range, channelOrder: order, sourceLayout: layout)
    }

    func load(_ x: [UInt8], _ spec: ModelInputSpec, y: [UInt8]? = nil) throws -> Dataset {
        let dir = try TempDir()
        try dir.write("x.npy", x)
        try dir.write("y.npy", y ?? y2)
        return try Dataset.load(path: dir.path, spec: spec)
    }

    func failure(_ x: [UInt8], _ spec: ModelInputSpec) throws -> DatasetError? {
        let dir = try TempDir()
        try dir.write("x.npy", x)
        try dir.write("y.npy", y2)
        return loadError { () throws(DatasetError) in _ = try Dataset.load(path: dir.path, spec: spec) }
    }

    /// PyTorch's N×C×H×W arrays are read as the same samples as their N×H×W×C transpose.
    @Test func channelsFirstArraysAreTransposed() throws {
        let (n, h, w, c) = (2, 2, 4, 3)
        let hwc = (0..<(n * h * w * c)).map { UInt8($0 * 3 % 251) }
        var chw = [UInt8](repeating: 0, count: hwc.count)
        for s in 0..<n { for y in 0..<h { for x in 0..<w { for k in 0..<c {
            chw[((s * c + k) * h + y) * w + x] = hwc[((s * h + y) * w + x) * c + k]
        } } } }
        let last = try load(NpyWriter.file(descr: "|u1", shape: [n, h, w, c], data: hwc), spec(.raw, h: h, w: w))
        let first = try load(NpyWriter.file(descr: "|u1", shape: [n, c, h, w], data: chw), spec(.raw, h: h, w: w))
        #expect(first.samples.map(\.input) == last.samples.map(\.input))
        #expect(last.samples[0].input == hwc.prefix(h * w * c).map { q(Int($0)) })
    }

    /// 3×3×3: both layouts fit, so the model's recorded layout decides, and without one it is refused.
    @Test func aShapeThatReadsBothWaysNeedsTheModelsLayout() throws {
        let row = (0..<27).map(UInt8.init)
        let x = NpyWriter.file(descr: "|u1", shape: [2, 3, 3, 3], data: row + row)
        let error = try failure(x, spec(.raw, h: 3, w: 3))
        #expect(error?.reason == .npyAmbiguousLayout(found: [2, 3, 3, 3], expected: [3, 3, 3]))
        #expect(error?.description.contains("save it as N×H×W×C") == true)
        let nhwc = try load(x, spec(.raw, h: 3, w: 3, layout: .nhwc)).samples[0].input
        let nchw = try load(x, spec(.raw, h: 3, w: 3, layout: .nchw)).samples[0].input
        #expect(nhwc == row.map { q(Int($0)) })
        // Channels-first: element (y, x, k) of the model's tensor is row[k * 9 + y * 3 + x].
        #expect(nchw[0..<3] == [q(0), q(9), q(18)])
        #expect(nchw[3..<6] == [q(1), q(10), q(19)])
    }

    /// The trap: 0..255 in float32 for a model that takes p/255 saturates almost every value.
    @Test func float32PixelsForAUnitModelAreRefused() throws {
        let values = (0..<24).map { Float($0 * 11) }
        let unit = spec(.unit, scale: 1 / 255, zeroPoint: -128)
        let error = try failure(NpyWriter.file(descr: "<f4", shape: [2, 2, 2, 3], data: NpyWriter.floats(values)), unit)
        guard case .npyFloatRange(let finding)? = error?.reason else {
            Issue.record("expected a float range refusal, got \(String(describing: error))"); return
        }
        #expect(finding.high == 253 && finding.expectedLow == 0 && finding.expectedHigh == 1)
        #expect(finding.percentOutside > 90)
        #expect(error?.description.contains("divide the array by 255") == true)
        #expect(error?.description.contains("pixel range unit") == true)
        // The same values divided by 255 are what the model takes.
        let scaled = try load(NpyWriter.file(descr: "<f4", shape: [2, 2, 2, 3], data: NpyWriter.floats(values.map { $0 / 255 })), unit)
        #expect(scaled.samples.count == 2)
    }

    /// A real set's few outliers (under 1 % of the values) pass and saturate.
    @Test func fewOutliersPass() throws {
        var values = [Float](repeating: 0.5, count: 2 * 10 * 10 * 3)
        values[7] = 9
        let unit = spec(.unit, h: 10, w: 10, scale: 1 / 255, zeroPoint: -128)
        let data = try load(NpyWriter.file(descr: "<f4", shape: [2, 10, 10, 3], data: NpyWriter.floats(values)), unit)
        #expect(data.samples[0].input[7] == 127)
    }

    /// A model that records no range gets unit assumed, and a float32 array prepared for a centered
    /// model is judged by what its int8 input holds, not refused because of the guess.
    @Test func anAssumedRangeDoesNotRefuseFloatArrays() throws {
        let values = (0..<24).map { Float($0) / 12 - 1 }       // -1 … 0.92
        var assumed = spec(.unit, scale: 1 / 127.5, zeroPoint: 0)
        assumed.pixelRangeIsAssumed = true
        let x = NpyWriter.file(descr: "<f4", shape: [2, 2, 2, 3], data: NpyWriter.floats(values))
        #expect(try load(x, assumed).samples.count == 2)
        assumed.pixelRangeIsAssumed = false
        #expect(try failure(x, assumed)?.reason.isFloatRange == true)
    }

    /// A model that takes real values (range none) cannot be given pixels without saying how.
    @Test func pixelsNeedARange() throws {
        let x = NpyWriter.file(descr: "|u1", shape: [2, 2, 2, 3], data: Array(repeating: 9, count: 24))
        let error = try failure(x, spec(nil))
        #expect(error?.reason == .noPixelRange(what: "uint8 pixels"))
        #expect(error?.description.contains("--pixels") == true)
        let dir = try TempDir()
        try dir.write("A/1.png", PNGWriter.solid(1, 2, 3))
        let images = loadError { () throws(DatasetError) in _ = try Dataset.load(path: dir.path, spec: spec(nil)) }
        #expect(images?.description.contains("--pixels") == true)
        // int8 and float32 arrays need none.
        let int8 = NpyWriter.file(descr: "|i1", shape: [2, 2, 2, 3], data: Array(repeating: 0xFF, count: 24))
        #expect(try load(int8, spec(nil)).samples[0].input == Array(repeating: -1, count: 12))
    }

    /// x = p · scale[c] + offset[c] per channel (ImageNet's Normalize), then quantised.
    @Test func affineRangesArePerChannel() throws {
        let affine = PixelRange.affine(scale: [1, 2, 0.5], offset: [-128, -256, -64])
        let x = NpyWriter.file(descr: "|u1", shape: [2, 2, 2, 3], data: Array(repeating: 100, count: 24))
        let input = try load(x, spec(affine, scale: 1, zeroPoint: 0)).samples[0].input
        #expect(Array(input.prefix(3)) == [-28, -56, -14])
        let float = NpyWriter.file(descr: "<f4", shape: [2, 2, 2, 3], data: NpyWriter.floats(Array(repeating: 1000, count: 24)))
        #expect(try failure(float, spec(affine, scale: 1, zeroPoint: 0))?.reason.isFloatRange == true)
    }

    /// Images decode as RGB; a BGR model (OpenCV-trained) gets blue first. Arrays are taken as stored.
    @Test func bgrModelsGetTheirChannelsSwapped() throws {
        let dir = try TempDir()
        try dir.write("A/1.png", PNGWriter.solid(10, 20, 30))
        let rgb = try Dataset.load(path: dir.path, spec: spec(.raw, order: .rgb)).samples[0].input
        let bgr = try Dataset.load(path: dir.path, spec: spec(.raw, order: .bgr)).samples[0].input
        #expect(Array(rgb.prefix(3)) == [q(10), q(20), q(30)])
        #expect(Array(bgr.prefix(3)) == [q(30), q(20), q(10)])
        let x = NpyWriter.file(descr: "|u1", shape: [2, 2, 2, 3], data: (0..<24).map(UInt8.init))
        #expect(try load(x, spec(.raw, order: .bgr)).samples[0].input == (0..<12).map(q))
    }
}

extension DatasetError.Reason {
    var isFloatRange: Bool { if case .npyFloatRange = self { true } else { false } }
}
