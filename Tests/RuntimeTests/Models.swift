// Small fixed networks whose figures (sizes, params, MACs, arena plan) are worked out by hand in
// FiguresTests, and which the loader and fuzz tests damage.

enum Models {
    /// 8x8x3 -> conv 3x3 SAME 4 ReLU -> max pool 2x2/2 -> conv 3x3 VALID 8 -> dense 5.
    static func tiny(seed: UInt64 = 0x71) -> ModelBuilder {
        var r = SeededRandom(seed: seed)
        var b = ModelBuilder(name: "tiny", input: TensorShape(8, 8, 3), scale: 0.02, zeroPoint: -4)
        b.labels = ["c0", "c1", "c2", "c3", "c4"]
        b.randomConv(&r, outChannels: 4, kernel: (3, 3), padding: .same, activation: .relu)
        b.maxPool(kernel: (2, 2), stride: (2, 2))
        b.randomConv(&r, outChannels: 8, kernel: (3, 3))
        b.randomDense(&r, outputs: 5)
        return b
    }

    /// Three chained residual blocks of 1x1 convolutions on 4x4x2, then global average pool:
    /// three kept tensors whose lifetimes let the planner reuse one keep slot.
    ///  0 conv (kept to 3)  1 conv 4ch  2 conv  3 add(0) (kept to 6)  4 conv  5 conv
    ///  6 add(3) (kept to 9)  7 conv  8 conv  9 add(6)  10 global average pool
    static func chainedResiduals(seed: UInt64 = 0x3E5) -> ModelBuilder {
        var r = SeededRandom(seed: seed)
        var b = ModelBuilder(name: "residual-chain", input: TensorShape(4, 4, 2), scale: 0.01, zeroPoint: 0)
        var source = b.randomConv(&r, outChannels: 2, kernel: (1, 1))
        for block in 0..<3 {
            b.randomConv(&r, outChannels: block == 0 ? 4 : 2, kernel: (1, 1), activation: .relu)
            b.randomConv(&r, outChannels: 2, kernel: (1, 1))
            source = b.add(source: source, outScale: b.current.scale * 1.5, outZeroPoint: 1)
        }
        b.globalAvgPool()
        return b
    }
}
