/// Consistent Overhead Byte Stuffing (Cheshire and Baker, 1999): removes every 0x00 from a frame
/// so 0x00 can delimit frames, at a cost of at most one byte per 254 (plus the delimiter).
///
/// The frame is cut at each zero into blocks; each block travels as a code byte (its length + 1)
/// and its non-zero bytes, and stands for itself followed by a zero. A block of 254 bytes (code
/// 0xFF) stands for no zero, so long runs need no zeros to cut at. The zero implied after the last
/// block is dropped by the decoder.
public enum COBS {
    /// Encodes `data` (without the trailing delimiter).
    public static func encode(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + data.count / 254 + 2)
        var start = 0
        while true {
            var end = start
            while end < data.count, data[end] != 0, end - start < 254 { end += 1 }
            out.append(UInt8(end - start + 1))
            out.append(contentsOf: data[start..<end])
            if end == data.count { return out }
            start = end - start == 254 ? end : end + 1   // a full block consumed no zero
        }
    }

    /// Decodes one encoded frame (without its delimiter); nil when it is not valid COBS: a zero
    /// inside it, or a block that claims more bytes than follow.
    public static func decode(_ encoded: some Collection<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(encoded.count)
        var index = encoded.startIndex
        var previousCode: UInt8 = 0
        while index != encoded.endIndex {
            let code = encoded[index]
            if code == 0 { return nil }
            if previousCode != 0, previousCode != 0xFF { out.append(0) }
            index = encoded.index(after: index)
            for _ in 1..<Int(code) {
                guard index != encoded.endIndex, encoded[index] != 0 else { return nil }
                out.append(encoded[index])
                index = encoded.index(after: index)
            }
            previousCode = code
        }
        return out
    }

    /// Largest encoding of `count` bytes, delimiter excluded.
    public static func maxEncodedCount(_ count: Int) -> Int { count + count / 254 + 1 }
}
