import Foundation
import Testing
import MockBoard
import STLink
@testable import USBIP

/// What the server does with requests it does not serve, with a second importer, with too many
/// clients, and with a bulk IN that has nothing to answer yet.
@Suite struct ServerLimitTests {
    @Test func unknownRequestsStallAndTheDeviceKeepsAnswering() throws {
        let fixture = try ServerFixture()
        let device = try USBIPDevice.open(fixture.address())
        let vendor = SetupPacket(requestType: 0xC0, request: 0x42, value: 1, length: 4)
        #expect(throws: USBIPTransferError.stall(endpoint: 0)) { try device.control(vendor, timeout: .seconds(5)) }
        let qualifier = SetupPacket.getDescriptor(type: DescriptorType.deviceQualifier, length: 10)
        #expect(throws: USBIPTransferError.stall(endpoint: 0)) { try device.control(qualifier, timeout: .seconds(5)) }
        #expect(throws: USBIPTransferError.stall(endpoint: 0x07)) { try device.bulkOut(endpoint: 0x07, [1, 2], timeout: .seconds(5)) }
        #expect(throws: USBIPTransferError.stall(endpoint: 0)) {
            try device.control(.setLineCoding(interface: 2), data: LineCoding(baud: 123_457).bytes, timeout: .seconds(5))
        }
        // Still serving: the device descriptor comes, and so does a probe command's answer.
        #expect(try device.control(.getDescriptor(type: DescriptorType.device, length: 18), timeout: .seconds(5)).count == 18)
        try device.bulkOut(endpoint: 0x01, [0xF1] + [UInt8](repeating: 0, count: 15), timeout: .seconds(5))   // GET_VERSION
        #expect(try device.bulkIn(endpoint: 0x81, maxLength: 6, timeout: .seconds(5)).count == 6)
    }

    @Test func aSecondImporterOfABusyDeviceIsRefusedByNameUntilTheFirstLeaves() throws {
        let fixture = try ServerFixture()
        var first: USBIPDevice? = try USBIPDevice.open(fixture.address())
        #expect(throws: USBIPError.busy(fixture.address())) { try USBIPDevice.open(fixture.address()) }
        let message = USBIPError.busy(fixture.address()).description
        #expect(message.contains("already imported") && message.contains(fixture.address().description))
        #expect(first != nil)
        first = nil                                              // closes its connection
        let deadline = ContinuousClock.now + .seconds(30)
        var second: USBIPDevice?
        while second == nil, ContinuousClock.now < deadline {
            second = try? USBIPDevice.open(fixture.address())
            if second == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(second != nil, "the device stayed busy after its importer left: \(fixture.events.all)")
    }

    @Test func aBusIDTheServerDoesNotExportIsNamedWithTheOnesItDoes() throws {
        let fixture = try ServerFixture(boards: 2)
        var address = fixture.address()
        address.busid = "3-9"
        #expect(throws: USBIPError.notExported(address, exported: ["1-1", "1-2"])) { try USBIPDevice.open(address) }
    }

    @Test func clientsBeyondTheLimitAreClosedWithAClearMessage() throws {
        let fixture = try ServerFixture(boards: 2, maxClients: 2)
        let a = try USBIPDevice.open(fixture.address(1))
        let b = try USBIPDevice.open(fixture.address(2))
        do {
            _ = try USBIPOpClient.list(host: "127.0.0.1", port: fixture.server.port)
            Issue.record("a third client was served")
        } catch {
            #expect(error == .closedWithoutAnswer(server: "127.0.0.1:\(fixture.server.port)"))
            #expect(error.description.contains("as many clients as it allows"))
        }
        #expect(a.connection.lostReason == nil && b.connection.lostReason == nil)
    }

    @Test func aPendingBulkInIsUnlinkedWithoutAReplyAndNothingIsLeftBehind() throws {
        let fixture = try ServerFixture()
        let device = try USBIPDevice.open(fixture.address())
        let connection = device.connection
        // Nothing was asked: the probe NAKs, so the IN stays pending however long we wait.
        let seqnum = try connection.submit(endpoint: 0x81, length: 64)
        #expect(try connection.wait(seqnum, timeout: .milliseconds(200)) == nil)
        #expect(try connection.cancel(seqnum) == nil)            // the unlink won: no RET_SUBMIT
        // The next command's reply goes to the next IN, not to the cancelled one.
        try device.bulkOut(endpoint: 0x01, [0xF5] + [UInt8](repeating: 0, count: 15), timeout: .seconds(5))   // GET_CURRENT_MODE
        #expect(try device.bulkIn(endpoint: 0x81, maxLength: 2, timeout: .seconds(5)) == [1, 0])            // mass storage
        // The other silent INs (trace, CDC notification) stay pending until unlinked too.
        for endpoint: UInt8 in [0x82, 0x84] {
            let s = try connection.submit(endpoint: endpoint, length: 64)
            #expect(try connection.wait(s, timeout: .milliseconds(50)) == nil)
            #expect(try connection.cancel(s) == nil)
        }
        #expect(connection.lostReason == nil)
    }

    @Test func aClientThatBreaksTheProtocolLosesOnlyItsOwnConnection() throws {
        let fixture = try ServerFixture()
        let socket = try TCPSocket.connect(host: "127.0.0.1", port: fixture.server.port)
        try socket.write(encodeImportRequest(busid: "1-1"))
        _ = try socket.read(exactly: 8 + DeviceRecord.size)
        try socket.write(RetSubmit(seqnum: 1, status: 0, actualLength: 0).encode())        // a reply from a client
        #expect(throws: SocketError.self) { try socket.read(exactly: 1) }                   // the server hung up
        let device = try USBIPDevice.open(fixture.address())                                 // and serves the next one
        #expect(device.serial == EmulatedProbeConfig.mockSerial(1))
    }
}
