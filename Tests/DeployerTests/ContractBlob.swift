import Foundation
@testable import Deployer

/// A version-1 blob given the input contract of docs/model-format.md: header bytes 72 ..< 100
/// inserted, every offset after them moved by 28, the CRC recomputed. Written from the spec's
/// table, not from the reader, so a test of the reader checks it against the document.
enum ContractBlob {
    struct Fields {
        var range: UInt8 = 1, order: UInt8 = 1, layout: UInt8 = 1, reserved: UInt8 = 0
        var scale: [Float] = [1 / 255, 1 / 255, 1 / 255], offset: [Float] = [0, 0, 0]

        static let unit = Fields()
        static let centered = Fields(range: 2, scale: [1 / 127.5, 1 / 127.5, 1 / 127.5], offset: [-1, -1, -1])
        static let realValues = Fields(range: 5, scale: [0, 0, 0], offset: [0, 0, 0])
    }

    static func adding(_ f: Fields, to blob: [UInt8]) -> [UInt8] {
        precondition(u16(blob, 6) == 72, "the blob already has a header extension")
        var ext: [UInt8] = [f.range, f.order, f.layout, f.reserved]
        for v in f.scale + f.offset { ext += le32(v.bitPattern) }
        precondition(ext.count == 28)
        var out = Array(blob[0..<72]) + ext + Array(blob[72...])
        put16(&out, 6, 100)
        put32(&out, 8, u32(out, 8) + 28)
        for field in [60, 64, 68] { put32(&out, field, u32(out, field) + 28) }   // name, labels, layers
        put32(&out, 12, crc32(out[16...]))
        return out
    }

    /// The blob as a writer without the contract would have written it: bytes 72 ..< 100 removed,
    /// the offsets moved back, the CRC recomputed. A blob without an extension is returned as it is.
    static func stripping(_ blob: [UInt8]) -> [UInt8] {
        guard u16(blob, 6) == 100 else { return blob }
        var out = Array(blob[0..<72]) + Array(blob[100...])
        put16(&out, 6, 72)
        put32(&out, 8, u32(out, 8) - 28)
        for field in [60, 64, 68] { put32(&out, field, u32(out, field) - 28) }
        put32(&out, 12, crc32(out[16...]))
        return out
    }

    /// Writes `bytes` to a temporary .hilm and returns its path.
    static func write(_ bytes: [UInt8], name: String = "model") throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hil-contract-\(UUID())-\(name).hilm")
        try Data(bytes).write(to: url)
        return url.path
    }

    static func u16(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
    static func u32(_ b: [UInt8], _ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[at + $1]) << (8 * $1) } }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func put16(_ b: inout [UInt8], _ at: Int, _ v: UInt16) { b[at] = UInt8(v & 0xFF); b[at + 1] = UInt8(v >> 8) }
    static func put32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) { b.replaceSubrange(at..<(at + 4), with: le32(v)) }

    /// zlib's CRC-32 (docs/model-format.md, header field crc32).
    static func crc32<C: Collection>(_ data: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
