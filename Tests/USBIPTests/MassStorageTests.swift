import Testing
import STLink
import USBIP

/// The exported probe's mass-storage interface answers as a drive with no medium, over bulk-only
/// transport, so a host's usb-storage driver finds nothing to mount instead of resetting it.
@Suite struct MassStorageTests {
    /// A command block wrapper: "USBC", tag, expected length, direction, LUN 0, the SCSI command.
    func cbw(tag: UInt8, length: UInt32, dataIn: Bool, _ command: [UInt8]) -> [UInt8] {
        [0x55, 0x53, 0x42, 0x43, tag, 0, 0, 0,
         UInt8(truncatingIfNeeded: length), UInt8(truncatingIfNeeded: length >> 8), 0, 0,
         dataIn ? 0x80 : 0, 0, UInt8(command.count)] + command + [UInt8](repeating: 0, count: 16 - command.count)
    }

    @Test func inquiryAnswersAndTheDriveReportsNoMedium() throws {
        let fixture = try ServerFixture()
        let device = try USBIPDevice.open(fixture.address())
        #expect(try device.control(SetupPacket(requestType: 0xA1, request: USBRequest.mscGetMaxLUN, index: 1, length: 1), timeout: .seconds(5)) == [0])

        try device.bulkOut(endpoint: 0x03, cbw(tag: 1, length: 36, dataIn: true, [0x12, 0, 0, 0, 36, 0]), timeout: .seconds(5))
        let inquiry = try device.bulkIn(endpoint: 0x83, maxLength: 64, timeout: .seconds(5))
        #expect(inquiry.count == 36 && inquiry[0] == 0x00 && inquiry[1] == 0x80)         // direct access, removable
        let passed = try device.bulkIn(endpoint: 0x83, maxLength: 13, timeout: .seconds(5))
        #expect(passed == [0x55, 0x53, 0x42, 0x53, 1, 0, 0, 0, 0, 0, 0, 0, 0])           // "USBS", tag 1, residue 0, passed

        try device.bulkOut(endpoint: 0x03, cbw(tag: 2, length: 0, dataIn: false, [0x00]), timeout: .seconds(5))   // TEST UNIT READY
        #expect(try device.bulkIn(endpoint: 0x83, maxLength: 13, timeout: .seconds(5)).last == 1)                 // failed
        try device.bulkOut(endpoint: 0x03, cbw(tag: 3, length: 18, dataIn: true, [0x03, 0, 0, 0, 18, 0]), timeout: .seconds(5))
        let sense = try device.bulkIn(endpoint: 0x83, maxLength: 18, timeout: .seconds(5))
        #expect(sense[2] == 0x02 && sense[12] == 0x3A)                                   // NOT READY, MEDIUM NOT PRESENT
        _ = try device.bulkIn(endpoint: 0x83, maxLength: 13, timeout: .seconds(5))

        // READ CAPACITY expects data: the IN stalls once, then the failed status comes.
        try device.bulkOut(endpoint: 0x03, cbw(tag: 4, length: 8, dataIn: true, [0x25] + [UInt8](repeating: 0, count: 9)), timeout: .seconds(5))
        #expect(throws: USBIPTransferError.stall(endpoint: 0x83)) { try device.bulkIn(endpoint: 0x83, maxLength: 8, timeout: .seconds(5)) }
        let failed = try device.bulkIn(endpoint: 0x83, maxLength: 13, timeout: .seconds(5))
        #expect(failed.count == 13 && failed[4] == 4 && failed[8] == 8 && failed[12] == 1)   // residue 8, failed
        // A block that is not a CBW stalls.
        #expect(throws: USBIPTransferError.stall(endpoint: 0x03)) { try device.bulkOut(endpoint: 0x03, [UInt8](repeating: 0, count: 31), timeout: .seconds(5)) }
    }
}
