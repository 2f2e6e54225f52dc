import Testing
import Discovery

/// End to end through the kernel and the real libudev: our broadcaster sends as udevd would,
/// a real libudev monitor (with its BPF subsystem filter) receives.
@Suite(.enabled(if: Netlink.canBroadcast, "the kernel refused to broadcast on the udev netlink group (needs root with CAP_NET_ADMIN)"))
struct UdevMonitorTests {
    let tag = uniqueTag()
    var serial: String { "HILTEST\(tag)" }
    var usbPath: String { "/devices/hil-test-\(tag)/usb1/1-1" }
    var ttyPath: String { "/devices/hil-test-\(tag)/usb1/1-1/1-1:1.2/tty/ttyACM0" }
    var mine: @Sendable (UdevDevice) -> Bool {
        let t = tag
        return { $0.devpath.contains("hil-test-\(t)") }
    }

    func stlink(_ action: UdevDevice.Action) -> UdevDevice {
        UdevDevice(action: action, subsystem: "usb", devtype: "usb_device", devpath: usbPath,
                   devnode: "/dev/bus/usb/001/042",
                   properties: ["ID_VENDOR_ID": "0483", "ID_MODEL_ID": "374b", "ID_SERIAL_SHORT": serial])
    }

    func vcp(_ action: UdevDevice.Action, node: String) -> UdevDevice {
        UdevDevice(action: action, subsystem: "tty", devpath: ttyPath, devnode: node,
                   properties: ["ID_VENDOR_ID": "0483", "ID_MODEL_ID": "374b", "ID_SERIAL_SHORT": serial,
                                "ID_USB_INTERFACE_NUM": "02"])
    }

    @Test func addOfProbeAndTTYComesThrough() async throws {
        let pty = try PseudoTerminal()
        defer { pty.close() }
        let monitor = try UdevMonitor()
        defer { monitor.stop() }
        let stream = monitor.events()
        let sender = try UdevEventBroadcaster()
        try sender.send(stlink(.add))
        try sender.send(vcp(.add, node: pty.path))

        let got = await collect(stream, where: mine, until: { $0.count == 2 })
        try #require(got.count == 2, "received \(got)")
        let usb = got[0], tty = got[1]
        #expect(usb.action == .add)
        #expect(usb.subsystem == "usb")
        #expect(usb.devtype == "usb_device")
        #expect(usb.devpath == usbPath)
        #expect(usb.devnode == "/dev/bus/usb/001/042")
        #expect(usb.vendorID == "0483")
        #expect(usb.productID == "374b")
        #expect(usb.serialShort == serial)
        #expect(usb.properties["SEQNUM"].flatMap { UInt64($0) } != nil)

        #expect(tty.action == .add)
        #expect(tty.subsystem == "tty")
        #expect(tty.devtype == nil)
        #expect(tty.devnode == pty.path)
        #expect(tty.serialShort == serial)
        #expect(tty.interfaceNumber == "02")

        var tracker = ProbeTracker(ids: stlinkIDs)
        let changes = got.flatMap { tracker.apply($0) }
        #expect(changes.count == 2)
        #expect(tracker.probes[serial]?.ttyPath == pty.path)
        #expect(tracker.probes[serial]?.usbDevnode == "/dev/bus/usb/001/042")
    }

    @Test func removeAndReplugComeThrough() async throws {
        let monitor = try UdevMonitor()
        defer { monitor.stop() }
        let stream = monitor.events()
        let sender = try UdevEventBroadcaster()
        try sender.send(stlink(.add))
        try sender.send(vcp(.add, node: "/dev/ttyACM9"))
        try sender.send(vcp(.remove, node: "/dev/ttyACM9"))
        try sender.send(stlink(.remove))
        try sender.send(stlink(.add))

        let got = await collect(stream, where: mine, until: { $0.count == 5 })
        try #require(got.count == 5, "received \(got)")
        #expect(got.map(\.action) == [.add, .add, .remove, .remove, .add])

        var tracker = ProbeTracker(ids: stlinkIDs)
        var changes: [ProbeChange] = []
        for device in got { changes += tracker.apply(device) }
        guard changes.count == 5,
              case .appeared(let first) = changes[0],
              case .vanished(let gone, _) = changes[3],
              case .appeared(let again) = changes[4]
        else { Issue.record("unexpected changes \(changes)"); return }
        #expect(gone == serial)
        #expect(again.serial == first.serial)
        #expect(tracker.probes[serial]?.ttyPath == nil)
    }

    @Test func otherSubsystemsAndDevtypesAreFilteredOut() async throws {
        let monitor = try UdevMonitor()
        defer { monitor.stop() }
        let stream = monitor.events()
        let sender = try UdevEventBroadcaster()
        let t = tag
        try sender.send(UdevDevice(action: .add, subsystem: "block", devtype: "disk",
                                   devpath: "/devices/hil-test-\(t)/block/sdz", devnode: "/dev/sdz"))
        // Right subsystem, wrong devtype: dropped by the devtype hash in the BPF filter.
        try sender.send(UdevDevice(action: .add, subsystem: "usb", devtype: "usb_interface",
                                   devpath: "/devices/hil-test-\(t)/usb1/1-1/1-1:1.0"))
        // A marker after them: the socket keeps order, so when it arrives the others had their chance.
        try sender.send(vcp(.add, node: "/dev/ttyACM8"))

        let got = await collect(stream, where: mine, until: { $0.contains { $0.subsystem == "tty" } })
        #expect(got.map(\.subsystem) == ["tty"], "received \(got)")
    }

    @Test func customFiltersSelectBySubsystemAndDevtype() async throws {
        let monitor = try UdevMonitor(filters: [(subsystem: "block", devtype: "disk")])
        defer { monitor.stop() }
        let stream = monitor.events()
        let sender = try UdevEventBroadcaster()
        let t = tag
        try sender.send(UdevDevice(action: .add, subsystem: "block", devtype: "partition",
                                   devpath: "/devices/hil-test-\(t)/block/sdz/sdz1"))
        try sender.send(vcp(.add, node: "/dev/ttyACM7"))
        try sender.send(UdevDevice(action: .change, subsystem: "block", devtype: "disk",
                                   devpath: "/devices/hil-test-\(t)/block/sdz", devnode: "/dev/sdz"))

        let got = await collect(stream, where: mine, until: { !$0.isEmpty })
        try #require(got.count == 1, "received \(got)")
        #expect(got[0].action == .change)
        #expect(got[0].devtype == "disk")
        #expect(got[0].devnode == "/dev/sdz")
    }
}

@Suite struct UdevMonitorLifecycleTests {
    @Test func stopFinishesEveryStream() async throws {
        let monitor = try UdevMonitor()
        let a = monitor.events(), b = monitor.events()
        let clock = ContinuousClock()
        let start = clock.now
        monitor.stop()
        for await _ in a {}
        for await _ in b {}
        #expect(clock.now - start < .seconds(1))
        // After stop, a new stream is already finished.
        var count = 0
        for await _ in monitor.events() { count += 1 }
        #expect(count == 0)
    }

    @Test func enumerateFindsThisMachinesTTYs() throws {
        let monitor = try UdevMonitor()
        defer { monitor.stop() }
        let devices = monitor.enumerate()
        #expect(devices.allSatisfy { $0.action == .existing })
        #expect(devices.allSatisfy { $0.subsystem == "tty" || ($0.subsystem == "usb" && $0.devtype == "usb_device") })
        // Every Linux machine has /dev/tty and /dev/console in the tty class.
        #expect(devices.contains { $0.devnode == "/dev/tty" }, "enumerated \(devices.map(\.devpath))")
    }

    @Test func enumerateHonoursDevtype() throws {
        let monitor = try UdevMonitor(filters: [(subsystem: "tty", devtype: "no-such-devtype")])
        defer { monitor.stop() }
        #expect(monitor.enumerate().isEmpty)
    }
}
