/// The fields of a device descriptor a host needs (USB 2.0 table 9-8).
public struct DeviceDescriptorFields: Equatable, Sendable {
    public let usbVersion: UInt16
    public let deviceClass: UInt8, deviceSubClass: UInt8, deviceProtocol: UInt8
    public let maxPacketSize0: UInt8
    public let idVendor: UInt16, idProduct: UInt16, bcdDevice: UInt16
    public let manufacturerIndex: UInt8, productIndex: UInt8, serialIndex: UInt8
    public let numConfigurations: UInt8

    public init?(_ b: [UInt8]) {
        guard b.count >= 18, b[0] == 18, b[1] == DescriptorType.device else { return nil }
        func le(_ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
        usbVersion = le(2); deviceClass = b[4]; deviceSubClass = b[5]; deviceProtocol = b[6]; maxPacketSize0 = b[7]
        idVendor = le(8); idProduct = le(10); bcdDevice = le(12)
        manufacturerIndex = b[14]; productIndex = b[15]; serialIndex = b[16]; numConfigurations = b[17]
    }
}

/// A configuration descriptor walked into its interfaces, each with its endpoints, so a host can
/// find a function (the CDC-ACM pair of a VCP) wherever a probe model puts it.
public struct ParsedConfiguration: Equatable, Sendable {
    public struct Endpoint: Equatable, Sendable {
        public let address: UInt8, attributes: UInt8, maxPacket: UInt16, interval: UInt8
        public var isIn: Bool { address & 0x80 != 0 }
        public var isBulk: Bool { attributes & 3 == 2 }
    }
    public struct Interface: Equatable, Sendable {
        public let number: UInt8, alternate: UInt8
        public let interfaceClass: UInt8, subclass: UInt8, `protocol`: UInt8, nameIndex: UInt8
        public var endpoints: [Endpoint]
    }

    public let value: UInt8
    public let attributes: UInt8
    public let maxPowerMA: Int
    public private(set) var interfaces: [Interface] = []
    /// (first interface, count, function class) of each interface association.
    public private(set) var associations: [(first: UInt8, count: UInt8, functionClass: UInt8)] = []

    public init?(_ b: [UInt8]) {
        guard b.count >= 9, b[1] == DescriptorType.configuration else { return nil }
        value = b[5]; attributes = b[7]; maxPowerMA = Int(b[8]) * 2
        var i = Int(b[0])
        while i + 1 < b.count {
            let length = Int(b[i])
            guard length >= 2, i + length <= b.count else { return nil }
            let d = Array(b[i..<(i + length)])
            switch d[1] {
            case DescriptorType.interface where length >= 9:
                interfaces.append(Interface(number: d[2], alternate: d[3], interfaceClass: d[5], subclass: d[6],
                                            protocol: d[7], nameIndex: d[8], endpoints: []))
            case DescriptorType.endpoint where length >= 7 && !interfaces.isEmpty:
                interfaces[interfaces.count - 1].endpoints.append(
                    Endpoint(address: d[2], attributes: d[3], maxPacket: UInt16(d[4]) | UInt16(d[5]) << 8, interval: d[6]))
            case DescriptorType.interfaceAssociation where length >= 8:
                associations.append((first: d[2], count: d[3], functionClass: d[4]))
            default: break
            }
            i += length
        }
    }

    public static func == (a: ParsedConfiguration, b: ParsedConfiguration) -> Bool {
        a.value == b.value && a.attributes == b.attributes && a.interfaces == b.interfaces
    }

    /// A CDC-ACM virtual COM port: its control interface (class 2, subclass 2; class requests go
    /// to it) and the bulk IN and OUT endpoints of its data interface (class 0x0A).
    public var cdcACM: (control: UInt8, bulkIn: UInt8, bulkOut: UInt8)? {
        guard let control = interfaces.first(where: { $0.interfaceClass == 0x02 && $0.subclass == 0x02 }),
              let data = interfaces.first(where: { $0.interfaceClass == 0x0A }),
              let input = data.endpoints.first(where: { $0.isIn && $0.isBulk }),
              let output = data.endpoints.first(where: { !$0.isIn && $0.isBulk }) else { return nil }
        return (control.number, input.address, output.address)
    }
}
