/// The byte-level rules of GDB's Remote Serial Protocol, as pure functions so they can be tested
/// on their own: framing `$payload#cs`, the checksum, the `}` escape of binary data, run-length
/// decoding of replies and the hex encodings every other packet uses.
public enum RSPPacket {
    static let start = UInt8(ascii: "$")
    static let end = UInt8(ascii: "#")
    static let escape = UInt8(ascii: "}")
    static let repeatMarker = UInt8(ascii: "*")
    static let notification = UInt8(ascii: "%")
    static let ack = UInt8(ascii: "+")
    static let nak = UInt8(ascii: "-")
    /// Sent raw, outside any packet, to stop a running target (GDB's "Ctrl-C").
    static let interrupt: UInt8 = 0x03

    /// The modulo-256 sum of the payload's bytes as they travel (after escaping).
    public static func checksum<C: Collection>(_ payload: C) -> UInt8 where C.Element == UInt8 {
        let sum = payload.withContiguousStorageIfAvailable { bytes in
            var sum: UInt8 = 0
            for byte in bytes { sum &+= byte }
            return sum
        }
        return sum ?? payload.reduce(0) { $0 &+ $1 }
    }

    /// `$payload#cs` with the checksum as two lowercase hex digits. The payload must already be
    /// escaped if it carries binary data.
    public static func frame(_ payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [start]
        bytes.reserveCapacity(payload.count + 4)
        bytes += payload
        bytes.append(end)
        bytes += Array(hexByte(checksum(payload)).utf8)
        return bytes
    }

    /// What `scan` found in received bytes.
    package enum Scan: Equatable {
        /// No complete frame from `skipTo` on (noise before it is consumed): read more.
        case incomplete(skipTo: Int)
        /// A frame was cut off by a new '$' at `at`: start again there.
        case resynchronise(at: Int)
        /// A whole frame: its body (before run-length expansion), '$' or '%', whether the
        /// checksum matched, and where the next frame may start.
        case frame(body: [UInt8], kind: UInt8, checksumOK: Bool, next: Int)
    }

    /// Finds the next frame in `bytes` from `start`. Acks, stray interrupts and line noise before
    /// a frame start are skipped. A second '$' before the '#' means the first frame was cut off
    /// ('%' may occur inside binary data, '$' never does).
    package static func scan(_ bytes: [UInt8], from start: Int) -> Scan {
        var start = start
        while start < bytes.count, bytes[start] != self.start, bytes[start] != notification { start += 1 }
        guard start < bytes.count else { return .incomplete(skipTo: start) }
        guard let hash = bytes[(start + 1)...].firstIndex(of: end), hash + 2 < bytes.count else {
            return .incomplete(skipTo: start)
        }
        if let restart = bytes[(start + 1)..<hash].lastIndex(of: self.start) { return .resynchronise(at: restart) }
        let body = Array(bytes[(start + 1)..<hash])
        let sent = RSPPacket.bytes(fromHex: bytes[(hash + 1)...(hash + 2)])
        return .frame(body: body, kind: bytes[start], checksumOK: sent?.first == checksum(body), next: hash + 3)
    }

    /// Bytes that cannot travel unescaped in binary data: the frame markers, the escape itself,
    /// and '*', which a reader could take for a run-length marker.
    static func needsEscape(_ byte: UInt8) -> Bool {
        byte == start || byte == end || byte == escape || byte == repeatMarker
    }

    /// Binary data for an `X` packet: each special byte becomes `}` followed by it XOR 0x20.
    public static func escape(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + data.count / 16)
        for byte in data {
            if needsEscape(byte) {
                out.append(escape)
                out.append(byte ^ 0x20)
            } else {
                out.append(byte)
            }
        }
        return out
    }

    /// How many bytes `escape(data)` would produce, without building it.
    static func escapedCount<C: Collection>(_ data: C) -> Int where C.Element == UInt8 {
        data.reduce(0) { $0 + (needsEscape($1) ? 2 : 1) }
    }

    /// Undoes `escape`; nil when the data ends inside an escape.
    public static func unescape(_ data: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(data.count)
        var pendingEscape = false
        for byte in data {
            if pendingEscape {
                out.append(byte ^ 0x20)
                pendingEscape = false
            } else if byte == escape {
                pendingEscape = true
            } else {
                out.append(byte)
            }
        }
        return pendingEscape ? nil : out
    }

    /// Expands the run-length encoding stubs may use in replies: `c*n` stands for c followed by
    /// (n - 29) more copies of c. The checksum covers the encoded form, so this runs after it is
    /// verified; binary escapes (if any) are undone after this, as GDB does. Nil when a '*' has
    /// nothing to repeat or no count.
    public static func expandRunLengths(_ raw: [UInt8]) -> [UInt8]? {
        guard raw.contains(repeatMarker) else { return raw }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count * 2)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            if byte == repeatMarker {
                guard let last = out.last, index + 1 < raw.count, raw[index + 1] >= 29 else { return nil }
                out += repeatElement(last, count: Int(raw[index + 1]) - 29)
                index += 2
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    // MARK: Hex

    private static let digits = Array("0123456789abcdef".utf8)

    public static func hexByte(_ byte: UInt8) -> String {
        String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
    }

    /// Two lowercase hex digits per byte, as `m`, `M`, `p`, `P` and `qRcmd` want.
    public static func hex(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return out
    }

    static func nibble(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return char - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Nibble values by character, 0xFF for non-hex: memory reads decode megabytes of hex, and a
    /// table lookup keeps that cheap even in debug builds.
    private static let nibbles: [UInt8] = (0...255).map { nibble(UInt8($0)) ?? 0xFF }

    /// Decodes pairs of hex digits; nil on an odd count or a non-hex character.
    public static func bytes<C: Collection>(fromHex text: C) -> [UInt8]? where C.Element == UInt8 {
        if let decoded = text.withContiguousStorageIfAvailable({ decodeHex($0) }) { return decoded }
        return Array(text).withUnsafeBufferPointer { decodeHex($0) }
    }

    private static func decodeHex(_ chars: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard chars.count % 2 == 0 else { return nil }
        return nibbles.withUnsafeBufferPointer { table in
            var out = [UInt8](repeating: 0, count: chars.count / 2)
            let valid = out.withUnsafeMutableBufferPointer { bytes -> Bool in
                for index in 0..<bytes.count {
                    let high = table[Int(chars[2 * index])], low = table[Int(chars[2 * index + 1])]
                    if high > 0xF || low > 0xF { return false }
                    bytes[index] = high << 4 | low
                }
                return true
            }
            return valid ? out : nil
        }
    }

    /// A number in the protocol's big-endian hex (addresses, lengths, register numbers).
    static func number<C: Collection>(fromHex text: C) -> UInt64? where C.Element == UInt8 {
        guard !text.isEmpty, text.count <= 16 else { return nil }
        var value: UInt64 = 0
        for char in text {
            guard let digit = nibble(char) else { return nil }
            value = value << 4 | UInt64(digit)
        }
        return value
    }
}
