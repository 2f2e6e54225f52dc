import GDBRemote
import Testing

@Suite("Packet encoding: framing, checksum, escapes, run lengths, hex")
struct PacketTests {
    @Test func framesWithTwoDigitChecksum() {
        // 'm' + '0' + ',' + '4' = 0x6d + 0x30 + 0x2c + 0x34 = 0xfd
        #expect(RSPPacket.frame(Array("m0,4".utf8)) == Array("$m0,4#fd".utf8))
        #expect(RSPPacket.frame([]) == Array("$#00".utf8))
        // The sum wraps modulo 256 and is written with a leading zero.
        #expect(RSPPacket.frame(Array("OK".utf8)) == Array("$OK#9a".utf8))
        #expect(RSPPacket.checksum([0xFF, 0x02]) == 0x01)
        #expect(RSPPacket.frame([0xFF, 0x02]) == [0x24, 0xFF, 0x02, 0x23, 0x30, 0x31])
    }

    @Test func escapesTheFourSpecialBytes() {
        let data: [UInt8] = [0x23, 0x24, 0x7D, 0x2A, 0x41, 0x00, 0x03]
        #expect(RSPPacket.escape(data) == [0x7D, 0x03, 0x7D, 0x04, 0x7D, 0x5D, 0x7D, 0x0A, 0x41, 0x00, 0x03])
    }

    @Test func escapeRoundTripsEveryByte() {
        let all = (0...255).map { UInt8($0) }
        let escaped = RSPPacket.escape(all)
        #expect(escaped.count == 256 + 4)
        #expect(!escaped.contains(UInt8(ascii: "#")) && !escaped.contains(UInt8(ascii: "$")) && !escaped.contains(UInt8(ascii: "*")))
        #expect(RSPPacket.unescape(escaped) == all)
        #expect(RSPPacket.unescape([0x41, 0x7D]) == nil)  // cut inside an escape
    }

    @Test func expandsRunLengths() {
        // ' ' is 32: three more copies.
        #expect(RSPPacket.expandRunLengths(Array("0* ".utf8)) == Array("0000".utf8))
        #expect(RSPPacket.expandRunLengths(Array("ab*\"c".utf8)) == Array("abbbbbbc".utf8))  // '"' = 34: 5 more
        #expect(RSPPacket.expandRunLengths(Array("T05".utf8)) == Array("T05".utf8))
        #expect(RSPPacket.expandRunLengths(Array("*!".utf8)) == nil)  // nothing to repeat
        #expect(RSPPacket.expandRunLengths(Array("0*".utf8)) == nil)  // no count
    }

    @Test func hexBothWays() {
        #expect(RSPPacket.hex([0x00, 0xAB, 0x7F]) == Array("00ab7f".utf8))
        #expect(RSPPacket.bytes(fromHex: Array("00AB7f".utf8)) == [0x00, 0xAB, 0x7F])
        #expect(RSPPacket.bytes(fromHex: Array("0".utf8)) == nil)
        #expect(RSPPacket.bytes(fromHex: Array("zz".utf8)) == nil)
    }

    @Test func parsesStopReplies() throws {
        let t = try #require(StopReply(packet: Array("T05thread:p01.01;0f:21430000;swbreak:;".utf8)))
        #expect(t.reason == .signal(5))
        #expect(t.register(15) == 0x4321)
        #expect(t.fields["thread"] == "p01.01")
        #expect(t.fields["swbreak"] == "")
        #expect(StopReply(packet: Array("S02".utf8))?.signal == 2)
        #expect(StopReply(packet: Array("W00".utf8))?.reason == .exited(code: 0))
        #expect(StopReply(packet: Array("W01;process:1".utf8))?.reason == .exited(code: 1))
        #expect(StopReply(packet: Array("X09".utf8))?.reason == .terminated(signal: 9))
        #expect(StopReply(packet: Array("OK".utf8)) == nil)
        #expect(StopReply(packet: Array("T".utf8)) == nil)
    }

    @Test func errorsNameTheServerAndCommand() {
        #expect(GDBError.connectionClosed(host: "127.0.0.1", port: 3333).description.contains("127.0.0.1:3333"))
        #expect(GDBError.connectionRefused(host: "probe.local", port: 2331).description.contains("probe.local:2331"))
        let stub = GDBError.stubError(code: 0x14, command: "m20000000,4")
        #expect(stub.description.contains("E14") && stub.description.contains("m20000000,4"))
    }
}

@Suite("Frame scanning: noise, cut-off frames, checksums")
struct FrameScanTests {
    @Test func skipsNoiseAndFindsTheFrame() {
        let bytes = Array("+\u{03}$OK#9a$S05".utf8)
        #expect(RSPPacket.scan(bytes, from: 0) == .frame(body: Array("OK".utf8), kind: UInt8(ascii: "$"), checksumOK: true, next: 8))
        // The second frame has no '#' yet: wait for more, having consumed nothing past its '$'.
        #expect(RSPPacket.scan(bytes, from: 8) == .incomplete(skipTo: 8))
    }

    @Test func aFrameCutOffByANewStartResynchronisesThere() {
        let bytes = Array("$T0$OK#9a".utf8)
        #expect(RSPPacket.scan(bytes, from: 0) == .resynchronise(at: 3))
        #expect(RSPPacket.scan(bytes, from: 3) == .frame(body: Array("OK".utf8), kind: UInt8(ascii: "$"), checksumOK: true, next: 9))
    }

    @Test func aWrongOrUnreadableChecksumIsReportedNotTrusted() {
        #expect(RSPPacket.scan(Array("$OK#9b".utf8), from: 0) == .frame(body: Array("OK".utf8), kind: UInt8(ascii: "$"), checksumOK: false, next: 6))
        #expect(RSPPacket.scan(Array("$OK#zz".utf8), from: 0) == .frame(body: Array("OK".utf8), kind: UInt8(ascii: "$"), checksumOK: false, next: 6))
        #expect(RSPPacket.scan(Array("%Stop:T05#00".utf8), from: 0)
                == .frame(body: Array("Stop:T05".utf8), kind: UInt8(ascii: "%"), checksumOK: false, next: 12))
    }

    @Test func onlyNoiseIsConsumedWhole() {
        #expect(RSPPacket.scan(Array("+++".utf8), from: 0) == .incomplete(skipTo: 3))
        #expect(RSPPacket.scan([], from: 0) == .incomplete(skipTo: 0))
    }
}
