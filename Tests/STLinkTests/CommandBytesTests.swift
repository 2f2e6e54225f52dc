import Testing
@testable import STLink

/// Commands are values: their bytes are checked against stlink.md without any I/O.
@Suite struct CommandBytesTests {
    @Test func everyBlockIs16Bytes() {
        let commands: [Command] = [.getVersion, .getVersionEx, .getCurrentMode, .dfuExit, .debugExit, .enterSWD,
                                   .getTargetVoltage, .readIDCodes, .lastRWStatus2, .readMemory(0x0800_0000, length: 6144, width: .word),
                                   .writeMemory(0x2000_0000, data: [1, 2, 3, 4], width: .word), .swdSetFrequency(divisor: 0)]
        for c in commands { #expect(c.block.count == 16, "\(c.name)") }
    }

    @Test func memoryCommandsCarryAddressLengthLittleEndian() {
        let read = Command.readMemory(0x0802_0010, length: 0x1800, width: .word)
        #expect(Array(read.block.prefix(9)) == [0xF2, 0x07, 0x10, 0x00, 0x02, 0x08, 0x00, 0x18, 0x00])
        #expect(read.replyLength == 6144)
        let write16 = Command.writeMemory(0x2000_0002, data: [0xAA, 0xBB], width: .halfword)
        #expect(Array(write16.block.prefix(8)) == [0xF2, 0x48, 0x02, 0x00, 0x00, 0x20, 0x02, 0x00])
        #expect(write16.dataOut == [0xAA, 0xBB])
        #expect(Command.readMemory(0x2000_0000, length: 4, width: .halfword).block[1] == 0x47)
        #expect(Command.writeMemory(0x2000_0000, data: [0], width: .byte).block[1] == 0x0D)
    }

    @Test func oneByteReadExpectsTwoBytes() {
        #expect(Command.readMemory(0x2000_0000, length: 1, width: .byte).replyLength == 2)
        #expect(Command.readMemory(0x2000_0000, length: 2, width: .byte).replyLength == 2)
    }

    @Test func debugRegisterAndClockCommands() {
        #expect(Array(Command.writeDebugRegister(0xE000_EDF0, 0xA05F_0003).block.prefix(10)) ==
                [0xF2, 0x35, 0xF0, 0xED, 0x00, 0xE0, 0x03, 0x00, 0x5F, 0xA0])
        #expect(Array(Command.readDebugRegister(0x4002_3C0C).block.prefix(6)) == [0xF2, 0x36, 0x0C, 0x3C, 0x02, 0x40])
        #expect(Array(Command.swdSetFrequency(divisor: 798).block.prefix(4)) == [0xF2, 0x43, 0x1E, 0x03])
        #expect(Array(Command.v3SetSWDFrequency(kHz: 24000).block.prefix(8)) == [0xF2, 0x61, 0x00, 0x00, 0xC0, 0x5D, 0x00, 0x00])
        #expect(Array(Command.enterSWD.block.prefix(3)) == [0xF2, 0x30, 0xA3])
        #expect(Array(Command.driveNRST(.pulse).block.prefix(3)) == [0xF2, 0x3C, 0x02])
    }
}

@Suite struct ProbeVersionTests {
    @Test func v2FeatureGatesFollowTheJNumber() {
        func features(_ j: Int) -> ProbeFeatures {
            ProbeVersion(hardware: 2, jtag: j, swim: 0, msc: 0, bridge: 0, vendorID: 0x483, productID: 0x3748).features
        }
        #expect(!features(12).contains(.targetVoltage))
        #expect(features(13).contains(.targetVoltage))
        #expect(!features(14).contains(.lastRWStatus2))
        #expect(features(15).contains(.lastRWStatus2))
        #expect(!features(21).contains(.swdSetFrequency))
        #expect(features(22).contains(.swdSetFrequency))
        #expect(!features(25).contains(.memory16))
        #expect(features(26).contains(.memory16))
        #expect(!features(40).contains(.v3Frequency))
    }

    @Test func everyV3HasEverything() {
        let v3 = ProbeVersion(hardware: 3, jtag: 1, swim: 0, msc: 1, bridge: 1, vendorID: 0x483, productID: 0x374F).features
        #expect(v3.isSuperset(of: [.targetVoltage, .lastRWStatus2, .memory16, .v3Frequency, .versionEx]))
        #expect(!v3.contains(.swdSetFrequency))   // V3 uses the kHz commands, never the V2 divisor
    }

    @Test func namesAsSTToolsPrintThem() {
        #expect(ProbeVersion(hardware: 2, jtag: 37, swim: 7, msc: 0, bridge: 0, vendorID: 0, productID: 0).description == "V2J37S7")
        #expect(ProbeVersion(hardware: 2, jtag: 40, swim: 0, msc: 27, bridge: 0, vendorID: 0, productID: 0).description == "V2J40M27")
        #expect(ProbeVersion(hardware: 3, jtag: 7, swim: 0, msc: 3, bridge: 5, vendorID: 0, productID: 0).description == "V3J7M3B5")
    }

    @Test func minimumFirmware() {
        #expect(!MinimumFirmware.isSupported(ProbeVersion(hardware: 2, jtag: 14, swim: 0, msc: 0, bridge: 0, vendorID: 0, productID: 0)))
        #expect(MinimumFirmware.isSupported(ProbeVersion(hardware: 2, jtag: 15, swim: 0, msc: 0, bridge: 0, vendorID: 0, productID: 0)))
    }

    @Test func binarySerialsAreHexEncoded() {
        #expect(normalizedSerial(Array("066DFF495056805087".utf8)) == "066DFF495056805087")
        #expect(normalizedSerial([0x55, 0xFF, 0x6C, 0x06, 0x49, 0x88, 0x48, 0x51, 0x29, 0x24, 0x17, 0x87]) == "55FF6C064988485129241787")
    }

    @Test func probeModelsByProductID() {
        #expect(ProbeModel.model(productID: 0x374B)?.family == .v2_1)
        #expect(ProbeModel.model(productID: 0x3748)?.outEndpoint == 0x02)
        #expect(ProbeModel.model(productID: 0x374B)?.outEndpoint == 0x01)
        #expect(ProbeModel.model(productID: 0x374F)?.family == .v3)
        #expect(ProbeModel.model(productID: 0x3744) == nil)
        #expect(ProbeModel.unsupported[0x374D] != nil)
    }
}
