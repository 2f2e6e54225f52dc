import Testing
@testable import Discovery

/// Reference values computed with the published 32-bit MurmurHash2 (m = 0x5bd1e995, r = 24,
/// seed 0) in a throwaway C program; the end-to-end monitor tests are the proof that libudev's
/// BPF filter agrees (a wrong hash there means no event arrives).
@Suite struct MurmurHash2Tests {
    @Test(arguments: [
        ("", 0x0000_0000 as UInt32),
        ("a", 0x9268_5f5e),          // 1-byte tail
        ("usb", 0x0577_c5e5),        // 3-byte tail
        ("tty", 0x8afa_90c8),
        ("abcd", 0x2687_3021),       // one block, no tail
        ("block", 0xf003_1db7),
        ("usb_device", 0x27f8_f50c), // two blocks + 2-byte tail
        ("usb_interface", 0xb102_4765),
        ("hello world", 0x44a8_1419),
    ])
    func knownStrings(_ input: String, _ expected: UInt32) {
        #expect(MurmurHash2.stringHash32(input) == expected)
    }

    @Test func seedChangesTheHash() {
        #expect(MurmurHash2.hash(Array("usb".utf8), seed: 1) != MurmurHash2.hash(Array("usb".utf8), seed: 0))
    }
}
