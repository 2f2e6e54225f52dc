import CHilRuntime
import Testing
@testable import Deployer

@Suite struct COBSTests {
    @Test(arguments: [
        ([], [0x01]),
        ([0x00], [0x01, 0x01]),
        ([0x00, 0x00], [0x01, 0x01, 0x01]),
        ([0x11, 0x22, 0x00, 0x33], [0x03, 0x11, 0x22, 0x02, 0x33]),
        ([0x11, 0x22, 0x33, 0x44], [0x05, 0x11, 0x22, 0x33, 0x44]),
        ([0x11, 0x00, 0x00, 0x00], [0x02, 0x11, 0x01, 0x01, 0x01]),
    ] as [([UInt8], [UInt8])])
    func knownEncodings(data: [UInt8], encoded: [UInt8]) {
        #expect(COBS.encode(data) == encoded)
        #expect(COBS.decode(encoded) == data)
    }

    @Test func zeroEverywhere() {
        for n in [1, 253, 254, 255, 600] {
            let data = [UInt8](repeating: 0, count: n)
            let encoded = COBS.encode(data)
            #expect(encoded == [UInt8](repeating: 1, count: n + 1))
            #expect(COBS.decode(encoded) == data)
        }
    }

    @Test func runsAroundTheBlockLimit() {
        let run254 = (1...254).map { UInt8($0) }
        #expect(COBS.encode(run254) == [0xFF] + run254)               // a full block needs no trailing code
        let run255 = (0..<255).map { UInt8($0 % 255 + 1) }
        #expect(COBS.encode(run255) == [0xFF] + run255.prefix(254) + [0x02, run255[254]])
        let run254Zero = run254 + [0]
        #expect(COBS.encode(run254Zero) == [0xFF] + run254 + [0x01, 0x01])
        let run253Zero = Array(run254.prefix(253)) + [0]
        #expect(COBS.encode(run253Zero) == [0xFE] + run254.prefix(253) + [0x01])
        for data in [run254, run255, run254Zero, run253Zero, run254 + run254 + [0] + run255] {
            let encoded = COBS.encode(data)
            #expect(!encoded.contains(0))
            #expect(encoded.count <= COBS.maxEncodedCount(data.count))
            #expect(COBS.decode(encoded) == data)
        }
    }

    @Test func randomRoundTrips() {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<300 {
            let n = Int(rng.next() % 2000)
            let zeroRate = rng.next() % 4                      // from no zeros to mostly zeros
            let data = (0..<n).map { _ in rng.next() % 4 < zeroRate ? 0 : UInt8(truncatingIfNeeded: rng.next() | 1) }
            let encoded = COBS.encode(data)
            #expect(!encoded.contains(0))
            #expect(encoded.count <= n + n / 254 + 1)
            #expect(COBS.decode(encoded) == data)
        }
    }

    @Test func rejectsMalformedEncodings() {
        #expect(COBS.decode([0x05, 0x11]) == nil)                  // block longer than what follows
        #expect(COBS.decode([0x02, 0x00]) == nil)                  // a zero inside
        #expect(COBS.decode([0x00]) == nil)
    }
}

@Suite struct CRCTests {
    @Test(arguments: [
        ("", 0x0000_0000), ("a", 0xE8B7_BE43), ("123456789", 0xCBF4_3926),
        ("The quick brown fox jumps over the lazy dog", 0x414F_A339),
    ] as [(String, UInt32)])
    func knownVectors(text: String, crc: UInt32) {
        #expect(CRC32.checksum(Array(text.utf8)) == crc)
        let c = Array(text.utf8).withUnsafeBufferPointer { hil_crc32(0, $0.baseAddress, $0.count) }
        #expect(c == crc)                                          // the C side agrees
    }

    @Test func continuesLikeZlib() {
        let data = Array("123456789".utf8)
        #expect(CRC32.checksum(data[4...], continuing: CRC32.checksum(data[..<4])) == 0xCBF4_3926)
    }

    @Test func aFrameFollowedByItsCRCLeavesTheResidue() {
        var rng = SeededRandom(seed: 3)
        for n in [0, 1, 7, 1040] {
            let data = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let crc = CRC32.checksum(data)
            let withCRC = data + [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)]
            #expect(CRC32.checksum(withCRC) == CRC32.residue)
        }
    }
}

@Suite struct FrameDecoderTests {
    let frames = [
        Frame(.ping, seq: 0),
        Frame(.input, seq: 1, payload: HostMessage.input(slot: 1, sample: 0x0102_0304, offset: 0, data: [0, 0, 9, 0]).payload),
        Frame(.result, seq: 0xFFFF, payload: [UInt8](repeating: 0, count: 600)),
    ]

    @Test func roundTripsFramesBackToBack() {
        var decoder = FrameDecoder()
        let events = decoder.feed(frames.flatMap(\.wireBytes))
        #expect(events == frames.map { .frame($0) })
    }

    @Test func dropsGarbageAndResynchronises() {
        var decoder = FrameDecoder()
        var events = decoder.feed([0x13, 0x37, 0x42] + frames[0].wireBytes)   // garbage glued to a frame
        #expect(events.count == 1)
        if case .dropped = events[0] {} else { Issue.record("garbage taken for a frame") }
        events = decoder.feed([0x13, 0x00] + frames[1].wireBytes)              // garbage, then a delimiter
        #expect(events.count == 2)
        #expect(events.last == .frame(frames[1]))
    }

    @Test func dropsTruncatedCorruptAndOversizeFrames() {
        var decoder = FrameDecoder(maxPayload: 1024)
        let wire = frames[1].wireBytes
        #expect(decoder.feed(Array(wire.prefix(5)) + [0]) == [.dropped(.badCOBS, byteCount: 5)])
        var flipped = wire
        flipped[6] ^= 0x10
        #expect(decoder.feed(flipped) == [.dropped(.badCRC, byteCount: wire.count - 1)])
        #expect(decoder.feed(COBS.encode([1, 2]) + [0]) == [.dropped(.tooShort, byteCount: 3)])
        let big = Frame(.result, seq: 1, payload: [UInt8](repeating: 7, count: 1100)).wireBytes
        guard case .dropped(.oversize, _) = decoder.feed(big).first else { Issue.record("oversize frame accepted"); return }
        let endless = [UInt8](repeating: 0x55, count: 100_000)
        #expect(decoder.feed(endless).isEmpty)
        #expect(decoder.pendingCount == 100_000)                  // counted, not stored
        guard case .dropped(.oversize, _) = decoder.feed([0]).first else { Issue.record("endless run not dropped"); return }
        #expect(decoder.feed(wire) == [.frame(frames[1])])
    }

    @Test func everySingleBitFlipIsCaught() {
        let wire = frames[1].wireBytes
        for bit in 0..<(wire.count - 1) * 8 {
            var bad = wire
            bad[bit / 8] ^= 1 << UInt8(bit % 8)
            var decoder = FrameDecoder()
            let events = decoder.feed(bad + [0])
            #expect(!events.contains { if case .frame = $0 { return true } else { return false } }, "bit \(bit)")
        }
    }
}
