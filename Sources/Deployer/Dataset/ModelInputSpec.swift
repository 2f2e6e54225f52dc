/// What the model expects of one input; the evaluation code builds it from the model.
public struct ModelInputSpec: Sendable, Equatable {
    /// NHWC without the N; `channels` is 1 (gray) or 3 (RGB).
    public var height: Int, width: Int, channels: Int
    /// int8 quantisation of the input tensor: q = clamp(round(x / scale) + zeroPoint, -128, 127).
    public var scale: Float, zeroPoint: Int32
    /// Class index -> label, from the model.
    public var labels: [String]
    /// How raw 8-bit pixels map to the real values x the model was trained on.
    public var pixelRange: PixelRange

    public init(height: Int, width: Int, channels: Int, scale: Float, zeroPoint: Int32,
                labels: [String], pixelRange: PixelRange) {
        self.height = height
        self.width = width
        self.channels = channels
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.labels = labels
        self.pixelRange = pixelRange
    }

    /// Bytes of one quantised input: H × W × C.
    public var inputCount: Int { height * width * channels }

    /// What is wrong with the spec, if anything. A bad spec is the caller's bug, but it is reported
    /// as an error rather than a trap so that a model with odd metadata gets a sentence, not a crash.
    func problem() -> String? {
        if height < 1 || width < 1 { return "input size \(height)×\(width) is not positive" }
        // 16384 per side bounds the buffers; no TinyML model comes near it.
        if height > 16384 || width > 16384 { return "input size \(height)×\(width) is larger than 16384 per side" }
        if channels != 1 && channels != 3 { return "\(channels) channels (only 1 and 3 are supported)" }
        if !(scale.isFinite && scale > 0) { return "scale \(scale) is not a positive finite number" }
        if !(-128...127).contains(zeroPoint) { return "zero point \(zeroPoint) is outside the int8 range" }
        if labels.isEmpty { return "it has no labels" }
        var seen = Set<String>()
        for label in labels where !seen.insert(label).inserted { return "label \"\(label)\" appears twice" }
        return nil
    }
}

/// How a raw 8-bit pixel p maps to the real value x the model was trained on.
public enum PixelRange: Sendable, Equatable {
    /// x = p / 255, as torchvision's ToTensor and Keras' Rescaling(1/255).
    case unit
    /// x = p / 127.5 - 1, as MobileNet's preprocess_input.
    case centered
    /// x = p: the model takes pixels as they are.
    case raw
}

/// Real values to int8, exactly as `ModelInputSpec` states, in Float (32-bit) arithmetic as
/// TFLite's reference Quantize kernel computes it. round() is half away from zero (C's roundf,
/// std::round), not numpy's half to even; clamping happens in Float before the conversion, so
/// huge values and infinities cannot trap.
struct Quantiser: Sendable {
    let scale: Float
    let zeroPoint: Float
    /// q for each of the 256 pixel values: pixels are quantised by lookup, so every image pixel
    /// goes through the same arithmetic and a 200×200 image costs no divisions.
    let pixelTable: [Int8]

    init(_ spec: ModelInputSpec) {
        scale = spec.scale
        zeroPoint = Float(spec.zeroPoint)
        var table = [Int8](repeating: 0, count: 256)
        for p in 0..<256 {
            table[p] = Quantiser.quantise(Quantiser.realValue(pixel: p, spec.pixelRange), scale: scale, zeroPoint: zeroPoint)
        }
        pixelTable = table
    }

    static func realValue(pixel p: Int, _ range: PixelRange) -> Float {
        switch range {
        case .unit: Float(p) / 255
        case .centered: Float(p) / 127.5 - 1
        case .raw: Float(p)
        }
    }

    static func quantise(_ x: Float, scale: Float, zeroPoint: Float) -> Int8 {
        let q = (x / scale).rounded(.toNearestOrAwayFromZero) + zeroPoint
        return Int8(min(127, max(-128, q)))
    }

    /// A finite real value x to int8. NaN must be refused by the caller (it has no int8 value).
    func quantise(_ x: Float) -> Int8 { Quantiser.quantise(x, scale: scale, zeroPoint: zeroPoint) }

    func quantise(pixels: [UInt8]) -> [Int8] {
        pixelTable.withUnsafeBufferPointer { table in pixels.map { table[Int($0)] } }
    }
}
