import Foundation
import Testing
@testable import Bench
import Discovery
import HilAPI

/// Drives the real libudev monitor: udev events broadcast on netlink, as systemd-udevd sends them,
/// whose device nodes are the mock boards' ptys.
@Suite("Hot-plug through udev events", .serialized, .timeLimit(.minutes(5)))
struct HotplugTests {
    static func usb(_ action: UdevDevice.Action, _ serial: String) -> UdevDevice {
        UdevDevice(action: action, subsystem: "usb", devtype: "usb_device", devpath: "/devices/hil-test/usb1/1-\(serial.suffix(2))",
                   devnode: "/dev/bus/usb/001/0\(serial.suffix(2))",
                   properties: ["ID_VENDOR_ID": "0483", "ID_MODEL_ID": "374b", "ID_SERIAL_SHORT": serial])
    }

    static func tty(_ action: UdevDevice.Action, _ serial: String, node: String?) -> UdevDevice {
        UdevDevice(action: action, subsystem: "tty", devtype: nil,
                   devpath: "/devices/hil-test/usb1/1-\(serial.suffix(2))/1-\(serial.suffix(2)):1.2/tty/ttyACM\(serial.suffix(1))",
                   devnode: node,
                   properties: ["ID_VENDOR_ID": "0483", "ID_MODEL_ID": "374b", "ID_SERIAL_SHORT": serial, "ID_USB_INTERFACE_NUM": "02"])
    }

    @Test("plug, unplug and replug: the board comes and goes and keeps its identity")
    func plugUnplugReplug() async throws {
        let broadcaster: UdevEventBroadcaster
        do { broadcaster = try UdevEventBroadcaster() } catch {
            // Only a kernel that refuses netlink broadcasts excuses this test.
            Issue.record("cannot broadcast udev events here: \(error)")
            return
        }
        let f = try BenchFixture(mockBoards: 2, udev: true, attach: false)
        defer { Task { await f.stop() } }
        let bus = try #require(f.bench.mockBus)
        let serial = MockBus.serial(2)
        try await f.until("the udev monitor listening") { await f.bench.isWatchingUdev }
        #expect(await f.board(serial) == nil)

        try broadcaster.send(Self.usb(.add, serial))
        try broadcaster.send(Self.tty(.add, serial, node: bus.serialPath(serial)))
        try await f.until("the board idle") { await f.board(serial)?.state == .idle }
        let plugged = try #require(await f.board(serial))
        #expect(plugged.kind == .mock)
        #expect(plugged.boardType == "stm32f746g-disco")
        #expect(plugged.serialPort == bus.serialPath(serial))
        #expect(await f.board(MockBus.serial(1)) == nil, "a board no event named stays away")

        // A job runs on the board that arrived by hot-plug.
        let job = try await f.bench.submit(try await f.spec(limit: 3))
        #expect(try await f.finished(job.id).state == .passed)

        bus.unplug(serial)
        try broadcaster.send(Self.tty(.remove, serial, node: nil))
        try broadcaster.send(Self.usb(.remove, serial))
        try await f.until("the board offline") { await f.board(serial)?.state == .offline }
        #expect(await f.board(serial)?.reason?.contains("unplugged") == true)

        let newPort = try #require(try bus.plug(serial))
        try broadcaster.send(Self.usb(.add, serial))
        try broadcaster.send(Self.tty(.add, serial, node: newPort))
        try await f.until("the board back") {
            let b = await f.board(serial)
            return b?.state == .idle && b?.serialPort == newPort
        }
        let back = try #require(await f.board(serial))
        #expect(back.id == plugged.id)
        #expect(back.jobsRun == 1, "the same board, with its history")
        let again = try await f.bench.submit(try await f.spec(limit: 3))
        #expect(try await f.finished(again.id).state == .passed)
        await f.stop()
    }
}
