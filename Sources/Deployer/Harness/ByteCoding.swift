/// Little-endian builders and readers for frame payloads: every multi-byte field on the wire is LE.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v & 0xFF)); bytes.append(UInt8(v >> 8)) }
    mutating func u32(_ v: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((v >> UInt32(shift)) & 0xFF)) } }
    mutating func u64(_ v: UInt64) { u32(UInt32(v & 0xFFFF_FFFF)); u32(UInt32(v >> 32)) }
    mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func raw(_ v: some Sequence<UInt8>) { bytes.append(contentsOf: v) }
    /// A length-prefixed (u8) UTF-8 string, cut at 255 bytes.
    mutating func text(_ s: String) { let b = Array(s.utf8.prefix(255)); u8(UInt8(b.count)); raw(b) }
}

/// Reads a payload front to back; running past its end throws, so a short payload is an error,
/// never a crash.
struct ByteReader {
    struct Short: Error {}
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }
    var remaining: Int { bytes.count - offset }

    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else { throw Short() }
        defer { offset += n }
        return bytes[offset..<offset + n]
    }
    mutating func u8() throws -> UInt8 { try take(1).first! }
    mutating func u16() throws -> UInt16 { let b = try take(2); return UInt16(b[b.startIndex]) | UInt16(b[b.startIndex + 1]) << 8 }
    mutating func u32() throws -> UInt32 {
        let b = try take(4)
        return b.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }
    mutating func u64() throws -> UInt64 { let lo = try u32(); return UInt64(try u32()) << 32 | UInt64(lo) }
    mutating func i32() throws -> Int32 { Int32(bitPattern: try u32()) }
    mutating func f32() throws -> Float { Float(bitPattern: try u32()) }
    mutating func rest() -> [UInt8] { defer { offset = bytes.count }; return Array(bytes[offset...]) }
    mutating func text() throws -> String { String(decoding: try take(Int(try u8())), as: UTF8.self) }
}
