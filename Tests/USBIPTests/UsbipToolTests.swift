import Foundation
import Testing

/// Debian's `usbip` tool (the kernel's own userspace, an independent implementation of the
/// protocol) lists what the server exports. Listing needs no kernel module; attaching would
/// (vhci-hcd), and is not tried here.
@Suite struct UsbipToolTests {
    static let tool = ["/usr/sbin/usbip", "/usr/bin/usbip", "/sbin/usbip"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: tool != nil, "usbip is not installed: apt-get install usbip (scripts/setup does)"))
    func usbipListShowsTheExportedSTLinkWithItsInterfaces() throws {
        let fixture = try ServerFixture(boards: 2)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.tool!)
        process.arguments = ["--tcp-port", String(fixture.server.port), "list", "-r", "127.0.0.1"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(errors)")
        #expect(text.contains("1-1:") && text.contains("1-2:"), "\(text)")
        #expect(text.contains("(0483:374b)"), "\(text)")
        #expect(text.contains("/sys/devices/hil-mock/usb1/1-1"), "\(text)")
        #expect(text.contains("(ef/02/01)") && text.contains("(ff/ff/ff)") && text.contains("(08/06/50)")
                && text.contains("(02/02/01)") && text.contains("(0a/00/00)"), "\(text)")
    }
}
