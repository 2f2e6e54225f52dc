/// The descriptors a device answers GET_DESCRIPTOR with, built from its description and serial:
/// the device descriptor, the whole configuration (interfaces, associations, class-specific
/// descriptors, endpoints, in USB's order) and the string table.
///
/// String indices are given in order of first use: 1 manufacturer, 2 product, 3 serial, then the
/// interface and association names as they appear (so ST-LINK/V2-1's "ST-Link Debug" is 4).
public struct USBDescriptors: Sendable, Equatable {
    public let device: [UInt8]
    public let configuration: [UInt8]
    /// strings[i] is string descriptor i; index 0 is the language list (US English).
    public let strings: [[UInt8]]
    public let record: DeviceRecordTemplate

    public init(_ d: USBDeviceDescription, serial: String) {
        var texts = [d.device.manufacturer, d.device.product, serial]
        func index(_ text: String?) -> UInt8 {
            guard let text else { return 0 }
            if let i = texts.firstIndex(of: text) { return UInt8(i + 1) }
            texts.append(text)
            return UInt8(texts.count)
        }
        var w = ByteWriter(capacity: 18)
        w.u8(18); w.u8(DescriptorType.device); w.le16(d.device.usbVersion.u16)
        w.u8(d.device.deviceClass.u8); w.u8(d.device.deviceSubclass.u8); w.u8(d.device.deviceProtocol.u8)
        w.u8(UInt8(d.device.maxPacketSize0)); w.le16(d.device.vendorId.u16); w.le16(d.device.productId.u16)
        w.le16(d.device.bcdDevice.u16); w.u8(1); w.u8(2); w.u8(3); w.u8(1)
        device = w.bytes

        var body = ByteWriter(capacity: 128)
        for i in d.configuration.interfaces {
            if let a = i.association {
                body.u8(8); body.u8(DescriptorType.interfaceAssociation); body.u8(UInt8(a.firstInterface))
                body.u8(UInt8(a.interfaceCount)); body.u8(a.functionClass.u8); body.u8(a.functionSubclass.u8)
                body.u8(a.functionProtocol.u8); body.u8(index(a.name))
            }
            body.u8(9); body.u8(DescriptorType.interface); body.u8(UInt8(i.number)); body.u8(0)
            body.u8(UInt8(i.endpoints.count)); body.u8(i.interfaceClass.u8); body.u8(i.interfaceSubclass.u8)
            body.u8(i.interfaceProtocol.u8); body.u8(index(i.name))
            for text in i.classDescriptors ?? [] { body.append(USBDeviceDescription.hexBytes(text) ?? []) }
            for e in i.endpoints {
                body.u8(7); body.u8(DescriptorType.endpoint); body.u8(e.address.u8); body.u8(e.attributes)
                body.le16(UInt16(e.maxPacket)); body.u8(UInt8(e.interval ?? 0))
            }
        }
        var c = ByteWriter(capacity: 9 + body.bytes.count)
        c.u8(9); c.u8(DescriptorType.configuration); c.le16(UInt16(9 + body.bytes.count))
        c.u8(UInt8(d.configuration.interfaces.count)); c.u8(UInt8(d.configuration.value)); c.u8(0)
        c.u8(d.configuration.attributes.u8); c.u8(UInt8(min(255, d.configuration.maxPowerMa / 2)))
        c.append(body.bytes)
        configuration = c.bytes

        strings = [[4, DescriptorType.string, 0x09, 0x04]] + texts.map(Self.stringDescriptor)
        let speed: UInt32 = ["low": 1, "full": 2, "high": 3][d.device.speed] ?? 2
        record = DeviceRecordTemplate(speed: speed, idVendor: d.device.vendorId.u16, idProduct: d.device.productId.u16,
                                      bcdDevice: d.device.bcdDevice.u16, deviceClass: d.device.deviceClass.u8,
                                      deviceSubClass: d.device.deviceSubclass.u8, deviceProtocol: d.device.deviceProtocol.u8,
                                      configurationValue: UInt8(d.configuration.value),
                                      interfaces: d.configuration.interfaces.map {
                                          InterfaceClass($0.interfaceClass.u8, $0.interfaceSubclass.u8, $0.interfaceProtocol.u8)
                                      })
    }

    /// A string descriptor: length, type 3, the text in UTF-16LE (at most 126 code units).
    public static func stringDescriptor(_ text: String) -> [UInt8] {
        let units = Array(text.utf16.prefix(126))
        var w = ByteWriter(capacity: 2 + units.count * 2)
        w.u8(UInt8(2 + units.count * 2)); w.u8(DescriptorType.string)
        for u in units { w.le16(u) }
        return w.bytes
    }

    /// The UTF-16 code units of a string descriptor (nil when it is not one).
    public static func stringUnits(_ bytes: [UInt8]) -> [UInt16]? {
        guard bytes.count >= 2, bytes[1] == DescriptorType.string else { return nil }
        let length = min(Int(bytes[0]), bytes.count)
        return stride(from: 2, to: length - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
    }
}

/// The parts of a device record that come from its descriptors; the exporter adds path and bus.
public struct DeviceRecordTemplate: Sendable, Equatable {
    public let speed: UInt32
    public let idVendor: UInt16, idProduct: UInt16, bcdDevice: UInt16
    public let deviceClass: UInt8, deviceSubClass: UInt8, deviceProtocol: UInt8
    public let configurationValue: UInt8
    public let interfaces: [InterfaceClass]

    public func record(path: String, busid: String, busnum: UInt32, devnum: UInt32) -> DeviceRecord {
        DeviceRecord(path: path, busid: busid, busnum: busnum, devnum: devnum, speed: speed, idVendor: idVendor,
                     idProduct: idProduct, bcdDevice: bcdDevice, deviceClass: deviceClass, deviceSubClass: deviceSubClass,
                     deviceProtocol: deviceProtocol, configurationValue: configurationValue, numConfigurations: 1,
                     interfaces: interfaces)
    }
}
