/// A number written in the board files as a hex string ("0x08000000"), decoded strictly: a typo in a
/// chip file is reported with the offending text, never read as zero.
public struct HexNumber: Codable, Sendable, Hashable {
    public let value: UInt32

    public init(_ value: UInt32) { self.value = value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = HexNumber.parse(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not a hex number like 0x08000000")
        }
        self.value = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode("0x" + String(value, radix: 16, uppercase: true))
    }

    /// Accepts "0x1F", "0X1f"; rejects anything else (including decimal, so the files stay uniform).
    public static func parse(_ text: String) -> UInt32? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("0x") else { return nil }
        return UInt32(trimmed.dropFirst(2), radix: 16)
    }
}

import Foundation
