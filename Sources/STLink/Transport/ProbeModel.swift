/// The ST-LINK families we drive. They differ in endpoints, USB speed, transfer limits and commands.
public enum ProbeFamily: String, Sendable, Codable, CaseIterable {
    case v2 = "V2"
    case v2_1 = "V2-1"
    case v3 = "V3"
}

/// One USB product of ST's (vendor 0x0483): which family it belongs to and what to call it.
public struct ProbeModel: Sendable, Hashable, CustomStringConvertible {
    public static let vendorID: UInt16 = 0x0483

    public let productID: UInt16
    public let family: ProbeFamily
    public let name: String

    /// Bulk endpoints of the debug interface (interface 0).
    public var outEndpoint: UInt8 { family == .v2 ? 0x02 : 0x01 }
    public var inEndpoint: UInt8 { 0x81 }
    public var traceEndpoint: UInt8 { family == .v2 ? 0x83 : 0x82 }

    public var description: String { name }

    /// Every debug probe we know. V1 (0x3744, SCSI framing) and the V3 DFU loaders are not probes we drive.
    public static let known: [ProbeModel] = [
        ProbeModel(productID: 0x3748, family: .v2, name: "ST-LINK/V2"),
        ProbeModel(productID: 0x374B, family: .v2_1, name: "ST-LINK/V2-1"),
        ProbeModel(productID: 0x3752, family: .v2_1, name: "ST-LINK/V2-1 (no mass storage)"),
        ProbeModel(productID: 0x374A, family: .v2_1, name: "ST-LINK/V2-1 (audio)"),
        ProbeModel(productID: 0x374E, family: .v3, name: "STLINK-V3E"),
        ProbeModel(productID: 0x374F, family: .v3, name: "STLINK-V3S"),
        ProbeModel(productID: 0x3753, family: .v3, name: "STLINK-V3 (two VCPs)"),
        ProbeModel(productID: 0x3754, family: .v3, name: "STLINK-V3E (no mass storage)"),
        ProbeModel(productID: 0x3757, family: .v3, name: "STLINK-V3PWR"),
    ]

    /// Products that carry ST's vendor id but are not debug probes we can use, with the reason.
    public static let unsupported: [UInt16: String] = [
        0x3744: "ST-LINK/V1 (SCSI framing) is not supported; use an ST-LINK/V2 or newer",
        0x374D: "an STLINK-V3 in its firmware loader (DFU); finish or cancel the firmware upgrade and replug it",
        0x3755: "an STLINK-V3 in its firmware loader (DFU); finish or cancel the firmware upgrade and replug it",
    ]

    public static func model(productID: UInt16) -> ProbeModel? {
        known.first { $0.productID == productID }
    }
}

/// Which probe a transport talks to.
public struct ProbeIdentity: Sendable, Hashable {
    public let model: ProbeModel
    /// The USB serial number as udev's ID_SERIAL_SHORT shows it (binary serials hex-encoded).
    public let serial: String

    public init(model: ProbeModel, serial: String) {
        self.model = model
        self.serial = serial
    }
}

/// A serial number string descriptor's UTF-16 units as udev shows them: printable ASCII as it is,
/// anything else (old V2 firmware's 12 raw bytes) hex-encoded from the units' low bytes.
public func normalizedSerial(utf16 units: [UInt16]) -> String {
    if units.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
        return String(decoding: units.map { UInt8($0) }, as: UTF8.self)
    }
    return normalizedSerial(units.map { UInt8(truncatingIfNeeded: $0) })
}

/// Old ST-LINK/V2 firmware reports its serial number as 12 raw bytes in the USB string descriptor.
/// Tools and udev show it hex-encoded; anything printable stays as it is.
public func normalizedSerial(_ raw: [UInt8]) -> String {
    let printable = !raw.isEmpty && raw.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    if printable { return String(decoding: raw, as: UTF8.self) }
    return raw.map { byte in
        let s = String(byte, radix: 16, uppercase: true)
        return s.count < 2 ? "0" + s : s
    }.joined()
}
