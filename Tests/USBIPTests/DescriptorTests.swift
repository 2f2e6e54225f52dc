import Testing
import MockBoard
import STLink
@testable import USBIP

/// What an exported mock board reports over USB/IP, against the facts of a real ST-LINK/V2-1
/// (0483:374B) gathered in boards/probes/stlink-v2-1.json's "sources" (lsusb dumps of real units).
@Suite struct DescriptorTests {
    func string(_ device: USBIPDevice, _ index: UInt8) throws -> String {
        let raw = try device.control(.getDescriptor(type: DescriptorType.string, index: index, language: 0x0409, length: 255), timeout: .seconds(5))
        return String(decoding: (USBDescriptors.stringUnits(raw) ?? []).map { UInt8($0) }, as: UTF8.self)
    }

    @Test func theDeviceDescriptorIsAnSTLinkV21s() throws {
        let fixture = try ServerFixture()
        let device = try USBIPDevice.open(fixture.address())
        let raw = try device.control(.getDescriptor(type: DescriptorType.device, length: 18), timeout: .seconds(5))
        // bcdUSB 2.00, class EF/02/01 (IAD), ep0 64, 0483:374B, bcdDevice 1.00, strings 1 2 3, one configuration.
        #expect(raw == [18, 1, 0x00, 0x02, 0xEF, 0x02, 0x01, 64, 0x83, 0x04, 0x4B, 0x37, 0x00, 0x01, 1, 2, 3, 1])
        #expect(try string(device, 1) == "STMicroelectronics")
        #expect(try string(device, 2) == "STM32 STLink")
        #expect(try string(device, 3) == EmulatedProbeConfig.mockSerial(1))
        #expect(device.serial == EmulatedProbeConfig.mockSerial(1))
        let languages = try device.control(.getDescriptor(type: DescriptorType.string, index: 0, length: 255), timeout: .seconds(5))
        #expect(languages == [4, 3, 0x09, 0x04])                                  // US English
        // Asked for 8 bytes (as a host does first), it sends 8.
        #expect(try device.control(.getDescriptor(type: DescriptorType.device, length: 8), timeout: .seconds(5)) == Array(raw.prefix(8)))
    }

    @Test func theConfigurationHasTheDebugMassStorageAndVCPInterfaces() throws {
        let fixture = try ServerFixture()
        let device = try USBIPDevice.open(fixture.address())
        let head = try device.control(.getDescriptor(type: DescriptorType.configuration, length: 9), timeout: .seconds(5))
        #expect(head == [9, 2, 128, 0, 4, 1, 0, 0x80, 250])                       // wTotalLength 128, 4 interfaces
        let c = device.configuration
        #expect(c.interfaces.map { [$0.interfaceClass, $0.subclass, $0.protocol] } == [[0xFF, 0xFF, 0xFF], [0x08, 0x06, 0x50], [0x02, 0x02, 0x01], [0x0A, 0, 0]])
        let debug = c.interfaces[0].endpoints
        #expect(debug.map(\.address) == [0x81, 0x01, 0x82] && debug.allSatisfy { $0.isBulk && $0.maxPacket == 64 })
        #expect(c.interfaces[1].endpoints.map(\.address) == [0x83, 0x03])
        #expect(c.interfaces[2].endpoints.map(\.address) == [0x84] && c.interfaces[2].endpoints[0].attributes == 3)   // interrupt
        #expect(c.interfaces[3].endpoints.map(\.address) == [0x05, 0x85] && c.interfaces[3].endpoints.allSatisfy(\.isBulk))
        #expect(c.associations.count == 1 && c.associations[0].first == 2 && c.associations[0].count == 2 && c.associations[0].functionClass == 2)
        #expect(c.cdcACM?.control == 2 && c.cdcACM?.bulkIn == 0x85 && c.cdcACM?.bulkOut == 0x05)
        #expect(try string(device, c.interfaces[0].nameIndex) == "ST-Link Debug")
        #expect(c.interfaces[0].nameIndex == 4)
        #expect(try string(device, c.interfaces[2].nameIndex) == "ST-Link VCP Ctrl")
        #expect(try string(device, c.interfaces[3].nameIndex) == "ST-Link VCP Data")
    }

    @Test func theDeviceListShowsTheSameIdentity() throws {
        let fixture = try ServerFixture(boards: 2)
        let list = try USBIPOpClient.list(host: "127.0.0.1", port: fixture.server.port)
        #expect(list.map(\.busid) == ["1-1", "1-2"])
        let r = try #require(list.first)
        #expect(r.idVendor == 0x0483 && r.idProduct == 0x374B && r.bcdDevice == 0x0100 && r.speed == 2)   // full speed
        #expect([r.deviceClass, r.deviceSubClass, r.deviceProtocol] == [0xEF, 2, 1] && r.configurationValue == 1)
        #expect(r.interfaces == [InterfaceClass(0xFF, 0xFF, 0xFF), InterfaceClass(0x08, 0x06, 0x50), InterfaceClass(2, 2, 1), InterfaceClass(0x0A, 0, 0)])
        #expect(r.devid == 1 << 16 | 2)
    }
}
