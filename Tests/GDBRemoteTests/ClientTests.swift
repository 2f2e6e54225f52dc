import Foundation
import GDBRemote
import Testing

/// The client against the in-process fake stub, one stub per test.
@Suite("GDBRemoteClient against a fake stub")
struct ClientTests {
    func connect(_ stub: FakeStub, timeout: Duration = .seconds(2)) throws -> GDBRemoteClient {
        try GDBRemoteClient(port: stub.port, timeout: timeout)
    }

    func pseudoRandom(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }

    @Test func handshakeLearnsPacketSizeAndDropsAcks() throws {
        let stub = FakeStub()
        defer { stub.stop() }
        let client = try connect(stub)
        defer { client.close() }
        #expect(client.packetSize == 0x400)
        #expect(client.features["QStartNoAckMode"] == "+")
        #expect(stub.log.prefix(3) == ["qSupported:multiprocess-;swbreak+;hwbreak+;xmlRegisters=arm", "QStartNoAckMode", "?"])
        _ = try client.readMemory(FakeStub.memoryBase, count: 16)
        #expect(stub.acksInNoAckMode == 0)
    }

    @Test func staysInAckModeWhenNotOffered() throws {
        var options = FakeStub.Options()
        options.offerNoAck = false
        let stub = FakeStub(options)
        defer { stub.stop() }
        let client = try connect(stub)
        defer { client.close() }
        #expect(!stub.log.contains("QStartNoAckMode"))
        try client.writeMemory(FakeStub.memoryBase, [1, 2, 3])
        #expect(try client.readMemory(FakeStub.memoryBase, count: 3) == [1, 2, 3])
    }

    @Test func binaryWritesChunkedToPacketSize() throws {
        let stub = FakeStub()
        defer { stub.stop() }
        let client = try connect(stub)
        defer { client.close() }
        // Every byte value, so escapes occur throughout.
        let data = pseudoRandom(10_000, seed: 1) + (0...255).map { UInt8($0) }
        try client.writeMemory(FakeStub.memoryBase + 3, data)
        #expect(Array(stub.memory[3..<(3 + data.count)]) == data)
        let writes = stub.log.filter { $0.hasPrefix("X") }
        #expect(writes.first == "X20000003,0")  // the probe
        #expect(writes.count > 11)  // 10 KB cannot fit in ten 1 KB packets
        #expect(try client.readMemory(FakeStub.memoryBase + 3, count: data.count) == data)
        // Reads ask for half a packet at a time (two hex digits per byte).
        let readSizes = stub.log.filter { $0.hasPrefix("m") }.compactMap { Int($0.split(separator: ",")[1], radix: 16) }
        #expect(readSizes.max() == 0x200 && readSizes.reduce(0, +) == data.count)
    }

    @Test func hexWritesWhenXIsUnsupported() throws {
        var options = FakeStub.Options()
        options.binaryWrites = false
        let stub = FakeStub(options)
        defer { stub.stop() }
        let client = try connect(stub)
        defer { client.close() }
        let data = pseudoRandom(3000, seed: 2)
        try client.writeMemory(FakeStub.memoryBase, data)
        #expect(Array(stub.memory[0..<3000]) == data)
        #expect(stub.log.filter { $0.hasPrefix("X") } == ["X20000000,0"])
        // (1024 − 4 framing − 19 header) / 2 = 500 bytes per M packet.
        #expect(stub.log.filter { $0.hasPrefix("M") }.count == 6)
    }

    @Test func decodesRunLengthEncodedReplies() throws {
        var options = FakeStub.Options()
        options.runLengthReplies = true
        let stub = FakeStub(options)
        defer { stub.stop() }
        stub.setMemory([0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12], at: 0x100)
        let client = try connect(stub)
        defer { client.close() }
        let bytes = try client.readMemory(FakeStub.memoryBase + 0x100, count: 500)
        #expect(bytes.prefix(14) == [0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12])
        #expect(bytes.dropFirst(14).allSatisfy { $0 == 0 })
        #expect(bytes.count == 500)
    }

    @Test func stubErrorsAreTyped() throws {
        let stub = FakeStub()
        defer { stub.stop() }
        let client = try connect(stub)
        defer { client.close() }
        #expect(throws: GDBError.stubError(code: 0x14, command: "m10,4")) {
            try client.readMemory(0x10, count: 4)
        }
        #expect(throws: GDBError.stubError(code: 0x14, command: "X10,3:…")) {
            try client.writeMemory(0x10, [1, 2, 3])
        }
        // The connection is still good afterwards.
        #expect(try client.readMemory(FakeStub.memoryBase, count: 2) == [0, 0])
    }

    @Test func badChecksumIsNakedAndRetransmitted() throws {
        var options = FakeStub.Options()
        options.corruptReplies = 2
        let stub = FakeStub(options)
        defer { stub.stop() }
        let client = try connect(stub)
        defer { client.close() }
        #expect(client.packetSize == 0x400)  // the qSupported reply got through on the third try
        #expect(stub.naksReceived == 2)
    }

    @Test func rejectedPacketsAreResentBounded() throws {
        var options = FakeStub.Options()
        options.rejectPackets = 2
        let stub = FakeStub(options)
        defer { stub.stop() }
        let client = try connect(stub)
        client.close()
        #expect(stub.log.first?.hasPrefix("qSupported") == true)

        options.rejectPackets = 100
        let hostile = FakeStub(options)
        defer { hostile.stop() }
        #expect(throws: GDBError.rejected(command: "qSupported:multiprocess-;swbreak+;hwbreak+;xmlRegisters=arm", attempts: 5)) {
            try connect(hostile)
        }
    }

    @Test func registersWithPAndP() throws {
        let stub = FakeStub()
        defer { stub.stop() }
        let client = try connect(stub)
        defer { client.close() }
        try client.writeRegister(0, 0xDEAD_BEEF)
        try client.writeRegister(25, 0x0100_0000)
        #expect(stub.registers[0] == 0xDEAD_BEEF)
        #expect(try client.readRegister(25) == 0x0100_0000)
        #expect(stub.log.contains("P0=efbeadde"))
        #expect(stub.log.contains("p19"))
    }

    @Test func registersThroughGWithClassicLayout() throws {
        var options = FakeStub.Options()
        options.singleRegisters = false
        let stub = FakeStub(options)
        defer { stub.stop() }
        stub.setRegister(25, 0x6100_0000)
        let client = try connect(stub)
        defer { client.close() }
        #expect(client.targetRegisters.isEmpty)
        #expect(client.registerNumber(named: "xpsr") == 25)  // the classic numbering
        #expect(try client.readRegister(25) == 0x6100_0000)  // at byte 164, after the FPA block
        try client.writeRegister(13, 0x2000_8000)
        try client.writeRegister(15, 0x0000_0100)
        #expect(stub.registers[13] == 0x2000_8000 && stub.registers[15] == 0x100 && stub.registers[25] == 0x6100_0000)
        #expect(stub.log.contains { $0.hasPrefix("G") })
    }

    @Test func targetDescriptionDrivesNumbersAndGLayout() throws {
        var options = FakeStub.Options()
        options.singleRegisters = false
        options.description = true
        let stub = FakeStub(options)
        defer { stub.stop() }
        stub.setRegister(25, 0x0100_0000)
        let client = try connect(stub)
        defer { client.close() }
        #expect(client.targetRegisters.map(\.name) == (0...12).map { "r\($0)" } + ["sp", "lr", "pc", "xpsr", "d0", "fpscr"])
        #expect(client.registerNumber(named: "sp") == 13)
        #expect(client.registerNumber(named: "pc") == 15)
        #expect(client.registerNumber(named: "xpsr") == 25)
        #expect(client.registerNumber(named: "xPSR") == 25)  // OpenOCD's spelling
        #expect(client.registerNumber(named: "fpscr") == 27)
        #expect(try client.readRegister(25) == 0x0100_0000)  // at byte 64 in this layout
        try client.writeRegister(27, 0x0300_0000)
        #expect(stub.registers[27] == 0x0300_0000 && stub.registers[25] == 0x0100_0000)
        #expect(throws: GDBError.malformedReply(command: "g", reply: "register 26 is 64 bits wide, not 32")) {
            try client.readRegister(26)
        }
    }

    @Test func resumeThenHaltWithConsoleOutput() throws {
        var options = FakeStub.Options()
        options.consoleWhileRunning = "hello from the target\n"
        let stub = FakeStub(options)
        defer { stub.stop() }
        let client = try connect(stub)
        defer { client.close() }
        let console = Console()
        client.consoleOutput = { console.append($0) }
        try client.resume()
        #expect(client.isTargetRunning)
        #expect(throws: GDBError.targetRunning(command: "m20000000,4")) {
            try client.readMemory(FakeStub.memoryBase, count: 4)
        }
        let stop = try client.halt()
        #expect(stop.reason == .signal(2))
        #expect(stop.fields["thread"] == "01")
        #expect(!client.isTargetRunning)
        #expect(console.text == "hello from the target\n")
        // Halting a halted target asks why it is halted instead.
        #expect(try client.halt().reason == .signal(5))
    }

    @Test func monitorCollectsOutput() throws {
        let stub = FakeStub()
        defer { stub.stop() }
        let client = try connect(stub)
        defer { client.close() }
        #expect(try client.monitor("echo reset done") == "reset done\n")
        #expect(try client.monitor("hexreply") == "done\n")
        #expect(throws: GDBError.stubError(code: 1, command: "monitor fail")) { try client.monitor("fail") }
        #expect(throws: GDBError.unsupported(command: "monitor frobnicate")) { try client.monitor("frobnicate") }
        #expect(stub.log.contains("qRcmd," + hexEncode(Array("echo reset done".utf8))))
    }

    @Test func closeMidReplyIsAClearError() throws {
        var options = FakeStub.Options()
        options.closeMidReplyOn = "m"
        let stub = FakeStub(options)
        defer { stub.stop() }
        let client = try connect(stub)
        defer { client.close() }
        let expected = GDBError.connectionClosed(host: "127.0.0.1", port: stub.port)
        #expect(throws: expected) { try client.readMemory(FakeStub.memoryBase, count: 4) }
        #expect(expected.description == "the GDB server at 127.0.0.1:\(stub.port) closed the connection")
        // And stays closed, without touching the socket again.
        #expect(throws: expected) { try client.readRegister(0) }
    }

    @Test func silentStubTimesOut() throws {
        var options = FakeStub.Options()
        options.silentOn = "m"
        let stub = FakeStub(options)
        defer { stub.stop() }
        let client = try connect(stub, timeout: .milliseconds(300))
        defer { client.close() }
        let started = ContinuousClock.now
        #expect(throws: GDBError.timeout(host: "127.0.0.1", port: stub.port, command: "m20000000,4", after: .milliseconds(300))) {
            try client.readMemory(FakeStub.memoryBase, count: 4)
        }
        #expect(ContinuousClock.now - started < .seconds(2))
        // The session goes on after a timeout.
        #expect(try client.readRegister(1) == 0)
    }

    @Test func refusedConnectionNamesTheServer() throws {
        let stub = FakeStub()
        let port = stub.port
        stub.stop()
        Thread.sleep(forTimeInterval: 0.3)  // the listener closes within its 100 ms poll
        #expect(throws: GDBError.connectionRefused(host: "127.0.0.1", port: port)) {
            try GDBRemoteClient(port: port, timeout: .seconds(1))
        }
    }

    @Test func detachAndKill() throws {
        let stub = FakeStub()
        defer { stub.stop() }
        let client = try connect(stub)
        client.detach()
        #expect(stub.log.last == "D")
        #expect(throws: GDBError.connectionClosed(host: "127.0.0.1", port: stub.port)) { try client.readRegister(0) }
        client.detach()  // again: nothing to do, no crash
        client.close()
    }
}

final class Console: @unchecked Sendable {
    private let lock = NSLock()
    private var collected = ""
    func append(_ text: String) { lock.withLock { collected += text } }
    var text: String { lock.withLock { collected } }
}
