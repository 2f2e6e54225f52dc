import Foundation
import Testing
import Deployer
import MockBoard
import STLink
import USBIP

/// The ST-LINK command layer through the USB/IP client transport against an exported mock board:
/// the same flash, byte for byte, as through the in-process emulated probe.
@Suite struct FlashOverUSBIPTests {
    func writeImage(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("usbip-\(UUID()).bin").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aFlashThroughUSBIPReadsBackLikeOneThroughTheInProcessTransport() throws {
        let fixture = try ServerFixture()
        let local = MockBoard(chip: fixture.catalog.chip(for: fixture.definition), probe: .v2_1())
        let image = patternBytes(200 * 1024, seed: 11)
        let path = try writeImage(image)
        var request = FlashRequest(imagePath: path)
        request.board = "stm32f746g-disco"
        let deployment = FlashDeployment(catalog: fixture.catalog)

        let inProcess = try deployment.run(request, transport: local.probe)
        let transport = try USBIPProbes.open(fixture.address())
        let remote = try deployment.run(request, transport: transport)

        #expect(transport.identity.serial == EmulatedProbeConfig.mockSerial(1))
        #expect(transport.identity.model.productID == 0x374B)
        let exported = fixture.boards[0].target.flashBytes(at: 0x0800_0000, count: 1024 * 1024)
        #expect(exported == local.target.flashBytes(at: 0x0800_0000, count: 1024 * 1024))
        #expect(Array(exported.prefix(image.count)) == image)
        #expect(remote.report.sectorsErased == inProcess.report.sectorsErased)
        #expect(remote.report.verified && inProcess.report.verified)
        // Read back through the remote transport as well, not only inside the server.
        let probe = STLinkProbe(transport: transport)
        try probe.open()
        let readBack = try probe.read(0x0800_0000, count: image.count)
        #expect(readBack == image)
        #expect(fixture.boards[0].statistics.rejected.isEmpty, "\(fixture.boards[0].statistics.rejected)")
    }
}
