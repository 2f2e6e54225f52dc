import Foundation

/// Writes a firmware image as Intel HEX (sparse: only the segments) or as BIN (one block from the
/// lowest to the highest address, gaps filled with the erased value 0xFF). Written to a temporary
/// file and renamed, so a half-written image never looks complete.
public enum ImageWriter {
    public static func write(_ image: FirmwareImage, to path: String) throws {
        let bytes: [UInt8]
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "hex", "ihex": bytes = Array(intelHex(image).utf8)
        case "bin": bytes = binary(image)
        default:
            throw CocoaError(.fileWriteUnsupportedScheme, userInfo: [NSLocalizedDescriptionKey:
                "\(path): give the output a .hex or .bin name (Intel HEX keeps the gap between harness and model empty; BIN fills it with 0xFF)"])
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Records of 16 data bytes, an extended linear address (04) whenever the upper 16 bits change,
    /// the start address (05) when the image has an entry point, and the end-of-file record.
    public static func intelHex(_ image: FirmwareImage) -> String {
        var lines: [String] = []
        var upper: UInt32? = nil
        func record(_ type: UInt8, _ address: UInt16, _ data: [UInt8]) {
            var bytes = [UInt8(data.count), UInt8(address >> 8), UInt8(address & 0xFF), type] + data
            let sum = bytes.reduce(0) { $0 &+ $1 }
            bytes.append(0 &- sum)
            lines.append(":" + bytes.map { String(format: "%02X", $0) }.joined())
        }
        for segment in image.segments {
            var offset = 0
            while offset < segment.bytes.count {
                let address = segment.address &+ UInt32(offset)
                if upper != address >> 16 {
                    upper = address >> 16
                    record(0x04, 0, [UInt8(address >> 24), UInt8((address >> 16) & 0xFF)])
                }
                // Stop each record at a 64 KB boundary so the 16-bit offset never wraps.
                let toBoundary = Int(0x1_0000 - (address & 0xFFFF))
                let n = min(16, segment.bytes.count - offset, toBoundary)
                record(0x00, UInt16(address & 0xFFFF), Array(segment.bytes[offset..<offset + n]))
                offset += n
            }
        }
        if let entry = image.entryPoint {
            record(0x05, 0, [UInt8(entry >> 24), UInt8((entry >> 16) & 0xFF), UInt8((entry >> 8) & 0xFF), UInt8(entry & 0xFF)])
        }
        record(0x01, 0, [])
        return lines.joined(separator: "\n") + "\n"
    }

    public static func binary(_ image: FirmwareImage) -> [UInt8] {
        guard let first = image.segments.first else { return [] }
        let end = image.segments.map(\.end).max()!
        var bytes = [UInt8](repeating: 0xFF, count: Int(end - UInt64(first.address)))
        for s in image.segments {
            let at = Int(s.address - first.address)
            bytes.replaceSubrange(at..<at + s.bytes.count, with: s.bytes)
        }
        return bytes
    }
}
