import CHilRuntime
import Testing

/// CRC-32 and SHA-256 against their published check values.
@Suite struct HashTests {
    func sha256Hex(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeBufferPointer { hil_sha256($0.baseAddress, $0.count, &digest) }
        return digest.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    @Test func crc32CheckValue() {
        let data = Array("123456789".utf8)
        #expect(hil_crc32(0, data, data.count) == 0xCBF4_3926)
        // Fed in pieces, as the running value is passed back in.
        let first = hil_crc32(0, Array(data[..<4]), 4)
        #expect(hil_crc32(first, Array(data[4...]), 5) == 0xCBF4_3926)
        #expect(hil_crc32(0, [], 0) == 0)
        #expect(hil_crc32(0, nil, 0) == 0)
        // And the writer's bitwise CRC agrees on arbitrary data.
        var r = SeededRandom(seed: 0xC3C)
        let random = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &r) }
        #expect(hil_crc32(0, random, random.count) == ModelBlob.crc32(random))
    }

    @Test func sha256FIPSVectors() {
        // FIPS 180-2 appendix B.1, B.2, B.3, and the empty message.
        #expect(sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(sha256Hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)) ==
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(sha256Hex([UInt8](repeating: 0x61, count: 1_000_000)) ==
                "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the padding boundaries (55, 56, 63, 64, 65 bytes) against known digests of
    /// runs of "a" (computed with sha256sum).
    @Test func sha256PaddingBoundaries() {
        let known: [Int: String] = [
            55: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            56: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            63: "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34",
            64: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
            65: "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0",
        ]
        for (n, hex) in known { #expect(sha256Hex([UInt8](repeating: 0x61, count: n)) == hex, "\(n)") }
    }

    @Test func hashingAMegabyteIsFast() {
        let data = [UInt8](repeating: 0x5A, count: 1 << 20)
        var digest = [UInt8](repeating: 0, count: 32)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            data.withUnsafeBufferPointer { hil_sha256($0.baseAddress, $0.count, &digest) }
            _ = data.withUnsafeBufferPointer { hil_crc32(0, $0.baseAddress, $0.count) }
        }
        #expect(elapsed < .seconds(1), "\(elapsed)")
    }
}
