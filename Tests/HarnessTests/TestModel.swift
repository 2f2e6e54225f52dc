import CHilRuntime

/// The model the tests deploy, as a blob in the TEMPORARY fake runtime's format
/// (Sources/CHilRuntime/fake_runtime_for_harness_tests.c). This is the one place that knows that
/// format: when the real runtime is merged, build a real model blob here instead. Every expectation
/// elsewhere comes from the runtime's API (hil_model_load, hil_invoke), never from the format.
enum TestModel {
    static let labels = (0..<26).map { String(UnicodeScalar(UInt8(65 + $0))) } + ["del", "nothing", "space"]

    static func blob(height: Int = 32, width: Int = 32, channels: Int = 3, labels: [String] = labels,
                     arenaBytes: UInt32 = 4096, name: String = "asl-vgg-pruned") -> [UInt8] {
        var body: [UInt8] = []
        func u16(_ v: Int) { body += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        u16(height); u16(width); u16(channels); u16(labels.count)
        body += (0..<4).map { UInt8((arenaBytes >> (8 * UInt32($0))) & 0xFF) }
        body.append(UInt8(name.utf8.count)); body += name.utf8
        for label in labels { body.append(UInt8(label.utf8.count)); body += label.utf8 }
        let size = UInt32(12 + body.count)
        let crc = body.withUnsafeBufferPointer { hil_crc32(0, $0.baseAddress, $0.count) }
        var blob: [UInt8] = [0x48, 0x49, 0x4C, 0x4D]
        for v in [size, crc] { blob += (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }
        return blob + body
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
        precondition(status == HIL_OK, "the test model does not load")
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
