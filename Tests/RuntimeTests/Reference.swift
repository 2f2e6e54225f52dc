// The Swift reference of the integer arithmetic in docs/model-format.md, written from the spec in
// the plainest form (every tap bounds-checked, 64-bit intermediates, Swift's trapping arithmetic so
// an overflow the spec rules out would stop the test). It never calls the runtime.

enum Reference {
    /// round(a * b / 2^31), halves towards +infinity; -2^31 * -2^31 saturates.
    static func doublingHighMul(_ a: Int32, _ b: Int32) -> Int32 {
        if a == .min && b == .min { return .max }
        // floor((ab + 2^30) / 2^31): >> on a signed Swift integer is a floor division.
        return Int32((Int64(a) * Int64(b) + (1 << 30)) >> 31)
    }

    /// x / 2^e, halves away from zero.
    static func roundingShift(_ x: Int32, _ e: Int) -> Int32 {
        if e == 0 { return x }
        let magnitude = (Int64(x).magnitude + (1 << (e - 1))) >> e
        return Int32(x < 0 ? -Int64(magnitude) : Int64(magnitude))
    }

    static func requantize(_ x: Int32, _ q: Requant) -> Int32 {
        let shift = Int(min(max(q.shift, -31), 30))
        let shifted = Int32(clamping: Int64(x) * (Int64(1) << max(shift, 0)))
        return roundingShift(doublingHighMul(shifted, q.multiplier), max(-shift, 0))
    }

    static func finish(_ r: Int32, _ l: LayerSpec) -> Int8 {
        Int8(min(max(Int64(r) + Int64(l.outZeroPoint), Int64(l.actMin)), Int64(l.actMax)))
    }

    /// Mean of `sum` over `count`, halves away from zero.
    static func roundedMean(_ sum: Int, _ count: Int) -> Int {
        let q = (2 * sum.magnitude + UInt(count)) / (2 * UInt(count))   // floor(|sum|/count + 1/2)
        return sum < 0 ? -Int(q) : Int(q)
    }

    /// Runs all layers; returns every layer's output.
    static func run(_ model: ModelBuilder, input: [Int8]) -> [[Int8]] {
        var outputs: [[Int8]] = []
        var x = input
        var zp = Int(model.inputZeroPoint)
        for layer in model.layers {
            let y = apply(layer, x, zp, model: model, outputs: outputs, input: input)
            outputs.append(y)
            x = y
            zp = Int(layer.outZeroPoint)
        }
        return outputs
    }

    static func apply(_ l: LayerSpec, _ x: [Int8], _ zp: Int, model: ModelBuilder,
                      outputs: [[Int8]], input: [Int8]) -> [Int8] {
        let inS = l.input, outS = l.output
        func at(_ y: Int, _ xx: Int, _ c: Int) -> Int? {   // nil over padding
            guard y >= 0, y < inS.h, xx >= 0, xx < inS.w else { return nil }
            return Int(x[(y * inS.w + xx) * inS.c + c])
        }
        var out = [Int8](repeating: 0, count: outS.count)
        func put(_ y: Int, _ xx: Int, _ c: Int, _ v: Int8) { out[(y * outS.w + xx) * outS.c + c] = v }

        switch l.op {
        case let .conv2d(w, weights, bias, requant):
            for oy in 0..<outS.h { for ox in 0..<outS.w { for oc in 0..<outS.c {
                var acc = Int(bias[oc])
                for ky in 0..<w.kernelH { for kx in 0..<w.kernelW { for ic in 0..<inS.c {
                    guard let v = at(oy * w.strideH - w.padTop + ky, ox * w.strideW - w.padLeft + kx, ic) else { continue }
                    acc += (v - zp) * Int(weights[((oc * w.kernelH + ky) * w.kernelW + kx) * inS.c + ic])
                } } }
                put(oy, ox, oc, finish(requantize(Int32(acc), requant[oc]), l))
            } } }
        case let .depthwise(w, m, weights, bias, requant):
            for oy in 0..<outS.h { for ox in 0..<outS.w { for oc in 0..<outS.c {
                var acc = Int(bias[oc])
                for ky in 0..<w.kernelH { for kx in 0..<w.kernelW {
                    guard let v = at(oy * w.strideH - w.padTop + ky, ox * w.strideW - w.padLeft + kx, oc / m) else { continue }
                    acc += (v - zp) * Int(weights[(ky * w.kernelW + kx) * outS.c + oc])
                } }
                put(oy, ox, oc, finish(requantize(Int32(acc), requant[oc]), l))
            } } }
        case let .maxPool(w), let .avgPool(w):
            let isMax = if case .maxPool = l.op { true } else { false }
            for oy in 0..<outS.h { for ox in 0..<outS.w { for c in 0..<outS.c {
                var values: [Int] = []
                for ky in 0..<w.kernelH { for kx in 0..<w.kernelW {
                    if let v = at(oy * w.strideH - w.padTop + ky, ox * w.strideW - w.padLeft + kx, c) { values.append(v) }
                } }
                let v = isMax ? values.max()! : roundedMean(values.reduce(0, +), values.count)
                put(oy, ox, c, Int8(min(max(v, Int(l.actMin)), Int(l.actMax))))
            } } }
        case .globalAvgPool:
            for c in 0..<inS.c {
                var sum = 0
                for p in 0..<(inS.h * inS.w) { sum += Int(x[p * inS.c + c]) }
                put(0, 0, c, Int8(min(max(roundedMean(sum, inS.h * inS.w), Int(l.actMin)), Int(l.actMax))))
            }
        case let .fullyConnected(weights, bias, requant):
            for o in 0..<outS.c {
                var acc = Int(bias[o])
                for n in 0..<inS.count { acc += (Int(x[n]) - zp) * Int(weights[o * inS.count + n]) }
                out[o] = finish(requantize(Int32(acc), requant[o]), l)
            }
        case let .add(source, qa, qb, qo):
            let other = source.map { outputs[$0] } ?? input
            let otherZp = Int(model.tensor(source).zeroPoint)
            for i in 0..<out.count {
                let a = requantize(Int32((Int(x[i]) - zp) << 20), qa)
                let b = requantize(Int32((Int(other[i]) - otherZp) << 20), qb)
                out[i] = finish(requantize(a + b, qo), l)
            }
        }
        return out
    }
}
