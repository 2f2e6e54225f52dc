import CHilRuntime

/// The model the tests deploy: a real blob in hil's model format (docs/model-format.md), small and
/// deterministic. By default one fully connected layer straight over the input, so every input byte
/// moves the scores and a result computed over the wrong sample cannot pass for the right one.
/// Asked for a large arena, it puts a 1×1 convolution with enough channels first.
/// Every expectation elsewhere comes from the runtime's API (hil_model_load, hil_invoke).
enum TestModel {
    static let labels = (0..<26).map { String(UnicodeScalar(UInt8(65 + $0))) } + ["del", "nothing", "space"]

    /// `arenaBytes`, when given, asks for a model whose arena is at least that big (a 1×1
    /// convolution with enough channels first); inputs too wide for a dense layer over every byte are
    /// averaged per channel first.
    static func blob(height: Int = 32, width: Int = 32, channels: Int = 3, labels: [String] = labels,
                     arenaBytes: Int? = nil, name: String = "asl-vgg-pruned") -> [UInt8] {
        var w = BlobWriter(input: (height, width, channels), labels: labels, name: name)
        let pixels = height * width
        if let arenaBytes {
            w.conv1x1(outChannels: (arenaBytes + pixels - 1) / pixels)
            w.globalAveragePool()
            w.dense(outputs: labels.count, shift: -8)
        } else if pixels * channels > 4096 || pixels * channels * labels.count > 120_000 {
            w.globalAveragePool()
            w.dense(outputs: labels.count, shift: -4)
        } else {
            w.dense(outputs: labels.count, shift: -11)
        }
        return w.finish()
    }

    /// The model's own figures, as the runtime reads them: what HELLO must report.
    static func figures(_ blob: [UInt8]) -> hil_model {
        var m = hil_model()
        _ = blob.withUnsafeBufferPointer { hil_model_load(&m, $0.baseAddress, UInt32($0.count)) }
        return m
    }
}

/// Just enough of a model writer for these tests (the full one is Tests/RuntimeTests/ModelBuilder).
private struct BlobWriter {
    var shape: (h: Int, w: Int, c: Int)
    let input: (h: Int, w: Int, c: Int)
    let labels: [String]
    let name: String
    var records: [[UInt8]] = []
    var outBytes: [Int] = []
    var params = 0, macs = 0
    var seed: UInt32 = 12345

    init(input: (Int, Int, Int), labels: [String], name: String) {
        self.input = input; self.shape = input; self.labels = labels; self.name = name
    }

    mutating func random() -> Int8 {
        seed = seed &* 1_103_515_245 &+ 12345
        return Int8(truncatingIfNeeded: Int((seed >> 16) % 255) - 127)
    }

    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    static func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func pad(_ b: [UInt8]) -> [UInt8] { b + [UInt8](repeating: 0, count: (4 - b.count % 4) % 4) }

    /// The common 28-byte record header; out_offset is filled in by `finish`.
    func header(op: UInt8, length: Int, out: (Int, Int, Int)) -> [UInt8] {
        [op, 0, 0x80, 0x7F] + Self.le32(length) + Self.le16(shape.h) + Self.le16(shape.w) + Self.le16(shape.c)
            + Self.le16(out.0) + Self.le16(out.1) + Self.le16(out.2) + Self.le32(0) + Self.le32(0)
    }

    mutating func arrays(channels n: Int, weights: Int, shift: Int) -> [UInt8] {
        var b: [UInt8] = []
        for _ in 0..<n { b += Self.le32(0) }                 // bias
        for _ in 0..<n { b += Self.le32(1 << 30) }           // multiplier 0.5 in Q31
        b += Self.pad((0..<n).map { _ in UInt8(bitPattern: Int8(shift)) })
        b += Self.pad((0..<weights).map { _ in UInt8(bitPattern: random()) })
        return b
    }

    mutating func conv1x1(outChannels k: Int) {
        let body = [1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0] + arrays(channels: k, weights: k * shape.c, shift: -4)
        records.append(header(op: 1, length: 28 + body.count, out: (shape.h, shape.w, k)) + body)
        params += k * shape.c + k
        macs += shape.h * shape.w * k * shape.c
        shape = (shape.h, shape.w, k)
        outBytes.append(shape.h * shape.w * k)
    }

    mutating func globalAveragePool() {
        records.append(header(op: 5, length: 28, out: (1, 1, shape.c)))
        shape = (1, 1, shape.c)
        outBytes.append(shape.c)
    }

    mutating func dense(outputs n: Int, shift: Int) {
        let inputs = shape.h * shape.w * shape.c
        let body = arrays(channels: n, weights: n * inputs, shift: shift)
        records.append(header(op: 6, length: 28 + body.count, out: (1, 1, n)) + body)
        params += n * inputs + n
        macs += n * inputs
        shape = (1, 1, n)
        outBytes.append(n)
    }

    /// Ping-pong arena plan (no residuals), name, labels, header and CRC.
    mutating func finish() -> [UInt8] {
        let region0 = stride(from: 0, to: outBytes.count, by: 2).map { outBytes[$0] }.max() ?? 0
        let base1 = (region0 + 3) & ~3
        var arena = 0
        for i in records.indices {
            let offset = i % 2 == 0 ? 0 : base1
            records[i].replaceSubrange(24..<28, with: Self.le32(offset))
            arena = max(arena, offset + outBytes[i])
        }
        arena = (arena + 3) & ~3
        let nameBytes = Array(name.utf8)
        var labelBytes: [UInt8] = []
        for l in labels { labelBytes += Self.le16(l.utf8.count) + Array(l.utf8) }
        let labelsAt = 72 + nameBytes.count
        let layersAt = (labelsAt + labelBytes.count + 3) & ~3
        var tail = Self.le32(arena) + Self.le32(params) + Self.le32(macs) + Self.le32(0)
        tail += Self.le16(input.h) + Self.le16(input.w) + Self.le16(input.c) + Self.le16(labels.count)
        tail += Self.le32(Int(Float(1.0 / 255).bitPattern)) + Self.le32(0)         // input scale, zero point
        tail += Self.le32(Int(Float(1.0).bitPattern)) + Self.le32(0)               // output scale, zero point
        tail += Self.le16(records.count) + Self.le16(nameBytes.count) + Self.le32(72) + Self.le32(labelsAt) + Self.le32(layersAt)
        tail += nameBytes + labelBytes + [UInt8](repeating: 0, count: layersAt - labelsAt - labelBytes.count)
        for r in records { tail += r }
        let total = 16 + tail.count
        let crc = tail.withUnsafeBufferPointer { hil_crc32(0, $0.baseAddress, $0.count) }
        return [0x48, 0x49, 0x4C, 0x4D] + Self.le16(1) + Self.le16(72) + Self.le32(total) + Self.le32(Int(crc)) + tail
    }
}

/// What the runtime computes for an input: the reference every device result must equal.
final class Reference {
    private let blob: UnsafeMutableBufferPointer<UInt8>   // hil_model points into it
    private var model = hil_model()
    private var arena: [UInt8]

    init(blob bytes: [UInt8]) {
        blob = .allocate(capacity: bytes.count)
        _ = blob.initialize(from: bytes)
        let status = hil_model_load(&model, blob.baseAddress, UInt32(blob.count))
        precondition(status == HIL_OK, "the test model does not load: \(String(cString: hil_status_text(status)))")
        arena = [UInt8](repeating: 0, count: Int(model.arena_bytes))
    }

    deinit { blob.deallocate() }

    var classCount: Int { Int(model.class_count) }

    func scores(_ input: [UInt8]) -> [Int8] {
        var scores = [Int8](repeating: 0, count: classCount)
        let status = input.withUnsafeBytes { i in
            hil_invoke(&model, i.bindMemory(to: Int8.self).baseAddress, &arena, UInt32(arena.count), &scores)
        }
        precondition(status == HIL_OK)
        return scores
    }

    func predictedClass(_ scores: [Int8]) -> Int { Int(hil_argmax(scores, UInt16(scores.count))) }
}
