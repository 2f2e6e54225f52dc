/// CRC-32 as IEEE 802.3 and zlib's `crc32` define it: polynomial 0x04C11DB7 reflected (0xEDB88320),
/// initial value and final XOR 0xFFFFFFFF. Written here rather than borrowed from the C runtime so
/// the host's framing does not trust the code it checks.
public enum CRC32 {
    /// CRC of a frame followed by its own CRC (little-endian): a frame whose bytes give this passed.
    public static let residue: UInt32 = 0x2144_DF1C

    private static let table: [UInt32] = (0..<256).map { index in
        var c = UInt32(index)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// Continues `crc` (0 to start) over `bytes`, as zlib's `crc32(crc, buf, len)` does.
    public static func checksum(_ bytes: some Sequence<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
        var c = ~crc
        for byte in bytes { c = table[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return ~c
    }
}
