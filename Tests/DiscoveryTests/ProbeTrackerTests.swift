import Testing
import Discovery

let stlinkIDs = ProbeIDs([(vendor: "0483", product: "3748"), (vendor: "0483", product: "374B"), (vendor: "0483", product: "3752")])

func usbDevice(_ action: UdevDevice.Action, serial: String, port: String = "1-1",
               vendor: String = "0483", product: String = "374b", node: String = "/dev/bus/usb/001/004") -> UdevDevice {
    UdevDevice(action: action, subsystem: "usb", devtype: "usb_device",
               devpath: "/devices/pci0000:00/0000:00:14.0/usb1/\(port)", devnode: node,
               properties: ["ID_VENDOR_ID": vendor, "ID_MODEL_ID": product, "ID_SERIAL_SHORT": serial])
}

func ttyDevice(_ action: UdevDevice.Action, serial: String, port: String = "1-1", node: String = "/dev/ttyACM0",
               vendor: String = "0483", product: String = "374b", interface: String = "02") -> UdevDevice {
    UdevDevice(action: action, subsystem: "tty", devtype: nil,
               devpath: "/devices/pci0000:00/0000:00:14.0/usb1/\(port)/\(port):1.\(interface)/tty/\(node.split(separator: "/").last!)",
               devnode: node,
               properties: ["ID_VENDOR_ID": vendor, "ID_MODEL_ID": product, "ID_SERIAL_SHORT": serial,
                            "ID_USB_INTERFACE_NUM": interface])
}

@Suite struct ProbeTrackerTests {
    let serial = "066DFF485550755187121735"

    @Test func usbThenTTY() {
        var t = ProbeTracker(ids: stlinkIDs)
        let a = t.apply(usbDevice(.add, serial: serial))
        var p = DiscoveredProbe(serial: serial, vendorID: "0483", productID: "374b",
                                usbDevpath: "/devices/pci0000:00/0000:00:14.0/usb1/1-1", usbDevnode: "/dev/bus/usb/001/004")
        #expect(a == [.appeared(p)])
        let b = t.apply(ttyDevice(.add, serial: serial))
        p.ttyPath = "/dev/ttyACM0"
        #expect(b == [.updated(p)])
        #expect(t.probes == [serial: p])
    }

    @Test func ttyThenUSB() {
        var t = ProbeTracker(ids: stlinkIDs)
        #expect(t.apply(ttyDevice(.add, serial: serial)) == [])
        #expect(t.probes.isEmpty)
        let changes = t.apply(usbDevice(.add, serial: serial))
        #expect(changes.count == 1)
        guard case .appeared(let p) = changes.first else { Issue.record("expected appeared, got \(changes)"); return }
        #expect(p.ttyPath == "/dev/ttyACM0")
        #expect(p.serial == serial)
    }

    @Test func enumerationResultsCountAsPresent() {
        var t = ProbeTracker(ids: stlinkIDs)
        _ = t.apply(ttyDevice(.existing, serial: serial))
        let changes = t.apply(usbDevice(.existing, serial: serial))
        #expect(changes.count == 1)
        #expect(t.probes[serial]?.ttyPath == "/dev/ttyACM0")
        // Seeing the same device again (enumeration racing the first event) changes nothing.
        #expect(t.apply(usbDevice(.add, serial: serial)) == [])
    }

    @Test func ttyLessProbe() {
        var t = ProbeTracker(ids: stlinkIDs)
        let changes = t.apply(usbDevice(.add, serial: serial, product: "3748"))  // ST-LINK/V2: no VCP
        #expect(changes.count == 1)
        #expect(t.probes[serial]?.ttyPath == nil)
        #expect(t.probes[serial]?.productID == "3748")
    }

    @Test func ttyGoesAndComes() {
        var t = ProbeTracker(ids: stlinkIDs)
        _ = t.apply(usbDevice(.add, serial: serial))
        _ = t.apply(ttyDevice(.add, serial: serial))
        let gone = t.apply(ttyDevice(.remove, serial: serial))
        #expect(gone.count == 1)
        #expect(t.probes[serial]?.ttyPath == nil)
        _ = t.apply(ttyDevice(.add, serial: serial, node: "/dev/ttyACM3"))
        #expect(t.probes[serial]?.ttyPath == "/dev/ttyACM3")
    }

    @Test func removeReportsVanishedAndReplugBringsTheSameIdentity() {
        var t = ProbeTracker(ids: stlinkIDs)
        _ = t.apply(usbDevice(.add, serial: serial))
        _ = t.apply(ttyDevice(.add, serial: serial))
        let last = t.probes[serial]!

        _ = t.apply(ttyDevice(.remove, serial: serial))
        // A remove carrying no properties is still matched, by its devpath.
        var bareRemove = usbDevice(.remove, serial: serial)
        bareRemove.properties = [:]
        let vanished = t.apply(bareRemove)
        var lastWithoutTTY = last
        lastWithoutTTY.ttyPath = nil
        #expect(vanished == [.vanished(serial: serial, lastSeen: lastWithoutTTY)])
        #expect(t.probes.isEmpty)

        // Replugged into another port, enumerated in another order: same serial, same probe.
        _ = t.apply(ttyDevice(.add, serial: serial, port: "1-4", node: "/dev/ttyACM1"))
        let back = t.apply(usbDevice(.add, serial: serial, port: "1-4", node: "/dev/bus/usb/001/009"))
        guard case .appeared(let p) = back.first, back.count == 1 else { Issue.record("expected appeared, got \(back)"); return }
        #expect(p.serial == last.serial)
        #expect(p.ttyPath == "/dev/ttyACM1")
        #expect(p.usbDevpath.hasSuffix("/1-4"))
    }

    @Test func ignoresNonSTDevices() {
        var t = ProbeTracker(ids: stlinkIDs)
        #expect(t.apply(usbDevice(.add, serial: "A1", vendor: "1366", product: "0105")) == [])  // a J-Link
        #expect(t.apply(ttyDevice(.add, serial: "A1", vendor: "1366", product: "0105")) == [])
        #expect(t.apply(UdevDevice(action: .add, subsystem: "block", devtype: "disk", devpath: "/devices/x/sda")) == [])
        // An ST-LINK id but no serial cannot be tracked by a stable key.
        var noSerial = usbDevice(.add, serial: "")
        noSerial.properties["ID_SERIAL_SHORT"] = nil
        #expect(t.apply(noSerial) == [])
        #expect(t.probes.isEmpty)
    }

    @Test func ignoresTTYsOfOtherSerials() {
        var t = ProbeTracker(ids: stlinkIDs)
        _ = t.apply(usbDevice(.add, serial: serial))
        #expect(t.apply(ttyDevice(.add, serial: "OTHER", port: "1-2", node: "/dev/ttyACM5")) == [])
        #expect(t.probes[serial]?.ttyPath == nil)
        #expect(t.apply(ttyDevice(.remove, serial: "OTHER", port: "1-2", node: "/dev/ttyACM5")) == [])
    }

    @Test func twoProbesPairedBySerialNotOrder() {
        var t = ProbeTracker(ids: stlinkIDs)
        _ = t.apply(ttyDevice(.add, serial: "B", port: "1-2", node: "/dev/ttyACM0"))
        _ = t.apply(usbDevice(.add, serial: "A", port: "1-1"))
        _ = t.apply(ttyDevice(.add, serial: "A", port: "1-1", node: "/dev/ttyACM1"))
        _ = t.apply(usbDevice(.add, serial: "B", port: "1-2"))
        #expect(t.probes["A"]?.ttyPath == "/dev/ttyACM1")
        #expect(t.probes["B"]?.ttyPath == "/dev/ttyACM0")
    }

    @Test func idsCompareWithoutCase() {
        #expect(stlinkIDs.contains(vendor: "0483", product: "374b"))
        #expect(stlinkIDs.contains(vendor: "0483", product: "374B"))
        #expect(!stlinkIDs.contains(vendor: "0483", product: nil))
        #expect(!stlinkIDs.contains(vendor: "0483", product: "5740"))
    }
}
