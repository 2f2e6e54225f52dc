import Testing
@testable import USBIP

/// The wire codec against bytes the protocol document gives (the kernel's
/// Documentation/usb/usbip_protocol.rst, its field tables and its captured HID example).
@Suite struct CodecTests {
    static func hex(_ words: String) -> [UInt8] {
        let digits = Array(words.filter(\.isHexDigit))
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    // "CmdIntrIN" and "RetIntrOut" from the document's EXAMPLE section, header words only.
    static let cmdIntrIn = hex("00000001 00000d05 0001000f 00000001 00000001 00000200 00000040 ffffffff 00000000 00000004 00000000 00000000")
    static let retIntrOut = hex("00000003 00000d06 00000000 00000000 00000000 00000000 00000040 ffffffff 00000000 00000000 00000000 00000000")

    @Test func theDocumentsCapturedSubmitDecodesFieldByFieldAndEncodesBackToTheSameBytes() throws {
        guard case let .submit(cmd) = try URBMessage.decode(header: Self.cmdIntrIn) else {
            Issue.record("not a submit"); return
        }
        #expect(cmd.seqnum == 0xD05)
        #expect(cmd.devid == 0x0001_000F)                 // busnum 1, devnum 15
        #expect(cmd.direction == .in && cmd.endpoint == 1 && cmd.endpointAddress == 0x81)
        #expect(cmd.transferFlags == 0x200 && cmd.length == 0x40)
        #expect(cmd.startFrame == -1 && cmd.numberOfPackets == 0 && cmd.interval == 4)
        #expect(cmd.encode() == Self.cmdIntrIn)
    }

    @Test func theDocumentsCapturedReplyDecodes() throws {
        guard case let .retSubmit(ret) = try URBMessage.decode(header: Self.retIntrOut) else {
            Issue.record("not a RET_SUBMIT"); return
        }
        #expect(ret.seqnum == 0xD06 && ret.status == 0 && ret.actualLength == 0x40 && ret.startFrame == -1)
    }

    @Test func outDataFollowsTheSubmitHeaderAndInDataTheReply() {
        let out = CmdSubmit(seqnum: 7, devid: 0x10002, direction: .out, endpoint: 1, length: 3).encode(data: [0xF1, 0, 0])
        #expect(out.count == 48 + 3 && Array(out.suffix(3)) == [0xF1, 0, 0])
        let ret = RetSubmit(seqnum: 7, status: URBStatus.stall, actualLength: 2).encode(data: [0x80, 0])
        #expect(ret.count == 50)
        #expect(Array(ret[20..<24]) == [0xFF, 0xFF, 0xFF, 0xE0])      // -32, big endian
        #expect(Array(ret[8..<20]) == [UInt8](repeating: 0, count: 12))  // devid, direction, ep: 0 from a server
    }

    @Test func unlinkCarriesTheTargetSeqnumAtOffset0x14() throws {
        let bytes = encodeUnlink(seqnum: 9, devid: 0x10002, unlinkSeqnum: 5)
        #expect(bytes.count == 48 && Array(bytes[0x14..<0x18]) == [0, 0, 0, 5])
        #expect(try URBMessage.decode(header: bytes) == .unlink(seqnum: 9, devid: 0x10002, unlinkSeqnum: 5))
        let ret = encodeRetUnlink(seqnum: 9, status: URBStatus.unlinked)
        #expect(try URBMessage.decode(header: ret) == .retUnlink(seqnum: 9, status: -104))
    }

    static let record = DeviceRecord(path: "/sys/devices/pci0000:00/0000:00:1d.1/usb3/3-2", busid: "3-2", busnum: 3, devnum: 2,
                                     speed: 2, idVendor: 0x0483, idProduct: 0x374B, bcdDevice: 0x0100, deviceClass: 0xEF,
                                     deviceSubClass: 2, deviceProtocol: 1, configurationValue: 1, numConfigurations: 1,
                                     interfaces: [InterfaceClass(0xFF, 0xFF, 0xFF), InterfaceClass(0x08, 0x06, 0x50)])

    @Test func theDevlistReplyPutsEachFieldAtTheDocumentsOffset() throws {
        let b = encodeDevlistReply([Self.record])
        #expect(Array(b[0..<12]) == [0x01, 0x11, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(b[0x0C] == UInt8(ascii: "/") && b[0x10C] == UInt8(ascii: "3") && b[0x10E] == UInt8(ascii: "2") && b[0x10F] == 0)
        #expect(Array(b[0x12C..<0x130]) == [0, 0, 0, 3] && Array(b[0x134..<0x138]) == [0, 0, 0, 2])
        #expect(Array(b[0x138..<0x13E]) == [0x04, 0x83, 0x37, 0x4B, 0x01, 0x00])
        #expect(Array(b[0x13E...0x143]) == [0xEF, 2, 1, 1, 1, 2])
        #expect(Array(b[0x144..<0x14C]) == [0xFF, 0xFF, 0xFF, 0, 0x08, 0x06, 0x50, 0])
        #expect(b.count == 12 + DeviceRecord.size + 8)
        var r = ByteReader(Array(b[12...]))
        #expect(try DeviceRecord.decode(&r, withInterfaces: true) == Self.record)
        #expect(Self.record.devid == 0x0003_0002)
    }

    @Test func theImportReplyHasTheRecordWithoutInterfacesOrOnlyAStatus() {
        let ok = encodeImportReply(Self.record)
        #expect(ok.count == 8 + 312)
        #expect(Array(ok[0x134..<0x138]) == [0x04, 0x83, 0x37, 0x4B] && ok[0x13F] == 2)
        #expect(encodeImportReply(nil) == [0x01, 0x11, 0x00, 0x03, 0, 0, 0, 1])
        let request = encodeImportRequest(busid: "1-1")
        #expect(request.count == 40 && Array(request[0..<4]) == [0x01, 0x11, 0x80, 0x03] && Array(request[8..<11]) == Array("1-1".utf8))
    }

    @Test func setupPacketsAndLineCodingAreLittleEndian() {
        let setup = SetupPacket.getDescriptor(type: DescriptorType.string, index: 3, language: 0x0409, length: 255)
        #expect(setup.bytes == [0x80, 0x06, 0x03, 0x03, 0x09, 0x04, 0xFF, 0x00])
        #expect(SetupPacket(setup.bytes) == setup)
        #expect(LineCoding(baud: 115_200).bytes == [0x00, 0xC2, 0x01, 0x00, 0, 0, 8])
        #expect(LineCoding([0x80, 0x84, 0x1E, 0x00, 0, 0, 8])?.baud == 2_000_000)
    }

    @Test func aTruncatedOrUnknownMessageIsAnErrorNotACrash() {
        #expect(throws: USBIPProtocolError.truncated(needed: 8, got: 6)) { try URBMessage.decode(header: [0, 0, 0, 1, 0, 0]) }
        #expect(throws: USBIPProtocolError.self) { try URBMessage.decode(header: [UInt8](repeating: 0x7F, count: 48)) }
        var r = ByteReader([1, 2])
        #expect(throws: USBIPProtocolError.self) { try r.u32() }
    }

    @Test func addressesParseWithDefaultsAndBadOnesSayWhatIsWrong() throws {
        #expect(try USBIPAddress(parsing: "usbip://lab1/1-1") == USBIPAddress(host: "lab1", port: 3240, busid: "1-1"))
        #expect(try USBIPAddress(parsing: "usbip://10.0.0.2:4000/2-1.4").port == 4000)
        #expect(try USBIPAddress(parsing: "usbip://[::1]:3240/1-1").host == "::1")
        #expect(try USBIPAddress(parsing: "usbip://[::1]:3240/1-1").description == "usbip://[::1]:3240/1-1")
        for (text, problem) in [("usbip://lab1", "no bus id"), ("usbip://:3240/1-1", "no host"),
                                ("usbip://lab1:99999/1-1", "port"), ("usbip://lab1/", "bus id"), ("lab1/1-1", "usbip://")] {
            do {
                _ = try USBIPAddress(parsing: text)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.description.contains(problem) && error.description.contains(text) && error.description.contains("usbip://HOST[:PORT]/BUSID"),
                        "\(error.description)")
            }
        }
    }
}
