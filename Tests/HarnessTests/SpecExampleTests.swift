import Foundation
import Testing
@testable import Deployer

/// The worked examples of docs/harness-protocol.md, byte for byte: the doc must show what the
/// code sends, so both are checked here.
@Suite struct SpecExampleTests {
    static let helloPayload: [UInt8] = {
        var w = ByteWriter()
        w.u8(1); w.u8(0); w.u16(0xFFFF); w.u32(0x5EED_0001)           // version, reason boot, ref, boot id
        w.u8(0); w.u8(0); w.u8(0); w.u8(0x07)                         // ready, HIL_OK, DWT, I+D cache + ART
        w.u32(216_000_000); w.u32(115_200); w.u32(2_000_000)          // clock, current baud, max baud
        w.u32(3072); w.u8(2); w.u8(1); w.u16(1033)                    // buffer size, buffers, int8, max payload
        w.u16(32); w.u16(32); w.u16(3); w.u16(29)                     // H, W, C, classes
        w.f32(0.0078125); w.i32(-1); w.f32(0.00390625); w.i32(-128)   // input and output quantisation
        w.u32(40960); w.u32(251_904)                                  // arena bytes, model size
        w.raw((0x10..<0x30).map { UInt8($0) })                        // SHA-256 (an example value)
        w.u64(7_000_000); w.u32(115_200)                              // MACs, boot baud
        w.text("stm32f746g-disco"); w.text("v0.3.1"); w.text("asl-vgg")
        return w.bytes
    }()
    static let input = HostMessage.input(slot: 1, sample: 7, offset: 1024, data: [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x00, 0x00, 0x2A])

    static func hex(_ bytes: [UInt8]) -> String {
        stride(from: 0, to: bytes.count, by: 16).map { row in
            bytes[row..<min(row + 16, bytes.count)].map { String($0, radix: 16).leftPadded(2) }.joined(separator: " ")
        }.joined(separator: "\n")
    }

    static var doc: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("docs/harness-protocol.md"), encoding: .utf8)) ?? ""
    }

    @Test func helloExample() throws {
        let frame = Frame(.hello, seq: 0, payload: Self.helloPayload)
        let hello = try HelloInfo(payload: frame.payload)
        #expect(hello.bootID == 0x5EED_0001 && hello.maxPayload == 1033 && hello.inputZeroPoint == -1)
        #expect(hello.cacheFlags == [.instructionCache, .dataCache, .artAccelerator] && hello.modelName == "asl-vgg")
        #expect(Self.doc.contains(Self.hex(frame.rawBytes)), "the raw HELLO in the doc is not what the code builds")
        #expect(Self.doc.contains(Self.hex(frame.wireBytes)), "the HELLO wire bytes in the doc are not what the code sends")
    }

    @Test func inputExample() throws {
        let frame = Self.input.frame(seq: 0x0102)
        #expect(try HostMessage(frame) == Self.input)
        #expect(Self.doc.contains(Self.hex(frame.rawBytes)))
        #expect(Self.doc.contains(Self.hex(frame.wireBytes)))
    }
}
