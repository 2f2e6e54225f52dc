// A writer of hil model blobs (docs/model-format.md), for tests and tools. It is written from the
// spec and shares no code with the C runtime: its CRC, arena plan and summary figures are its own,
// so a test comparing the two checks both.

/// An NHWC tensor shape (batch 1).
struct TensorShape: Equatable, CustomStringConvertible {
    var h: Int, w: Int, c: Int
    init(_ h: Int, _ w: Int, _ c: Int) { (self.h, self.w, self.c) = (h, w, c) }
    var count: Int { h * w * c }
    var description: String { "\(h)x\(w)x\(c)" }
}

enum Activation: UInt8 { case none = 0, relu = 1, relu6 = 2 }

enum Padding {
    case valid
    case same      // TFLite's SAME: out = ceil(in / stride), the odd padding pixel at the bottom/right
    case explicit(top: Int, left: Int, bottom: Int, right: Int)
}

/// Kernel, stride and padding of a windowed layer.
struct Window: Equatable {
    var kernelH: Int, kernelW: Int, strideH: Int, strideW: Int
    var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int

    init(kernel: (Int, Int), stride: (Int, Int), padding: Padding, input: TensorShape) {
        (kernelH, kernelW, strideH, strideW) = (kernel.0, kernel.1, stride.0, stride.1)
        switch padding {
        case .valid:
            (padTop, padLeft, padBottom, padRight) = (0, 0, 0, 0)
        case .same:
            func split(_ size: Int, _ k: Int, _ s: Int) -> (Int, Int) {
                let out = (size + s - 1) / s
                let total = max((out - 1) * s + k - size, 0)
                return (total / 2, total - total / 2)
            }
            (padTop, padBottom) = split(input.h, kernel.0, stride.0)
            (padLeft, padRight) = split(input.w, kernel.1, stride.1)
        case let .explicit(top, left, bottom, right):
            (padTop, padLeft, padBottom, padRight) = (top, left, bottom, right)
        }
    }

    func output(_ input: TensorShape, channels: Int) -> TensorShape {
        TensorShape((input.h + padTop + padBottom - kernelH) / strideH + 1,
                    (input.w + padLeft + padRight - kernelW) / strideW + 1, channels)
    }
}

/// A real multiplier as the runtime applies it: multiplier * 2^(shift - 31).
struct Requant: Equatable, CustomStringConvertible {
    var multiplier: Int32
    var shift: Int32
    var description: String { "(\(multiplier), \(shift))" }

    /// real = q * 2^e with q in [0.5, 1); multiplier = round(q * 2^31) (halves away from zero),
    /// renormalised if rounding reaches 2^31; shifts below -31 flush to zero.
    init(real: Double) {
        precondition(real >= 0 && real.isFinite, "multiplier \(real)")
        if real == 0 { (multiplier, shift) = (0, 0); return }
        let q = real.significand / 2          // significand is in [1, 2)
        var e = Int(real.exponent) + 1
        var m = (q * 2_147_483_648).rounded(.toNearestOrAwayFromZero)
        if m == 2_147_483_648 { m /= 2; e += 1 }
        if e < -31 { (multiplier, shift) = (0, 0); return }
        precondition(e <= 30, "multiplier \(real) too large")
        (multiplier, shift) = (Int32(m), Int32(e))
    }

    init(multiplier: Int32, shift: Int32) { (self.multiplier, self.shift) = (multiplier, shift) }
}

enum LayerOp {
    case conv2d(Window, weights: [Int8], bias: [Int32], requant: [Requant])        // weights [oc][ky][kx][ic]
    case depthwise(Window, depthMultiplier: Int, weights: [Int8], bias: [Int32], requant: [Requant]) // [ky][kx][oc]
    case maxPool(Window)
    case avgPool(Window)
    case globalAvgPool
    case fullyConnected(weights: [Int8], bias: [Int32], requant: [Requant])         // [out][in]
    case add(source: Int?, a: Requant, b: Requant, out: Requant)                    // nil: the model input

    var code: UInt8 {
        switch self {
        case .conv2d: 1
        case .depthwise: 2
        case .maxPool: 3
        case .avgPool: 4
        case .globalAvgPool: 5
        case .fullyConnected: 6
        case .add: 7
        }
    }
}

/// One layer with every integer the arithmetic needs, as the writer and the Swift reference see it.
struct LayerSpec {
    var op: LayerOp
    var activation: Activation
    var actMin: Int8, actMax: Int8
    var input: TensorShape, output: TensorShape
    var outZeroPoint: Int32
    var outScale: Float
}

/// A finished blob and what the writer computed about it.
struct ModelBlob {
    var bytes: [UInt8]
    var recordOffsets: [Int]     // byte offset of each layer record
    var outOffsets: [UInt32]     // arena offset of each layer's output
    var arenaBytes: UInt32
    var params: UInt32
    var macs: UInt64
}

struct ModelBuilder {
    var name: String
    var labels: [String]? = nil         // default: "class0", "class1", ...
    let inputShape: TensorShape
    let inputScale: Float
    let inputZeroPoint: Int32
    private(set) var layers: [LayerSpec] = []

    init(name: String, input: TensorShape, scale: Float, zeroPoint: Int32) {
        self.name = name
        (inputShape, inputScale, inputZeroPoint) = (input, scale, zeroPoint)
    }

    /// Shape and quantisation of the tensor the next layer reads.
    var current: (shape: TensorShape, scale: Float, zeroPoint: Int32) {
        guard let last = layers.last else { return (inputShape, inputScale, inputZeroPoint) }
        return (last.output, last.outScale, last.outZeroPoint)
    }

    /// Shape, scale and zero point of layer `index`'s output; nil means the model input.
    func tensor(_ index: Int?) -> (shape: TensorShape, scale: Float, zeroPoint: Int32) {
        guard let index else { return (inputShape, inputScale, inputZeroPoint) }
        return (layers[index].output, layers[index].outScale, layers[index].outZeroPoint)
    }

    /// The clamp an activation implies for an output quantisation (ReLU6's top from the scale).
    static func clamp(_ activation: Activation, scale: Float, zeroPoint: Int32) -> (Int8, Int8) {
        switch activation {
        case .none: return (-128, 127)
        case .relu: return (Int8(zeroPoint), 127)
        case .relu6:
            let top = Int64(zeroPoint) + Int64((6.0 / Double(scale)).rounded(.toNearestOrAwayFromZero))
            return (Int8(zeroPoint), Int8(min(127, top)))
        }
    }

    /// Appends a layer whose integers are given as they are (hand-made tests, corrupt models).
    @discardableResult
    mutating func append(_ op: LayerOp, output: TensorShape, outScale: Float, outZeroPoint: Int32,
                         activation: Activation = .none, clamp: (Int8, Int8)? = nil) -> Int {
        let (lo, hi) = clamp ?? Self.clamp(activation, scale: outScale, zeroPoint: outZeroPoint)
        layers.append(LayerSpec(op: op, activation: activation, actMin: lo, actMax: hi,
                                input: current.shape, output: output, outZeroPoint: outZeroPoint,
                                outScale: outScale))
        return layers.count - 1
    }

    private func requants(_ weightScales: [Float], outScale: Float) -> [Requant] {
        weightScales.map { Requant(real: Double(current.scale) * Double($0) / Double(outScale)) }
    }

    @discardableResult
    mutating func conv2d(outChannels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                         padding: Padding = .valid, weights: [Int8], bias: [Int32], weightScales: [Float],
                         outScale: Float, outZeroPoint: Int32, activation: Activation = .none) -> Int {
        let window = Window(kernel: kernel, stride: stride, padding: padding, input: current.shape)
        precondition(weights.count == outChannels * kernel.0 * kernel.1 * current.shape.c)
        precondition(bias.count == outChannels && weightScales.count == outChannels)
        return append(.conv2d(window, weights: weights, bias: bias,
                              requant: requants(weightScales, outScale: outScale)),
                      output: window.output(current.shape, channels: outChannels),
                      outScale: outScale, outZeroPoint: outZeroPoint, activation: activation)
    }

    @discardableResult
    mutating func depthwiseConv2d(kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: Padding = .valid,
                                  depthMultiplier: Int = 1, weights: [Int8], bias: [Int32],
                                  weightScales: [Float], outScale: Float, outZeroPoint: Int32,
                                  activation: Activation = .none) -> Int {
        let window = Window(kernel: kernel, stride: stride, padding: padding, input: current.shape)
        let channels = current.shape.c * depthMultiplier
        precondition(weights.count == kernel.0 * kernel.1 * channels)
        precondition(bias.count == channels && weightScales.count == channels)
        return append(.depthwise(window, depthMultiplier: depthMultiplier, weights: weights, bias: bias,
                                 requant: requants(weightScales, outScale: outScale)),
                      output: window.output(current.shape, channels: channels),
                      outScale: outScale, outZeroPoint: outZeroPoint, activation: activation)
    }

    /// Pools keep their input's quantisation.
    @discardableResult
    mutating func maxPool(kernel: (Int, Int), stride: (Int, Int), padding: Padding = .valid,
                          activation: Activation = .none) -> Int {
        let window = Window(kernel: kernel, stride: stride, padding: padding, input: current.shape)
        return append(.maxPool(window), output: window.output(current.shape, channels: current.shape.c),
                      outScale: current.scale, outZeroPoint: current.zeroPoint, activation: activation)
    }

    @discardableResult
    mutating func avgPool(kernel: (Int, Int), stride: (Int, Int), padding: Padding = .valid,
                          activation: Activation = .none) -> Int {
        let window = Window(kernel: kernel, stride: stride, padding: padding, input: current.shape)
        return append(.avgPool(window), output: window.output(current.shape, channels: current.shape.c),
                      outScale: current.scale, outZeroPoint: current.zeroPoint, activation: activation)
    }

    @discardableResult
    mutating func globalAvgPool(activation: Activation = .none) -> Int {
        append(.globalAvgPool, output: TensorShape(1, 1, current.shape.c),
               outScale: current.scale, outZeroPoint: current.zeroPoint, activation: activation)
    }

    @discardableResult
    mutating func fullyConnected(outputs: Int, weights: [Int8], bias: [Int32], weightScales: [Float],
                                 outScale: Float, outZeroPoint: Int32, activation: Activation = .none) -> Int {
        precondition(weights.count == outputs * current.shape.count)
        precondition(bias.count == outputs && weightScales.count == outputs)
        return append(.fullyConnected(weights: weights, bias: bias,
                                      requant: requants(weightScales, outScale: outScale)),
                      output: TensorShape(1, 1, outputs), outScale: outScale, outZeroPoint: outZeroPoint,
                      activation: activation)
    }

    /// Residual add of the current tensor and layer `source`'s output (nil: the model input),
    /// with the multipliers of docs/model-format.md: both inputs to twice the larger input scale,
    /// the sum from there (and the 2^20 headroom) to the output scale.
    @discardableResult
    mutating func add(source: Int?, outScale: Float, outZeroPoint: Int32, activation: Activation = .none) -> Int {
        let sa = Double(current.scale), sb = Double(tensor(source).scale)
        let twiceMax = 2 * max(sa, sb)
        return append(.add(source: source, a: Requant(real: sa / twiceMax), b: Requant(real: sb / twiceMax),
                           out: Requant(real: twiceMax / (Double(1 << 20) * Double(outScale)))),
                      output: current.shape, outScale: outScale, outZeroPoint: outZeroPoint,
                      activation: activation)
    }

    // MARK: figures

    static func macs(_ l: LayerSpec) -> UInt64 {
        let out = UInt64(l.output.count)
        switch l.op {
        case let .conv2d(w, _, _, _): return out * UInt64(w.kernelH * w.kernelW * l.input.c)
        case let .depthwise(w, _, _, _, _): return out * UInt64(w.kernelH * w.kernelW)
        case .fullyConnected: return UInt64(l.input.count * l.output.c)
        default: return 0
        }
    }

    static func params(_ l: LayerSpec) -> UInt32 {
        switch l.op {
        case let .conv2d(_, weights, bias, _), let .depthwise(_, _, weights, bias, _),
             let .fullyConnected(weights, bias, _):
            return UInt32(weights.count + bias.count)
        default: return 0
        }
    }

    /// The reference arena plan: outputs alternate between two ping-pong regions by layer parity,
    /// except tensors a later residual add reads (not the next layer), which go to keep slots; a
    /// slot is reused once its tensor's last reader has run.
    static func plan(_ layers: [LayerSpec]) -> (offsets: [UInt32], arenaBytes: UInt32) {
        let n = layers.count
        var lastUse = (0..<n).map { $0 + 1 }
        var kept = [Bool](repeating: false, count: n)
        for (k, layer) in layers.enumerated() {
            if case let .add(source?, _, _, _) = layer.op {
                lastUse[source] = max(lastUse[source], k)
                if k > source + 1 { kept[source] = true }
            }
        }
        var ping = [0, 0]
        var slots: [(lastUse: Int, size: Int)] = []
        var slotOf = [Int](repeating: -1, count: n)
        for i in 0..<n {
            let size = layers[i].output.count
            if kept[i] {
                let s = slots.firstIndex { $0.lastUse < i } ?? { slots.append((0, 0)); return slots.count - 1 }()
                slots[s] = (lastUse[i], max(slots[s].size, size))
                slotOf[i] = s
            } else {
                ping[i % 2] = max(ping[i % 2], size)
            }
        }
        func round4(_ x: Int) -> Int { (x + 3) / 4 * 4 }
        var slotStart: [Int] = []
        var next = round4(ping[0]) + round4(ping[1])
        for slot in slots { slotStart.append(next); next += round4(slot.size) }
        let offsets = (0..<n).map { i in
            UInt32(slotOf[i] >= 0 ? slotStart[slotOf[i]] : (i % 2 == 0 ? 0 : round4(ping[0])))
        }
        let end = (0..<n).map { Int(offsets[$0]) + layers[$0].output.count }.max() ?? 0
        return (offsets, UInt32(round4(end)))
    }

    // MARK: bytes

    func build() -> ModelBlob {
        let (offsets, arena) = Self.plan(layers)
        let params = layers.reduce(UInt32(0)) { $0 + Self.params($1) }
        let macs = layers.reduce(UInt64(0)) { $0 + Self.macs($1) }
        let last = layers.last!
        let names = labels ?? (0..<last.output.count).map { "class\($0)" }

        var out = ByteWriter()
        out.zeros(72)                                   // header, filled in below
        let nameOffset = out.count
        out.bytes(Array(name.utf8))
        let labelsOffset = out.count
        for label in names { out.u16(UInt16(label.utf8.count)); out.bytes(Array(label.utf8)) }
        out.align4()
        let layersOffset = out.count
        var recordOffsets: [Int] = []
        for (i, layer) in layers.enumerated() {
            recordOffsets.append(out.count)
            out.bytes(Self.record(layer, outOffset: offsets[i]))
        }

        var h = ByteWriter()
        h.u32(0x4D4C_4948); h.u16(1); h.u16(72); h.u32(UInt32(out.count)); h.u32(0)
        h.u32(arena); h.u32(params); h.u64(macs)
        h.u16(UInt16(inputShape.h)); h.u16(UInt16(inputShape.w)); h.u16(UInt16(inputShape.c))
        h.u16(UInt16(names.count))
        h.u32(inputScale.bitPattern); h.i32(inputZeroPoint)
        h.u32(last.outScale.bitPattern); h.i32(last.outZeroPoint)
        h.u16(UInt16(layers.count)); h.u16(UInt16(name.utf8.count))
        h.u32(UInt32(nameOffset)); h.u32(UInt32(labelsOffset)); h.u32(UInt32(layersOffset))
        precondition(h.count == 72)
        var bytes = h.data + out.data[72...]
        ModelBlob.fixCRC(&bytes)
        return ModelBlob(bytes: bytes, recordOffsets: recordOffsets, outOffsets: offsets,
                         arenaBytes: arena, params: params, macs: macs)
    }

    /// One layer record: the 28-byte common header, the operator's parameters, its arrays.
    static func record(_ l: LayerSpec, outOffset: UInt32) -> [UInt8] {
        var r = ByteWriter()
        r.u8(l.op.code); r.u8(l.activation.rawValue)
        r.u8(UInt8(bitPattern: l.actMin)); r.u8(UInt8(bitPattern: l.actMax))
        r.u32(0)                                        // record_len, patched below
        for v in [l.input.h, l.input.w, l.input.c, l.output.h, l.output.w, l.output.c] { r.u16(UInt16(v)) }
        r.i32(l.outZeroPoint)
        r.u32(outOffset)

        func window(_ w: Window) {
            for v in [w.kernelH, w.kernelW, w.strideH, w.strideW, w.padTop, w.padLeft, w.padBottom, w.padRight] {
                r.u8(UInt8(v))
            }
        }
        func arrays(_ weights: [Int8], _ bias: [Int32], _ requant: [Requant]) {
            for b in bias { r.i32(b) }
            for q in requant { r.i32(q.multiplier) }
            for q in requant { r.u8(UInt8(bitPattern: Int8(q.shift))) }
            r.align4()
            r.bytes(weights.map { UInt8(bitPattern: $0) })
            r.align4()
        }
        switch l.op {
        case let .conv2d(w, weights, bias, requant):
            window(w); r.u8(1); r.zeros(3)
            arrays(weights, bias, requant)
        case let .depthwise(w, multiplier, weights, bias, requant):
            window(w); r.u8(UInt8(multiplier)); r.zeros(3)
            arrays(weights, bias, requant)
        case let .maxPool(w), let .avgPool(w):
            window(w)
        case .globalAvgPool:
            break
        case let .fullyConnected(weights, bias, requant):
            arrays(weights, bias, requant)
        case let .add(source, a, b, o):
            r.u16(source.map { UInt16($0) } ?? 0xFFFF); r.u16(0)
            for q in [a, b, o] { r.i32(q.multiplier); r.i32(q.shift) }
        }
        var bytes = r.data
        let len = UInt32(bytes.count)
        for k in 0..<4 { bytes[4 + k] = UInt8(truncatingIfNeeded: len >> (8 * k)) }
        return bytes
    }
}

extension ModelBlob {
    /// Recomputes the CRC-32 field over bytes 16..<count (after a test has edited the blob).
    static func fixCRC(_ bytes: inout [UInt8]) {
        guard bytes.count >= 16 else { return }
        let crc = crc32(bytes[16...])
        for k in 0..<4 { bytes[12 + k] = UInt8(truncatingIfNeeded: crc >> (8 * k)) }
    }

    /// zlib's CRC-32, bit by bit (deliberately unlike the runtime's nibble table).
    static func crc32<C: Collection>(_ data: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}

/// Little-endian byte output.
struct ByteWriter {
    private(set) var data: [UInt8] = []
    var count: Int { data.count }
    mutating func u8(_ v: UInt8) { data.append(v) }
    mutating func u16(_ v: UInt16) { for k in 0..<2 { data.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
    mutating func u32(_ v: UInt32) { for k in 0..<4 { data.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
    mutating func u64(_ v: UInt64) { for k in 0..<8 { data.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
    mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    mutating func bytes(_ b: [UInt8]) { data += b }
    mutating func zeros(_ n: Int) { data += [UInt8](repeating: 0, count: n) }
    mutating func align4() { while data.count % 4 != 0 { data.append(0) } }
}
