import CHilRuntime
import Testing

/// Thousands of seeded mutations of valid blobs, with the CRC recomputed so the damage reaches
/// the section and layer parsers. Every load must end in a status; a model that loads must run in
/// exactly its arena without touching the guard bytes around arena and scores, and answer
/// layer-info and label queries. A crash fails the run; a failing iteration names its seed.
@Suite struct ModelFuzzTests {
    static let iterations = 2500

    static let interesting: [UInt32] = [0, 1, 2, 3, 4, 7, 8, 28, 31, 32, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000,
                                        0xFFFF, 0x1_0000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFC]

    static func mutate(_ blob: ModelBlob, _ r: inout SeededRandom) -> [UInt8] {
        var bytes = blob.bytes
        // Record headers and parameter blocks are where damage matters most.
        let hot = blob.recordOffsets.flatMap { $0..<($0 + 56) } + Array(16..<72)
        for _ in 0..<Int.random(in: 1...3, using: &r) {
            var at = Int.random(in: 0..<bytes.count, using: &r)
            if Int.random(in: 0..<4, using: &r) != 0, let spot = hot.randomElement(using: &r), spot < bytes.count { at = spot }
            switch Int.random(in: 0..<7, using: &r) {
            case 0: bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &r)
            case 1: bytes[at] = UInt8.random(in: 0...255, using: &r)
            case 2 where at + 4 <= bytes.count: bytes.put32(at, interesting.randomElement(using: &r)!)
            case 3 where at + 2 <= bytes.count: bytes.put16(at, UInt16(truncatingIfNeeded: interesting.randomElement(using: &r)!))
            case 4: bytes[at] = bytes[at] &+ (Bool.random(using: &r) ? 1 : 255)
            case 5 where at > 16: bytes.removeSubrange(at...)
            default: bytes.insert(contentsOf: [UInt8](repeating: 0, count: 4 * Int.random(in: 1...4, using: &r)), at: at)
            }
        }
        // Keep total_size truthful half the time, so the parsers rather than the size check decide.
        if bytes.count >= 12, Bool.random(using: &r) { bytes.put32(8, UInt32(bytes.count)) }
        ModelBlob.fixCRC(&bytes)
        return bytes
    }

    @Test(arguments: [0, 1, 2])
    func mutatedModelsNeverCrash(_ which: Int) {
        let builders = [Models.tiny(), Models.chainedResiduals(), Nets.mcunetBlock(seed: 4)]
        let blob = builders[which].build()
        var r = SeededRandom(seed: 0xF022 + UInt64(which))
        var loaded = 0
        for iteration in 0..<Self.iterations {
            let bytes = Self.mutate(blob, &r)
            Runtime.withModel(bytes) { status, m in
                #expect((0...8).contains(status.rawValue), "iteration \(iteration)")
                guard status == HIL_OK else { return }
                loaded += 1
                #expect(m.size <= UInt32(bytes.count))
                for i in 0..<Int(m.layer_count) { #expect(Runtime.layerInfo(m, i) != nil, "iteration \(iteration)") }
                for i in 0..<Int(m.class_count) { _ = Runtime.label(m, i) }
                let input = r.int8s(Int(m.input_h) * Int(m.input_w) * Int(m.input_c))
                let (s, _, intact) = Runtime.invoke(m, input: input)
                #expect(s == HIL_OK && intact, "iteration \(iteration)")
            }
        }
        // Some mutations must survive the loader (a no-op edit, a changed weight) or the test
        // would only exercise the refusals.
        #expect(loaded > Self.iterations / 20, "\(loaded) loaded")
    }
}
