import Testing
@testable import Deployer

/// Resizing, channel conversion and quantisation against values computed by hand.
@Suite struct TransformTests {
    func gray(_ width: Int, _ height: Int, _ values: [Int]) -> PixelImage {
        PixelImage(width: width, height: height, channels: 1, pixels: values.map(UInt8.init))
    }

    /// 4×4 -> 2×2 is the mean of each 2×2 block, rounded half up:
    /// (0+10+40+50)/4 = 25, (20+30+60+70)/4 = 45, (1+2+3+4)/4 = 2.5 -> 3, (255×4)/4 = 255.
    @Test func boxDownscaleAveragesBlocks() {
        let image = gray(4, 4, [
            0, 10, 20, 30,
            40, 50, 60, 70,
            1, 2, 255, 255,
            3, 4, 255, 255,
        ])
        #expect(PixelTransform.resize(image, height: 2, width: 2) == [25, 45, 3, 255])
    }

    /// A non-integer ratio, 3 -> 2: output 0 covers [0, 1.5) = source 0 (weight 1/1.5) and half of
    /// source 1 (0.5/1.5): 0 × 2/3 + 30 × 1/3 = 10; output 1 covers [1.5, 3): 30 × 1/3 + 90 × 2/3 = 70.
    @Test func boxDownscaleWithFractionalCoverage() {
        #expect(PixelTransform.resize(gray(3, 1, [0, 30, 90]), height: 1, width: 2) == [10, 70])
        let taps = Taps(input: 3, output: 2)
        #expect(taps.sources == [0, 1, 1, 2])
        #expect(taps.weights.map { ($0 * 3).rounded() } == [2, 1, 1, 2])
    }

    /// 2 -> 4, half-pixel centres: source positions -0.25 (clamped to 0), 0.25, 0.75, 1.25
    /// (clamped to 1), so [0, 100] -> [0, 25, 75, 100]; in two dimensions, separably.
    @Test func bilinearUpscaleWithHalfPixelCentres() {
        #expect(PixelTransform.resize(gray(2, 1, [0, 100]), height: 1, width: 4) == [0, 25, 75, 100])
        let up = PixelTransform.resize(gray(2, 2, [0, 100, 100, 200]), height: 4, width: 4)
        #expect(up == [
            0, 25, 75, 100,
            25, 50, 100, 125,
            75, 100, 150, 175,
            100, 125, 175, 200,
        ])
    }

    /// Each axis on its own: width 4 -> 2 by box, height 1 -> 2 by bilinear (a copy here).
    @Test func shrinkOneAxisGrowTheOther() {
        #expect(PixelTransform.resize(gray(4, 1, [10, 20, 30, 41]), height: 2, width: 2) == [15, 36, 15, 36])
    }

    @Test func sameSizeIsUnchanged() {
        let image = PixelImage(width: 2, height: 1, channels: 3, pixels: [1, 2, 3, 4, 5, 6])
        #expect(PixelTransform.prepare(image, height: 1, width: 2, channels: 3) == [1, 2, 3, 4, 5, 6])
    }

    @Test func rgbChannelsResizeIndependently() {
        let image = PixelImage(width: 2, height: 1, channels: 3, pixels: [0, 100, 255, 10, 200, 255])
        #expect(PixelTransform.resize(image, height: 1, width: 1) == [5, 150, 255])
    }

    /// BT.601 in PIL's fixed point: red 76, green 150, blue 29, gray stays gray.
    @Test func rgbToGrayIsBT601Luma() {
        let image = PixelImage(width: 5, height: 1, channels: 3,
                               pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 128, 128, 128, 255, 255, 255])
        #expect(PixelTransform.prepare(image, height: 1, width: 5, channels: 1) == [76, 150, 29, 128, 255])
    }

    @Test func grayToRGBReplicates() {
        #expect(PixelTransform.prepare(gray(2, 1, [7, 200]), height: 1, width: 2, channels: 3) == [7, 7, 7, 200, 200, 200])
        // Replication after the resize equals replication before it.
        #expect(PixelTransform.prepare(gray(2, 1, [0, 100]), height: 1, width: 4, channels: 3)
            == [0, 0, 0, 25, 25, 25, 75, 75, 75, 100, 100, 100])
    }

    // MARK: Quantisation: q = clamp(round(x / scale) + zeroPoint, -128, 127)

    /// x = 0, 127.5, 255 with scale 1 and zero point -128: -128, round(127.5) = 128 (half away from
    /// zero) -> 0, 255 - 128 = 127; with scale 2, zero point 0: 0, round(63.75) = 64, round(127.5) = 128 -> 127 (clamped).
    @Test func quantiseRealValues() {
        #expect([0, 127.5, 255].map { Quantiser.quantise($0, scale: 1, zeroPoint: -128) } == [-128, 0, 127])
        #expect([0, 127.5, 255].map { Quantiser.quantise($0, scale: 2, zeroPoint: 0) } == [0, 64, 127])
        #expect([-0.5, -1.5, 0.5].map { Quantiser.quantise($0, scale: 1, zeroPoint: 0) } == [-1, -2, 1])
        #expect([-1e30, 1e30, -.infinity, .infinity].map { Quantiser.quantise($0, scale: 1e-3, zeroPoint: 5) } == [-128, 127, -128, 127])
    }

    /// Pixels through each PixelRange: unit (p/255) with scale 1/255, zero point -128 is p - 128;
    /// centered (p/127.5 - 1) with scale 1/128, zero point 0: 0 -> -128, 128 -> round(0.5039 × 128) = 1,
    /// 255 -> 128 -> 127; raw with scale 1, zero point -128 is p - 128.
    @Test func quantisePixelsPerRange() {
        func table(_ range: PixelRange, scale: Float, zeroPoint: Int32) -> [Int8] {
            let spec = ModelInputSpec(height: 1, width: 1, channels: 1, scale: scale, zeroPoint: zeroPoint,
                                      labels: ["x"], pixelRange: range)
            return Quantiser(spec).quantise(pixels: [0, 1, 127, 128, 254, 255])
        }
        #expect(table(.unit, scale: 1 / 255, zeroPoint: -128) == [-128, -127, -1, 0, 126, 127])
        #expect(table(.centered, scale: 1 / 128, zeroPoint: 0) == [-128, -127, -1, 1, 127, 127])
        #expect(table(.raw, scale: 1, zeroPoint: -128) == [-128, -127, -1, 0, 126, 127])
        #expect(table(.unit, scale: 0.5 / 255, zeroPoint: 0) == [0, 2, 127, 127, 127, 127])
    }
}
