import Testing
@testable import Discovery

@Suite struct UdevMessageTests {
    let stlink = UdevDevice(
        action: .add, subsystem: "usb", devtype: "usb_device",
        devpath: "/devices/pci0000:00/0000:00:14.0/usb1/1-1", devnode: "/dev/bus/usb/001/004",
        properties: ["ID_VENDOR_ID": "0483", "ID_MODEL_ID": "374b", "ID_SERIAL_SHORT": "066DFF"])

    private func u32LE(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }
    private func u32BE(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    @Test func headerFields() throws {
        let m = try UdevMessage.encode(stlink, seqnum: 42, usecInitialized: 1000)
        #expect(Array(m[0..<8]) == Array("libudev".utf8) + [0])
        #expect(Array(m[8..<12]) == [0xfe, 0xed, 0xca, 0xfe])           // magic, network order
        #expect(u32LE(m, 12) == 40)                                       // header size, host order (LE here)
        #expect(u32LE(m, 16) == 40)                                       // properties offset
        #expect(u32LE(m, 20) == UInt32(m.count - 40))                     // properties length
        #expect(u32BE(m, 24) == 0x0577_c5e5)                              // MurmurHash2("usb")
        #expect(u32BE(m, 28) == 0x27f8_f50c)                              // MurmurHash2("usb_device")
        #expect(u32BE(m, 32) == 0 && u32BE(m, 36) == 0)                   // no tags
    }

    @Test func propertyBlock() throws {
        let m = try UdevMessage.encode(stlink, seqnum: 42, usecInitialized: 1000)
        let expected = [
            "ACTION=add", "DEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-1", "SUBSYSTEM=usb",
            "DEVTYPE=usb_device", "DEVNAME=/dev/bus/usb/001/004", "SEQNUM=42", "USEC_INITIALIZED=1000",
            "ID_MODEL_ID=374b", "ID_SERIAL_SHORT=066DFF", "ID_VENDOR_ID=0483",
        ].flatMap { (line: String) -> [UInt8] in Array(line.utf8) + [0] }
        #expect(Array(m[40...]) == expected)
    }

    @Test func noDevtypeHashesToZeroAndOmitsTheKey() throws {
        let tty = UdevDevice(action: .remove, subsystem: "tty", devpath: "/devices/virtual/tty/x")
        let m = try UdevMessage.encode(tty, seqnum: 7, usecInitialized: 1)
        #expect(u32BE(m, 24) == 0x8afa_90c8)
        #expect(u32BE(m, 28) == 0)
        let text = String(decoding: m[40...], as: UTF8.self)
        #expect(!text.contains("DEVTYPE="))
        #expect(!text.contains("DEVNAME="))
        #expect(text.hasPrefix("ACTION=remove\0"))
    }

    @Test func tagsSetTheBloomWords() throws {
        var d = stlink
        d.properties["TAGS"] = ":uaccess:"
        let m = try UdevMessage.encode(d, seqnum: 1, usecInitialized: 1)
        let bloom = UInt64(u32BE(m, 32)) << 32 | UInt64(u32BE(m, 36))
        #expect(bloom == UdevMessage.tagBloom("uaccess"))
        #expect(bloom.nonzeroBitCount >= 1 && bloom.nonzeroBitCount <= 4)
    }

    @Test func rejectsWhatLibudevWouldDrop() {
        var existing = stlink
        existing.action = .existing
        #expect(throws: DiscoveryError.self) { try UdevMessage.encode(existing, seqnum: 1, usecInitialized: 1) }
        var relative = stlink
        relative.devpath = "devices/x"
        #expect(throws: DiscoveryError.self) { try UdevMessage.encode(relative, seqnum: 1, usecInitialized: 1) }
        var newline = stlink
        newline.properties["ID_SERIAL_SHORT"] = "a\nb"
        #expect(throws: DiscoveryError.self) { try UdevMessage.encode(newline, seqnum: 1, usecInitialized: 1) }
        var huge = stlink
        huge.properties["BIG"] = String(repeating: "x", count: 9000)
        #expect(throws: DiscoveryError.self) { try UdevMessage.encode(huge, seqnum: 1, usecInitialized: 1) }
    }
}
