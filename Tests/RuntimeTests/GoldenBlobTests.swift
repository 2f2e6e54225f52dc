import CHilRuntime
import Testing

/// The example blob of docs/model-format.md, byte for byte: a second writer (the Python one)
/// can check itself against these 144 bytes.
@Suite struct GoldenBlobTests {
    static let dump = """
        48 49 4c 4d 01 00 48 00 90 00 00 00 5a 44 09 9a
        04 00 00 00 02 00 00 00 04 00 00 00 00 00 00 00
        02 00 02 00 01 00 04 00 00 00 80 3f 01 00 00 00
        00 00 80 3e fd ff ff ff 01 00 02 00 48 00 00 00
        4a 00 00 00 58 00 00 00 65 78 01 00 61 01 00 62
        01 00 63 01 00 64 00 00 01 00 80 7f 38 00 00 00
        02 00 02 00 01 00 02 00 02 00 01 00 fd ff ff ff
        00 00 00 00 01 01 01 01 00 00 00 00 01 00 00 00
        02 00 00 00 00 00 00 40 ff 00 00 00 03 00 00 00
        """
    static var bytes: [UInt8] { dump.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { UInt8($0, radix: 16)! } }

    /// "ex": 2x2x1 input (scale 1, zp 1), one 1x1 conv (weight 3, bias 2, multiplier 0.25 as
    /// (2^30, -1)), output scale 0.25, zp -3, labels a b c d.
    static func example() -> ModelBuilder {
        var b = ModelBuilder(name: "ex", input: TensorShape(2, 2, 1), scale: 1, zeroPoint: 1)
        b.labels = ["a", "b", "c", "d"]
        b.append(.conv2d(Window(kernel: (1, 1), stride: (1, 1), padding: .valid, input: TensorShape(2, 2, 1)),
                         weights: [3], bias: [2], requant: [Requant(multiplier: 1 << 30, shift: -1)]),
                 output: TensorShape(2, 2, 1), outScale: 0.25, outZeroPoint: -3)
        return b
    }

    @Test func writerProducesTheSpecExample() {
        #expect(Self.example().build().bytes == Self.bytes)
    }

    @Test func exampleLoadsAndRuns() {
        // The same arithmetic as HandComputedTests.conv1x1WithZeroPointsAndDoubleRounding.
        let result = Runtime.run(Self.bytes, input: [10, -7, 0, 127])
        #expect(result.status == HIL_OK)
        #expect(result.scores == [5, -9, -3, 92])
        #expect(result.model.arena_bytes == 4 && result.model.params == 2 && result.model.macs == 4)
        #expect(result.model.weight_bytes == 1 + 9)
        #expect(result.model.size == 144)
        // The model hash host and device report: SHA-256 of the whole blob (sha256sum agrees).
        var digest = [UInt8](repeating: 0, count: 32)
        hil_sha256(Self.bytes, Self.bytes.count, &digest)
        #expect(digest.map { String($0 >> 4, radix: 16) + String($0 & 15, radix: 16) }.joined() ==
                "747262a698a22f7a2492acd3de7e77355bf5e836c1003848cebfb3b8f652ed3b")
    }
}
