import CHilRuntime

/// Estimated cycles of one inference of our C runtime on a Cortex-M7 at its core clock, layer by
/// layer. An ESTIMATE: the mock board reports it with timer kind "estimated", and every report
/// says so. Calibrate against a real board (DWT) before trusting absolute numbers.
///
/// The reasoning (docs/mock-board.md, "Cycle estimates"): our runtime is portable C, not CMSIS-NN.
/// Its inner loops do one int8×int8 multiply-accumulate per iteration with two loads; on the M7's
/// dual-issue pipeline with caches on that is about 2 cycles per MAC for dense layers (contiguous
/// weights), ~2.5 for convolutions (input gathering with bounds checks) and ~3.5 for depthwise
/// (one MAC per loaded input, poor reuse). Each output value costs a requantisation (64-bit
/// multiply, rounding shift, clamp: ~12 cycles); pooling ~1.5 cycles per input element read;
/// residual add ~8 cycles per element (two rescalings). Every layer adds ~2000 cycles of setup.
/// For scale: the anchors report MLPerf Tiny's ResNet-8 (CMSIS-NN kernels) at 62–65 ms on this board.
public struct CortexM7CostModel: Sendable {
    public var cyclesPerMAC: [Int: Double] = [
        Int(HIL_OP_CONV2D.rawValue): 2.5,
        Int(HIL_OP_DEPTHWISE_CONV2D.rawValue): 3.5,
        Int(HIL_OP_FULLY_CONNECTED.rawValue): 2.0,
    ]
    public var cyclesPerOutput: Double = 12
    public var cyclesPerPoolInput: Double = 1.5
    public var cyclesPerAddElement: Double = 8
    public var cyclesPerLayer: Double = 2000
    /// Harness work around the inference (argmax, result frame assembly).
    public var cyclesPerInference: Double = 5000

    public init() {}

    public func cycles(of model: UnsafePointer<hil_model>) -> UInt64 {
        var total = cyclesPerInference
        for index in 0..<model.pointee.layer_count {
            var layer = hil_layer_info()
            guard hil_model_layer_info(model, index, &layer) == HIL_OK else { continue }
            total += cycles(of: layer)
        }
        return UInt64(total.rounded())
    }

    public func cycles(of layer: hil_layer_info) -> Double {
        let outputs = Double(layer.out_h) * Double(layer.out_w) * Double(layer.out_c)
        let inputs = Double(layer.in_h) * Double(layer.in_w) * Double(layer.in_c)
        var c = cyclesPerLayer
        switch Int(layer.op) {
        case Int(HIL_OP_MAX_POOL.rawValue), Int(HIL_OP_AVG_POOL.rawValue), Int(HIL_OP_GLOBAL_AVG_POOL.rawValue):
            // Each output reads a window; the window reads sum to about kernel area per output.
            let window = Double(max(1, Int(layer.kernel_h) * Int(layer.kernel_w)))
            let reads = Int(layer.op) == Int(HIL_OP_GLOBAL_AVG_POOL.rawValue) ? inputs : outputs * window
            c += reads * cyclesPerPoolInput + outputs * cyclesPerOutput
        case Int(HIL_OP_ADD.rawValue):
            c += outputs * cyclesPerAddElement
        default:
            c += Double(layer.macs) * (cyclesPerMAC[Int(layer.op)] ?? 3) + outputs * cyclesPerOutput
        }
        return c
    }
}
