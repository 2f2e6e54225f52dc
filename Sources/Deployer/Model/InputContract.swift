/// The input contract a blob may carry in its header after the 72 version-1 bytes
/// (docs/model-format.md, "The input contract"): how pixels become the network's real inputs, the
/// channel order and the training framework's tensor layout. The C runtime skips these bytes; the
/// bench reads them here so that no one has to repeat on the command line what the exporter knew.
public struct InputContract: Codable, Sendable, Equatable {
    /// Header bytes 72 ..< 100; a header shorter than that has no contract (an older writer).
    static let offset = 72
    static let headerSizeWithContract = 100

    public enum Range: String, Codable, Sendable, Equatable {
        case notRecorded = "not recorded", unit, centered, raw, affine, none
    }
    public enum ChannelOrder: String, Codable, Sendable, Equatable {
        case notRecorded = "not recorded", rgb, bgr, gray
    }
    public enum Layout: String, Codable, Sendable, Equatable {
        case notRecorded = "not recorded", nchw, nhwc
    }

    public let range: Range
    public let channelOrder: ChannelOrder
    /// The layout the training pipeline's arrays had; the blob's own tensor is always NHWC.
    public let sourceLayout: Layout
    /// x = p · scale[c] + offset[c], one entry per input channel (empty for notRecorded and none).
    public let scale: [Float]
    public let offset: [Float]

    public init(range: Range, channelOrder: ChannelOrder = .notRecorded, sourceLayout: Layout = .notRecorded,
                scale: [Float] = [], offset: [Float] = []) {
        self.range = range
        self.channelOrder = channelOrder
        self.sourceLayout = sourceLayout
        self.scale = scale
        self.offset = offset
    }

    /// The pixel mapping the contract names: nil when it names none (`none`, or not recorded).
    public var pixelRange: PixelRange? {
        switch range {
        case .unit: .unit
        case .centered: .centered
        case .raw: .raw
        case .affine: .affine(scale: scale, offset: offset)
        case .notRecorded, .none: nil
        }
    }

    /// The contract in `blob`'s header, nil when the header has none; a contract this build cannot
    /// honour is an error naming the field, never guessed at.
    static func read(_ blob: UnsafeBufferPointer<UInt8>, channels: Int) throws(ContractProblem) -> InputContract? {
        guard blob.count >= 8 else { return nil }
        let headerSize = Int(blob[6]) | Int(blob[7]) << 8
        guard headerSize >= headerSizeWithContract, blob.count >= headerSizeWithContract else { return nil }
        func f32(_ at: Int) -> Float {
            var bits: UInt32 = 0
            for k in 0..<4 { bits |= UInt32(blob[at + k]) << (8 * k) }
            return Float(bitPattern: bits)
        }
        let rawRange = blob[72], rawOrder = blob[73], rawLayout = blob[74]
        let scales = (0..<3).map { f32(76 + 4 * $0) }, offsets = (0..<3).map { f32(88 + 4 * $0) }
        let ranges: [Range] = [.notRecorded, .unit, .centered, .raw, .affine, .none]
        let orders: [ChannelOrder] = [.notRecorded, .rgb, .bgr, .gray]
        let layouts: [Layout] = [.notRecorded, .nchw, .nhwc]
        guard Int(rawRange) < ranges.count else { throw ContractProblem(field: "pixel_range", value: "\(rawRange)", why: "codes 0 to 5 are defined") }
        guard Int(rawOrder) < orders.count else { throw ContractProblem(field: "channel_order", value: "\(rawOrder)", why: "codes 0 to 3 are defined") }
        guard Int(rawLayout) < layouts.count else { throw ContractProblem(field: "source_layout", value: "\(rawLayout)", why: "codes 0 to 2 are defined") }
        guard blob[75] == 0 else { throw ContractProblem(field: "reserved byte 75", value: "\(blob[75])", why: "it must be 0") }
        let range = ranges[Int(rawRange)], order = orders[Int(rawOrder)]
        switch order {
        case .rgb where channels != 3, .bgr where channels != 3:
            throw ContractProblem(field: "channel_order", value: order.rawValue, why: "the input has \(channels) channel(s), not 3")
        case .gray where channels != 1:
            throw ContractProblem(field: "channel_order", value: "gray", why: "the input has \(channels) channels, not 1")
        default: break
        }
        let used = min(max(channels, 0), 3)
        // Entries past the input's channels are written as 0, so one contract has one byte image.
        for c in used..<3 where scales[c] != 0 || offsets[c] != 0 {
            throw ContractProblem(field: "pixel_scale/pixel_offset[\(c)]", value: "\(scales[c])/\(offsets[c])", why: "the input has \(channels) channel(s); later entries must be 0")
        }
        let scale = Array(scales.prefix(used)), offset = Array(offsets.prefix(used))
        switch range {
        case .notRecorded, .none:
            guard scale.allSatisfy({ $0 == 0 }), offset.allSatisfy({ $0 == 0 }) else {
                throw ContractProblem(field: "pixel_scale/pixel_offset", value: "\(scale)/\(offset)", why: "they must be 0 when pixel_range is \(range.rawValue)")
            }
            return InputContract(range: range, channelOrder: order, sourceLayout: layouts[Int(rawLayout)])
        case .unit, .centered, .raw:
            let named = PixelRange.named(range)!.affineTerms
            guard scale.allSatisfy({ $0 == named.scale }), offset.allSatisfy({ $0 == named.offset }) else {
                throw ContractProblem(field: "pixel_scale/pixel_offset", value: "\(scale)/\(offset)",
                                      why: "pixel_range \(range.rawValue) is written as scale \(named.scale), offset \(named.offset)")
            }
        case .affine:
            guard scale.allSatisfy({ $0.isFinite && $0 != 0 }), offset.allSatisfy(\.isFinite) else {
                throw ContractProblem(field: "pixel_scale/pixel_offset", value: "\(scale)/\(offset)", why: "affine scales must be finite and non-zero, offsets finite")
            }
        }
        return InputContract(range: range, channelOrder: order, sourceLayout: layouts[Int(rawLayout)], scale: scale, offset: offset)
    }
}

/// A contract field this build cannot honour.
struct ContractProblem: Error {
    let field: String, value: String, why: String
    var text: String { "its input contract's \(field) is \(value) (\(why))" }
}

extension PixelRange {
    /// The named range a contract code stands for.
    static func named(_ range: InputContract.Range) -> PixelRange? {
        switch range {
        case .unit: .unit
        case .centered: .centered
        case .raw: .raw
        default: nil
        }
    }

    /// x = p · scale + offset for the named ranges, as float32: what a writer stores for them.
    var affineTerms: (scale: Float, offset: Float) {
        switch self {
        case .unit: (1 / 255, 0)
        case .centered: (1 / 127.5, -1)
        case .raw: (1, 0)
        case .affine(let scale, let offset): (scale.first ?? 1, offset.first ?? 0)
        }
    }
}
