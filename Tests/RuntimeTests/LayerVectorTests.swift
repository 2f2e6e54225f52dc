import CHilRuntime
import Testing

/// Seeded random weights and inputs for every operator and activation; the runtime's bytes must
/// equal the Swift reference's, byte for byte, for the final output and (for stacks) every
/// intermediate one.
@Suite struct LayerVectorTests {
    /// Runs `b` on `inputs` seeded random inputs and compares each with the reference. With
    /// `everyLayer`, each prefix of the model is built and run too, so intermediate tensors are
    /// compared as well.
    func compare(_ b: ModelBuilder, seed: UInt64, inputs: Int = 3, everyLayer: Bool = false,
                 sourceLocation: SourceLocation = #_sourceLocation) {
        var r = SeededRandom(seed: seed)
        let blob = b.build()
        for n in 0..<inputs {
            let input = r.int8s(b.inputShape.count)
            let expected = Reference.run(b, input: input)
            let result = Runtime.run(blob.bytes, input: input)
            #expect(result.status == HIL_OK, sourceLocation: sourceLocation)
            #expect(result.invokeStatus == HIL_OK, sourceLocation: sourceLocation)
            #expect(result.guardsIntact, sourceLocation: sourceLocation)
            #expect(result.scores == expected.last!, "input \(n)", sourceLocation: sourceLocation)
            // A test whose outputs collapse to one or two values would check little.
            let out = expected.last!
            #expect(out.count < 64 || Set(out).count >= 12, "degenerate output \(out)", sourceLocation: sourceLocation)
            guard everyLayer else { continue }
            for k in 1..<b.layers.count {
                var prefix = ModelBuilder(name: b.name, input: b.inputShape, scale: b.inputScale, zeroPoint: b.inputZeroPoint)
                for layer in b.layers.prefix(k) {
                    prefix.append(layer.op, output: layer.output, outScale: layer.outScale,
                                  outZeroPoint: layer.outZeroPoint, activation: layer.activation,
                                  clamp: (layer.actMin, layer.actMax))
                }
                let partial = Runtime.run(prefix.build().bytes, input: input)
                #expect(partial.scores == expected[k - 1], "layer \(k - 1), input \(n)", sourceLocation: sourceLocation)
            }
        }
    }

    struct ConvCase: CustomStringConvertible, Sendable {
        var input: (Int, Int, Int), outC: Int, kernel: (Int, Int), stride: (Int, Int)
        var padding: PaddingCase, activation: UInt8
        var description: String { "\(input) k\(kernel) s\(stride) \(padding) act\(activation)" }
    }
    enum PaddingCase: Sendable { case valid, same, explicit(Int, Int, Int, Int)
        var padding: Padding {
            switch self {
            case .valid: .valid
            case .same: .same
            case let .explicit(t, l, b, r): .explicit(top: t, left: l, bottom: b, right: r)
            }
        }
    }

    static let convCases: [ConvCase] = [
        ConvCase(input: (8, 8, 3), outC: 4, kernel: (3, 3), stride: (1, 1), padding: .same, activation: 1),
        ConvCase(input: (8, 8, 3), outC: 5, kernel: (3, 3), stride: (2, 2), padding: .same, activation: 0),     // SAME, stride 2: pad 0 top, 1 bottom
        ConvCase(input: (7, 9, 2), outC: 3, kernel: (3, 4), stride: (2, 1), padding: .explicit(1, 0, 2, 3), activation: 0), // non-square, asymmetric
        ConvCase(input: (6, 6, 4), outC: 6, kernel: (1, 1), stride: (1, 1), padding: .valid, activation: 2),
        ConvCase(input: (9, 7, 3), outC: 4, kernel: (5, 2), stride: (1, 2), padding: .valid, activation: 2),
        ConvCase(input: (5, 5, 16), outC: 8, kernel: (2, 3), stride: (3, 2), padding: .explicit(1, 2, 0, 1), activation: 1),
        ConvCase(input: (1, 1, 3), outC: 2, kernel: (3, 3), stride: (1, 1), padding: .same, activation: 0),     // all but one tap on padding
    ]

    @Test(arguments: convCases.indices)
    func conv2d(_ index: Int) {
        let c = Self.convCases[index]
        var r = SeededRandom(seed: 0xC0 + UInt64(index))
        var b = ModelBuilder(name: "conv", input: TensorShape(c.input.0, c.input.1, c.input.2), scale: 0.03, zeroPoint: -7)
        b.randomConv(&r, outChannels: c.outC, kernel: c.kernel, stride: c.stride, padding: c.padding.padding,
                     activation: Activation(rawValue: c.activation)!)
        compare(b, seed: 0x100 + UInt64(index))
    }

    static let depthwiseCases: [ConvCase] = [
        ConvCase(input: (8, 8, 6), outC: 1, kernel: (3, 3), stride: (1, 1), padding: .same, activation: 2),
        ConvCase(input: (9, 8, 4), outC: 1, kernel: (3, 3), stride: (2, 2), padding: .explicit(1, 1, 0, 1), activation: 0),
        ConvCase(input: (7, 7, 3), outC: 2, kernel: (5, 3), stride: (1, 2), padding: .same, activation: 1),   // multiplier 2
        ConvCase(input: (6, 10, 5), outC: 3, kernel: (1, 4), stride: (1, 3), padding: .explicit(0, 3, 0, 2), activation: 0),
    ]

    @Test(arguments: depthwiseCases.indices)
    func depthwise(_ index: Int) {
        let c = Self.depthwiseCases[index]
        var r = SeededRandom(seed: 0xD0 + UInt64(index))
        var b = ModelBuilder(name: "dw", input: TensorShape(c.input.0, c.input.1, c.input.2), scale: 0.05, zeroPoint: 12)
        b.randomDepthwise(&r, kernel: c.kernel, stride: c.stride, padding: c.padding.padding, multiplier: c.outC,
                          activation: Activation(rawValue: c.activation)!)
        compare(b, seed: 0x200 + UInt64(index))
    }

    static let poolCases: [ConvCase] = [
        ConvCase(input: (8, 8, 3), outC: 0, kernel: (2, 2), stride: (2, 2), padding: .valid, activation: 0),
        ConvCase(input: (7, 7, 4), outC: 0, kernel: (3, 3), stride: (2, 2), padding: .same, activation: 0),     // padding on every edge
        ConvCase(input: (7, 9, 2), outC: 0, kernel: (3, 2), stride: (1, 2), padding: .explicit(2, 1, 1, 0), activation: 1),
        ConvCase(input: (5, 5, 3), outC: 0, kernel: (4, 4), stride: (3, 3), padding: .explicit(3, 3, 3, 3), activation: 2), // corner windows hold one pixel
    ]

    @Test(arguments: poolCases.indices, [true, false])
    func pool(_ index: Int, average: Bool) {
        let c = Self.poolCases[index]
        var b = ModelBuilder(name: "pool", input: TensorShape(c.input.0, c.input.1, c.input.2), scale: 0.1, zeroPoint: -3)
        let act = Activation(rawValue: c.activation)!
        if average { b.avgPool(kernel: c.kernel, stride: c.stride, padding: c.padding.padding, activation: act) }
        else { b.maxPool(kernel: c.kernel, stride: c.stride, padding: c.padding.padding, activation: act) }
        compare(b, seed: 0x300 + UInt64(index) * 2 + (average ? 1 : 0))
    }

    @Test(arguments: [Activation.none, .relu, .relu6])
    func globalAvgPool(_ activation: Activation) {
        var b = ModelBuilder(name: "gap", input: TensorShape(5, 7, 12), scale: 0.02, zeroPoint: 4)
        b.globalAvgPool(activation: activation)
        compare(b, seed: 0x400 + UInt64(activation.rawValue), inputs: 5)
    }

    @Test(arguments: [Activation.none, .relu, .relu6])
    func fullyConnected(_ activation: Activation) {
        var r = SeededRandom(seed: 0x500 + UInt64(activation.rawValue))
        var b = ModelBuilder(name: "fc", input: TensorShape(3, 3, 4), scale: 0.04, zeroPoint: 9)
        b.randomDense(&r, outputs: 17, activation: activation)
        compare(b, seed: 0x510 + UInt64(activation.rawValue))
    }

    /// Residual adds whose two inputs have different scales and zero points; the source is an
    /// earlier layer kept alive across others, or the model input.
    @Test(arguments: [Activation.none, .relu, .relu6])
    func residualAdd(_ activation: Activation) {
        var r = SeededRandom(seed: 0x600 + UInt64(activation.rawValue))
        // Scales grow about 100-fold through the three convolutions: start small so that ReLU6
        // (6 / scale levels) still has room to show.
        var b = ModelBuilder(name: "add", input: TensorShape(6, 6, 4), scale: 0.001, zeroPoint: -2)
        let kept = b.randomConv(&r, outChannels: 4, kernel: (3, 3), padding: .same)
        b.randomConv(&r, outChannels: 8, kernel: (1, 1), activation: .relu)
        b.randomConv(&r, outChannels: 4, kernel: (3, 3), padding: .same)
        #expect(b.current.scale != b.tensor(kept).scale)
        b.add(source: kept, outScale: b.current.scale * 1.7, outZeroPoint: 6, activation: activation)
        b.add(source: nil, outScale: b.current.scale * 0.25, outZeroPoint: -9)  // and the model input
        compare(b, seed: 0x610 + UInt64(activation.rawValue), everyLayer: true)
    }

    /// The same add with the two input scales swapped in size (the larger scale on either side).
    @Test(arguments: [0.3, 3.0] as [Float])
    func addScaleRatio(_ ratio: Float) {
        var r = SeededRandom(seed: 0x700)
        var b = ModelBuilder(name: "add", input: TensorShape(4, 4, 3), scale: 0.05, zeroPoint: 3)
        let first = b.maxPool(kernel: (1, 1), stride: (1, 1))
        b.conv2d(outChannels: 3, kernel: (1, 1), weights: r.int8s(9, -127...127), bias: r.int32s(3, -100...100),
                 weightScales: [0.01, 0.02, 0.015], outScale: 0.05 * ratio, outZeroPoint: -5)
        b.add(source: first, outScale: 0.05 * max(ratio, 1) * 1.5, outZeroPoint: 0)
        compare(b, seed: 0x710)
    }

    @Test func vggStack() {
        compare(Nets.vgg(seed: 0x7661), seed: 0x800, inputs: 2, everyLayer: true)
    }

    @Test func mcunetBlock() {
        compare(Nets.mcunetBlock(seed: 0x3C0), seed: 0x900, inputs: 3, everyLayer: true)
    }

    /// hil_argmax: the largest score, the lowest index on ties.
    @Test func argmax() {
        #expect(hil_argmax([3, 9, -2, 9], 4) == 1)
        #expect(hil_argmax([-128, -128], 2) == 0)
        #expect(hil_argmax([5], 1) == 0)
        #expect(hil_argmax([1, 2, 127], 3) == 2)
    }
}
