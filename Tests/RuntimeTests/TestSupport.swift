import CHilRuntime

/// SplitMix64: small, seedable, the same sequence on every platform.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int8s(_ n: Int, _ range: ClosedRange<Int8> = -128...127) -> [Int8] {
        (0..<n).map { _ in Int8.random(in: range, using: &self) }
    }
    mutating func int32s(_ n: Int, _ range: ClosedRange<Int32>) -> [Int32] {
        (0..<n).map { _ in Int32.random(in: range, using: &self) }
    }
    mutating func floats(_ n: Int, _ range: ClosedRange<Float>) -> [Float] {
        (0..<n).map { _ in Float.random(in: range, using: &self) }
    }
}

/// What one load and (if it loaded) one inference gave.
struct RunResult {
    var status: hil_status
    var model: hil_model
    var scores: [Int8] = []
    var invokeStatus: hil_status = HIL_OK
    var guardsIntact = true
}

enum Runtime {
    /// Loads `bytes` from a buffer of exactly their size (so a sanitizer sees any over-read) and,
    /// inside the same lifetime, runs `body` with the status and model.
    static func withModel<R>(_ bytes: [UInt8], _ body: (hil_status, hil_model) -> R) -> R {
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        defer { buffer.deallocate() }
        _ = buffer.initialize(from: bytes)
        var model = hil_model()
        let status = hil_model_load(&model, buffer.baseAddress, UInt32(bytes.count))
        return body(status, model)
    }

    static func load(_ bytes: [UInt8]) -> hil_status { withModel(bytes) { s, _ in s } }

    /// Invokes a loaded model with an arena of `arenaSize` bytes (default: what it asks for),
    /// both arena and scores fenced by guard bytes that must survive.
    static func invoke(_ model: hil_model, input: [Int8], arenaSize: Int? = nil) -> (hil_status, [Int8], Bool) {
        let guardBytes = 64, fill: UInt8 = 0xA5
        let size = arenaSize ?? Int(model.arena_bytes)
        var arena = [UInt8](repeating: fill, count: size + 2 * guardBytes)
        var scores = [Int8](repeating: Int8(bitPattern: fill), count: Int(model.class_count) + 2 * guardBytes)
        var input = input, model = model
        let status = arena.withUnsafeMutableBufferPointer { a in
            scores.withUnsafeMutableBufferPointer { s in
                input.withUnsafeMutableBufferPointer { i in
                    hil_invoke(&model, i.baseAddress, a.baseAddress! + guardBytes, UInt32(size),
                               s.baseAddress! + guardBytes)
                }
            }
        }
        let intact = arena.prefix(guardBytes).allSatisfy { $0 == fill } &&
            arena.suffix(guardBytes).allSatisfy { $0 == fill } &&
            scores.prefix(guardBytes).allSatisfy { $0 == Int8(bitPattern: fill) } &&
            scores.suffix(guardBytes).allSatisfy { $0 == Int8(bitPattern: fill) }
        return (status, Array(scores[guardBytes..<(guardBytes + Int(model.class_count))]), intact)
    }

    /// Load, then invoke once if the load succeeded.
    static func run(_ bytes: [UInt8], input: [Int8]) -> RunResult {
        withModel(bytes) { status, model in
            var result = RunResult(status: status, model: model)
            guard status == HIL_OK else { return result }
            (result.invokeStatus, result.scores, result.guardsIntact) = invoke(model, input: input)
            return result
        }
    }

    static func layerInfo(_ model: hil_model, _ index: Int) -> hil_layer_info? {
        var info = hil_layer_info()
        return withUnsafePointer(to: model) { hil_model_layer_info($0, UInt16(index), &info) } == HIL_OK ? info : nil
    }

    static func label(_ model: hil_model, _ index: Int) -> String? {
        var len: UInt16 = 0
        return withUnsafePointer(to: model) { m in
            hil_model_label(m, UInt16(index), &len).map { p in
                p.withMemoryRebound(to: UInt8.self, capacity: Int(len)) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: Int(len)), as: UTF8.self)
                }
            }
        }
    }
}

extension hil_status: @retroactive CustomStringConvertible {
    public var description: String { String(cString: hil_status_text(self)) + " (\(rawValue))" }
}

/// Little-endian patching of blobs in tests.
extension Array where Element == UInt8 {
    mutating func put16(_ at: Int, _ v: UInt16) { for k in 0..<2 { self[at + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) } }
    mutating func put32(_ at: Int, _ v: UInt32) { for k in 0..<4 { self[at + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) } }
    func get16(_ at: Int) -> UInt16 { UInt16(self[at]) | UInt16(self[at + 1]) << 8 }
    func get32(_ at: Int) -> UInt32 { (0..<4).reduce(UInt32(0)) { $0 | UInt32(self[at + $1]) << (8 * $1) } }
}
