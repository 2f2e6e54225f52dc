import Foundation

/// A USB device as its descriptors describe it, read from a JSON file (`boards/probes/*.json`):
/// identity, strings, and one configuration with its interfaces and endpoints. Each interface
/// may carry a `role`, which is what an exporter routes its endpoints to ("debug", "vcp_control",
/// "vcp_data", "mass_storage"); USB itself never sees it.
public struct USBDeviceDescription: Codable, Sendable, Equatable {
    public var name: String
    /// Where each fact came from; kept with the data, never sent.
    public var sources: [String]?
    public var device: Device
    public var configuration: Configuration

    public struct Device: Codable, Sendable, Equatable {
        public var usbVersion: HexValue
        public var deviceClass: HexValue
        public var deviceSubclass: HexValue
        public var deviceProtocol: HexValue
        public var maxPacketSize0: Int
        public var vendorId: HexValue
        public var productId: HexValue
        public var bcdDevice: HexValue
        public var manufacturer: String
        public var product: String
        /// "low", "full" or "high".
        public var speed: String
    }

    public struct Configuration: Codable, Sendable, Equatable {
        public var value: Int
        public var attributes: HexValue
        public var maxPowerMa: Int
        public var interfaces: [Interface]
    }

    public struct Interface: Codable, Sendable, Equatable {
        public var number: Int
        public var interfaceClass: HexValue
        public var interfaceSubclass: HexValue
        public var interfaceProtocol: HexValue
        public var name: String?
        public var role: String?
        /// An interface association descriptor placed before this interface (CDC's two interfaces).
        public var association: Association?
        /// Class-specific descriptors (CDC functional descriptors) as hex bytes, "05 24 00 10 01".
        public var classDescriptors: [String]?
        public var endpoints: [Endpoint]
    }

    public struct Association: Codable, Sendable, Equatable {
        public var firstInterface: Int
        public var interfaceCount: Int
        public var functionClass: HexValue
        public var functionSubclass: HexValue
        public var functionProtocol: HexValue
        public var name: String?
    }

    public struct Endpoint: Codable, Sendable, Equatable {
        public var address: HexValue
        /// "control", "isochronous", "bulk" or "interrupt".
        public var type: String
        public var maxPacket: Int
        public var interval: Int?

        public var isIn: Bool { address.value & 0x80 != 0 }
        public var attributes: UInt8 {
            switch type { case "isochronous": return 1; case "bulk": return 2; case "interrupt": return 3; default: return 0 }
        }
    }

    /// Reads and checks a description file; every problem names the file.
    public static func load(path: String) throws(USBDescriptionError) -> USBDeviceDescription {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let description: USBDeviceDescription
        do { description = try decoder.decode(USBDeviceDescription.self, from: data) } catch {
            throw .invalid(path: path, reason: "\(error)")
        }
        if let problem = description.problem { throw .invalid(path: path, reason: problem) }
        return description
    }

    /// What makes the description unusable, or nil.
    var problem: String? {
        if !["low", "full", "high"].contains(device.speed) { return "device.speed '\(device.speed)' is not low, full or high" }
        let numbers = configuration.interfaces.map(\.number)
        if numbers != Array(0..<numbers.count) { return "interfaces must be numbered 0, 1, 2… in order, not \(numbers)" }
        for i in configuration.interfaces {
            for text in i.classDescriptors ?? [] where Self.hexBytes(text) == nil {
                return "interface \(i.number): class descriptor '\(text)' is not hex bytes"
            }
            for e in i.endpoints where !["control", "isochronous", "bulk", "interrupt"].contains(e.type) {
                return "interface \(i.number): endpoint type '\(e.type)' is not control, isochronous, bulk or interrupt"
            }
        }
        return nil
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: " ")
        let bytes = parts.compactMap { UInt8($0, radix: 16) }
        return bytes.count == parts.count && !bytes.isEmpty ? bytes : nil
    }

    /// The interface with `role`, if any.
    public func interface(role: String) -> Interface? { configuration.interfaces.first { $0.role == role } }
}

/// A number written in JSON either as a number or as a "0x…" string (USB ids read better in hex).
public struct HexValue: Codable, Sendable, Equatable, ExpressibleByIntegerLiteral {
    public var value: Int
    public init(integerLiteral value: Int) { self.value = value }
    public init(_ value: Int) { self.value = value }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) { value = n; return }
        let text = try c.decode(String.self)
        guard text.lowercased().hasPrefix("0x"), let n = Int(text.dropFirst(2), radix: 16) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(text)' is not a number or a 0x… hex string")
        }
        value = n
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(String(format: "0x%04X", value))
    }
    var u8: UInt8 { UInt8(truncatingIfNeeded: value) }
    var u16: UInt16 { UInt16(truncatingIfNeeded: value) }
}

public enum USBDescriptionError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case invalid(path: String, reason: String)
    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "cannot read the USB device description \(path): \(reason)"
        case let .invalid(path, reason): return "the USB device description \(path) is not valid: \(reason)"
        }
    }
}
