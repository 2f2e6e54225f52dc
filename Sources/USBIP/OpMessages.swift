/// The operations before a device is imported (usbip_protocol.rst, "Message Format"): a common
/// 8-byte header (version, code, status), then the list of exported devices or one import.
public enum USBIPOp {
    /// v1.1.1, the only version the kernel's tools speak; they refuse a reply with another.
    public static let version: UInt16 = 0x0111
    public static let reqDevlist: UInt16 = 0x8005
    public static let repDevlist: UInt16 = 0x0005
    public static let reqImport: UInt16 = 0x8003
    public static let repImport: UInt16 = 0x0003
    /// OP_REP_IMPORT status: 0 OK, 1 error (unknown busid, already imported, …).
    public static let statusOK: UInt32 = 0
    public static let statusError: UInt32 = 1
    /// The well-known port of usbipd.
    public static let defaultPort = 3240
}

/// version, code, status: the start of every OP_REQ_* and OP_REP_* message.
public struct OpHeader: Equatable, Sendable {
    public static let size = 8
    public var version: UInt16
    public var code: UInt16
    public var status: UInt32

    public init(version: UInt16 = USBIPOp.version, code: UInt16, status: UInt32 = 0) {
        self.version = version; self.code = code; self.status = status
    }

    public func encode(into w: inout ByteWriter) { w.u16(version); w.u16(code); w.u32(status) }
    public var bytes: [UInt8] { var w = ByteWriter(); encode(into: &w); return w.bytes }

    public static func decode(_ bytes: [UInt8]) throws(USBIPProtocolError) -> OpHeader {
        var r = ByteReader(bytes)
        return OpHeader(version: try r.u16(), code: try r.u16(), status: try r.u32())
    }
}

/// class, subclass, protocol of one interface, as OP_REP_DEVLIST lists them (4 bytes with padding).
public struct InterfaceClass: Equatable, Sendable {
    public var interfaceClass: UInt8, subclass: UInt8, `protocol`: UInt8
    public init(_ c: UInt8, _ s: UInt8, _ p: UInt8) { interfaceClass = c; subclass = s; `protocol` = p }
}

/// The 312-byte description of an exported device (usbip_usb_device), in OP_REP_DEVLIST (followed
/// by its interfaces) and OP_REP_IMPORT (without them).
public struct DeviceRecord: Equatable, Sendable {
    public static let size = 312
    public var path: String
    public var busid: String
    public var busnum: UInt32
    public var devnum: UInt32
    /// USB speed as the kernel numbers it: 1 low, 2 full, 3 high, 5 super.
    public var speed: UInt32
    public var idVendor: UInt16
    public var idProduct: UInt16
    public var bcdDevice: UInt16
    public var deviceClass: UInt8, deviceSubClass: UInt8, deviceProtocol: UInt8
    public var configurationValue: UInt8
    public var numConfigurations: UInt8
    public var interfaces: [InterfaceClass]

    public init(path: String, busid: String, busnum: UInt32, devnum: UInt32, speed: UInt32, idVendor: UInt16,
                idProduct: UInt16, bcdDevice: UInt16, deviceClass: UInt8, deviceSubClass: UInt8, deviceProtocol: UInt8,
                configurationValue: UInt8, numConfigurations: UInt8, interfaces: [InterfaceClass]) {
        self.path = path; self.busid = busid; self.busnum = busnum; self.devnum = devnum; self.speed = speed
        self.idVendor = idVendor; self.idProduct = idProduct; self.bcdDevice = bcdDevice
        self.deviceClass = deviceClass; self.deviceSubClass = deviceSubClass; self.deviceProtocol = deviceProtocol
        self.configurationValue = configurationValue; self.numConfigurations = numConfigurations
        self.interfaces = interfaces
    }

    /// What URBs for this device carry as devid: (busnum << 16) | devnum.
    public var devid: UInt32 { busnum << 16 | devnum }

    public func encode(into w: inout ByteWriter, withInterfaces: Bool) {
        w.text(path, size: 256); w.text(busid, size: 32)
        w.u32(busnum); w.u32(devnum); w.u32(speed)
        w.u16(idVendor); w.u16(idProduct); w.u16(bcdDevice)
        w.u8(deviceClass); w.u8(deviceSubClass); w.u8(deviceProtocol)
        w.u8(configurationValue); w.u8(numConfigurations); w.u8(UInt8(interfaces.count))
        guard withInterfaces else { return }
        for i in interfaces { w.u8(i.interfaceClass); w.u8(i.subclass); w.u8(i.protocol); w.u8(0) }
    }

    public static func decode(_ r: inout ByteReader, withInterfaces: Bool) throws(USBIPProtocolError) -> DeviceRecord {
        var d = DeviceRecord(path: try r.text(size: 256), busid: try r.text(size: 32), busnum: try r.u32(),
                             devnum: try r.u32(), speed: try r.u32(), idVendor: try r.u16(), idProduct: try r.u16(),
                             bcdDevice: try r.u16(), deviceClass: try r.u8(), deviceSubClass: try r.u8(),
                             deviceProtocol: try r.u8(), configurationValue: try r.u8(), numConfigurations: try r.u8(),
                             interfaces: [])
        let count = Int(try r.u8())
        guard withInterfaces else { return d }
        for _ in 0..<count {
            d.interfaces.append(InterfaceClass(try r.u8(), try r.u8(), try r.u8()))
            _ = try r.u8()
        }
        return d
    }
}

/// OP_REP_DEVLIST: header, device count, then each device with its interfaces.
public func encodeDevlistReply(_ devices: [DeviceRecord]) -> [UInt8] {
    var w = ByteWriter(capacity: 12 + devices.count * 330)
    OpHeader(code: USBIPOp.repDevlist).encode(into: &w)
    w.u32(UInt32(devices.count))
    for d in devices { d.encode(into: &w, withInterfaces: true) }
    return w.bytes
}

/// OP_REQ_IMPORT: header and the busid (32 bytes).
public func encodeImportRequest(busid: String) -> [UInt8] {
    var w = ByteWriter(capacity: 40)
    OpHeader(code: USBIPOp.reqImport).encode(into: &w)
    w.text(busid, size: 32)
    return w.bytes
}

/// OP_REP_IMPORT: the device without its interfaces when the import succeeded, else the header alone.
public func encodeImportReply(_ device: DeviceRecord?) -> [UInt8] {
    var w = ByteWriter(capacity: 8 + DeviceRecord.size)
    OpHeader(code: USBIPOp.repImport, status: device == nil ? USBIPOp.statusError : USBIPOp.statusOK).encode(into: &w)
    device?.encode(into: &w, withInterfaces: false)
    return w.bytes
}
