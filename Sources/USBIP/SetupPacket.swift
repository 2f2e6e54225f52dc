/// The 8-byte setup packet of a control transfer (USB 2.0 §9.3), little endian as USB writes it.
public struct SetupPacket: Equatable, Sendable, CustomStringConvertible {
    public var requestType: UInt8
    public var request: UInt8
    public var value: UInt16
    public var index: UInt16
    public var length: UInt16

    public init(requestType: UInt8, request: UInt8, value: UInt16 = 0, index: UInt16 = 0, length: UInt16 = 0) {
        self.requestType = requestType; self.request = request; self.value = value; self.index = index; self.length = length
    }

    public init?(_ bytes: [UInt8]) {
        guard bytes.count >= 8 else { return nil }
        requestType = bytes[0]
        request = bytes[1]
        value = UInt16(bytes[2]) | UInt16(bytes[3]) << 8
        index = UInt16(bytes[4]) | UInt16(bytes[5]) << 8
        length = UInt16(bytes[6]) | UInt16(bytes[7]) << 8
    }

    public var bytes: [UInt8] {
        var w = ByteWriter(capacity: 8)
        w.u8(requestType); w.u8(request); w.le16(value); w.le16(index); w.le16(length)
        return w.bytes
    }

    /// Device to host (IN data stage, or none).
    public var isIn: Bool { requestType & 0x80 != 0 }

    public var description: String {
        func h(_ v: UInt16) -> String { "0x" + String(v, radix: 16) }
        return "request 0x\(String(request, radix: 16)) (type 0x\(String(requestType, radix: 16)), value \(h(value)), index \(h(index)), length \(length))"
    }

    // MARK: the requests hil sends or answers

    public static func getDescriptor(type: UInt8, index: UInt8 = 0, language: UInt16 = 0, length: UInt16) -> SetupPacket {
        SetupPacket(requestType: 0x80, request: USBRequest.getDescriptor, value: UInt16(type) << 8 | UInt16(index),
                    index: language, length: length)
    }

    public static func setConfiguration(_ value: UInt8) -> SetupPacket {
        SetupPacket(requestType: 0x00, request: USBRequest.setConfiguration, value: UInt16(value))
    }

    /// CDC SET_LINE_CODING to the control interface; 7 bytes of line coding follow.
    public static func setLineCoding(interface: UInt8) -> SetupPacket {
        SetupPacket(requestType: 0x21, request: USBRequest.cdcSetLineCoding, index: UInt16(interface), length: 7)
    }

    /// CDC SET_CONTROL_LINE_STATE: bit 0 DTR, bit 1 RTS (cdc-acm raises both on open).
    public static func setControlLineState(interface: UInt8, dtr: Bool, rts: Bool) -> SetupPacket {
        SetupPacket(requestType: 0x21, request: USBRequest.cdcSetControlLineState,
                    value: (dtr ? 1 : 0) | (rts ? 2 : 0), index: UInt16(interface))
    }

    /// SET_FEATURE(PORT_RESET) to the port (bmRequestType 0x23): the request usbip's stub driver
    /// turns into a reset of the exported device (drivers/usb/usbip/stub_rx.c).
    public static let portReset = SetupPacket(requestType: 0x23, request: USBRequest.setFeature, value: USBRequest.featurePortReset)
}

/// Request codes: USB 2.0 chapter 9, CDC PSTN 1.2 §6.3, mass storage bulk-only §3.
public enum USBRequest {
    public static let getStatus: UInt8 = 0x00
    public static let clearFeature: UInt8 = 0x01
    public static let setFeature: UInt8 = 0x03
    public static let setAddress: UInt8 = 0x05
    public static let getDescriptor: UInt8 = 0x06
    public static let getConfiguration: UInt8 = 0x08
    public static let setConfiguration: UInt8 = 0x09
    public static let getInterface: UInt8 = 0x0A
    public static let setInterface: UInt8 = 0x0B
    public static let featurePortReset: UInt16 = 4

    public static let cdcSetLineCoding: UInt8 = 0x20
    public static let cdcGetLineCoding: UInt8 = 0x21
    public static let cdcSetControlLineState: UInt8 = 0x22
    public static let cdcSendBreak: UInt8 = 0x23

    public static let mscGetMaxLUN: UInt8 = 0xFE
    public static let mscReset: UInt8 = 0xFF
}

/// Descriptor types (USB 2.0 table 9-5, and the IAD ECN).
public enum DescriptorType {
    public static let device: UInt8 = 1
    public static let configuration: UInt8 = 2
    public static let string: UInt8 = 3
    public static let interface: UInt8 = 4
    public static let endpoint: UInt8 = 5
    public static let deviceQualifier: UInt8 = 6
    public static let interfaceAssociation: UInt8 = 11
    public static let classInterface: UInt8 = 0x24
}

/// CDC line coding (PSTN 1.2 table 17): rate, stop bits, parity, data bits; 7 bytes little endian.
public struct LineCoding: Equatable, Sendable {
    public var baud: UInt32
    public var stopBits: UInt8 = 0       // 0: 1 stop bit
    public var parity: UInt8 = 0         // 0: none
    public var dataBits: UInt8 = 8

    public init(baud: UInt32, stopBits: UInt8 = 0, parity: UInt8 = 0, dataBits: UInt8 = 8) {
        self.baud = baud; self.stopBits = stopBits; self.parity = parity; self.dataBits = dataBits
    }

    public init?(_ bytes: [UInt8]) {
        guard bytes.count >= 7 else { return nil }
        baud = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        stopBits = bytes[4]; parity = bytes[5]; dataBits = bytes[6]
    }

    public var bytes: [UInt8] {
        [UInt8(truncatingIfNeeded: baud), UInt8(truncatingIfNeeded: baud >> 8), UInt8(truncatingIfNeeded: baud >> 16),
         UInt8(truncatingIfNeeded: baud >> 24), stopBits, parity, dataBits]
    }
}
