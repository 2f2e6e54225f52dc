/// What the model expects of one input; the evaluation code builds it from the model.
public struct ModelInputSpec: Sendable, Equatable {
    /// NHWC without the N; `channels` is 1 (gray) or 3 (RGB).
    public var height: Int, width: Int, channels: Int
    /// int8 quantisation of the input tensor: q = clamp(round(x / scale) + zeroPoint, -128, 127).
    public var scale: Float, zeroPoint: Int32
    /// Class index -> label, from the model.
    public var labels: [String]
    /// How raw 8-bit pixels map to the real values x the model was trained on; nil when the model
    /// takes real values that are not pixels (only float32 and int8 arrays can then be used).
    public var pixelRange: PixelRange?
    /// BGR models get decoded images (always RGB) with their channels swapped.
    public var channelOrder: InputContract.ChannelOrder
    /// Decides an array shape that reads both as N×H×W×C and as N×C×H×W.
    public var sourceLayout: InputContract.Layout
    /// The range is the bench's guess for a model that records none: float32 arrays are then
    /// checked against what the int8 input holds, not against the guessed range's image.
    public var pixelRangeIsAssumed = false

    public init(height: Int, width: Int, channels: Int, scale: Float, zeroPoint: Int32,
                labels: [String], pixelRange: PixelRange?,
                channelOrder: InputContract.ChannelOrder = .notRecorded, sourceLayout: InputContract.Layout = .notRecorded) {
        self.height = height
        self.width = width
        self.channels = channels
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.labels = labels
        self.pixelRange = pixelRange
        self.channelOrder = channelOrder
        self.sourceLayout = sourceLayout
    }

    /// Bytes of one quantised input: H × W × C.
    public var inputCount: Int { height * width * channels }

    /// The real values x the network takes: the pixel range's image of 0 ... 255, or without one
    /// what the int8 input can hold. A float32 array far outside it was prepared for another model.
    public var realSpan: (low: Float, high: Float) {
        if let pixelRange, !pixelRangeIsAssumed {
            let ends = (0..<channels).flatMap { c in [0, 255].map { Quantiser.realValue(pixel: $0, pixelRange, channel: c) } }
            return (ends.min() ?? 0, ends.max() ?? 0)
        }
        return (scale * Float(-128 - zeroPoint), scale * Float(127 - zeroPoint))
    }

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
        if case .affine(let s, let o) = pixelRange, s.count != channels || o.count != channels {
            return "an affine pixel range of \(s.count) scales and \(o.count) offsets for \(channels) channels"
        }
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
    /// x = p · scale[c] + offset[c] per channel: torchvision's Normalize(mean, std) after ToTensor.
    case affine(scale: [Float], offset: [Float])

    /// "unit", "centered", "raw" (the option's words); nil for anything else.
    public init?(name: String) {
        switch name {
        case "unit": self = .unit
        case "centered": self = .centered
        case "raw": self = .raw
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .unit: "unit"
        case .centered: "centered"
        case .raw: "raw"
        case .affine: "affine"
        }
    }

    /// The formula, for reports and messages.
    public var formula: String {
        switch self {
        case .unit: "x = p/255"
        case .centered: "x = p/127.5 - 1"
        case .raw: "x = p"
        case .affine(let scale, let offset):
            "x = p·s + o per channel, s " + scale.map { String(format: "%.4g", $0) }.joined(separator: "/")
                + ", o " + offset.map { String(format: "%.4g", $0) }.joined(separator: "/")
        }
    }
}

/// Real values to int8, exactly as `ModelInputSpec` states, in Float (32-bit) arithmetic as
/// TFLite's reference Quantize kernel computes it. round() is half away from zero (C's roundf,
/// std::round), not numpy's half to even; clamping happens in Float before the conversion, so
/// huge values and infinities cannot trap.
struct Quantiser: Sendable {
    let scale: Float
    let zeroPoint: Float
    let channels: Int
    /// q for each of the 256 pixel values, per channel (256 · channels entries): pixels are
    /// quantised by lookup, so every image pixel goes through the same arithmetic and a 200×200
    /// image costs no divisions. Empty when the model takes no pixels.
    let pixelTable: [Int8]

    init(_ spec: ModelInputSpec) {
        scale = spec.scale
        zeroPoint = Float(spec.zeroPoint)
        channels = max(1, spec.channels)
        guard let range = spec.pixelRange else {
            pixelTable = []
            return
        }
        var table = [Int8](repeating: 0, count: 256 * channels)
        for c in 0..<channels {
            for p in 0..<256 {
                table[c * 256 + p] = Quantiser.quantise(Quantiser.realValue(pixel: p, range, channel: c), scale: scale, zeroPoint: zeroPoint)
            }
        }
        pixelTable = table
    }

    /// Named ranges by their own formula (p/255 is a division, as torchvision's ToTensor does it);
    /// affine as p · scale + offset, all in Float.
    static func realValue(pixel p: Int, _ range: PixelRange, channel c: Int = 0) -> Float {
        switch range {
        case .unit: Float(p) / 255
        case .centered: Float(p) / 127.5 - 1
        case .raw: Float(p)
        case .affine(let scale, let offset): Float(p) * scale[c] + offset[c]
        }
    }

    static func quantise(_ x: Float, scale: Float, zeroPoint: Float) -> Int8 {
        let q = (x / scale).rounded(.toNearestOrAwayFromZero) + zeroPoint
        return Int8(min(127, max(-128, q)))
    }

    /// A finite real value x to int8. NaN must be refused by the caller (it has no int8 value).
    func quantise(_ x: Float) -> Int8 { Quantiser.quantise(x, scale: scale, zeroPoint: zeroPoint) }

    /// H×W×C pixels (NHWC) to int8; the caller has checked that the model takes pixels.
    func quantise(pixels: [UInt8]) -> [Int8] {
        precondition(!pixelTable.isEmpty, "quantising pixels for a model that takes none")
        let channels = self.channels
        return pixelTable.withUnsafeBufferPointer { table in
            [Int8](unsafeUninitializedCapacity: pixels.count) { out, initialized in
                pixels.withUnsafeBufferPointer { pixels in
                    var i = 0
                    while i < pixels.count {
                        out[i] = table[(i % channels) * 256 + Int(pixels[i])]
                        i += 1
                    }
                }
                initialized = pixels.count
            }
        }
    }
}
