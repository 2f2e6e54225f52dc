import CHilRuntime
import Testing

/// Tiny models (2x2 input, 1 channel) whose expected bytes are worked out by hand in the comments,
/// so the Swift reference is itself checked against the arithmetic, not only against the runtime.
@Suite struct HandComputedTests {
    static let half = Requant(multiplier: 1 << 30, shift: 0)      // 0.5
    static let quarter = Requant(multiplier: 1 << 30, shift: -1)  // 0.25

    /// Runs `b` through the runtime and the reference; both must give `expected`.
    func check(_ b: ModelBuilder, _ input: [Int8], _ expected: [Int8], sourceLocation: SourceLocation = #_sourceLocation) {
        let result = Runtime.run(b.build().bytes, input: input)
        #expect(result.status == HIL_OK, sourceLocation: sourceLocation)
        #expect(result.invokeStatus == HIL_OK, sourceLocation: sourceLocation)
        #expect(result.scores == expected, "runtime", sourceLocation: sourceLocation)
        #expect(Reference.run(b, input: input).last == expected, "reference", sourceLocation: sourceLocation)
    }

    func window(_ k: (Int, Int), _ s: (Int, Int), _ p: Padding) -> Window {
        Window(kernel: k, stride: s, padding: p, input: TensorShape(2, 2, 1))
    }

    @Test func conv1x1WithZeroPointsAndDoubleRounding() {
        // in_zp 1, weight 3, bias 2, multiplier 0.25 (0.5 then a shift of 1), out_zp -3.
        //  10: acc (10-1)*3+2 = 29;  high mul floor(30/2) = 15;  15/2 = 7.5 -> 8;   8-3 = 5
        //  -7: acc (-8)*3+2 = -22;   floor(-21/2) = -11;         -5.5 -> -6;       -9
        //   0: acc -3+2 = -1;        floor(0/2) = 0;             0;                -3
        // 127: acc 126*3+2 = 380;    190;                        95;               92
        var b = ModelBuilder(name: "t", input: TensorShape(2, 2, 1), scale: 1, zeroPoint: 1)
        b.append(.conv2d(window((1, 1), (1, 1), .valid), weights: [3], bias: [2], requant: [Self.quarter]),
                 output: TensorShape(2, 2, 1), outScale: 1, outZeroPoint: -3)
        check(b, [10, -7, 0, 127], [5, -9, -3, 92])
    }

    @Test func conv2x2SameWithPaddingAndSaturation() {
        // 2x2 kernel [[1, -1], [2, 0]], SAME on 2x2: one row/column of padding at bottom/right.
        // Input [[4, -3], [10, 127]], zp 0, bias 0, multiplier 0.5, out_zp 0.
        //  (0,0): 4*1 + -3*-1 + 10*2 + 127*0 = 27 -> floor(28/2) = 14
        //  (0,1): -3*1 + 127*2 = 251 -> 126
        //  (1,0): 10*1 + 127*-1 = -117 -> floor(-116/2) = -58
        //  (1,1): 127*1 = 127 -> 64
        var b = ModelBuilder(name: "t", input: TensorShape(2, 2, 1), scale: 1, zeroPoint: 0)
        b.append(.conv2d(window((2, 2), (1, 1), .same), weights: [1, -1, 2, 0], bias: [0], requant: [Self.half]),
                 output: TensorShape(2, 2, 1), outScale: 1, outZeroPoint: 0)
        check(b, [4, -3, 10, 127], [14, 126, -58, 64])
        // With weights x4 the same sums saturate: 108 -> 54, 1004 -> 502 -> 127, -468 -> -234 -> -128, 508 -> 127.
        var c = ModelBuilder(name: "t", input: TensorShape(2, 2, 1), scale: 1, zeroPoint: 0)
        c.append(.conv2d(window((2, 2), (1, 1), .same), weights: [4, -4, 8, 0], bias: [0], requant: [Self.half]),
                 output: TensorShape(2, 2, 1), outScale: 1, outZeroPoint: 0)
        check(c, [4, -3, 10, 127], [54, 127, -128, 127])
    }

    @Test func maxPoolOverTopLeftPadding() {
        // 2x2 kernel, stride 1, padding top 1 / left 1: windows clipped to the real pixels.
        // Input [[-5, 3], [7, -128]]: (0,0) {-5}; (0,1) {-5, 3}; (1,0) {-5, 7}; (1,1) all -> 7.
        var b = ModelBuilder(name: "t", input: TensorShape(2, 2, 1), scale: 1, zeroPoint: -1)
        b.maxPool(kernel: (2, 2), stride: (1, 1), padding: .explicit(top: 1, left: 1, bottom: 0, right: 0))
        check(b, [-5, 3, 7, -128], [-5, 3, 7, 7])
        // ReLU clamps at the zero point (-1): -5 -> -1.
        var r = ModelBuilder(name: "t", input: TensorShape(2, 2, 1), scale: 1, zeroPoint: -1)
        r.maxPool(kernel: (2, 2), stride: (1, 1), padding: .explicit(top: 1, left: 1, bottom: 0, right: 0), activation: .relu)
        check(r, [-5, 3, 7, -128], [-1, 3, 7, 7])
    }

    @Test func avgPoolCountsOnlyRealPixelsAndRoundsHalvesAway() {
        // Same windows; input [[-1, -2], [4, 5]]:
        //  (0,0) -1/1 = -1;  (0,1) -3/2 = -1.5 -> -2;  (1,0) 3/2 = 1.5 -> 2;  (1,1) 6/4 = 1.5 -> 2
        var b = ModelBuilder(name: "t", input: TensorShape(2, 2, 1), scale: 1, zeroPoint: 0)
        b.avgPool(kernel: (2, 2), stride: (1, 1), padding: .explicit(top: 1, left: 1, bottom: 0, right: 0))
        check(b, [-1, -2, 4, 5], [-1, -2, 2, 2])
        // Input [[-5, 3], [7, -128]]: -5; -2/2 = -1; 2/2 = 1; -123/4 = -30.75 -> -31
        check(b, [-5, 3, 7, -128], [-5, -1, 1, -31])
    }

    @Test func poolsAtTheEndsOfTheRange() {
        // Windows made only of -128 (or 127) give exactly that: a max that starts anywhere but at
        // the lowest value, or a mean that rounds wrongly at the ends, would show here.
        for fill: Int8 in [-128, 127] {
            var m = ModelBuilder(name: "t", input: TensorShape(2, 2, 1), scale: 1, zeroPoint: 0)
            m.maxPool(kernel: (2, 2), stride: (1, 1), padding: .explicit(top: 1, left: 1, bottom: 0, right: 0))
            check(m, [fill, fill, fill, fill], [fill, fill, fill, fill])
            var a = ModelBuilder(name: "t", input: TensorShape(2, 2, 1), scale: 1, zeroPoint: 0)
            a.avgPool(kernel: (2, 2), stride: (1, 1), padding: .explicit(top: 1, left: 1, bottom: 0, right: 0))
            check(a, [fill, fill, fill, fill], [fill, fill, fill, fill])
            var g = ModelBuilder(name: "t", input: TensorShape(2, 2, 1), scale: 1, zeroPoint: 0)
            g.globalAvgPool()
            check(g, [fill, fill, fill, fill], [fill])
        }
    }

    @Test func globalAvgPoolHalves() {
        // 2x2x2: channel 0 = [-1, -2, 0, 1] sums to -2: -0.5 -> -1; channel 1 = [1, 2, 0, -1]: 0.5 -> 1.
        var b = ModelBuilder(name: "t", input: TensorShape(2, 2, 2), scale: 1, zeroPoint: 0)
        b.globalAvgPool()
        check(b, [-1, 1, -2, 2, 0, 0, 1, -1], [-1, 1])
    }

    @Test func fullyConnectedWithSaturation() {
        // x = [1, 2, 3, 4], multiplier 0.5:
        //  [1, 1, 1, 1] + 0 = 10 -> floor(11/2) = 5;  [-1, 0, 0, 1] + 10 = 13 -> 7
        //  [127 x4] = 1270 -> 635 -> 127;  [-128 x4] = -1280 -> floor(-1279/2) = -640 -> -128
        var b = ModelBuilder(name: "t", input: TensorShape(2, 2, 1), scale: 1, zeroPoint: 0)
        b.append(.fullyConnected(weights: [1, 1, 1, 1, -1, 0, 0, 1, 127, 127, 127, 127, -128, -128, -128, -128],
                                 bias: [0, 10, 0, 0], requant: Array(repeating: Self.half, count: 4)),
                 output: TensorShape(1, 1, 4), outScale: 1, outZeroPoint: 0)
        check(b, [1, 2, 3, 4], [5, 7, 127, -128])
    }

    @Test func residualAddOfTwoTensorsWithDifferentScales() {
        // Layer 0: max pool 2x2, stride 1, padding bottom/right 1, on [[4, -3], [-10, 2]] -> a = [4, 2, 2, 2].
        // Layer 1: add a (multiplier 0.5) and the input b (0.25), output multiplier 0.5 * 2^-19, zp 1:
        //  a*2^20*0.5 + b*2^20*0.25 = (2a + b)*2^18; * 0.5 = (2a + b)*2^17 exactly; / 2^19 = (2a + b)/4.
        //  2a + b = [12, 1, -6, 6] -> [3, 0.25 -> 0, -1.5 -> -2, 1.5 -> 2] + 1 = [4, 1, -1, 3]
        var b = ModelBuilder(name: "t", input: TensorShape(2, 2, 1), scale: 1, zeroPoint: 0)
        b.maxPool(kernel: (2, 2), stride: (1, 1), padding: .explicit(top: 0, left: 0, bottom: 1, right: 1))
        b.append(.add(source: nil, a: Self.half, b: Self.quarter, out: Requant(multiplier: 1 << 30, shift: -19)),
                 output: TensorShape(2, 2, 1), outScale: 1, outZeroPoint: 1)
        check(b, [4, -3, -10, 2], [4, 1, -1, 3])
        // With zero points: input zp 2 shifts b by -2 and a by -2: 2a + b drops by 6 -> [6, -5, -12, 0]
        // -> [1.5 -> 2, -1.25 -> -1, -3, 0] + 1 = [3, 0, -2, 1].
        var z = ModelBuilder(name: "t", input: TensorShape(2, 2, 1), scale: 1, zeroPoint: 2)
        z.maxPool(kernel: (2, 2), stride: (1, 1), padding: .explicit(top: 0, left: 0, bottom: 1, right: 1))
        z.append(.add(source: nil, a: Self.half, b: Self.quarter, out: Requant(multiplier: 1 << 30, shift: -19)),
                 output: TensorShape(2, 2, 1), outScale: 1, outZeroPoint: 1)
        check(z, [4, -3, -10, 2], [3, 0, -2, 1])
    }

    @Test func depthwiseWithMultiplierTwo() {
        // 2x2x1 input [[1, 2], [3, 4]], 2x2 kernel valid, depth multiplier 2 -> 1x1x2.
        // Weights [ky][kx][oc]: oc0 = [1, 0, 0, 1] -> 1 + 4 = 5; oc1 = [-1, -1, -1, -1] -> -10.
        // Bias [1, 0]; multiplier 0.5: 6 -> floor(7/2) = 3; -10 -> floor(-9/2) = -5. ReLU6 clamp with
        // scale 1 and zp 0: [0, 6] -> [3, 0].
        var b = ModelBuilder(name: "t", input: TensorShape(2, 2, 1), scale: 1, zeroPoint: 0)
        b.append(.depthwise(window((2, 2), (1, 1), .valid), depthMultiplier: 2,
                            weights: [1, -1, 0, -1, 0, -1, 1, -1], bias: [1, 0], requant: [Self.half, Self.half]),
                 output: TensorShape(1, 1, 2), outScale: 1, outZeroPoint: 0, activation: .relu6)
        check(b, [1, 2, 3, 4], [3, 0])
    }

    @Test func relu6ClampsAtSixOverTheScale() {
        // Output scale 0.5, zp 10: ReLU6 clamps to [10, 10 + 6/0.5] = [10, 22].
        // 1x1 conv weight 1, multiplier 0.5 (scale 1 * 1 / ... given directly), input zp 0:
        //  x = 60 -> 30 -> +10 = 40 -> 22;  x = -60 -> -30 + 10 = -20 -> 10;  x = 11 -> 6 + 10 = 16;  x = 0 -> 10
        #expect(ModelBuilder.clamp(.relu6, scale: 0.5, zeroPoint: 10) == (10, 22))
        var b = ModelBuilder(name: "t", input: TensorShape(2, 2, 1), scale: 1, zeroPoint: 0)
        b.append(.conv2d(window((1, 1), (1, 1), .valid), weights: [1], bias: [0], requant: [Self.half]),
                 output: TensorShape(2, 2, 1), outScale: 0.5, outZeroPoint: 10, activation: .relu6)
        check(b, [60, -60, 11, 0], [22, 10, 16, 10])
    }
}
