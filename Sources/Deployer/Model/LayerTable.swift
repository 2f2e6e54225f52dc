import CHilRuntime

/// One layer of a model as the runtime reads it: what a per-layer profile is laid against.
public struct LayerDescription: Codable, Sendable, Equatable {
    public let index: Int
    /// The runtime's operator name ("conv2d", "max_pool", …), with "+relu" when fused.
    public let op: String
    public let outputShape: [Int]          // H, W, C
    public let parameters: UInt64
    public let macs: UInt64
}

extension ModelFile {
    /// Every layer of the blob, in order (the C runtime's own parse, so names and figures are the board's).
    public var layerTable: [LayerDescription] {
        var blobCopy = blob
        return blobCopy.withUnsafeMutableBufferPointer { buffer -> [LayerDescription] in
            var m = hil_model()
            guard hil_model_load(&m, buffer.baseAddress, UInt32(buffer.count)) == HIL_OK else { return [] }
            return (0..<m.layer_count).compactMap { i -> LayerDescription? in
                var info = hil_layer_info()
                guard hil_model_layer_info(&m, i, &info) == HIL_OK else { return nil }
                var op = String(cString: hil_op_name(info.op))
                if info.activation != UInt8(HIL_ACT_NONE.rawValue) { op += "+" + String(cString: hil_activation_name(info.activation)) }
                return LayerDescription(index: Int(i), op: op,
                                        outputShape: [Int(info.out_h), Int(info.out_w), Int(info.out_c)],
                                        parameters: UInt64(info.params), macs: info.macs)
            }
        }
    }
}
