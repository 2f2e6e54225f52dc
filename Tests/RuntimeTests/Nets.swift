// Seeded random layers and the networks the tests share.

extension ModelBuilder {
    /// An output scale that maps a typical accumulator to roughly +-60 (times `spread`), so
    /// outputs use the int8 range with some saturation rather than collapsing to a few values.
    /// With uniform int8 inputs and weights a product averages about 74 * 73 = 5400 in magnitude,
    /// and a sum of `depth` of them about 5400 * sqrt(depth).
    private func outScale(depth: Int, weightScales: [Float], spread: Float) -> Float {
        let meanW = weightScales.reduce(0, +) / Float(weightScales.count)
        return 5400 * Float(depth).squareRoot() * current.scale * meanW / 60 / spread
    }

    @discardableResult
    mutating func randomConv(_ r: inout SeededRandom, outChannels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                             padding: Padding = .valid, activation: Activation = .none) -> Int {
        let depth = kernel.0 * kernel.1 * current.shape.c
        let ws = r.floats(outChannels, 0.002...0.02)
        return conv2d(outChannels: outChannels, kernel: kernel, stride: stride, padding: padding,
                      weights: r.int8s(outChannels * depth, -127...127), bias: r.int32s(outChannels, -3000...3000),
                      weightScales: ws, outScale: outScale(depth: depth, weightScales: ws, spread: Float.random(in: 0.5...1.5, using: &r)),
                      outZeroPoint: Int32.random(in: -20...20, using: &r), activation: activation)
    }

    @discardableResult
    mutating func randomDepthwise(_ r: inout SeededRandom, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                                  padding: Padding = .valid, multiplier: Int = 1, activation: Activation = .none) -> Int {
        let channels = current.shape.c * multiplier
        let ws = r.floats(channels, 0.002...0.02)
        return depthwiseConv2d(kernel: kernel, stride: stride, padding: padding, depthMultiplier: multiplier,
                               weights: r.int8s(kernel.0 * kernel.1 * channels, -127...127),
                               bias: r.int32s(channels, -2000...2000), weightScales: ws,
                               outScale: outScale(depth: kernel.0 * kernel.1, weightScales: ws, spread: Float.random(in: 0.5...1.5, using: &r)),
                               outZeroPoint: Int32.random(in: -20...20, using: &r), activation: activation)
    }

    @discardableResult
    mutating func randomDense(_ r: inout SeededRandom, outputs: Int, activation: Activation = .none) -> Int {
        let depth = current.shape.count
        let ws = r.floats(outputs, 0.002...0.02)
        return fullyConnected(outputs: outputs, weights: r.int8s(outputs * depth, -127...127),
                              bias: r.int32s(outputs, -5000...5000), weightScales: ws,
                              outScale: outScale(depth: depth, weightScales: ws, spread: Float.random(in: 0.5...1.5, using: &r)),
                              outZeroPoint: Int32.random(in: -20...20, using: &r), activation: activation)
    }
}

enum Nets {
    /// The seed's shape in small: 32x32x3 -> (conv-relu-pool) x2 -> dense -> 29 classes.
    static func vgg(seed: UInt64) -> ModelBuilder {
        var r = SeededRandom(seed: seed)
        var b = ModelBuilder(name: "vgg-mini", input: TensorShape(32, 32, 3), scale: 1.0 / 128, zeroPoint: -1)
        b.randomConv(&r, outChannels: 8, kernel: (3, 3), padding: .same, activation: .relu)
        b.maxPool(kernel: (2, 2), stride: (2, 2))
        b.randomConv(&r, outChannels: 16, kernel: (3, 3), padding: .same, activation: .relu)
        b.maxPool(kernel: (2, 2), stride: (2, 2))
        b.randomDense(&r, outputs: 29)
        return b
    }

    /// An MCUNet-style inverted residual block: 1x1 expand, 3x3 depthwise, 1x1 project, add,
    /// then global average pool and a classifier.
    static func mcunetBlock(seed: UInt64) -> ModelBuilder {
        var r = SeededRandom(seed: seed)
        var b = ModelBuilder(name: "mcunet-block", input: TensorShape(8, 8, 3), scale: 0.02, zeroPoint: 5)
        let stem = b.randomConv(&r, outChannels: 8, kernel: (3, 3), stride: (1, 1), padding: .same, activation: .relu6)
        b.randomConv(&r, outChannels: 24, kernel: (1, 1), activation: .relu6)
        b.randomDepthwise(&r, kernel: (3, 3), padding: .same, activation: .relu6)
        b.randomConv(&r, outChannels: 8, kernel: (1, 1))
        b.add(source: stem, outScale: b.tensor(stem).scale * 1.3, outZeroPoint: -3)
        b.globalAvgPool()
        b.randomDense(&r, outputs: 10)
        return b
    }
}
